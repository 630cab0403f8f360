// HMAC (RFC 2104) over SHA-1/SHA-2, keyed once, reused per packet.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/hash.h"

namespace ssh::crypto {

class Hmac {
 public:
  static Result<Hmac> create(HashAlg alg, ByteView key);
  Hmac(Hmac&&) noexcept;
  Hmac& operator=(Hmac&&) noexcept;
  ~Hmac();
  size_t size() const;
  // Starts a new MAC computation with the same key.
  void reset();
  void update(ByteView data);
  // Writes size() bytes to out and resets for the next message.
  void finish(uint8_t* out);

 private:
  struct Impl;
  explicit Hmac(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

Bytes hmac(HashAlg alg, ByteView key, ByteView data);

}  // namespace ssh::crypto
