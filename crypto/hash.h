// Message digests (OpenSSL EVP).
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::crypto {

enum class HashAlg { sha1, sha256, sha384, sha512 };

size_t hash_size(HashAlg alg);
const char* hash_name(HashAlg alg);  // "SHA256" etc, as OpenSSH prints them

// Incremental digest; the exchange hash and fingerprints use it.
class Hash {
 public:
  static Result<Hash> create(HashAlg alg);
  Hash(Hash&&) noexcept;
  Hash& operator=(Hash&&) noexcept;
  ~Hash();
  void update(ByteView data);
  Bytes finish();  // the object may not be used afterwards
  size_t size() const;

 private:
  struct Impl;
  explicit Hash(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

Bytes digest(HashAlg alg, ByteView data);

}  // namespace ssh::crypto
