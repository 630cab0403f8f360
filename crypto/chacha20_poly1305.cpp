// chacha20-poly1305@openssh.com, following OpenSSH's PROTOCOL.chacha20poly1305 text:
// the original ChaCha20 (64-bit nonce, 64-bit block counter), nonce = the packet sequence
// number as a 64-bit big-endian value, K_1 (key bytes 32..63) encrypts the 4-byte length
// at block 0, K_2 (bytes 0..31) gives the Poly1305 key (block 0, first 32 bytes) and the
// payload keystream (from block 1). The tag covers the encrypted length and payload.
//
// OpenSSL's ChaCha20 (about twice libsodium's speed here) takes a 16-byte IV: a 32-bit
// little-endian block counter, then a 96-bit nonce. The original variant's 64-bit
// counter || 64-bit nonce maps onto it as counter || 0 || seq_be64 while the counter
// stays below 2^32 blocks, and SSH packets are far smaller than 256 GiB.
#include "crypto/chacha20_poly1305.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "crypto/ossl_ptr.h"

namespace ssh::crypto {

namespace {
constexpr size_t kLengthSize = 4;
constexpr size_t kBlockSize = 64;
constexpr size_t kPolyKeySize = 32;
}  // namespace

struct ChaCha20Poly1305::Impl {
  EvpCipherPtr cipher{EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr)};
  EvpCipherCtxPtr cipher_ctx{EVP_CIPHER_CTX_new()};
  EvpMacPtr mac{EVP_MAC_fetch(nullptr, "POLY1305", nullptr)};
  EvpMacCtxPtr mac_ctx{mac ? EVP_MAC_CTX_new(mac.get()) : nullptr};
  bool ok() const { return cipher && cipher_ctx && mac && mac_ctx; }
};

ChaCha20Poly1305::ChaCha20Poly1305() : impl_(std::make_unique<Impl>()) {}
ChaCha20Poly1305::ChaCha20Poly1305(ChaCha20Poly1305&&) noexcept = default;
ChaCha20Poly1305& ChaCha20Poly1305::operator=(ChaCha20Poly1305&&) noexcept = default;
ChaCha20Poly1305::~ChaCha20Poly1305() = default;

Result<ChaCha20Poly1305> ChaCha20Poly1305::create(ByteView key) {
  if (key.size() != kKeySize) return fail(ErrorCode::internal, "chacha20-poly1305 key size");
  ChaCha20Poly1305 c;
  if (!c.impl_->ok()) return fail(ErrorCode::crypto, "chacha20-poly1305: OpenSSL lacks ChaCha20 or Poly1305");
  std::copy(key.begin(), key.begin() + 32, c.main_key_.data());
  std::copy(key.begin() + 32, key.end(), c.header_key_.data());
  return c;
}

// XORs the keystream for sequence number seq into data, starting at block 0; with
// poly_key set, block 0 is first taken into poly_key (64 bytes) and data starts at block 1.
void ChaCha20Poly1305::keystream_xor(const SecretArray<32>& key, uint32_t seq, uint8_t* poly_key,
                                     uint8_t* data, size_t n) const {
  uint8_t iv[16] = {0};
  store_be64(iv + 8, seq);
  EVP_CIPHER_CTX* ctx = impl_->cipher_ctx.get();
  int out_len = 0;
  // These calls cannot fail for a fetched ChaCha20 with valid sizes; a failure here would
  // leave data unencrypted, so it is fatal rather than ignored.
  if (EVP_EncryptInit_ex2(ctx, impl_->cipher.get(), key.data(), iv, nullptr) != 1) std::abort();
  if (poly_key != nullptr && EVP_EncryptUpdate(ctx, poly_key, &out_len, poly_key, int(kBlockSize)) != 1)
    std::abort();
  if (n > 0 && EVP_EncryptUpdate(ctx, data, &out_len, data, int(n)) != 1) std::abort();
}

void ChaCha20Poly1305::poly1305(const uint8_t* key, const uint8_t* data, size_t n, uint8_t* tag) const {
  EVP_MAC_CTX* ctx = impl_->mac_ctx.get();
  size_t tag_len = 0;
  if (EVP_MAC_init(ctx, key, kPolyKeySize, nullptr) != 1 || EVP_MAC_update(ctx, data, n) != 1 ||
      EVP_MAC_final(ctx, tag, &tag_len, kTagSize) != 1 || tag_len != kTagSize) {
    std::abort();
  }
}

void ChaCha20Poly1305::decrypt_length(uint32_t seq, const uint8_t in[4], uint8_t out[4]) const {
  std::copy(in, in + kLengthSize, out);
  keystream_xor(header_key_, seq, nullptr, out, kLengthSize);
}

void ChaCha20Poly1305::seal(uint32_t seq, uint8_t* packet, size_t n, uint8_t* tag) const {
  if (n < kLengthSize) std::abort();  // caller bug: a packet always has its length field
  keystream_xor(header_key_, seq, nullptr, packet, kLengthSize);
  SecretArray<kBlockSize> block0;
  keystream_xor(main_key_, seq, block0.data(), packet + kLengthSize, n - kLengthSize);
  poly1305(block0.data(), packet, n, tag);
}

Status ChaCha20Poly1305::open(uint32_t seq, uint8_t* packet, size_t n, const uint8_t* tag) const {
  if (n < kLengthSize) return fail(ErrorCode::parse, "chacha20-poly1305 short packet");
  SecretArray<kBlockSize> block0;
  keystream_xor(main_key_, seq, block0.data(), nullptr, 0);
  uint8_t expected[kTagSize];
  poly1305(block0.data(), packet, n, expected);
  // Constant-time tag check over the still-encrypted bytes, before any decryption.
  if (CRYPTO_memcmp(expected, tag, kTagSize) != 0) {
    return fail(ErrorCode::crypto, "chacha20-poly1305 tag mismatch", DisconnectReason::mac_error);
  }
  keystream_xor(main_key_, seq, block0.data(), packet + kLengthSize, n - kLengthSize);
  return {};
}

}  // namespace ssh::crypto
