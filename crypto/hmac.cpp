// HMAC (RFC 2104) built from two digest contexts that have already absorbed K^ipad and
// K^opad. Each message copies those states instead of rehashing the key, which is what
// makes per-packet MACs cheap. OpenSSL 3.0's EVP_MD_CTX_copy_ex duplicates the provider
// context (one small allocation per copy); EVP_MAC costs two and re-runs more setup, so
// this is the cheapest route through public, non-deprecated API.
#include "crypto/hmac.h"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>

#include "crypto/evp_util.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto {
namespace {

constexpr size_t kMaxBlock = 128;  // SHA-384/512 block size
constexpr uint8_t kIpad = 0x36;
constexpr uint8_t kOpad = 0x5c;

void must(int ok) {
  // Copy/update/final on initialised software digests fail only on allocation failure,
  // which the project treats as fatal (STYLE.md §3).
  if (ok != 1) std::abort();
}

}  // namespace

struct Hmac::Impl {
  HashAlg alg;
  EvpMdCtxPtr inner;  // state after K ^ ipad
  EvpMdCtxPtr outer;  // state after K ^ opad
  EvpMdCtxPtr work;
  bool fresh = false;  // work holds exactly the inner state
};

Hmac::Hmac(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Hmac::Hmac(Hmac&&) noexcept = default;
Hmac& Hmac::operator=(Hmac&&) noexcept = default;
Hmac::~Hmac() = default;

Result<Hmac> Hmac::create(HashAlg alg, ByteView key) {
  const EVP_MD* md = detail::evp_md(alg);
  auto impl = std::make_unique<Impl>(Impl{alg, EvpMdCtxPtr(EVP_MD_CTX_new()), EvpMdCtxPtr(EVP_MD_CTX_new()),
                                          EvpMdCtxPtr(EVP_MD_CTX_new()), false});
  if (!impl->inner || !impl->outer || !impl->work) return detail::ossl_fail("hmac alloc");
  size_t block = size_t(EVP_MD_get_block_size(md));
  if (block == 0 || block > kMaxBlock) return fail(ErrorCode::internal, "hmac block size");

  // RFC 2104 §2: keys longer than the block are hashed first; shorter ones zero-padded.
  SecretArray<kMaxBlock> k0;
  if (key.size() > block) {
    unsigned int len = 0;
    if (EVP_Digest(key.data(), key.size(), k0.data(), &len, md, nullptr) != 1) {
      return detail::ossl_fail("hmac key hash");
    }
  } else {
    std::copy(key.begin(), key.end(), k0.data());
  }
  SecretArray<kMaxBlock> pad;
  for (size_t i = 0; i < block; ++i) pad.data()[i] = k0.data()[i] ^ kIpad;
  if (EVP_DigestInit_ex(impl->inner.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(impl->inner.get(), pad.data(), block) != 1) {
    return detail::ossl_fail("hmac inner");
  }
  for (size_t i = 0; i < block; ++i) pad.data()[i] = k0.data()[i] ^ kOpad;
  if (EVP_DigestInit_ex(impl->outer.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(impl->outer.get(), pad.data(), block) != 1) {
    return detail::ossl_fail("hmac outer");
  }
  Hmac mac(std::move(impl));
  mac.reset();
  return mac;
}

size_t Hmac::size() const {
  return hash_size(impl_->alg);
}

void Hmac::reset() {
  if (impl_->fresh) return;
  must(EVP_MD_CTX_copy_ex(impl_->work.get(), impl_->inner.get()));
  impl_->fresh = true;
}

void Hmac::update(ByteView data) {
  if (data.empty()) return;
  must(EVP_DigestUpdate(impl_->work.get(), data.data(), data.size()));
  impl_->fresh = false;
}

void Hmac::finish(uint8_t* out) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> inner_hash;
  unsigned int len = 0;
  must(EVP_DigestFinal_ex(impl_->work.get(), inner_hash.data(), &len));
  must(EVP_MD_CTX_copy_ex(impl_->work.get(), impl_->outer.get()));
  must(EVP_DigestUpdate(impl_->work.get(), inner_hash.data(), len));
  must(EVP_DigestFinal_ex(impl_->work.get(), out, &len));
  impl_->fresh = false;
  reset();
}

Bytes hmac(HashAlg alg, ByteView key, ByteView data) {
  auto mac = Hmac::create(alg, key);
  if (!mac) std::abort();  // only allocation failure; fatal as bad_alloc
  Bytes out(mac->size());
  mac->update(data);
  mac->finish(out.data());
  return out;
}

}  // namespace ssh::crypto
