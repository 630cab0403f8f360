// ECDH over NIST curves for ecdh-sha2-nistp{256,384,521} (RFC 5656 §4).
#include "crypto/ecdh.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/evp_util.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto {

namespace detail {

const char* curve_group_name(Curve curve) {
  switch (curve) {
    case Curve::p256: return "P-256";
    case Curve::p384: return "P-384";
    case Curve::p521: return "P-521";
  }
  return "P-256";
}

Result<EvpPkeyPtr> ec_public_key(Curve curve, ByteView point) {
  // RFC 5656 §4: Q_S/Q_C are uncompressed SEC1 points (SEC1 §2.3.3); anything else,
  // including the one-byte encoding of infinity, is refused before OpenSSL sees it.
  if (point.size() != 1 + 2 * curve_field_size(curve) || point[0] != 0x04) {
    return fail(ErrorCode::protocol, "ec point encoding", DisconnectReason::key_exchange_failed);
  }
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve_group_name(curve), 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return ossl_fail("ec params");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::protocol, "ec point not on curve", DisconnectReason::key_exchange_failed);
  }
  EvpPkeyPtr key(raw);
  // SP 800-56A §5.6.2.3.3 full public-key validation: on curve, not infinity, right order.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::protocol, "ec point invalid", DisconnectReason::key_exchange_failed);
  }
  return key;
}

Result<Bytes> ec_public_point(const EVP_PKEY* key) {
  Bytes out(1 + 2 * 66);
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(), out.size(),
                                      &len) != 1 ||
      len == 0 || out[0] != 0x04) {
    return ossl_fail("ec public point");
  }
  out.resize(len);
  return out;
}

}  // namespace detail

size_t curve_field_size(Curve curve) {
  switch (curve) {
    case Curve::p256: return 32;
    case Curve::p384: return 48;
    case Curve::p521: return 66;
  }
  return 0;
}

struct EcdhKey::Impl {
  Curve curve;
  EvpPkeyPtr key;
};

EcdhKey::EcdhKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EcdhKey::EcdhKey(EcdhKey&&) noexcept = default;
EcdhKey& EcdhKey::operator=(EcdhKey&&) noexcept = default;
EcdhKey::~EcdhKey() = default;

Result<EcdhKey> EcdhKey::generate(Curve curve) {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", detail::curve_group_name(curve)));
  if (!key) return detail::ossl_fail("ecdh keygen");
  return EcdhKey(std::make_unique<Impl>(Impl{curve, std::move(key)}));
}

Bytes EcdhKey::public_point() const {
  auto point = detail::ec_public_point(impl_->key.get());
  return point ? std::move(*point) : Bytes{};
}

Result<SecretBytes> EcdhKey::derive(ByteView peer_point) const {
  EvpPkeyPtr peer = SSH_TRY(detail::ec_public_key(impl_->curve, peer_point));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->key.get(), nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 1) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return detail::ossl_fail("ecdh derive");
  }
  SecretBytes shared(len);
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1) return detail::ossl_fail("ecdh derive");
  shared.resize(len);
  // The x coordinate, left-padded to the field size (SEC1 §3.3.1 FE2OS).
  if (len != curve_field_size(impl_->curve)) return fail(ErrorCode::internal, "ecdh secret size");
  return shared;
}

}  // namespace ssh::crypto
