#include "crypto/aes_ctr.h"

#include <gtest/gtest.h>

#include "vector_file.h"

namespace ssh::crypto {
namespace {

// NIST SP 800-38A F.5.1 / F.5.3 / F.5.5 (regress/vectors/crypto/aes_ctr.vec).
TEST(AesCtr, Sp80038aVectors) {
  auto records = test::load_vectors("crypto/aes_ctr.vec");
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records) {
    auto enc = AesCtr::create(r.bytes("Key"), r.bytes("Counter"));
    ASSERT_TRUE(enc.has_value()) << r.where();
    Bytes pt = r.bytes("Plaintext");
    Bytes ct(pt.size());
    enc->apply(pt.data(), ct.data(), pt.size());
    EXPECT_EQ(to_hex(ct), to_hex(r.bytes("Ciphertext"))) << r.where();

    // Decryption is the same keystream; run it in place.
    auto dec = AesCtr::create(r.bytes("Key"), r.bytes("Counter"));
    ASSERT_TRUE(dec.has_value());
    dec->apply(ct.data(), ct.data(), ct.size());
    EXPECT_EQ(ct, pt) << r.where();
  }
}

// SSH keeps one stream per direction: the counter must carry across calls, including
// calls that end in the middle of a block.
TEST(AesCtr, StreamContinuesAcrossUnalignedCalls) {
  for (const auto& r : test::load_vectors("crypto/aes_ctr.vec")) {
    auto enc = AesCtr::create(r.bytes("Key"), r.bytes("Counter"));
    ASSERT_TRUE(enc.has_value());
    Bytes pt = r.bytes("Plaintext");
    Bytes ct(pt.size());
    size_t pieces[] = {5, 11, 16, 1, 31};
    size_t pos = 0;
    for (size_t n : pieces) {
      enc->apply(pt.data() + pos, ct.data() + pos, n);
      pos += n;
    }
    ASSERT_EQ(pos, pt.size());
    EXPECT_EQ(to_hex(ct), to_hex(r.bytes("Ciphertext"))) << r.where();
  }
}

TEST(AesCtr, CounterCarriesIntoHigherBytes) {
  // Counter block ...ff ff: the second block must use ...01 00 00 (big-endian increment
  // over the whole block, RFC 4344 §4).
  Bytes key(16, 7);
  Bytes iv(16, 0);
  iv[14] = 0xff;
  iv[15] = 0xff;
  Bytes iv_next(16, 0);
  iv_next[13] = 0x01;
  auto a = AesCtr::create(key, iv);
  auto b = AesCtr::create(key, iv_next);
  Bytes two(32, 0), one(16, 0);
  a->apply(two.data(), two.data(), two.size());
  b->apply(one.data(), one.data(), one.size());
  EXPECT_EQ(to_hex(ByteView(two).subspan(16)), to_hex(one));
}

TEST(AesCtr, RejectsBadSizes) {
  EXPECT_FALSE(AesCtr::create(Bytes(15), Bytes(16)).has_value());
  EXPECT_FALSE(AesCtr::create(Bytes(16), Bytes(12)).has_value());
  EXPECT_TRUE(AesCtr::create(Bytes(24), Bytes(16)).has_value());
}

}  // namespace
}  // namespace ssh::crypto
