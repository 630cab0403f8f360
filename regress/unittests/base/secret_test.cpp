#include <gtest/gtest.h>

#include <type_traits>

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

// Replay buffers hold keystrokes and output as SecretBytes: wiped when freed, never
// copied (no stray unwiped copy).
static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);

TEST(SecretBytes, ClearZeroesTheWholeAllocation) {
  Bytes payload = to_bytes("secret keystrokes");
  payload.reserve(64);  // the wipe covers the capacity, not only the size
  payload.push_back('!');
  SecretBytes held(std::move(payload));
  ByteView before = held.view();
  const uint8_t* storage = before.data();
  ASSERT_EQ(as_text(before), "secret keystrokes!");
  held.clear();
  EXPECT_EQ(held.size(), 0u);
  // clear() keeps the allocation until destruction, so reading it here is defined.
  for (size_t i = 0; i < 18; ++i) EXPECT_EQ(storage[i], 0) << i;
}

TEST(SecretBytes, TakesAndMovesWithoutLeavingACopy) {
  SecretBytes a(to_bytes("output"));
  const uint8_t* storage = a.view().data();
  SecretBytes b(std::move(a));
  EXPECT_EQ(a.size(), 0u);              // NOLINT(bugprone-use-after-move): checked on purpose
  EXPECT_EQ(b.view().data(), storage);  // the same allocation moved, nothing copied
  SecretBytes c(to_bytes("other"));
  c = std::move(b);
  EXPECT_EQ(as_text(c.view()), "output");
}

}  // namespace
}  // namespace ssh
