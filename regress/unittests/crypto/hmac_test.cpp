#include "crypto/hmac.h"

#include <gtest/gtest.h>

#include "vector_file.h"

namespace ssh::crypto {
namespace {

HashAlg alg_for(const std::string& section) {
  return section == "sha256" ? HashAlg::sha256 : HashAlg::sha512;
}

std::string truncated(const test::VectorRecord& r, Bytes mac) {
  if (r.has("Truncate")) mac.resize(r.number("Truncate"));
  return to_hex(mac);
}

// RFC 4231 test cases 1-7 (regress/vectors/crypto/hmac_sha2.vec).
TEST(Hmac, Rfc4231OneShot) {
  auto records = test::load_vectors("crypto/hmac_sha2.vec");
  ASSERT_EQ(records.size(), 14u);
  for (const auto& r : records) {
    Bytes mac = hmac(alg_for(r.section), r.bytes("Key"), r.bytes("Data"));
    EXPECT_EQ(truncated(r, mac), to_hex(r.bytes("Mac"))) << r.where();
  }
}

// The packet path keys once and reuses the object; every message must come out as if
// the object were fresh.
TEST(Hmac, Rfc4231ReusedObjectAcrossMessages) {
  for (const char* section : {"sha256", "sha512"}) {
    for (const auto& r : test::load_vectors("crypto/hmac_sha2.vec")) {
      if (r.section != section) continue;
      auto mac = Hmac::create(alg_for(r.section), r.bytes("Key"));
      ASSERT_TRUE(mac.has_value());
      Bytes data = r.bytes("Data");
      for (int round = 0; round < 3; ++round) {
        // Split the message to exercise update() boundaries.
        mac->update(ByteView(data).first(data.size() / 2));
        mac->update(ByteView(data).subspan(data.size() / 2));
        Bytes out(mac->size());
        mac->finish(out.data());
        EXPECT_EQ(truncated(r, out), to_hex(r.bytes("Mac"))) << r.where() << " round " << round;
      }
    }
  }
}

TEST(Hmac, ResetDiscardsPartialMessage) {
  Bytes key(32, 0x42);
  auto mac = Hmac::create(HashAlg::sha256, key);
  ASSERT_TRUE(mac.has_value());
  mac->update(as_bytes("garbage that must not count"));
  mac->reset();
  mac->update(as_bytes("message"));
  Bytes out(32);
  mac->finish(out.data());
  EXPECT_EQ(out, hmac(HashAlg::sha256, key, as_bytes("message")));
  EXPECT_NE(out, hmac(HashAlg::sha256, key, as_bytes("messagf")));
}

TEST(Hmac, SizeFollowsHash) {
  Bytes key(20, 1);
  EXPECT_EQ(Hmac::create(HashAlg::sha1, key)->size(), 20u);
  EXPECT_EQ(Hmac::create(HashAlg::sha256, key)->size(), 32u);
  EXPECT_EQ(Hmac::create(HashAlg::sha512, key)->size(), 64u);
}

}  // namespace
}  // namespace ssh::crypto
