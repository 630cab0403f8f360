// ecdh-sha2-nistp256/384/521 (RFC 5656 §4, §6.1).
#include "crypto/ecdh.h"
#include "transport/kex_method.h"

namespace ssh::transport {

namespace {

class EcdhAgreement final : public KeyAgreement {
 public:
  explicit EcdhAgreement(crypto::EcdhKey key) : key_(std::move(key)) {}
  Bytes public_value() const override { return key_.public_point(); }
  Result<SecretBytes> shared_secret(ByteView peer_public) override {
    // derive() validates the point (RFC 5656 §4: on the curve, not infinity).
    return key_.derive(peer_public);
  }
  bool publics_are_mpint() const override { return false; }

 private:
  crypto::EcdhKey key_;
};

}  // namespace

Result<std::unique_ptr<KeyAgreement>> make_ecdh_agreement(crypto::Curve curve) {
  auto key = SSH_TRY(crypto::EcdhKey::generate(curve));
  return std::make_unique<EcdhAgreement>(std::move(key));
}

}  // namespace ssh::transport
