#include <gtest/gtest.h>
#include <unistd.h>

#include "base/unix_message.h"

namespace ssh {
namespace {

TEST(UnixMessage, RoundTripWithAndWithoutFd) {
  auto pair = seqpacket_pair();
  ASSERT_TRUE(pair);
  auto& [a, b] = *pair;
  ASSERT_TRUE(send_unix_message(a.get(), as_bytes("hello")));
  auto m = receive_unix_message(b.get(), 64);
  ASSERT_TRUE(m);
  EXPECT_EQ(as_text(m->data), "hello");
  EXPECT_FALSE(m->fd.valid());

  int p[2];
  ASSERT_EQ(pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  ASSERT_TRUE(send_unix_message(a.get(), as_bytes("fd"), w.get()));
  auto with_fd = receive_unix_message(b.get(), 64);
  ASSERT_TRUE(with_fd);
  ASSERT_TRUE(with_fd->fd.valid());
  ASSERT_EQ(write(with_fd->fd.get(), "x", 1), 1);  // the passed fd is the pipe's write end
  char c = 0;
  ASSERT_EQ(read(r.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

TEST(UnixMessage, OversizedMessageRejected) {
  auto pair = seqpacket_pair();
  ASSERT_TRUE(pair);
  Bytes big(100, 7);
  ASSERT_TRUE(send_unix_message(pair->first.get(), big));
  auto m = receive_unix_message(pair->second.get(), 99);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::limit);
}

TEST(UnixMessage, ClosedPeerIsReported) {
  auto pair = seqpacket_pair();
  ASSERT_TRUE(pair);
  pair->first.reset();
  auto m = receive_unix_message(pair->second.get(), 16);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::closed);
}

}  // namespace
}  // namespace ssh
