// X25519 (RFC 7748) for curve25519-sha256 (RFC 8731).
#pragma once

#include <array>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/random.h"

namespace ssh::crypto {

struct X25519KeyPair {
  SecretArray<32> private_key;
  std::array<uint8_t, 32> public_key{};
};

X25519KeyPair x25519_generate(RandomSource& rng);
// Public key for a given private scalar (used by tests with RFC vectors).
std::array<uint8_t, 32> x25519_public(ByteView private_key);
// Shared secret; fails on a peer key of the wrong size or an all-zero result
// (RFC 7748 §6.1, RFC 8731 §3).
Result<SecretBytes> x25519_shared(ByteView private_key, ByteView peer_public);

}  // namespace ssh::crypto
