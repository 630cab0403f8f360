#include "keys/base64.h"

#include <gtest/gtest.h>

namespace ssh::keys {
namespace {

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, enc] : v) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), enc);
    auto d = base64_decode(enc);
    ASSERT_TRUE(d);
    EXPECT_EQ(as_text(*d), plain);
  }
}

TEST(Base64, RejectsMalformed) {
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zh==", "Zm9=", "=Zm9", "Zg==Zg==",
                          "Zm 9v"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
  auto wrapped = base64_decode_wrapped("Zm9v\nYmFy\r\n");
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(as_text(*wrapped), "foobar");
}

TEST(Base64, AllByteValuesRoundTrip) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(uint8_t(i));
  for (size_t n = 0; n <= all.size(); n += 17) {
    ByteView part = ByteView(all).subspan(0, n);
    auto back = base64_decode(base64_encode(part));
    ASSERT_TRUE(back);
    EXPECT_TRUE(std::equal(back->begin(), back->end(), part.begin(), part.end()));
  }
}

}  // namespace
}  // namespace ssh::keys
