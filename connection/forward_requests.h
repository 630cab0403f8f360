// Type-specific data of forwarding channels and global requests: TCP/IP (RFC 4254 §7),
// Unix-domain sockets (OpenSSH PROTOCOL §2.4, streamlocal), and the OpenSSH global
// requests that carry little or no data (PROTOCOL §2.2, §2.5). Every layout is fixed:
// leftover bytes are a parse error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::connection {

// Channel types.
inline constexpr std::string_view kChannelDirectTcpip = "direct-tcpip";
inline constexpr std::string_view kChannelForwardedTcpip = "forwarded-tcpip";
inline constexpr std::string_view kChannelDirectStreamlocal = "direct-streamlocal@openssh.com";
inline constexpr std::string_view kChannelForwardedStreamlocal = "forwarded-streamlocal@openssh.com";

// Global request names.
inline constexpr std::string_view kGlobalTcpipForward = "tcpip-forward";
inline constexpr std::string_view kGlobalCancelTcpipForward = "cancel-tcpip-forward";
inline constexpr std::string_view kGlobalStreamlocalForward = "streamlocal-forward@openssh.com";
inline constexpr std::string_view kGlobalCancelStreamlocalForward = "cancel-streamlocal-forward@openssh.com";
inline constexpr std::string_view kGlobalNoMoreSessions = "no-more-sessions@openssh.com";
inline constexpr std::string_view kGlobalHostkeys = "hostkeys-00@openssh.com";
inline constexpr std::string_view kGlobalHostkeysProve = "hostkeys-prove-00@openssh.com";

inline constexpr size_t kMaxHostLength = 1024;  // host names and address literals
inline constexpr size_t kMaxSocketPathLength = 4096;
inline constexpr size_t kMaxHostkeys = 64;  // keys in one hostkeys-00 message

// RFC 4254 §7.2 "direct-tcpip" open data.
struct DirectTcpip {
  std::string host_to_connect;
  uint32_t port_to_connect = 0;
  std::string originator_address;
  uint32_t originator_port = 0;
  bool operator==(const DirectTcpip&) const = default;
};

// RFC 4254 §7.2 "forwarded-tcpip" open data.
struct ForwardedTcpip {
  std::string connected_address;
  uint32_t connected_port = 0;
  std::string originator_address;
  uint32_t originator_port = 0;
  bool operator==(const ForwardedTcpip&) const = default;
};

// RFC 4254 §7.1 "tcpip-forward" and "cancel-tcpip-forward" request data.
struct TcpipForward {
  std::string bind_address;
  uint32_t bind_port = 0;
  bool operator==(const TcpipForward&) const = default;
};

// OpenSSH PROTOCOL §2.4 "direct-streamlocal@openssh.com" open data (the reserved
// fields are written as empty / zero and ignored on input).
struct DirectStreamlocal {
  std::string socket_path;
  bool operator==(const DirectStreamlocal&) const = default;
};

// "forwarded-streamlocal@openssh.com" open data.
struct ForwardedStreamlocal {
  std::string socket_path;
  bool operator==(const ForwardedStreamlocal&) const = default;
};

// "streamlocal-forward@openssh.com" and "cancel-streamlocal-forward@openssh.com".
struct StreamlocalForward {
  std::string socket_path;
  bool operator==(const StreamlocalForward&) const = default;
};

Bytes encode(const DirectTcpip& m);
Bytes encode(const ForwardedTcpip& m);
Bytes encode(const TcpipForward& m);
Bytes encode(const DirectStreamlocal& m);
Bytes encode(const ForwardedStreamlocal& m);
Bytes encode(const StreamlocalForward& m);

Result<DirectTcpip> decode_direct_tcpip(ByteView data);
Result<ForwardedTcpip> decode_forwarded_tcpip(ByteView data);
Result<TcpipForward> decode_tcpip_forward(ByteView data);
Result<DirectStreamlocal> decode_direct_streamlocal(ByteView data);
Result<ForwardedStreamlocal> decode_forwarded_streamlocal(ByteView data);
Result<StreamlocalForward> decode_streamlocal_forward(ByteView data);

// RFC 4254 §7.1: REQUEST_SUCCESS to "tcpip-forward" carries the bound port only when
// port 0 was requested; otherwise its data is empty.
Bytes encode_tcpip_forward_reply(uint32_t bound_port);
// Returns the port from the reply data, or `requested_port` when the data is empty.
Result<uint32_t> decode_tcpip_forward_reply(ByteView data, uint32_t requested_port);

// OpenSSH PROTOCOL §2.5: "hostkeys-00@openssh.com" data is a sequence of key blobs;
// "hostkeys-prove-00@openssh.com" has the same request layout. Views into `data`.
Bytes encode_hostkeys(const std::vector<ByteView>& blobs);
Result<std::vector<ByteView>> decode_hostkeys(ByteView data);

}  // namespace ssh::connection
