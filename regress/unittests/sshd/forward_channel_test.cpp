// ForwardChannel: the socket <-> channel pump, its flow control and its EOF/CLOSE
// handling, driven through TcpipForwarder (direct-tcpip and forwarded-tcpip).
#include "sshd/forward_channel.h"

#include "forward_harness.h"

namespace ssh::sshd::test {
namespace {

TEST_F(ForwardTest, DirectTcpipRoundTripsFiveMegabytesWithSmallWindows) {
  EchoServer echo(*loop);
  cfg.window_size = 16 * 1024;
  cfg.max_packet = 4096;
  start();
  ChannelId id = 0;
  ChannelOptions copt{.window_size = 12 * 1024, .max_packet = 2048, .manual_consume = true};
  ClientRecord& r = open_direct("127.0.0.1", echo.port(), &id, copt);
  ASSERT_TRUE(r.confirmed);
  EXPECT_EQ(fwd->channel_count(), 1u);
  r.input = random_bytes(5 * 1024 * 1024);
  r.eof_after_input = true;
  client_channel(id)->flush();
  ASSERT_TRUE(run_until([&] { return r.closed; }, Millis(10000)))
      << "out " << r.out.size() << " echoed " << echo.echoed << " eof " << r.eof << " echo eof " << echo.eof
      << " input_pos " << r.input_pos << " server channels " << server->channel_count();
  EXPECT_EQ(r.out.size(), r.input.size());
  EXPECT_TRUE(r.out == r.input);
  EXPECT_TRUE(r.eof);
  EXPECT_TRUE(echo.eof);
  EXPECT_EQ(r.events.back(), "close");
  EXPECT_EQ(fwd->channel_count(), 0u);
  EXPECT_EQ(server->channel_count(), 0u);
}

TEST_F(ForwardTest, ClientCloseShutsTheSocketAndSocketEofReachesClient) {
  uint16_t port = 0;
  UniqueFd lis = tcp_listen(&port);
  start();
  ChannelId id = 0;
  ClientRecord& r = open_direct("127.0.0.1", port, &id);
  ASSERT_TRUE(r.confirmed);
  UniqueFd peer(accept4(lis.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  ASSERT_TRUE(peer);
  // socket -> channel, then the socket's EOF becomes CHANNEL_EOF.
  ASSERT_EQ(write(peer.get(), "ping", 4), 4);
  shutdown(peer.get(), SHUT_WR);
  ASSERT_TRUE(run_until([&] { return r.eof; }));
  EXPECT_EQ(r.out_text(), "ping");
  EXPECT_FALSE(r.closed);  // the other direction is still open
  // channel -> socket, then CHANNEL_EOF becomes a FIN and the channel closes.
  r.input = Bytes{'p', 'o', 'n', 'g'};
  r.eof_after_input = true;
  client_channel(id)->flush();
  std::string got;
  bool at_eof = false;
  ASSERT_TRUE(run_until([&] { return (at_eof = at_eof || drain(peer.get(), got)) && r.closed; }));
  EXPECT_EQ(got, "pong");
  EXPECT_EQ(fwd->channel_count(), 0u);

  // A CLOSE from the client without EOF also ends the TCP connection.
  ClientRecord& r2 = open_direct("127.0.0.1", port, &id);
  UniqueFd peer2(accept4(lis.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  ASSERT_TRUE(peer2);
  ASSERT_TRUE(client->close(id));
  ASSERT_TRUE(run_until([&] { return r2.closed; }));
  std::string none;
  EXPECT_TRUE(run_until([&] { return drain(peer2.get(), none); }));

  // A reset from the far side closes the channel.
  ClientRecord& r3 = open_direct("127.0.0.1", port, &id);
  UniqueFd peer3(accept4(lis.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  linger lg{1, 0};
  setsockopt(peer3.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  peer3.reset();
  EXPECT_TRUE(run_until([&] { return r3.closed; }));
  EXPECT_EQ(fwd->channel_count(), 0u);
}

TEST_F(ForwardTest, RemoteForwardBulkWithSmallWindows) {
  cfg.window_size = 8192;
  cfg.max_packet = 1024;
  client_hooks.options = {.window_size = 10000, .max_packet = 3000, .manual_consume = true};
  start();
  auto port = request_forward("", 0);
  ASSERT_TRUE(port);
  UniqueFd s = tcp_connect("127.0.0.1", *port);
  ASSERT_TRUE(run_until([&] { return !records.empty() && records.back().confirmed; }));
  ClientRecord& r = records.back();
  // socket -> client, 1 MB, written as fast as the socket takes it.
  Bytes data = random_bytes(1024 * 1024);
  size_t off = 0;
  ASSERT_TRUE(run_until([&] {
    if (off < data.size()) {
      ssize_t n = send(s.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) off += size_t(n);
      if (off == data.size()) shutdown(s.get(), SHUT_WR);
    }
    return r.eof;
  }));
  EXPECT_TRUE(r.out == data);
}

// A client that stops granting window stops the server reading the socket: the TCP
// sender then blocks instead of sshd buffering without bound.
TEST_F(ForwardTest, ShutWindowStopsReadingTheSocket) {
  client_hooks.options = {.window_size = 10000, .max_packet = 2000, .manual_consume = true};
  start();
  auto port = request_forward("localhost", 0);
  ASSERT_TRUE(port);
  UniqueFd s = tcp_connect("127.0.0.1", *port);
  ASSERT_TRUE(run_until([&] { return !records.empty() && records.back().confirmed; }));
  ClientRecord& r = records.back();
  r.hold = true;
  Bytes data = random_bytes(64 * 1024 * 1024);
  size_t off = 0;
  int idle_turns = 0;  // consecutive turns in which the socket took nothing
  ASSERT_TRUE(run_until([&] {
    ssize_t n = send(s.get(), data.data() + off, std::min<size_t>(65536, data.size() - off), MSG_NOSIGNAL);
    if (n > 0) {
      off += size_t(n);
      idle_turns = 0;
    } else {
      ++idle_turns;
    }
    return idle_turns > 50 || off == data.size();
  }));
  EXPECT_LT(off, data.size()) << "the sender never blocked";
  EXPECT_LE(r.out.size(), 10000u);
  EXPECT_EQ(r.out.size(), r.unconsumed);
  // Open the window again: everything written so far arrives, in order.
  r.hold = false;
  static_cast<ClientChannel*>(client->handler(client_hooks.ids[0]))->release();
  shutdown(s.get(), SHUT_WR);
  ASSERT_TRUE(run_until([&] { return r.eof; }));
  ASSERT_EQ(r.out.size(), off);
  EXPECT_TRUE(std::equal(r.out.begin(), r.out.end(), data.begin()));
}

}  // namespace
}  // namespace ssh::sshd::test
