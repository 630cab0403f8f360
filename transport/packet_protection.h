// Per-direction packet protection (RFC 4253 §6.3-6.4, RFC 4344, RFC 5647 and OpenSSH
// PROTOCOL §1.5 (etm), PROTOCOL.chacha20poly1305): seal/open in place.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/aes_ctr.h"
#include "crypto/aes_gcm.h"
#include "crypto/chacha20_poly1305.h"
#include "crypto/hmac.h"
#include "transport/algorithms.h"

namespace ssh::transport {

struct DirectionKeys {
  SecretBytes iv;
  SecretBytes key;
  SecretBytes mac_key;

  DirectionKeys clone() const { return {iv.clone(), key.clone(), mac_key.clone()}; }
};

class PacketProtection {
 public:
  // The state before the first NEWKEYS: no cipher, no MAC.
  PacketProtection() = default;
  PacketProtection(PacketProtection&&) noexcept = default;
  PacketProtection& operator=(PacketProtection&&) noexcept = default;

  // mac is ignored (may be null) for AEAD ciphers. stream_position rebuilds a protection
  // that was exported mid-connection (see stream_position()).
  static Result<PacketProtection> create(const CipherInfo& cipher, const MacInfo* mac,
                                         const DirectionKeys& keys, uint64_t stream_position = 0);

  const CipherInfo& cipher() const { return *cipher_; }
  const MacInfo* mac() const { return mac_; }
  size_t block_size() const { return cipher_->block_size; }
  // Bytes of MAC or AEAD tag that follow each packet.
  size_t tag_size() const;
  // True when the 4-byte length is excluded from the padding alignment (etm and AEAD
  // modes; OpenSSH's "aadlen").
  bool length_excluded_from_padding() const;
  // Bytes needed before the packet length can be learnt (4, or one cipher block for
  // encrypt-and-MAC CTR where the length is encrypted with the rest).
  size_t length_prefix_size() const;

  // packet = uint32 length || padding length || payload || padding, in clear; encrypts in
  // place and writes tag_size() bytes at tag.
  Status seal(uint32_t seq, std::span<uint8_t> packet, uint8_t* tag);
  // Learns the packet length from the first length_prefix_size() bytes. For
  // encrypt-and-MAC CTR it decrypts those bytes in place, so call it once per packet.
  uint32_t read_length(uint32_t seq, std::span<uint8_t> prefix);
  // Verifies and decrypts a whole packet (as handed to read_length first) in place.
  Status open(uint32_t seq, std::span<uint8_t> packet, const uint8_t* tag);

  // For transport state export: the keys this protection was built from, and how far
  // its cipher has advanced (AES-CTR keystream bytes, AES-GCM invocations; 0 for
  // chacha20-poly1305, whose nonce is the sequence number, and for none).
  const DirectionKeys& keys() const { return keys_; }
  uint64_t stream_position() const;

 private:
  Status check_mac(uint32_t seq, ByteView data, const uint8_t* tag);
  void compute_mac(uint32_t seq, ByteView data, uint8_t* out);

  const CipherInfo* cipher_ = &cipher_none();
  const MacInfo* mac_ = nullptr;
  std::optional<crypto::AesCtr> ctr_;
  std::optional<crypto::AesGcm> gcm_;
  std::optional<crypto::ChaCha20Poly1305> chacha_;
  std::optional<crypto::Hmac> hmac_;
  DirectionKeys keys_;
};

}  // namespace ssh::transport
