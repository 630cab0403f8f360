// curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731).
#include "crypto/x25519.h"
#include "transport/kex_method.h"

namespace ssh::transport {

namespace {

class Curve25519Agreement final : public KeyAgreement {
 public:
  explicit Curve25519Agreement(crypto::X25519KeyPair pair) : pair_(std::move(pair)) {}
  Bytes public_value() const override { return Bytes(pair_.public_key.begin(), pair_.public_key.end()); }
  Result<SecretBytes> shared_secret(ByteView peer_public) override {
    // RFC 8731 §3: the peer key must be exactly 32 bytes; an all-zero result is refused
    // (both checked by x25519_shared). The 32 output bytes are K as a big-endian number.
    if (peer_public.size() != 32) {
      return fail(ErrorCode::protocol, "curve25519 public key of wrong length",
                  DisconnectReason::key_exchange_failed);
    }
    return crypto::x25519_shared(pair_.private_key.view(), peer_public);
  }
  bool publics_are_mpint() const override { return false; }

 private:
  crypto::X25519KeyPair pair_;
};

}  // namespace

Result<std::unique_ptr<KeyAgreement>> make_curve25519_agreement(crypto::RandomSource& rng) {
  return std::make_unique<Curve25519Agreement>(crypto::x25519_generate(rng));
}

}  // namespace ssh::transport
