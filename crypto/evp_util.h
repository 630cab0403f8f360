// Internal helpers shared by the crypto/ implementation files; not part of the layer's
// interface.
#pragma once

#include <openssl/evp.h>

#include "base/result.h"
#include "crypto/ecdh.h"
#include "crypto/hash.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto::detail {

const EVP_MD* evp_md(HashAlg alg);

// libsodium picks its SIMD implementations in sodium_init(); every constructor of a
// sodium-backed object calls this first. Idempotent.
void ensure_sodium();

// A crypto failure with OpenSSL's error queue drained (so stale errors do not leak into
// later calls).
std::unexpected<Error> ossl_fail(const char* context);

// OpenSSL group name of a NIST curve ("P-256", ...).
const char* curve_group_name(Curve curve);

// Public EC key from an uncompressed SEC1 point, fully validated (length, 0x04 prefix,
// on the curve, not the point at infinity).
Result<EvpPkeyPtr> ec_public_key(Curve curve, ByteView point);

// The uncompressed SEC1 encoding of an EC key's public point.
Result<Bytes> ec_public_point(const EVP_PKEY* key);

}  // namespace ssh::crypto::detail
