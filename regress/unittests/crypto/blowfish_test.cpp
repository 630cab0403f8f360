#include "crypto/blowfish.h"

#include <gtest/gtest.h>

#include "crypto/blowfish_tables.h"
#include "vector_file.h"

namespace ssh::crypto::detail {
namespace {

TEST(Blowfish, InitialStateIsPi) {
  // pi = 3.243F6A88 85A308D3 ... (Schneier 1993); the last S3 word is 0x3AC372E6.
  EXPECT_EQ(kInitP[0], 0x243f6a88u);
  EXPECT_EQ(kInitP[1], 0x85a308d3u);
  EXPECT_EQ(kInitP[17], 0x8979fb1bu);
  EXPECT_EQ(kInitS[0][0], 0xd1310ba6u);
  EXPECT_EQ(kInitS[3][255], 0x3ac372e6u);
}

// Eric Young's ECB test data (regress/vectors/crypto/blowfish.vec).
TEST(Blowfish, EcbKnownAnswers) {
  auto records = test::load_vectors("crypto/blowfish.vec");
  ASSERT_EQ(records.size(), 5u);
  for (const auto& r : records) {
    Blowfish bf;
    bf.set_key(r.bytes("Key"));
    Bytes pt = r.bytes("Plaintext");
    uint32_t l = load_be32(pt.data());
    uint32_t rr = load_be32(pt.data() + 4);
    bf.encrypt(l, rr);
    Bytes ct(8);
    store_be32(ct.data(), l);
    store_be32(ct.data() + 4, rr);
    EXPECT_EQ(to_hex(ct), to_hex(r.bytes("Ciphertext"))) << r.where();
    bf.decrypt(l, rr);
    EXPECT_EQ(l, load_be32(pt.data()));
    EXPECT_EQ(rr, load_be32(pt.data() + 4));
  }
}

TEST(Blowfish, StreamWordWrapsAround) {
  Bytes data = {1, 2, 3, 4, 5, 6};
  size_t pos = 0;
  EXPECT_EQ(stream_word(data, pos), 0x01020304u);
  EXPECT_EQ(stream_word(data, pos), 0x05060102u);
  EXPECT_EQ(stream_word(data, pos), 0x03040506u);
}

}  // namespace
}  // namespace ssh::crypto::detail
