// Finite-field Diffie-Hellman over MODP groups: RFC 3526 groups 14, 16, 18 for
// diffie-hellman-group{14-sha256,16-sha512,18-sha512} (RFC 8268), and arbitrary
// server-chosen groups for diffie-hellman-group-exchange-sha256 (RFC 4419).
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::crypto {

struct DhGroupParams {
  Bytes p;  // big-endian magnitude
  Bytes g;
};

DhGroupParams modp_group14();
DhGroupParams modp_group16();
DhGroupParams modp_group18();

class DhKey {
 public:
  // Validates p (odd, 2048..8192 bits)
  // and g (1 < g < p-1); picks a private exponent of 2*security_bits bits
  // (security_bits >= 112).
  static Result<DhKey> generate(const DhGroupParams& group, int security_bits);
  DhKey(DhKey&&) noexcept;
  DhKey& operator=(DhKey&&) noexcept;
  ~DhKey();
  Bytes public_value() const;  // e = g^x mod p, big-endian magnitude
  // Rejects f outside (1, p-1) (RFC 4253 §8); returns K as big-endian magnitude.
  Result<SecretBytes> derive(ByteView peer_public) const;

 private:
  struct Impl;
  explicit DhKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssh::crypto
