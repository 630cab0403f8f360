// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305): a 64-byte key, K_2
// (first 32 bytes) encrypts the payload, K_1 (last 32) the 4-byte length; the nonce is the
// packet sequence number; the Poly1305 key is the first 32 bytes of K_2's keystream at
// block 0, payload encryption starts at block 1; the tag covers the encrypted length and
// the encrypted payload.
#pragma once

#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::crypto {

class ChaCha20Poly1305 {
 public:
  static constexpr size_t kKeySize = 64;
  static constexpr size_t kTagSize = 16;
  static Result<ChaCha20Poly1305> create(ByteView key);
  ChaCha20Poly1305(ChaCha20Poly1305&&) noexcept;
  ChaCha20Poly1305& operator=(ChaCha20Poly1305&&) noexcept;
  ~ChaCha20Poly1305();

  void decrypt_length(uint32_t seq, const uint8_t in[4], uint8_t out[4]) const;
  // packet: 4-byte length followed by n-4 bytes of payload, encrypted in place; the tag is
  // written to tag.
  void seal(uint32_t seq, uint8_t* packet, size_t n, uint8_t* tag) const;
  // Verifies the tag over the n encrypted bytes (length included) in constant time, then
  // decrypts bytes [4, n) in place. Bytes [0, 4) are left encrypted.
  Status open(uint32_t seq, uint8_t* packet, size_t n, const uint8_t* tag) const;

 private:
  struct Impl;  // OpenSSL contexts, reused for every packet
  ChaCha20Poly1305();
  void keystream_xor(const SecretArray<32>& key, uint32_t seq, uint8_t* poly_key, uint8_t* data,
                     size_t n) const;
  void poly1305(const uint8_t* key, const uint8_t* data, size_t n, uint8_t* tag) const;
  SecretArray<32> main_key_;    // K_2
  SecretArray<32> header_key_;  // K_1
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssh::crypto
