// Signature primitives: Ed25519 through libsodium (RFC 8032), ECDSA and RSA through
// EVP_PKEY objects assembled from raw components with EVP_PKEY_fromdata.
#include "crypto/signature.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/evp_util.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto {
namespace {

constexpr int kRsaMaxBits = 16384;  // OpenSSH's SSHBUF_MAX_BIGNUM * 8

// Several bignums here hold private key material; every one is wiped when freed.
using Bn = SecretBignumPtr;

Result<EvpPkeyPtr> pkey_fromdata(const char* type, int selection, OSSL_PARAM* params) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) != 1) {
    return detail::ossl_fail("key from components");
  }
  return EvpPkeyPtr(raw);
}

Result<Bytes> digest_sign(HashAlg hash, EVP_PKEY* key, ByteView message) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, hash_name(hash), nullptr, nullptr, key, nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return detail::ossl_fail("sign init");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return detail::ossl_fail("sign");
  }
  sig.resize(len);
  return sig;
}

bool digest_verify(HashAlg hash, EVP_PKEY* key, ByteView message, ByteView sig) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok =
      ctx &&
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, hash_name(hash), nullptr, nullptr, key, nullptr) == 1 &&
      EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
  ERR_clear_error();
  return ok;
}

Bn to_bn(ByteView magnitude, bool secret = false) {
  Bn bn(secret ? BN_secure_new() : BN_new());
  if (bn && BN_bin2bn(magnitude.data(), int(magnitude.size()), bn.get()) == nullptr) bn.reset();
  return bn;
}

Bytes bn_bytes(const BIGNUM* bn) {
  Bytes out(size_t(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

Result<Bn> get_bn(const EVP_PKEY* key, const char* name, bool secret = false) {
  BIGNUM* raw = secret ? BN_secure_new() : nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    BN_clear_free(raw);
    return detail::ossl_fail("key component");
  }
  return Bn(raw);
}

SecretBytes secret_bn_bytes(const BIGNUM* bn) {
  SecretBytes out(size_t(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

int nid_for(Curve curve) {
  switch (curve) {
    case Curve::p256: return NID_X9_62_prime256v1;
    case Curve::p384: return NID_secp384r1;
    case Curve::p521: return NID_secp521r1;
  }
  return NID_undef;
}

Result<EvpPkeyPtr> ec_private_key(Curve curve, ByteView private_scalar) {
  Bytes pub = SSH_TRY(ecdsa_public_from_private(curve, private_scalar));
  Bn priv = to_bn(private_scalar, true);
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!priv || !bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, detail::curve_group_name(curve),
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()) != 1) {
    return detail::ossl_fail("ecdsa params");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return detail::ossl_fail("ecdsa params");
  return pkey_fromdata("EC", EVP_PKEY_KEYPAIR, params.get());
}

}  // namespace

// ---- Ed25519 (RFC 8032 §5.1) ----

Result<Bytes> ed25519_sign(ByteView private_seed, ByteView message) {
  if (private_seed.size() != crypto_sign_SEEDBYTES) return fail(ErrorCode::internal, "ed25519 seed size");
  detail::ensure_sodium();
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk;
  SecretArray<crypto_sign_SECRETKEYBYTES> sk;
  crypto_sign_seed_keypair(pk.data(), sk.data(), private_seed.data());
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data());
  return sig;
}

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  detail::ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) ==
         0;
}

std::array<uint8_t, 32> ed25519_public_from_seed(ByteView private_seed) {
  std::array<uint8_t, 32> pk{};
  if (private_seed.size() != crypto_sign_SEEDBYTES) return pk;
  detail::ensure_sodium();
  SecretArray<crypto_sign_SECRETKEYBYTES> sk;
  crypto_sign_seed_keypair(pk.data(), sk.data(), private_seed.data());
  return pk;
}

// ---- ECDSA (RFC 5656 §3.1.2, §6.2.1) ----

HashAlg ecdsa_hash(Curve curve) {
  switch (curve) {
    case Curve::p256: return HashAlg::sha256;
    case Curve::p384: return HashAlg::sha384;
    case Curve::p521: return HashAlg::sha512;
  }
  return HashAlg::sha256;
}

Result<Bytes> ecdsa_public_from_private(Curve curve, ByteView private_scalar) {
  EcGroupPtr group(EC_GROUP_new_by_curve_name(nid_for(curve)));
  Bn priv = to_bn(private_scalar, true);
  BnCtxPtr bn_ctx(BN_CTX_secure_new());
  if (!group || !priv || !bn_ctx) return detail::ossl_fail("ec alloc");
  // The scalar must lie in [1, n-1] (SEC1 §3.2.1).
  if (BN_is_zero(priv.get()) || BN_cmp(priv.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return fail(ErrorCode::parse, "ecdsa private scalar out of range");
  }
  EcPointPtr point(EC_POINT_new(group.get()));
  Bytes out(1 + 2 * curve_field_size(curve));
  if (!point || EC_POINT_mul(group.get(), point.get(), priv.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         bn_ctx.get()) != out.size()) {
    return detail::ossl_fail("ec point mul");
  }
  return out;
}

Result<EcdsaSignature> ecdsa_sign(Curve curve, ByteView private_scalar, ByteView message) {
  EvpPkeyPtr key = SSH_TRY(ec_private_key(curve, private_scalar));
  Bytes der = SSH_TRY(digest_sign(ecdsa_hash(curve), key.get(), message));
  const uint8_t* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
  if (!sig) return detail::ossl_fail("ecdsa signature decode");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return EcdsaSignature{bn_bytes(r), bn_bytes(s)};
}

bool ecdsa_verify(Curve curve, ByteView public_point, ByteView message, const EcdsaSignature& sig) {
  size_t limit = curve_field_size(curve);
  if (sig.r.empty() || sig.s.empty() || sig.r.size() > limit || sig.s.size() > limit) return false;
  auto key = detail::ec_public_key(curve, public_point);
  if (!key) return false;
  Bn r = to_bn(sig.r);
  Bn s = to_bn(sig.s);
  EcdsaSigPtr der_sig(ECDSA_SIG_new());
  if (!r || !s || !der_sig || ECDSA_SIG_set0(der_sig.get(), r.get(), s.get()) != 1) return false;
  (void)r.release();  // now owned by der_sig
  (void)s.release();
  uint8_t* der = nullptr;
  int der_len = i2d_ECDSA_SIG(der_sig.get(), &der);
  if (der_len <= 0) return false;
  bool ok = digest_verify(ecdsa_hash(curve), key->get(), message, ByteView(der, size_t(der_len)));
  OPENSSL_free(der);
  return ok;
}

Result<EcdsaKeyPair> ecdsa_generate(Curve curve) {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", detail::curve_group_name(curve)));
  if (!key) return detail::ossl_fail("ecdsa keygen");
  Bn priv = SSH_TRY(get_bn(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, true));
  EcdsaKeyPair pair;
  pair.private_scalar = secret_bn_bytes(priv.get());
  pair.public_point = SSH_TRY(detail::ec_public_point(key.get()));
  return pair;
}

// ---- RSA PKCS#1 v1.5 (RFC 8017 §8.2, RFC 8332) ----

Result<Bytes> rsa_sign(HashAlg hash, const RsaPrivateKey& key, ByteView message) {
  if (hash == HashAlg::sha384) {
    // SHA-384 has no SSH RSA algorithm name. SHA-1 (ssh-rsa) stays possible: whether it
    // may be used is the caller's policy (PubkeyAcceptedAlgorithms), as in OpenSSH.
    return fail(ErrorCode::protocol, "rsa signature hash not allowed");
  }
  Bn n = to_bn(key.n), e = to_bn(key.e);
  Bn d = to_bn(key.d.view(), true), p = to_bn(key.p.view(), true);
  Bn q = to_bn(key.q.view(), true), iqmp = to_bn(key.iqmp.view(), true);
  Bn dmp1(BN_secure_new()), dmq1(BN_secure_new()), t(BN_secure_new());
  BnCtxPtr bn_ctx(BN_CTX_secure_new());
  if (!n || !e || !d || !p || !q || !iqmp || !dmp1 || !dmq1 || !t || !bn_ctx) {
    return detail::ossl_fail("rsa alloc");
  }
  int bits = BN_num_bits(n.get());
  if (bits < kRsaMinBits || bits > kRsaMaxBits) return fail(ErrorCode::protocol, "rsa modulus size");
  // CRT exponents d mod (p-1) and d mod (q-1); OpenSSH key files do not store them.
  if (BN_sub(t.get(), p.get(), BN_value_one()) != 1 ||
      BN_mod(dmp1.get(), d.get(), t.get(), bn_ctx.get()) != 1 ||
      BN_sub(t.get(), q.get(), BN_value_one()) != 1 ||
      BN_mod(dmq1.get(), d.get(), t.get(), bn_ctx.get()) != 1) {
    return detail::ossl_fail("rsa crt");
  }
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get()) != 1) {
    return detail::ossl_fail("rsa params");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return detail::ossl_fail("rsa params");
  EvpPkeyPtr pkey = SSH_TRY(pkey_fromdata("RSA", EVP_PKEY_KEYPAIR, params.get()));
  return digest_sign(hash, pkey.get(), message);
}

bool rsa_verify(HashAlg hash, ByteView n, ByteView e, ByteView message, ByteView signature) {
  if (hash == HashAlg::sha384) return false;
  Bn bn_n = to_bn(n), bn_e = to_bn(e);
  if (!bn_n || !bn_e) return false;
  int bits = BN_num_bits(bn_n.get());
  if (bits < kRsaMinBits || bits > kRsaMaxBits) return false;
  size_t mod_len = size_t(BN_num_bytes(bn_n.get()));
  // Some signers drop leading zero bytes; accept a short signature by left-padding it, as
  // OpenSSH does, but never a long one.
  if (signature.empty() || signature.size() > mod_len) return false;
  Bytes padded(mod_len - signature.size(), 0);
  append(padded, signature);
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return false;
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return false;
  auto key = pkey_fromdata("RSA", EVP_PKEY_PUBLIC_KEY, params.get());
  if (!key) return false;
  return digest_verify(hash, key->get(), message, padded);
}

Result<RsaPrivateKey> rsa_generate(int bits) {
  if (bits < kRsaMinBits || bits > kRsaMaxBits) return fail(ErrorCode::config, "rsa key size");
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(bits)));
  if (!key) return detail::ossl_fail("rsa keygen");
  RsaPrivateKey out;
  out.n = bn_bytes(SSH_TRY(get_bn(key.get(), OSSL_PKEY_PARAM_RSA_N)).get());
  out.e = bn_bytes(SSH_TRY(get_bn(key.get(), OSSL_PKEY_PARAM_RSA_E)).get());
  out.d = secret_bn_bytes(SSH_TRY(get_bn(key.get(), OSSL_PKEY_PARAM_RSA_D, true)).get());
  out.p = secret_bn_bytes(SSH_TRY(get_bn(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, true)).get());
  out.q = secret_bn_bytes(SSH_TRY(get_bn(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, true)).get());
  out.iqmp = secret_bn_bytes(SSH_TRY(get_bn(key.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, true)).get());
  return out;
}

}  // namespace ssh::crypto
