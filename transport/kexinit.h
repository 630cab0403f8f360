// SSH_MSG_KEXINIT codec (RFC 4253 §7.1), the marker pseudo-algorithms that ride in its
// kex_algorithms list, and the negotiation of one KEXINIT pair.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "transport/version.h"

namespace ssh::transport {

// Marker names: never chosen as a kex method, only signal support.
namespace marker {
constexpr std::string_view kExtInfoClient = "ext-info-c";  // RFC 8308 §2.1
constexpr std::string_view kExtInfoServer = "ext-info-s";
constexpr std::string_view kStrictClient = "kex-strict-c-v00@openssh.com";  // OpenSSH PROTOCOL §1.10
constexpr std::string_view kStrictServer = "kex-strict-s-v00@openssh.com";
}  // namespace marker

struct KexInit {
  std::array<uint8_t, 16> cookie{};
  std::vector<std::string> kex;
  std::vector<std::string> host_key;
  std::vector<std::string> cipher_c2s, cipher_s2c;
  std::vector<std::string> mac_c2s, mac_s2c;
  std::vector<std::string> compression_c2s, compression_s2c;
  std::vector<std::string> language_c2s, language_s2c;
  bool first_kex_packet_follows = false;
  uint32_t reserved = 0;

  // The full message payload, starting with the message number.
  Bytes encode() const;
  static Result<KexInit> decode(ByteView payload);
  bool has_kex_name(std::string_view name) const;
};

struct DirectionAlgorithms {
  std::string cipher;
  std::string mac;  // "<implicit>" for AEAD ciphers
  std::string compression;
};

struct NegotiatedAlgorithms {
  std::string kex;
  std::string host_key;
  DirectionAlgorithms c2s;
  DirectionAlgorithms s2c;
  // RFC 4253 §7.1: the peer sent a guessed kex packet that we must ignore.
  bool ignore_guessed_packet = false;
};

constexpr std::string_view kImplicitMac = "<implicit>";

// Negotiates per RFC 4253 §7.1. Kex names we do not implement (markers) are never chosen.
// The error context follows OpenSSH: "no matching cipher found. Their offer: ...".
Result<NegotiatedAlgorithms> negotiate(const KexInit& client, const KexInit& server, Role our_role);

}  // namespace ssh::transport
