// diffie-hellman-group14-sha256, group16-sha512, group18-sha512 (RFC 8268, groups from
// RFC 3526); also the agreement that group exchange (RFC 4419) reuses.
#include <algorithm>

#include "transport/kex_method.h"

namespace ssh::transport {

namespace {

class DhAgreement final : public KeyAgreement {
 public:
  explicit DhAgreement(crypto::DhKey key) : key_(std::move(key)) {}
  Bytes public_value() const override { return key_.public_value(); }
  Result<SecretBytes> shared_secret(ByteView peer_public) override {
    // derive() rejects values outside (1, p-1) (RFC 4253 §8).
    return key_.derive(peer_public);
  }
  bool publics_are_mpint() const override { return true; }

 private:
  crypto::DhKey key_;
};

}  // namespace

crypto::DhGroupParams fixed_dh_group(DhGroup group) {
  switch (group) {
    case DhGroup::group16: return crypto::modp_group16();
    case DhGroup::group18: return crypto::modp_group18();
    case DhGroup::group14:
    case DhGroup::none: break;
  }
  return crypto::modp_group14();
}

Result<std::unique_ptr<KeyAgreement>> make_dh_agreement(const crypto::DhGroupParams& group,
                                                        size_t need_bytes) {
  // The private exponent needs twice the symmetric strength in bits; never below 128
  // bits of strength (OpenSSH dh_gen_key uses need*8 bits with the same floor idea).
  int bits = int(std::clamp<size_t>(need_bytes * 8, 128, 512));
  auto key = SSH_TRY(crypto::DhKey::generate(group, bits));
  return std::make_unique<DhAgreement>(std::move(key));
}

}  // namespace ssh::transport
