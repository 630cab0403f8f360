#include "crypto/hash.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "crypto/evp_util.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto {

size_t hash_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return 20;
    case HashAlg::sha256: return 32;
    case HashAlg::sha384: return 48;
    case HashAlg::sha512: return 64;
  }
  return 0;
}

const char* hash_name(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return "SHA1";
    case HashAlg::sha256: return "SHA256";
    case HashAlg::sha384: return "SHA384";
    case HashAlg::sha512: return "SHA512";
  }
  return "?";
}

struct Hash::Impl {
  HashAlg alg;
  EvpMdCtxPtr ctx;
};

Hash::Hash(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Hash::Hash(Hash&&) noexcept = default;
Hash& Hash::operator=(Hash&&) noexcept = default;
Hash::~Hash() = default;

Result<Hash> Hash::create(HashAlg alg) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), detail::evp_md(alg), nullptr) != 1) {
    return detail::ossl_fail("digest init");
  }
  return Hash(std::make_unique<Impl>(Impl{alg, std::move(ctx)}));
}

void Hash::update(ByteView data) {
  // EVP_DigestUpdate cannot fail for an initialised software digest.
  EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size());
}

Bytes Hash::finish() {
  Bytes out(hash_size(impl_->alg));
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len);
  out.resize(len);
  return out;
}

size_t Hash::size() const {
  return hash_size(impl_->alg);
}

Bytes digest(HashAlg alg, ByteView data) {
  Bytes out(hash_size(alg));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, detail::evp_md(alg), nullptr) != 1) {
    // Only allocation failure can get here; treat like bad_alloc (fatal, STYLE.md §3).
    std::abort();
  }
  out.resize(len);
  return out;
}

}  // namespace ssh::crypto
