#include "crypto/aes_ctr.h"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "base/secret.h"
#include "crypto/evp_util.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto {

struct AesCtr::Impl {
  EvpCipherCtxPtr ctx;
  uint64_t position = 0;
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
    impl_->position += uint64_t(chunk);
  }
}

uint64_t AesCtr::position() const {
  return impl_->position;
}

Result<AesCtr> AesCtr::create_at(ByteView key, ByteView iv, uint64_t position) {
  if (iv.size() != 16) return fail(ErrorCode::internal, "aes-ctr iv size");
  // The counter is the whole 16-byte block as one big-endian number (RFC 4344 §4).
  SecretArray<16> counter;
  std::copy(iv.begin(), iv.end(), counter.data());
  uint64_t carry = position / 16;
  for (size_t i = 16; i-- > 0 && carry != 0;) {
    uint64_t sum = uint64_t(counter.data()[i]) + (carry & 0xff);
    counter.data()[i] = uint8_t(sum);
    carry = (carry >> 8) + (sum >> 8);
  }
  AesCtr ctr = SSH_TRY(create(key, counter.view()));
  SecretArray<16> skip;
  ctr.apply(skip.data(), skip.data(), size_t(position % 16));
  ctr.impl_->position = position;
  return ctr;
}

}  // namespace ssh::crypto
