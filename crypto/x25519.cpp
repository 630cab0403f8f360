// X25519 (RFC 7748 §5) through libsodium, which clamps the scalar and masks the top bit
// of the u-coordinate as §5 requires.
#include "crypto/x25519.h"

#include <sodium.h>

#include "crypto/evp_util.h"

namespace ssh::crypto {

static_assert(crypto_scalarmult_curve25519_BYTES == 32);
static_assert(crypto_scalarmult_curve25519_SCALARBYTES == 32);

X25519KeyPair x25519_generate(RandomSource& rng) {
  detail::ensure_sodium();
  X25519KeyPair kp;
  rng.fill(kp.private_key.span());
  kp.public_key = x25519_public(kp.private_key.view());
  return kp;
}

std::array<uint8_t, 32> x25519_public(ByteView private_key) {
  detail::ensure_sodium();
  std::array<uint8_t, 32> pub{};
  if (private_key.size() != 32) return pub;  // all-zero: never a valid public key
  // Fails only for a scalar that clamps to zero, impossible after clamping sets bit 254.
  if (crypto_scalarmult_curve25519_base(pub.data(), private_key.data()) != 0) pub.fill(0);
  return pub;
}

Result<SecretBytes> x25519_shared(ByteView private_key, ByteView peer_public) {
  if (private_key.size() != 32) return fail(ErrorCode::internal, "x25519 private key size");
  if (peer_public.size() != 32) {
    return fail(ErrorCode::protocol, "x25519 public key size", DisconnectReason::key_exchange_failed);
  }
  detail::ensure_sodium();
  SecretBytes shared(32);
  // libsodium returns -1 for an all-zero output (RFC 7748 §6.1, RFC 8731 §3 MUST abort)
  // and also refuses known small-order inputs up front.
  if (crypto_scalarmult_curve25519(shared.data(), private_key.data(), peer_public.data()) != 0) {
    return fail(ErrorCode::crypto, "x25519 degenerate shared secret", DisconnectReason::key_exchange_failed);
  }
  return shared;
}

}  // namespace ssh::crypto
