// SSH message numbers the transport layer handles itself (RFC 4250 §4.1, RFC 4253 §12,
// RFC 8308 for EXT_INFO, RFC 5656 / RFC 4419 for the kex-specific ranges).
#pragma once

#include <cstdint>

namespace ssh::transport::msg {

constexpr uint8_t kDisconnect = 1;
constexpr uint8_t kIgnore = 2;
constexpr uint8_t kUnimplemented = 3;
constexpr uint8_t kDebug = 4;
constexpr uint8_t kServiceRequest = 5;
constexpr uint8_t kServiceAccept = 6;
constexpr uint8_t kExtInfo = 7;
constexpr uint8_t kKexinit = 20;
constexpr uint8_t kNewkeys = 21;
// Kex-method specific range (RFC 4250 §4.1.2): 30..49.
constexpr uint8_t kKexFirst = 30;
constexpr uint8_t kKexLast = 49;
constexpr uint8_t kKexdhInit = 30;      // also KEX_ECDH_INIT (RFC 5656 §7.1)
constexpr uint8_t kKexdhReply = 31;     // also KEX_ECDH_REPLY
constexpr uint8_t kKexDhGexGroup = 31;  // RFC 4419 §5
constexpr uint8_t kKexDhGexInit = 32;
constexpr uint8_t kKexDhGexReply = 33;
constexpr uint8_t kKexDhGexRequest = 34;
// The first user-authentication message numbers the transport needs to know about:
// zlib@openssh.com starts after USERAUTH_SUCCESS.
constexpr uint8_t kUserauthSuccess = 52;

}  // namespace ssh::transport::msg
