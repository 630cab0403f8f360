#include <gtest/gtest.h>

#include "base/secret.h"

namespace ssh {
namespace {

TEST(Secret, MoveLeavesSourceEmpty) {
  SecretBytes a(as_bytes("key material"));
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(b.text(), "key material");
}

TEST(Secret, AppendAndResizeKeepContents) {
  SecretBytes s;
  for (int i = 0; i < 100; ++i) s.append(as_bytes("ab"));
  EXPECT_EQ(s.size(), 200u);
  EXPECT_EQ(s.text().substr(0, 4), "abab");
  s.resize(3);
  EXPECT_EQ(s.text(), "aba");
  SecretBytes c = s.clone();
  EXPECT_EQ(c.text(), "aba");
}

TEST(Secret, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal(as_bytes("abc"), as_bytes("abc")));
  EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abd")));
  EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("ab")));
}

TEST(Secret, WipeZeroes) {
  uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  wipe(buf, sizeof buf);
  for (uint8_t b : buf) EXPECT_EQ(b, 0);
}

}  // namespace
}  // namespace ssh
