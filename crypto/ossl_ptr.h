// Owning pointers for OpenSSL objects: every EVP/BN object this layer creates lives in one
// of these, so no error path can leak it.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

namespace ssh::crypto {

template <class T, void (*Free)(T*)>
struct OsslDeleter {
  void operator()(T* p) const noexcept {
    if (p != nullptr) Free(p);
  }
};

template <class T, void (*Free)(T*)>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T, Free>>;

using EvpMdCtxPtr = OsslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpMdPtr = OsslPtr<EVP_MD, EVP_MD_free>;
using EvpCipherCtxPtr = OsslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using EvpCipherPtr = OsslPtr<EVP_CIPHER, EVP_CIPHER_free>;
using EvpPkeyPtr = OsslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OsslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMacPtr = OsslPtr<EVP_MAC, EVP_MAC_free>;
using EvpMacCtxPtr = OsslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using BignumPtr = OsslPtr<BIGNUM, BN_free>;
// For bignums holding secrets: BN_clear_free wipes the limbs.
using SecretBignumPtr = OsslPtr<BIGNUM, BN_clear_free>;
using BnCtxPtr = OsslPtr<BN_CTX, BN_CTX_free>;
using EcGroupPtr = OsslPtr<EC_GROUP, EC_GROUP_free>;
using EcPointPtr = OsslPtr<EC_POINT, EC_POINT_free>;
using OsslParamBldPtr = OsslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using OsslParamPtr = OsslPtr<OSSL_PARAM, OSSL_PARAM_free>;
// OSSL_PARAM_BLD_to_param puts values pushed from BN_secure_new bignums in a separate
// secure block, which OSSL_PARAM_free clears before freeing; private key components are
// always pushed that way.
using EcdsaSigPtr = OsslPtr<ECDSA_SIG, ECDSA_SIG_free>;

}  // namespace ssh::crypto
