#include "crypto/evp_util.h"

#include <openssl/err.h>
#include <sodium.h>

#include <cstdlib>

namespace ssh::crypto::detail {

const EVP_MD* evp_md(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return EVP_sha1();
    case HashAlg::sha256: return EVP_sha256();
    case HashAlg::sha384: return EVP_sha384();
    case HashAlg::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

void ensure_sodium() {
  // Returns 0 on first success, 1 if already initialised, -1 only if the library cannot
  // work at all (no usable RNG), which nothing here can recover from.
  if (sodium_init() < 0) std::abort();
}

std::unexpected<Error> ossl_fail(const char* context) {
  ERR_clear_error();
  return fail(ErrorCode::crypto, context);
}

}  // namespace ssh::crypto::detail
