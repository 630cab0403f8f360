#include "connection/session_requests.h"

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::connection {

namespace {

Result<std::string> text(WireReader& r, size_t max) {
  std::string_view v = SSH_TRY(r.text(max));
  return std::string(v);
}

}  // namespace

Bytes encode(const PtyRequest& m) {
  return WireWriter()
      .string(m.term)
      .u32(m.columns)
      .u32(m.rows)
      .u32(m.width_pixels)
      .u32(m.height_pixels)
      .string(ByteView(m.modes))
      .take();
}

Result<PtyRequest> decode_pty_request(ByteView data) {
  WireReader r(data);
  PtyRequest m;
  m.term = SSH_TRY(text(r, kMaxTermLength));
  m.columns = SSH_TRY(r.u32());
  m.rows = SSH_TRY(r.u32());
  m.width_pixels = SSH_TRY(r.u32());
  m.height_pixels = SSH_TRY(r.u32());
  ByteView modes = SSH_TRY(r.string(kMaxModesLength));
  m.modes.assign(modes.begin(), modes.end());
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const EnvRequest& m) {
  return WireWriter().string(m.name).string(m.value).take();
}

Result<EnvRequest> decode_env_request(ByteView data) {
  WireReader r(data);
  EnvRequest m;
  m.name = SSH_TRY(text(r, kMaxEnvNameLength));
  m.value = SSH_TRY(text(r, kMaxEnvValueLength));
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const ExecRequest& m) {
  return WireWriter().string(m.command).take();
}

Result<ExecRequest> decode_exec_request(ByteView data) {
  WireReader r(data);
  ExecRequest m;
  m.command = SSH_TRY(text(r, kMaxCommandLength));
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const SubsystemRequest& m) {
  return WireWriter().string(m.name).take();
}

Result<SubsystemRequest> decode_subsystem_request(ByteView data) {
  WireReader r(data);
  SubsystemRequest m;
  m.name = SSH_TRY(text(r, kMaxEnvNameLength));
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const WindowChange& m) {
  return WireWriter().u32(m.columns).u32(m.rows).u32(m.width_pixels).u32(m.height_pixels).take();
}

Result<WindowChange> decode_window_change(ByteView data) {
  WireReader r(data);
  WindowChange m;
  m.columns = SSH_TRY(r.u32());
  m.rows = SSH_TRY(r.u32());
  m.width_pixels = SSH_TRY(r.u32());
  m.height_pixels = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const XonXoff& m) {
  return WireWriter().boolean(m.client_can_do).take();
}

Result<XonXoff> decode_xon_xoff(ByteView data) {
  WireReader r(data);
  XonXoff m;
  m.client_can_do = SSH_TRY(r.boolean());
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const SignalRequest& m) {
  return WireWriter().string(m.name).take();
}

Result<SignalRequest> decode_signal_request(ByteView data) {
  WireReader r(data);
  SignalRequest m;
  m.name = SSH_TRY(text(r, kMaxTermLength));
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const ExitStatus& m) {
  return WireWriter().u32(m.status).take();
}

Result<ExitStatus> decode_exit_status(ByteView data) {
  WireReader r(data);
  ExitStatus m;
  m.status = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const ExitSignal& m) {
  return WireWriter()
      .string(m.signal)
      .boolean(m.core_dumped)
      .string(m.error_message)
      .string(m.language)
      .take();
}

Result<ExitSignal> decode_exit_signal(ByteView data) {
  WireReader r(data);
  ExitSignal m;
  m.signal = SSH_TRY(text(r, kMaxTermLength));
  m.core_dumped = SSH_TRY(r.boolean());
  m.error_message = SSH_TRY(text(r, kMaxEnvValueLength));
  m.language = SSH_TRY(text(r, kMaxTermLength));
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const BreakRequest& m) {
  return WireWriter().u32(m.length_ms).take();
}

Result<BreakRequest> decode_break_request(ByteView data) {
  WireReader r(data);
  BreakRequest m;
  m.length_ms = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return m;
}

Status decode_empty(ByteView data) {
  return WireReader(data).expect_end();
}

}  // namespace ssh::connection
