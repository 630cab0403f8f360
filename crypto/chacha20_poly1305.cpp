// chacha20-poly1305@openssh.com, following OpenSSH's PROTOCOL.chacha20poly1305 text:
// the original ChaCha20 (64-bit nonce, 64-bit block counter), nonce = the packet sequence
// number as a 64-bit big-endian value, K_1 (key bytes 32..63) encrypts the 4-byte length
// at block 0, K_2 (bytes 0..31) gives the Poly1305 key (block 0, first 32 bytes) and the
// payload keystream (from block 1). The tag covers the encrypted length and payload.
// libsodium's crypto_stream_chacha20 is exactly that ChaCha20 variant.
#include "crypto/chacha20_poly1305.h"

#include <sodium.h>

#include <cstdlib>

#include "crypto/evp_util.h"

namespace ssh::crypto {
namespace {

constexpr size_t kLengthSize = 4;

struct Nonce {
  uint8_t bytes[crypto_stream_chacha20_NONCEBYTES];
  explicit Nonce(uint32_t seq) { store_be64(bytes, seq); }
};

// Poly1305 one-time key: first 32 bytes of K_2's keystream block 0.
void poly_key(const SecretArray<32>& main_key, const Nonce& nonce,
              SecretArray<crypto_onetimeauth_poly1305_KEYBYTES>& out) {
  crypto_stream_chacha20(out.data(), out.size(), nonce.bytes, main_key.data());
}

}  // namespace

static_assert(crypto_onetimeauth_poly1305_BYTES == ChaCha20Poly1305::kTagSize);

Result<ChaCha20Poly1305> ChaCha20Poly1305::create(ByteView key) {
  if (key.size() != kKeySize) return fail(ErrorCode::internal, "chacha20-poly1305 key size");
  detail::ensure_sodium();
  ChaCha20Poly1305 c;
  std::copy(key.begin(), key.begin() + 32, c.main_key_.data());
  std::copy(key.begin() + 32, key.end(), c.header_key_.data());
  return c;
}

void ChaCha20Poly1305::decrypt_length(uint32_t seq, const uint8_t in[4], uint8_t out[4]) const {
  Nonce nonce(seq);
  crypto_stream_chacha20_xor_ic(out, in, kLengthSize, nonce.bytes, 0, header_key_.data());
}

void ChaCha20Poly1305::seal(uint32_t seq, uint8_t* packet, size_t n, uint8_t* tag) const {
  if (n < kLengthSize) std::abort();  // caller bug: a packet always has its length field
  Nonce nonce(seq);
  crypto_stream_chacha20_xor_ic(packet, packet, kLengthSize, nonce.bytes, 0, header_key_.data());
  crypto_stream_chacha20_xor_ic(packet + kLengthSize, packet + kLengthSize, n - kLengthSize,
                                nonce.bytes, 1, main_key_.data());
  SecretArray<crypto_onetimeauth_poly1305_KEYBYTES> pk;
  poly_key(main_key_, nonce, pk);
  crypto_onetimeauth_poly1305(tag, packet, n, pk.data());
}

Status ChaCha20Poly1305::open(uint32_t seq, uint8_t* packet, size_t n, const uint8_t* tag) const {
  if (n < kLengthSize) return fail(ErrorCode::parse, "chacha20-poly1305 short packet");
  Nonce nonce(seq);
  SecretArray<crypto_onetimeauth_poly1305_KEYBYTES> pk;
  poly_key(main_key_, nonce, pk);
  // Constant-time tag check over the still-encrypted bytes, before any decryption.
  if (crypto_onetimeauth_poly1305_verify(tag, packet, n, pk.data()) != 0) {
    return fail(ErrorCode::crypto, "chacha20-poly1305 tag mismatch", DisconnectReason::mac_error);
  }
  crypto_stream_chacha20_xor_ic(packet + kLengthSize, packet + kLengthSize, n - kLengthSize,
                                nonce.bytes, 1, main_key_.data());
  return {};
}

}  // namespace ssh::crypto
