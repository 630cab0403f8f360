// AES-GCM as aes{128,256}-gcm@openssh.com use it (RFC 5647 §7.1): 12-byte nonce = 4-byte
// fixed field + 8-byte invocation counter, incremented after every packet; the 4-byte
// packet length is AAD and stays in clear; 16-byte tag.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::crypto {

class AesGcm {
 public:
  static constexpr size_t kTagSize = 16;
  // key: 16 or 32 bytes; iv: 12 bytes.
  static Result<AesGcm> create(ByteView key, ByteView iv);
  // The context create(key, iv) gives after `invocations` packets: the invocation
  // counter (the low 8 bytes of iv) advanced by that many. Rebuilds exported state.
  static Result<AesGcm> create_at(ByteView key, ByteView iv, uint64_t invocations);
  AesGcm(AesGcm&&) noexcept;
  AesGcm& operator=(AesGcm&&) noexcept;
  ~AesGcm();
  // Encrypts data in place and writes the tag; then advances the invocation counter.
  Status seal(ByteView aad, uint8_t* data, size_t n, uint8_t* tag);
  // Verifies the tag and decrypts in place; on failure data is unspecified and the
  // counter does not advance.
  Status open(ByteView aad, uint8_t* data, size_t n, const uint8_t* tag);
  // Successful seal/open calls since the initial iv (for state export).
  uint64_t invocations() const;

 private:
  struct Impl;
  explicit AesGcm(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssh::crypto
