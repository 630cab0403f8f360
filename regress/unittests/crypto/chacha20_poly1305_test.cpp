#include "crypto/chacha20_poly1305.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "vector_file.h"

namespace ssh::crypto {
namespace {

// Independent Poly1305 (OpenSSL's EVP_MAC) as the oracle for tags.
Bytes poly1305_oracle(ByteView key, ByteView msg) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  Bytes out(16);
  size_t len = 0;
  EXPECT_EQ(EVP_MAC_init(ctx, key.data(), key.size(), nullptr), 1);
  EXPECT_EQ(EVP_MAC_update(ctx, msg.data(), msg.size()), 1);
  EXPECT_EQ(EVP_MAC_final(ctx, out.data(), &len, out.size()), 1);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return out;
}

// 64-byte cipher key: K_2 (payload) first, K_1 (length) last.
Bytes cipher_key(ByteView main_key, ByteView header_key) {
  Bytes key(main_key.begin(), main_key.end());
  append(key, header_key);
  return key;
}

uint32_t seq_for(const test::VectorRecord& r) {
  Bytes nonce = r.bytes("Nonce64");
  EXPECT_EQ(load_be32(nonce.data()), 0u);  // only nonces a 32-bit sequence number can make
  return load_be32(nonce.data() + 4);
}

// RFC 8439 A.1 keystream blocks, seen through the construction (chacha20.vec):
// block 0 of K_1 encrypts the length, block 0 of K_2 keys Poly1305, blocks 1.. of K_2
// encrypt the payload.
TEST(ChaCha20Poly1305, KeystreamMatchesRfc8439Blocks) {
  auto records = test::load_vectors("crypto/chacha20.vec");
  ASSERT_EQ(records.size(), 4u);
  for (const auto& r : records) {
    Bytes k = r.bytes("Key");
    Bytes stream = r.bytes("Keystream");
    uint32_t seq = seq_for(r);
    uint64_t block = r.number("Block");
    if (block == 0) {
      auto c = ChaCha20Poly1305::create(cipher_key(Bytes(32, 0), k));
      uint8_t zero[4] = {0, 0, 0, 0}, len[4];
      c->decrypt_length(seq, zero, len);
      EXPECT_EQ(to_hex(ByteView(len, 4)), to_hex(ByteView(stream).first(4))) << r.where();

      auto d = ChaCha20Poly1305::create(cipher_key(k, Bytes(32, 0)));
      Bytes packet(4 + 40, 0);
      uint8_t tag[16];
      d->seal(seq, packet.data(), packet.size(), tag);
      EXPECT_EQ(to_hex(ByteView(tag)), to_hex(poly1305_oracle(ByteView(stream).first(32), packet)))
          << r.where();
    } else {
      auto c = ChaCha20Poly1305::create(cipher_key(k, Bytes(32, 0)));
      Bytes packet(4 + 64 * block, 0);
      uint8_t tag[16];
      c->seal(seq, packet.data(), packet.size(), tag);
      ByteView payload_block = ByteView(packet).subspan(4 + 64 * (block - 1), 64);
      EXPECT_EQ(to_hex(payload_block), to_hex(stream)) << r.where();
    }
  }
}

class SealedPacket : public ::testing::Test {
 protected:
  void SetUp() override {
    for (size_t i = 0; i < key_.size(); ++i) key_[i] = uint8_t(i * 7 + 3);
    plain_.resize(4 + 100);
    store_be32(plain_.data(), 100);
    for (size_t i = 4; i < plain_.size(); ++i) plain_[i] = uint8_t(i);
    sealed_ = plain_;
    cipher_ = std::make_unique<ChaCha20Poly1305>(*ChaCha20Poly1305::create(key_));
    cipher_->seal(kSeq, sealed_.data(), sealed_.size(), tag_);
  }
  static constexpr uint32_t kSeq = 0x01020304;
  Bytes key_ = Bytes(64);
  Bytes plain_, sealed_;
  uint8_t tag_[16];
  std::unique_ptr<ChaCha20Poly1305> cipher_;
};

TEST_F(SealedPacket, RoundTripAndLength) {
  EXPECT_NE(ByteView(sealed_).first(4)[0] | sealed_[1] | sealed_[2], 0);  // length hidden
  uint8_t len[4];
  cipher_->decrypt_length(kSeq, sealed_.data(), len);
  EXPECT_EQ(load_be32(len), 100u);
  Bytes data = sealed_;
  ASSERT_TRUE(cipher_->open(kSeq, data.data(), data.size(), tag_).has_value());
  // Payload decrypted in place; the length field stays encrypted.
  EXPECT_EQ(to_hex(ByteView(data).subspan(4)), to_hex(ByteView(plain_).subspan(4)));
  EXPECT_EQ(to_hex(ByteView(data).first(4)), to_hex(ByteView(sealed_).first(4)));
}

// Whole-construction cross-check against an independent ChaCha20 (OpenSSL's, whose
// 16-byte IV is the 32-bit little-endian block counter followed by 12 nonce bytes; a zero
// second counter word followed by the 8-byte nonce makes it the 64-bit-nonce variant).
TEST_F(SealedPacket, MatchesIndependentConstruction) {
  auto keystream = [](ByteView key, uint32_t seq, uint32_t block, size_t n) {
    uint8_t iv[16] = {};
    iv[0] = uint8_t(block);
    store_be64(iv + 8, seq);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    EXPECT_EQ(EVP_EncryptInit_ex(ctx, EVP_chacha20(), nullptr, key.data(), iv), 1);
    Bytes out(n, 0);
    int len = 0;
    EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data(), &len, out.data(), int(n)), 1);
    EVP_CIPHER_CTX_free(ctx);
    return out;
  };
  ByteView k2 = ByteView(key_).first(32);
  ByteView k1 = ByteView(key_).subspan(32);
  Bytes expect = plain_;
  Bytes len_stream = keystream(k1, kSeq, 0, 4);
  for (size_t i = 0; i < 4; ++i) expect[i] ^= len_stream[i];
  Bytes payload_stream = keystream(k2, kSeq, 1, expect.size() - 4);
  for (size_t i = 4; i < expect.size(); ++i) expect[i] ^= payload_stream[i - 4];
  EXPECT_EQ(to_hex(sealed_), to_hex(expect));
  Bytes poly_key = keystream(k2, kSeq, 0, 32);
  EXPECT_EQ(to_hex(ByteView(tag_)), to_hex(poly1305_oracle(poly_key, expect)));
}

TEST_F(SealedPacket, TamperedBytesAreRejected) {
  for (size_t pos : {size_t{0}, size_t{3}, size_t{4}, size_t{50}, sealed_.size() - 1}) {
    Bytes data = sealed_;
    data[pos] ^= 0x01;
    auto st = cipher_->open(kSeq, data.data(), data.size(), tag_);
    ASSERT_FALSE(st.has_value()) << "byte " << pos;
    EXPECT_EQ(st.error().reason, DisconnectReason::mac_error);
    // Verification happens before decryption: the payload is untouched.
    data[pos] ^= 0x01;
    EXPECT_EQ(data, sealed_);
  }
  for (size_t i = 0; i < 16; ++i) {
    uint8_t bad[16];
    std::copy(tag_, tag_ + 16, bad);
    bad[i] ^= 0x40;
    Bytes data = sealed_;
    EXPECT_FALSE(cipher_->open(kSeq, data.data(), data.size(), bad).has_value()) << "tag " << i;
  }
}

TEST_F(SealedPacket, WrongSequenceNumberIsRejected) {
  Bytes data = sealed_;
  EXPECT_FALSE(cipher_->open(kSeq + 1, data.data(), data.size(), tag_).has_value());
}

TEST_F(SealedPacket, TruncatedPacketIsRejected) {
  Bytes data = sealed_;
  EXPECT_FALSE(cipher_->open(kSeq, data.data(), data.size() - 1, tag_).has_value());
  EXPECT_FALSE(cipher_->open(kSeq, data.data(), 3, tag_).has_value());
}

TEST(ChaCha20Poly1305, RejectsBadKeySize) {
  EXPECT_FALSE(ChaCha20Poly1305::create(Bytes(32)).has_value());
  EXPECT_TRUE(ChaCha20Poly1305::create(Bytes(64)).has_value());
}

}  // namespace
}  // namespace ssh::crypto
