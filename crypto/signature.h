// Raw signature primitives under the SSH key formats: Ed25519 (RFC 8032), ECDSA over
// NIST curves (RFC 5656, r and s as big-endian magnitudes), RSA PKCS#1 v1.5 with
// SHA-256/512 (RFC 8332) and SHA-1 (verification of legacy ssh-rsa only).
// keys/ turns SSH blobs into these calls.
#pragma once

#include <array>
#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/ecdh.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace ssh::crypto {

// Ed25519. private_seed is the 32-byte seed; OpenSSH files store seed||public (64 bytes),
// callers pass the first 32.
Result<Bytes> ed25519_sign(ByteView private_seed, ByteView message);
bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature);
std::array<uint8_t, 32> ed25519_public_from_seed(ByteView private_seed);

struct EcdsaSignature {
  Bytes r;
  Bytes s;
};
HashAlg ecdsa_hash(Curve curve);  // SHA-256/384/512 for P-256/384/521
// private_scalar: big-endian; public_point: uncompressed SEC1.
Result<EcdsaSignature> ecdsa_sign(Curve curve, ByteView private_scalar, ByteView message);
bool ecdsa_verify(Curve curve, ByteView public_point, ByteView message, const EcdsaSignature& sig);
// Derives the public point from the scalar (key files carry both; used to check them).
Result<Bytes> ecdsa_public_from_private(Curve curve, ByteView private_scalar);
struct EcdsaKeyPair {
  SecretBytes private_scalar;
  Bytes public_point;
};
Result<EcdsaKeyPair> ecdsa_generate(Curve curve);

struct RsaPrivateKey {
  Bytes n, e;
  SecretBytes d, p, q, iqmp;  // dmp1/dmq1 are computed
};
// Minimum modulus for signatures we accept (OpenSSH: 1024 bits).
constexpr int kRsaMinBits = 1024;
Result<Bytes> rsa_sign(HashAlg hash, const RsaPrivateKey& key, ByteView message);
bool rsa_verify(HashAlg hash, ByteView n, ByteView e, ByteView message, ByteView signature);
Result<RsaPrivateKey> rsa_generate(int bits);

}  // namespace ssh::crypto
