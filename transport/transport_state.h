// Export/import of a live TransportSession (TransportSession::export_state() and
// TransportSession::import_state(), implemented in transport_state.cpp): the privsep
// hand-off from the pre-auth process to the user's process, and later continuations.
//
// The blob is private to this implementation (both ends run the same binary); it is
// versioned and every field is length-checked on import. It holds keys, so it travels
// only in SecretBytes and over channels the monitor trusts. Layout (RFC 4251 §5 types):
//
//   string   kTransportStateMagic
//   uint32   kTransportStateVersion
//   byte     role (0 client, 1 server)
//   string   our identification line (without CR LF; hashed again on every rekey)
//   string   the peer's identification line
//   boolean  strict KEX;  boolean  authenticated (delayed compression may run)
//   string   the peer's first KEXINIT payload (markers: ext-info, continuation, ...)
//   string   kex, string host key algorithm,
//            3 x string c2s cipher/mac/compression, 3 x string s2c cipher/mac/compression
//   string   session id;  string  H of the latest exchange;  string  K_S
//   uint64   rekey limit out (blocks);  uint64  rekey limit in (blocks)
//   uint64   milliseconds since the current keys took effect (time-based rekeying)
//   uint32   n;  n x (string name, string value)   EXT_INFO received
//   boolean  server-sig-algs present;  [name-list server-sig-algs]
//   2 x direction (send, then receive):
//            string cipher, string mac ("" for AEAD/none), string iv, string key,
//            string mac key, uint64 stream position (AES-CTR keystream bytes or AES-GCM
//            invocations), boolean zlib stream started (fresh; never used)
//   uint32   send seq;  uint32  receive seq
//   2 x 4 x uint64  sent, received: packets, bytes, blocks since keys, packets since keys
//   string   unprocessed input;  boolean  its first packet length read;  [uint32 length]
//   string   output not yet written to the socket
//
// Compression: a zlib stream that has carried data cannot be exported (OpenSSH dropped
// that too). With zlib@openssh.com the streams start on USERAUTH_SUCCESS and are still
// fresh when the server hands over right after sending it, so privsep works; a privsep
// server must not negotiate plain "zlib" (its streams run from the first NEWKEYS).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ssh::transport {

inline constexpr std::string_view kTransportStateMagic = "sshc-transport-state";
inline constexpr uint32_t kTransportStateVersion = 1;
// Caps on the two buffers a state may carry (unprocessed input, unwritten output).
inline constexpr size_t kMaxStateBuffer = 64 * 1024 * 1024;

}  // namespace ssh::transport
