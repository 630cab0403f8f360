// ECDH over NIST P-256/384/521 (RFC 5656) with uncompressed SEC1 points.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::crypto {

enum class Curve { p256, p384, p521 };

size_t curve_field_size(Curve curve);  // 32, 48, 66

class EcdhKey {
 public:
  static Result<EcdhKey> generate(Curve curve);
  EcdhKey(EcdhKey&&) noexcept;
  EcdhKey& operator=(EcdhKey&&) noexcept;
  ~EcdhKey();
  Bytes public_point() const;  // 0x04 || X || Y
  // Validates the peer point (on curve, not infinity) and returns the shared x coordinate
  // as a fixed-size big-endian magnitude.
  Result<SecretBytes> derive(ByteView peer_point) const;

 private:
  struct Impl;
  explicit EcdhKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssh::crypto
