// aes{128,256}-gcm@openssh.com (RFC 5647 §7.1, OpenSSH PROTOCOL §1.6): the key schedule is
// set once; each packet only loads the current nonce into the same context.
#include "crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <array>
#include <climits>

#include "base/secret.h"
#include "crypto/evp_util.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto {
namespace {

constexpr size_t kIvSize = 12;

// RFC 5647 §7.1: the low 8 bytes are a big-endian invocation counter, incremented after
// each packet; the 4-byte fixed field never changes.
void increment_invocation_counter(std::array<uint8_t, kIvSize>& iv) {
  store_be64(iv.data() + 4, load_be64(iv.data() + 4) + 1);
}

}  // namespace

struct AesGcm::Impl {
  EvpCipherCtxPtr ctx;
  std::array<uint8_t, kIvSize> iv{};  // nonces are public; no wiping needed
  uint64_t invocations = 0;
};

AesGcm::AesGcm(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AesGcm::AesGcm(AesGcm&&) noexcept = default;
AesGcm& AesGcm::operator=(AesGcm&&) noexcept = default;
AesGcm::~AesGcm() = default;

Result<AesGcm> AesGcm::create(ByteView key, ByteView iv) {
  const EVP_CIPHER* cipher = nullptr;
  switch (key.size()) {
    case 16: cipher = EVP_aes_128_gcm(); break;
    case 32: cipher = EVP_aes_256_gcm(); break;
    default: return fail(ErrorCode::internal, "aes-gcm key size");
  }
  if (iv.size() != kIvSize) return fail(ErrorCode::internal, "aes-gcm iv size");
  auto impl = std::make_unique<Impl>();
  impl->ctx.reset(EVP_CIPHER_CTX_new());
  std::copy(iv.begin(), iv.end(), impl->iv.begin());
  if (!impl->ctx || EVP_CipherInit_ex(impl->ctx.get(), cipher, nullptr, key.data(), nullptr, 1) != 1) {
    return detail::ossl_fail("aes-gcm init");
  }
  return AesGcm(std::move(impl));
}

Status AesGcm::seal(ByteView aad, uint8_t* data, size_t n, uint8_t* tag) {
  if (n > INT_MAX || aad.size() > INT_MAX) return fail(ErrorCode::limit, "aes-gcm length");
  EVP_CIPHER_CTX* ctx = impl_->ctx.get();
  int outl = 0;
  uint8_t final_block[16];
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, impl_->iv.data(), 1) != 1 ||
      (!aad.empty() && EVP_CipherUpdate(ctx, nullptr, &outl, aad.data(), int(aad.size())) != 1) ||
      (n > 0 && EVP_CipherUpdate(ctx, data, &outl, data, int(n)) != 1) ||
      EVP_CipherFinal_ex(ctx, final_block, &outl) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, int(kTagSize), tag) != 1) {
    return detail::ossl_fail("aes-gcm seal");
  }
  increment_invocation_counter(impl_->iv);
  ++impl_->invocations;
  return {};
}

Status AesGcm::open(ByteView aad, uint8_t* data, size_t n, const uint8_t* tag) {
  if (n > INT_MAX || aad.size() > INT_MAX) return fail(ErrorCode::limit, "aes-gcm length");
  EVP_CIPHER_CTX* ctx = impl_->ctx.get();
  int outl = 0;
  uint8_t final_block[16];
  // OpenSSL takes the expected tag as non-const but only copies it.
  std::array<uint8_t, kTagSize> expected;
  std::copy(tag, tag + kTagSize, expected.begin());
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, impl_->iv.data(), 0) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, int(kTagSize), expected.data()) != 1 ||
      (!aad.empty() && EVP_CipherUpdate(ctx, nullptr, &outl, aad.data(), int(aad.size())) != 1) ||
      (n > 0 && EVP_CipherUpdate(ctx, data, &outl, data, int(n)) != 1)) {
    return detail::ossl_fail("aes-gcm open");
  }
  // The final step compares tags in constant time (CRYPTO_memcmp inside OpenSSL).
  if (EVP_CipherFinal_ex(ctx, final_block, &outl) != 1) {
    return fail(ErrorCode::crypto, "aes-gcm tag mismatch", DisconnectReason::mac_error);
  }
  increment_invocation_counter(impl_->iv);
  ++impl_->invocations;
  return {};
}

uint64_t AesGcm::invocations() const {
  return impl_->invocations;
}

Result<AesGcm> AesGcm::create_at(ByteView key, ByteView iv, uint64_t invocations) {
  AesGcm gcm = SSH_TRY(create(key, iv));
  // RFC 5647 §7.1: the counter wraps modulo 2^64.
  uint8_t* counter = gcm.impl_->iv.data() + 4;
  store_be64(counter, load_be64(counter) + invocations);
  gcm.impl_->invocations = invocations;
  return gcm;
}

}  // namespace ssh::crypto
