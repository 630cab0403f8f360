// PROTOCOL.continuation §4.2, §5.1, §5.4, §7.4, §11.6: the replay buffer. Peer counts
// out of range must be refused before any access (the CVE-2016-0777 lesson); run under
// ASan/valgrind these tests also show no out-of-bounds read.
#include "continuation/replay_buffer.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace ssh::continuation {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

Bytes msg(int i) {
  return to_bytes("message " + std::to_string(i));
}

// A buffer holding messages 1..n, "message 1".."message n".
ReplayBuffer filled(int n) {
  ReplayBuffer b;
  for (int i = 1; i <= n; ++i) EXPECT_TRUE(b.push(msg(i)));
  return b;
}

std::vector<std::string> replayed(ReplayBuffer& b, uint64_t count, Status* status = nullptr) {
  std::vector<std::string> out;
  Status st = b.replay_after(count, [&](ByteView m) { out.emplace_back(as_text(m)); });
  if (status != nullptr) *status = st;
  return out;
}

TEST(ReplayBuffer, PushCountsAndHolds) {  // §5.1
  ReplayBuffer b;
  EXPECT_EQ(b.sent(), 0u);
  EXPECT_EQ(b.acknowledged(), 0u);
  ASSERT_TRUE(b.push(to_bytes("abc")));
  ASSERT_TRUE(b.push(to_bytes("de")));
  ASSERT_TRUE(b.push(ByteView{}));
  EXPECT_EQ(b.sent(), 3u);
  EXPECT_EQ(b.held_messages(), 3u);
  EXPECT_EQ(b.held_bytes(), 5u);
}

TEST(ReplayBuffer, AcknowledgeFreesUpToCount) {  // §5.1, §5.4
  ReplayBuffer b = filled(5);
  uint64_t bytes_each = msg(1).size();
  ASSERT_TRUE(b.acknowledge(2));
  EXPECT_EQ(b.acknowledged(), 2u);
  EXPECT_EQ(b.held_messages(), 3u);
  EXPECT_EQ(b.held_bytes(), 3 * bytes_each);
  // Repeating the same count is allowed (a == p) and frees nothing.
  ASSERT_TRUE(b.acknowledge(2));
  EXPECT_EQ(b.held_messages(), 3u);
  ASSERT_TRUE(b.acknowledge(5));
  EXPECT_EQ(b.held_messages(), 0u);
  EXPECT_EQ(b.held_bytes(), 0u);
  EXPECT_EQ(b.sent(), 5u);
}

TEST(ReplayBuffer, AckBeyondSentIsProtocolErrorAndChangesNothing) {  // §5.4 a > s
  ReplayBuffer b = filled(3);
  ASSERT_TRUE(b.acknowledge(1));
  for (uint64_t a : {uint64_t{4}, uint64_t{1000}, kMax}) {
    auto st = b.acknowledge(a);
    ASSERT_FALSE(st) << a;
    EXPECT_EQ(st.error().code, ErrorCode::protocol);
    EXPECT_EQ(st.error().reason, DisconnectReason::protocol_error);
    EXPECT_EQ(st.error().context, "count beyond what was sent");
  }
  EXPECT_EQ(b.acknowledged(), 1u);
  EXPECT_EQ(b.held_messages(), 2u);
  EXPECT_EQ(b.sent(), 3u);
}

TEST(ReplayBuffer, AckBehindAcknowledgedIsProtocolErrorAndChangesNothing) {  // §5.4 a < p
  ReplayBuffer b = filled(4);
  ASSERT_TRUE(b.acknowledge(3));
  for (uint64_t a : {uint64_t{0}, uint64_t{2}}) {
    auto st = b.acknowledge(a);
    ASSERT_FALSE(st) << a;
    EXPECT_EQ(st.error().code, ErrorCode::protocol);
    EXPECT_EQ(st.error().context, "count behind what was acknowledged");
  }
  EXPECT_EQ(b.acknowledged(), 3u);
  EXPECT_EQ(b.held_messages(), 1u);
  EXPECT_EQ(replayed(b, 3), std::vector<std::string>{"message 4"});
}

TEST(ReplayBuffer, ReplayAfterSendsTheRestInOrderAndAcknowledges) {  // §7.4
  ReplayBuffer b = filled(5);
  ASSERT_TRUE(b.acknowledge(1));
  Status st;
  auto out = replayed(b, 2, &st);
  ASSERT_TRUE(st);
  EXPECT_EQ(out, (std::vector<std::string>{"message 3", "message 4", "message 5"}));
  EXPECT_EQ(b.acknowledged(), 2u);
  EXPECT_EQ(b.held_messages(), 3u);  // still held until acknowledged
  // Nothing to replay when the peer has everything.
  EXPECT_TRUE(replayed(b, 5, &st).empty());
  EXPECT_TRUE(st);
  EXPECT_EQ(b.held_messages(), 0u);
}

TEST(ReplayBuffer, ReplayAfterBadCountsReadsNothing) {  // §11.6, CVE-2016-0777
  ReplayBuffer b = filled(4);
  ASSERT_TRUE(b.acknowledge(2));
  // A hostile peer claims to have received more than we sent (roaming's offset attack),
  // or less than it already acknowledged (asking for freed memory).
  for (uint64_t count : {uint64_t{5}, uint64_t{1} << 32, kMax, uint64_t{1}, uint64_t{0}}) {
    Status st;
    bool called = false;
    st = b.replay_after(count, [&](ByteView) { called = true; });
    EXPECT_FALSE(st) << count;
    EXPECT_EQ(st.error().code, ErrorCode::protocol);
    EXPECT_FALSE(called) << "the callback must not run for a bad count " << count;
  }
  EXPECT_EQ(b.acknowledged(), 2u);
  EXPECT_EQ(b.held_messages(), 2u);
  EXPECT_EQ(replayed(b, 2), (std::vector<std::string>{"message 3", "message 4"}));
}

TEST(ReplayBuffer, EmptyBufferAcceptsOnlyZero) {  // §5.4 with s = p = 0
  ReplayBuffer b;
  EXPECT_TRUE(b.acknowledge(0));
  EXPECT_FALSE(b.acknowledge(1));
  bool called = false;
  EXPECT_TRUE(b.replay_after(0, [&](ByteView) { called = true; }));
  EXPECT_FALSE(b.replay_after(1, [&](ByteView) { called = true; }));
  EXPECT_FALSE(called);
}

TEST(ReplayBuffer, CounterNeverWraps) {  // §4.2
  // Test hook: counters start just below 2^64-1 as if that many had been sent and acked.
  ReplayBuffer b(kMax - 2);
  EXPECT_EQ(b.sent(), kMax - 2);
  EXPECT_EQ(b.acknowledged(), kMax - 2);
  ASSERT_TRUE(b.push(msg(1)));
  ASSERT_TRUE(b.push(msg(2)));
  EXPECT_EQ(b.sent(), kMax);
  auto st = b.push(msg(3));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::limit);
  EXPECT_EQ(b.sent(), kMax);
  EXPECT_EQ(b.held_messages(), 2u);
  // Counts near the top are still checked exactly.
  EXPECT_FALSE(b.acknowledge(kMax - 3));
  EXPECT_EQ(replayed(b, kMax - 1), std::vector<std::string>{"message 2"});
  EXPECT_TRUE(b.acknowledge(kMax));
  EXPECT_EQ(b.held_messages(), 0u);
  EXPECT_EQ(b.held_bytes(), 0u);
}

TEST(ReplayBuffer, PayloadIsCopied) {  // §5.1: the buffer owns its copy
  ReplayBuffer b;
  Bytes m = to_bytes("original");
  ASSERT_TRUE(b.push(m));
  m.assign(m.size(), 'x');
  EXPECT_EQ(replayed(b, 0), std::vector<std::string>{"original"});
}

// Held messages are kept as SecretBytes (wiped when freed; tested in unit-base).
TEST(ReplayBuffer, AcknowledgedAndReplayedMessagesStayIntact) {
  // The wiping element type changes nothing of what the buffer hands out.
  ReplayBuffer b = filled(3);
  ASSERT_TRUE(b.acknowledge(1));
  EXPECT_EQ(as_text(b.newest()), "message 3");
  EXPECT_EQ(replayed(b, 1), (std::vector<std::string>{"message 2", "message 3"}));
}

}  // namespace
}  // namespace ssh::continuation
