#include "crypto/aes_ctr.h"

#include <openssl/evp.h>

#include <climits>
#include <cstdlib>

#include "crypto/evp_util.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto {

struct AesCtr::Impl {
  EvpCipherCtxPtr ctx;
};

AesCtr::AesCtr(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AesCtr::AesCtr(AesCtr&&) noexcept = default;
AesCtr& AesCtr::operator=(AesCtr&&) noexcept = default;
AesCtr::~AesCtr() = default;

Result<AesCtr> AesCtr::create(ByteView key, ByteView iv) {
  const EVP_CIPHER* cipher = nullptr;
  switch (key.size()) {
    case 16: cipher = EVP_aes_128_ctr(); break;
    case 24: cipher = EVP_aes_192_ctr(); break;
    case 32: cipher = EVP_aes_256_ctr(); break;
    default: return fail(ErrorCode::internal, "aes-ctr key size");
  }
  if (iv.size() != 16) return fail(ErrorCode::internal, "aes-ctr iv size");
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  // CTR is symmetric: the same keystream encrypts and decrypts, so "encrypt" serves both
  // directions.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data()) != 1) {
    return detail::ossl_fail("aes-ctr init");
  }
  return AesCtr(std::make_unique<Impl>(Impl{std::move(ctx)}));
}

void AesCtr::apply(const uint8_t* in, uint8_t* out, size_t n) {
  while (n > 0) {
    int chunk = int(std::min<size_t>(n, INT_MAX / 2));
    int outl = 0;
    // Cannot fail for CTR on an initialised context with in == out or disjoint buffers.
    if (EVP_EncryptUpdate(impl_->ctx.get(), out, &outl, in, chunk) != 1) std::abort();
    in += chunk;
    out += chunk;
    n -= size_t(chunk);
  }
}

}  // namespace ssh::crypto
