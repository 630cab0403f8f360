#include "crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include "vector_file.h"

namespace ssh::crypto {
namespace {

// GCM specification (McGrew & Viega) test cases 1-4 and 13-16
// (regress/vectors/crypto/aes_gcm.vec).
TEST(AesGcm, GcmSpecVectorsSealAndOpen) {
  auto records = test::load_vectors("crypto/aes_gcm.vec");
  ASSERT_EQ(records.size(), 8u);
  for (const auto& r : records) {
    Bytes data = r.bytes("Plaintext");
    Bytes aad = r.bytes("AAD");
    uint8_t tag[AesGcm::kTagSize];
    auto enc = AesGcm::create(r.bytes("Key"), r.bytes("IV"));
    ASSERT_TRUE(enc.has_value()) << r.where();
    ASSERT_TRUE(enc->seal(aad, data.data(), data.size(), tag).has_value());
    EXPECT_EQ(to_hex(data), to_hex(r.bytes("Ciphertext"))) << r.where();
    EXPECT_EQ(to_hex(ByteView(tag)), to_hex(r.bytes("Tag"))) << r.where();

    auto dec = AesGcm::create(r.bytes("Key"), r.bytes("IV"));
    ASSERT_TRUE(dec->open(aad, data.data(), data.size(), tag).has_value()) << r.where();
    EXPECT_EQ(to_hex(data), to_hex(r.bytes("Plaintext"))) << r.where();
  }
}

// RFC 5647 §7.1: the invocation counter (last 8 IV bytes) increments after each packet,
// so the second packet of a stream equals the first packet of a stream whose IV is one
// higher.
TEST(AesGcm, InvocationCounterAdvancesPerPacket) {
  Bytes key(32, 0x11);
  Bytes iv = {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  Bytes iv_plus_1 = {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 1, 0x00, 0x00};
  Bytes aad = {0, 0, 0, 32};
  auto stream = AesGcm::create(key, iv);
  auto fresh = AesGcm::create(key, iv_plus_1);
  Bytes p1(32, 'a'), p2(32, 'b'), q2(32, 'b');
  uint8_t t1[16], t2[16], u2[16];
  ASSERT_TRUE(stream->seal(aad, p1.data(), p1.size(), t1).has_value());
  ASSERT_TRUE(stream->seal(aad, p2.data(), p2.size(), t2).has_value());
  ASSERT_TRUE(fresh->seal(aad, q2.data(), q2.size(), u2).has_value());
  EXPECT_EQ(p2, q2);
  EXPECT_EQ(to_hex(ByteView(t2)), to_hex(ByteView(u2)));

  // The receiving side follows the same sequence.
  auto rx = AesGcm::create(key, iv);
  ASSERT_TRUE(rx->open(aad, p1.data(), p1.size(), t1).has_value());
  ASSERT_TRUE(rx->open(aad, p2.data(), p2.size(), t2).has_value());
  EXPECT_EQ(p1, Bytes(32, 'a'));
  EXPECT_EQ(p2, Bytes(32, 'b'));
}

TEST(AesGcm, TamperingIsRejectedAndCounterStays) {
  Bytes key(16, 0x22);
  Bytes iv(12, 0x01);
  Bytes aad = {0, 0, 0, 48};
  Bytes plain(48);
  for (size_t i = 0; i < plain.size(); ++i) plain[i] = uint8_t(i);
  Bytes sealed = plain;
  uint8_t tag[16];
  ASSERT_TRUE(AesGcm::create(key, iv)->seal(aad, sealed.data(), sealed.size(), tag).has_value());

  auto rx = AesGcm::create(key, iv);
  // Flipped tag bit.
  {
    Bytes data = sealed;
    uint8_t bad[16];
    std::copy(tag, tag + 16, bad);
    bad[15] ^= 0x01;
    auto st = rx->open(aad, data.data(), data.size(), bad);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().reason, DisconnectReason::mac_error);
  }
  // Flipped ciphertext byte.
  {
    Bytes data = sealed;
    data[20] ^= 0x80;
    EXPECT_FALSE(rx->open(aad, data.data(), data.size(), tag).has_value());
  }
  // Changed AAD (the clear packet length).
  {
    Bytes data = sealed;
    Bytes other_aad = {0, 0, 0, 49};
    EXPECT_FALSE(rx->open(other_aad, data.data(), data.size(), tag).has_value());
  }
  // After the failures the counter has not moved: the genuine packet still opens.
  Bytes data = sealed;
  ASSERT_TRUE(rx->open(aad, data.data(), data.size(), tag).has_value());
  EXPECT_EQ(data, plain);
}

TEST(AesGcm, RejectsBadSizes) {
  EXPECT_FALSE(AesGcm::create(Bytes(24), Bytes(12)).has_value());  // no aes192-gcm in SSH
  EXPECT_FALSE(AesGcm::create(Bytes(16), Bytes(16)).has_value());
}

}  // namespace
}  // namespace ssh::crypto
