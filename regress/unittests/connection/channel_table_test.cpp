#include "connection/channel_table.h"

#include <gtest/gtest.h>

namespace ssh::connection {
namespace {

TEST(ChannelTable, LowestFreeIdAndLimit) {
  ChannelTable t(3);
  auto a = t.allocate("session", 100, 10, false);
  auto b = t.allocate("session", 100, 10, false);
  auto c = t.allocate("session", 100, 10, false);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ((*a)->local_id(), 0u);
  EXPECT_EQ((*b)->local_id(), 1u);
  EXPECT_EQ((*c)->local_id(), 2u);
  auto d = t.allocate("session", 100, 10, false);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::limit);
  EXPECT_EQ(t.size(), 3u);

  EXPECT_TRUE(t.release(1));
  EXPECT_EQ(t.find(1), nullptr);
  EXPECT_FALSE(t.release(1));
  auto e = t.allocate("direct-tcpip", 100, 10, false);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)->local_id(), 1u);
  EXPECT_EQ((*e)->type(), "direct-tcpip");
  EXPECT_EQ(t.ids(), (std::vector<ChannelId>{0, 1, 2}));
}

TEST(ChannelTable, UnknownIds) {
  ChannelTable t(4);
  EXPECT_EQ(t.find(0), nullptr);
  EXPECT_EQ(t.find(0xffffffffu), nullptr);
  EXPECT_FALSE(t.release(12345));
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace ssh::connection
