// Type-specific data of the "session" channel requests (RFC 4254 §6, RFC 4335 break,
// OpenSSH PROTOCOL for the @openssh.com names). Each codec covers only the bytes after
// the `want reply` boolean, i.e. ChannelRequest::data; every layout here is fixed, so
// leftover bytes are a parse error. x11-req is not supported.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::connection {

// Channel types.
inline constexpr std::string_view kChannelSession = "session";
inline constexpr std::string_view kChannelAuthAgent = "auth-agent@openssh.com";

// Channel request types.
inline constexpr std::string_view kReqPty = "pty-req";
inline constexpr std::string_view kReqEnv = "env";
inline constexpr std::string_view kReqShell = "shell";
inline constexpr std::string_view kReqExec = "exec";
inline constexpr std::string_view kReqSubsystem = "subsystem";
inline constexpr std::string_view kReqWindowChange = "window-change";
inline constexpr std::string_view kReqXonXoff = "xon-xoff";
inline constexpr std::string_view kReqSignal = "signal";
inline constexpr std::string_view kReqExitStatus = "exit-status";
inline constexpr std::string_view kReqExitSignal = "exit-signal";
inline constexpr std::string_view kReqBreak = "break";
inline constexpr std::string_view kReqAuthAgent = "auth-agent-req@openssh.com";
// Sent by OpenSSH as a global request (client, ServerAliveInterval) and as a channel
// request (server, ClientAliveInterval); both carry no data and expect a reply.
inline constexpr std::string_view kReqKeepalive = "keepalive@openssh.com";

// Caps on fields that a server copies into a child's environment or argv.
inline constexpr size_t kMaxTermLength = 256;
inline constexpr size_t kMaxEnvNameLength = 1024;
inline constexpr size_t kMaxEnvValueLength = 64 * 1024;
inline constexpr size_t kMaxCommandLength = 256 * 1024;
inline constexpr size_t kMaxModesLength = 4096;

// RFC 4254 §6.2. `modes` is the encoded terminal modes string (terminal_modes.h).
struct PtyRequest {
  std::string term;
  uint32_t columns = 0;
  uint32_t rows = 0;
  uint32_t width_pixels = 0;
  uint32_t height_pixels = 0;
  Bytes modes;
  bool operator==(const PtyRequest&) const = default;
};

// RFC 4254 §6.4.
struct EnvRequest {
  std::string name;
  std::string value;
  bool operator==(const EnvRequest&) const = default;
};

// RFC 4254 §6.5: exec (command) and subsystem (name); shell has no data.
struct ExecRequest {
  std::string command;  // arbitrary bytes, not necessarily UTF-8
  bool operator==(const ExecRequest&) const = default;
};

struct SubsystemRequest {
  std::string name;
  bool operator==(const SubsystemRequest&) const = default;
};

// RFC 4254 §6.7.
struct WindowChange {
  uint32_t columns = 0;
  uint32_t rows = 0;
  uint32_t width_pixels = 0;
  uint32_t height_pixels = 0;
  bool operator==(const WindowChange&) const = default;
};

// RFC 4254 §6.8.
struct XonXoff {
  bool client_can_do = false;
  bool operator==(const XonXoff&) const = default;
};

// RFC 4254 §6.9: signal name without the "SIG" prefix.
struct SignalRequest {
  std::string name;
  bool operator==(const SignalRequest&) const = default;
};

// RFC 4254 §6.10.
struct ExitStatus {
  uint32_t status = 0;
  bool operator==(const ExitStatus&) const = default;
};

struct ExitSignal {
  std::string signal;  // without "SIG"
  bool core_dumped = false;
  std::string error_message;
  std::string language;
  bool operator==(const ExitSignal&) const = default;
};

// RFC 4335 §3: break length in milliseconds.
struct BreakRequest {
  uint32_t length_ms = 0;
  bool operator==(const BreakRequest&) const = default;
};

Bytes encode(const PtyRequest& m);
Bytes encode(const EnvRequest& m);
Bytes encode(const ExecRequest& m);
Bytes encode(const SubsystemRequest& m);
Bytes encode(const WindowChange& m);
Bytes encode(const XonXoff& m);
Bytes encode(const SignalRequest& m);
Bytes encode(const ExitStatus& m);
Bytes encode(const ExitSignal& m);
Bytes encode(const BreakRequest& m);

Result<PtyRequest> decode_pty_request(ByteView data);
Result<EnvRequest> decode_env_request(ByteView data);
Result<ExecRequest> decode_exec_request(ByteView data);
Result<SubsystemRequest> decode_subsystem_request(ByteView data);
Result<WindowChange> decode_window_change(ByteView data);
Result<XonXoff> decode_xon_xoff(ByteView data);
Result<SignalRequest> decode_signal_request(ByteView data);
Result<ExitStatus> decode_exit_status(ByteView data);
Result<ExitSignal> decode_exit_signal(ByteView data);
Result<BreakRequest> decode_break_request(ByteView data);
// For requests without data (shell, auth-agent-req@openssh.com, keepalive@openssh.com):
// fails when anything follows.
Status decode_empty(ByteView data);

}  // namespace ssh::connection
