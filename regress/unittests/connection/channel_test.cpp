#include "connection/channel.h"

#include <gtest/gtest.h>

namespace ssh::connection {
namespace {

TEST(Channel, ReceiveWindowIsEnforced) {
  Channel c(0, "session", 1000, 100, false);
  EXPECT_TRUE(c.receive(600));
  EXPECT_EQ(c.local_window(), 400u);
  auto r = c.receive(401);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::protocol);
  EXPECT_TRUE(c.receive(400));
  EXPECT_FALSE(c.receive(1));
}

TEST(Channel, WindowAdjustAfterHalfConsumed) {
  Channel c(0, "session", 1000, 100, false);
  ASSERT_TRUE(c.receive(800));
  auto a = c.consume(300);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->has_value());  // 300 < 500
  a = c.consume(200);
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ(**a, 500u);
  EXPECT_EQ(c.local_window(), 700u);  // 200 left + 500 re-granted
  EXPECT_FALSE(c.consume(301));       // only 300 in flight
}

TEST(Channel, RemoteWindowAndChunks) {
  Channel c(0, "session", 1000, 100, false);
  EXPECT_EQ(c.sendable(50), 0u);  // still opening
  c.set_open(7, 250, 64);
  EXPECT_EQ(c.remote_id(), 7u);
  EXPECT_EQ(c.sendable(1000), 250u);
  EXPECT_EQ(c.chunk_size(), 64u);  // peer's max packet below ours
  c.spend(250);
  EXPECT_EQ(c.sendable(1), 0u);
  EXPECT_TRUE(c.grow_remote_window(10));
  EXPECT_EQ(c.sendable(100), 10u);
  EXPECT_FALSE(c.grow_remote_window(0xffffffffu));  // RFC 4254 §5.2: at most 2^32-1
  c.eof_sent = true;
  EXPECT_EQ(c.sendable(100), 0u);
}

TEST(Channel, ZeroMaxPacketNeverSends) {
  Channel c(0, "session", 1000, 100, false);
  c.set_open(1, 1000, 0);
  EXPECT_EQ(c.sendable(10), 0u);
}

}  // namespace
}  // namespace ssh::connection
