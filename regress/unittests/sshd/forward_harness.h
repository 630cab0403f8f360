// Test fixture for the TCP forwarding tests: an in-memory client Mux talks to a server
// Mux whose handler is a TcpipForwarder, with real loopback sockets on the far side of
// each forward (an echo server, or sockets the test drives itself).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "connection/forward_requests.h"
#include "connection/mux.h"
#include "session_harness.h"
#include "sshd/tcpip_forward.h"

namespace ssh::sshd::test {

// Forwards to a handler set after construction (the forwarder needs the Mux first).
struct Relay : MuxHandler {
  MuxHandler* next = nullptr;
  OpenDecision on_channel_open(const IncomingOpen& o) override { return next->on_channel_open(o); }
  GlobalReply on_global_request(std::string_view name, bool want_reply, ByteView data) override {
    return next->on_global_request(name, want_reply, data);
  }
};

// Keeps the OPEN_FAILURE description as well.
class DescChannel : public ClientChannel {
 public:
  DescChannel(ClientRecord& r, std::string& desc) : ClientChannel(r), desc_(desc) {}
  void on_open_failed(uint32_t reason, std::string_view d) override {
    ClientChannel::on_open_failed(reason, d);
    desc_ = std::string(d);
  }

 private:
  std::string& desc_;
};

// The client side: accepts forwarded-tcpip opens into records.
struct ClientForwardHooks : MuxHandler {
  std::deque<ClientRecord>* records = nullptr;
  std::vector<ForwardedTcpip> opens;
  std::vector<ChannelId> ids;
  ChannelOptions options;
  OpenDecision on_channel_open(const IncomingOpen& o) override {
    if (o.type != kChannelForwardedTcpip)
      return OpenDecision::reject(OpenFailureReason::unknown_channel_type, "no");
    auto f = decode_forwarded_tcpip(o.data);
    if (!f) return OpenDecision::reject(OpenFailureReason::connect_failed, "bad");
    opens.push_back(*f);
    ids.push_back(o.local_id);
    ClientRecord& r = records->emplace_back();
    r.manual = options.manual_consume;
    return OpenDecision::accept(std::make_unique<ClientChannel>(r), options);
  }
};

// A loopback echo server on the test's loop: reads only while its buffer is empty, so
// it pushes back like a real slow peer; echoes EOF with shutdown(SHUT_WR).
class EchoServer {
 public:
  explicit EchoServer(EventLoop& loop) : loop_(loop) {
    listen_.reset(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(listen_.get(), 16), 0);
    socklen_t len = sizeof a;
    getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    EXPECT_TRUE(loop_.watch(listen_.get(), EPOLLIN, [this](uint32_t) { accept_one(); }));
  }
  ~EchoServer() {
    loop_.unwatch(listen_.get());
    if (conn_) loop_.unwatch(conn_.get());
  }
  uint16_t port() const { return port_; }
  size_t echoed = 0;
  bool eof = false;

 private:
  void accept_one() {
    UniqueFd c(accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!c || conn_) return;
    conn_ = std::move(c);
    EXPECT_TRUE(loop_.watch(conn_.get(), EPOLLIN, [this](uint32_t) { pump(); }));
  }
  void pump() {
    if (pos_ == buf_.size() && !eof) {
      buf_.resize(16384);
      ssize_t n = read(conn_.get(), buf_.data(), buf_.size());
      if (n == 0) eof = true;
      buf_.resize(n > 0 ? size_t(n) : 0);
      pos_ = 0;
    }
    while (pos_ < buf_.size()) {
      ssize_t n = send(conn_.get(), buf_.data() + pos_, buf_.size() - pos_, MSG_NOSIGNAL);
      if (n <= 0) break;
      pos_ += size_t(n);
      echoed += size_t(n);
    }
    if (eof && pos_ == buf_.size()) {
      shutdown(conn_.get(), SHUT_WR);
      loop_.unwatch(conn_.get());
      return;
    }
    (void)loop_.set_events(conn_.get(), pos_ < buf_.size() ? EPOLLOUT : EPOLLIN);
  }

  EventLoop& loop_;
  UniqueFd listen_;
  UniqueFd conn_;
  uint16_t port_ = 0;
  Bytes buf_;
  size_t pos_ = 0;
};

inline UniqueFd tcp_listen(uint16_t* port) {
  UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(listen(s.get(), 4), 0);
  socklen_t len = sizeof a;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return s;
}

inline UniqueFd tcp_connect(const char* addr, uint32_t port) {
  UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  inet_pton(AF_INET, addr, &a.sin_addr);
  if (connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
  set_nonblocking(s.get());
  return s;
}

inline uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

class ForwardTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLoop> loop;
  TcpForwardConfig cfg;
  MuxConfig client_config;
  QueueSink to_server, to_client;
  ClientForwardHooks client_hooks;
  Relay relay;
  std::unique_ptr<Mux> client, server;
  std::unique_ptr<TcpipForwarder> fwd;
  std::deque<ClientRecord> records;
  std::deque<std::string> descriptions;

  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    loop = std::move(*EventLoop::create());
    client_hooks.records = &records;
  }
  void TearDown() override { stop(); }

  void stop() {
    if (fwd) fwd->connection_lost();
    client.reset();
    server.reset();
    fwd.reset();
    to_server.queue.clear();
    to_client.queue.clear();
  }

  // (Re)builds both ends with the current cfg.
  void start() {
    stop();
    client = std::make_unique<Mux>(to_server, client_hooks, client_config);
    server = std::make_unique<Mux>(to_client, relay);
    fwd = std::make_unique<TcpipForwarder>(*loop, *server, cfg);
    relay.next = fwd.get();
  }

  bool deliver() {
    bool moved = false;
    while (!to_server.queue.empty() || !to_client.queue.empty()) {
      moved = true;
      if (!to_server.queue.empty()) {
        Bytes p = std::move(to_server.queue.front());
        to_server.queue.pop_front();
        auto st = server->handle(p);
        EXPECT_TRUE(st) << st.error().context;
      }
      if (!to_client.queue.empty()) {
        Bytes p = std::move(to_client.queue.front());
        to_client.queue.pop_front();
        auto st = client->handle(p);
        EXPECT_TRUE(st) << st.error().context;
      }
    }
    return moved;
  }

  bool run_until(const std::function<bool()>& pred, Millis timeout = Millis(20000)) {
    auto deadline = Clock::now() + timeout;
    while (!pred()) {
      if (Clock::now() > deadline) return false;
      bool moved = deliver();
      if (pred()) return true;
      EXPECT_TRUE(loop->run_once(moved ? Millis(0) : Millis(5)));
    }
    return true;
  }

  ClientRecord& open_direct(const std::string& host, uint32_t port, ChannelId* id_out = nullptr,
                            ChannelOptions options = {}) {
    ClientRecord& r = records.emplace_back();
    std::string& desc = descriptions.emplace_back();
    r.manual = options.manual_consume;
    Bytes data = encode(DirectTcpip{host, port, "192.0.2.7", 40000});
    auto id =
        client->open_channel(kChannelDirectTcpip, data, std::make_unique<DescChannel>(r, desc), options);
    EXPECT_TRUE(id);
    EXPECT_TRUE(run_until([&] { return r.confirmed || r.open_failed; }));
    if (id_out) *id_out = id ? *id : 0;
    return r;
  }

  ClientChannel* client_channel(ChannelId id) { return static_cast<ClientChannel*>(client->handler(id)); }

  // tcpip-forward with want_reply; the allocated/bound port, or nullopt on failure.
  std::optional<uint32_t> request_forward(const std::string& address, uint32_t port,
                                          std::string_view name = kGlobalTcpipForward) {
    std::optional<bool> ok;
    uint32_t bound = 0;
    EXPECT_TRUE(
        client->send_global_request(name, encode(TcpipForward{address, port}), [&](bool s, ByteView d) {
          ok = s;
          if (s) bound = *decode_tcpip_forward_reply(d, port);
        }));
    EXPECT_TRUE(run_until([&] { return ok.has_value(); }));
    if (!ok || !*ok) return std::nullopt;
    return bound;
  }

  // Reads whatever the socket has into `into`; true at EOF.
  static bool drain(int fd, std::string& into) {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n == 0) return true;
      if (n < 0) return false;
      into.append(buf, size_t(n));
    }
  }
};

inline Bytes random_bytes(size_t n) {
  std::mt19937 rng(4254);
  Bytes b(n);
  for (auto& x : b) x = uint8_t(rng());
  return b;
}
}  // namespace ssh::sshd::test
