#include "keys/pem_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstring>
#include <memory>

#include "keys/key_errors.h"

namespace ssh::keys {

namespace {

constexpr size_t kMaxPemSize = 1024 * 1024;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BnClearFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnClearFree>;

int passphrase_callback(char* buf, int size, int /*rwflag*/, void* user) {
  auto* pass = static_cast<std::string_view*>(user);
  if (pass->empty() || pass->size() > size_t(size)) return 0;
  std::memcpy(buf, pass->data(), pass->size());
  return int(pass->size());
}

Result<BnPtr> bn_param(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || bn == nullptr) {
    return fail(ErrorCode::parse, "PEM key parameter missing");
  }
  return BnPtr(bn);
}

SecretBytes bn_secret(const BIGNUM* bn) {
  SecretBytes out(size_t(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

Bytes bn_public(const BIGNUM* bn) {
  Bytes out(size_t(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

Result<PrivateKey> from_ed25519(const EVP_PKEY* pkey) {
  SecretArray<32> seed;
  size_t len = seed.size();
  if (EVP_PKEY_get_raw_private_key(pkey, seed.data(), &len) != 1 || len != seed.size()) {
    return fail(ErrorCode::parse, "PEM ed25519 key");
  }
  return PrivateKey::from_ed25519_seed(seed.view());
}

Result<PrivateKey> from_ec(const EVP_PKEY* pkey) {
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
    return fail(ErrorCode::parse, "PEM EC key without named curve");
  }
  std::string_view name(group, len);
  crypto::Curve curve;
  if (name == "prime256v1" || name == "P-256") {
    curve = crypto::Curve::p256;
  } else if (name == "secp384r1" || name == "P-384") {
    curve = crypto::Curve::p384;
  } else if (name == "secp521r1" || name == "P-521") {
    curve = crypto::Curve::p521;
  } else {
    return fail(ErrorCode::protocol, "unsupported EC curve");
  }
  BnPtr priv = SSH_TRY(bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY));
  SecretBytes scalar = bn_secret(priv.get());
  return PrivateKey::from_ecdsa(curve, scalar.view());
}

Result<PrivateKey> from_rsa(const EVP_PKEY* pkey) {
  crypto::RsaPrivateKey rsa;
  rsa.n = bn_public(SSH_TRY(bn_param(pkey, OSSL_PKEY_PARAM_RSA_N)).get());
  rsa.e = bn_public(SSH_TRY(bn_param(pkey, OSSL_PKEY_PARAM_RSA_E)).get());
  rsa.d = bn_secret(SSH_TRY(bn_param(pkey, OSSL_PKEY_PARAM_RSA_D)).get());
  rsa.p = bn_secret(SSH_TRY(bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1)).get());
  rsa.q = bn_secret(SSH_TRY(bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2)).get());
  rsa.iqmp = bn_secret(SSH_TRY(bn_param(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1)).get());
  return PrivateKey::from_rsa(std::move(rsa));
}

}  // namespace

bool is_pem_private_key(ByteView contents) {
  std::string_view text = as_text(contents);
  return text.find("-----BEGIN RSA PRIVATE KEY-----") != text.npos ||
         text.find("-----BEGIN EC PRIVATE KEY-----") != text.npos ||
         text.find("-----BEGIN PRIVATE KEY-----") != text.npos ||
         text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != text.npos;
}

bool pem_key_is_encrypted(ByteView contents) {
  std::string_view text = as_text(contents);
  return text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != text.npos ||
         text.find("Proc-Type: 4,ENCRYPTED") != text.npos;
}

Result<PrivateKey> parse_pem_private_key(ByteView contents, std::string_view passphrase) {
  if (contents.size() > kMaxPemSize) return fail(ErrorCode::limit, "key file too large");
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(contents.data(), int(contents.size())));
  if (!bio) return fail(ErrorCode::internal, "BIO_new_mem_buf");
  std::string_view pass = passphrase;
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback, &pass));
  // OpenSSL's error queue is per thread state we do not want to leak into later calls.
  ERR_clear_error();
  if (!pkey) {
    if (pem_key_is_encrypted(contents)) return fail_wrong_passphrase();
    return fail(ErrorCode::parse, "invalid PEM private key");
  }
  switch (EVP_PKEY_get_base_id(pkey.get())) {
    case EVP_PKEY_ED25519: return from_ed25519(pkey.get());
    case EVP_PKEY_EC: return from_ec(pkey.get());
    case EVP_PKEY_RSA: return from_rsa(pkey.get());
    default: return fail(ErrorCode::protocol, "unsupported PEM key type");
  }
}

}  // namespace ssh::keys
