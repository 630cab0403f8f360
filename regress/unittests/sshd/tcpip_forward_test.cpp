// TcpipForwarder: direct-tcpip policy and connects, tcpip-forward listeners per
// GatewayPorts and PermitListen, cancel-tcpip-forward, limits, and the wiring behind
// SessionHost.
#include "sshd/tcpip_forward.h"

#include "forward_harness.h"

namespace ssh::sshd::test {
namespace {

TEST_F(ForwardTest, RefusedByPolicyIsAdministrativelyProhibited) {
  EchoServer echo(*loop);
  struct Case {
    const char* what;
    std::function<void(TcpForwardConfig&)> set;
    bool allowed;
  };
  std::string exact = "127.0.0.1:" + std::to_string(echo.port());
  std::vector<Case> cases = {
      {"AllowTcpForwarding no", [](auto& c) { c.allow_tcp_forwarding = config::kForwardNo; }, false},
      {"AllowTcpForwarding remote", [](auto& c) { c.allow_tcp_forwarding = config::kForwardRemote; }, false},
      {"AllowTcpForwarding local", [](auto& c) { c.allow_tcp_forwarding = config::kForwardLocal; }, true},
      {"DisableForwarding", [](auto& c) { c.disable_forwarding = true; }, false},
      {"no-port-forwarding", [](auto& c) { c.key_port_forwarding = false; }, false},
      {"PermitOpen none", [](auto& c) { c.permit_open = {"none"}; }, false},
      {"PermitOpen any", [](auto& c) { c.permit_open = {"any"}; }, true},
      {"PermitOpen other port", [](auto& c) { c.permit_open = {"127.0.0.1:1"}; }, false},
      {"PermitOpen other host",
       [&](auto& c) { c.permit_open = {"localhost:" + std::to_string(echo.port())}; }, false},
      {"PermitOpen exact",
       [&](auto& c) {
         c.permit_open = {"127.0.0.1:1", exact};
       },
       true},
      {"PermitOpen port *", [](auto& c) { c.permit_open = {"127.0.0.1:*"}; }, true},
      {"permitopen= other", [](auto& c) { c.key_permit_open = {"127.0.0.1:1"}; }, false},
      {"PermitOpen and permitopen=",
       [&](auto& c) {
         c.permit_open = {"*:*"};
         c.key_permit_open = {exact};
       },
       true},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.what);
    cfg = {};
    k.set(cfg);
    start();
    ClientRecord& r = open_direct("127.0.0.1", echo.port());
    EXPECT_EQ(r.confirmed, k.allowed);
    if (!k.allowed) {
      EXPECT_EQ(r.fail_reason, uint32_t(OpenFailureReason::administratively_prohibited));
      EXPECT_EQ(descriptions.back(), "open failed");
    }
  }
}

TEST_F(ForwardTest, ClosedPortGivesConnectFailed) {
  uint16_t port = 0;
  { UniqueFd gone = tcp_listen(&port); }  // bound once, now nobody listens there
  start();
  ClientRecord& r = open_direct("127.0.0.1", port);
  EXPECT_TRUE(r.open_failed);
  EXPECT_EQ(r.fail_reason, uint32_t(OpenFailureReason::connect_failed));
  EXPECT_EQ(descriptions.back(), strerror(ECONNREFUSED));
  EXPECT_EQ(fwd->channel_count(), 0u);
}

TEST_F(ForwardTest, ChannelLimitGivesResourceShortage) {
  EchoServer echo(*loop);
  cfg.max_channels = 1;
  start();
  ClientRecord& a = open_direct("127.0.0.1", echo.port());
  EXPECT_TRUE(a.confirmed);
  ClientRecord& b = open_direct("127.0.0.1", echo.port());
  EXPECT_EQ(b.fail_reason, uint32_t(OpenFailureReason::resource_shortage));
}

TEST_F(ForwardTest, RemoteForwardPortZeroOpensForwardedTcpip) {
  start();
  auto port = request_forward("localhost", 0);
  ASSERT_TRUE(port);
  ASSERT_NE(*port, 0u);
  EXPECT_EQ(fwd->listener_count(), 1u);
  for (const auto& a : fwd->listening_addresses()) {
    EXPECT_TRUE(a == "127.0.0.1 " + std::to_string(*port) || a == "::1 " + std::to_string(*port)) << a;
  }
  UniqueFd s = tcp_connect("127.0.0.1", *port);
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return !records.empty() && records.back().confirmed; }));
  ClientRecord& r = records.back();
  ASSERT_EQ(client_hooks.opens.size(), 1u);
  const ForwardedTcpip& f = client_hooks.opens[0];
  EXPECT_EQ(f.connected_address, "localhost");
  EXPECT_EQ(f.connected_port, *port);
  EXPECT_EQ(f.originator_address, "127.0.0.1");
  EXPECT_EQ(f.originator_port, local_port(s.get()));
  EXPECT_EQ(fwd->channel_count(), 1u);

  ASSERT_EQ(write(s.get(), "hello", 5), 5);
  ASSERT_TRUE(run_until([&] { return r.out.size() == 5; }));
  EXPECT_EQ(r.out_text(), "hello");
  ChannelId cid = client_hooks.ids[0];
  ASSERT_TRUE(client->send_data(cid, as_bytes(std::string("world"))));
  ASSERT_TRUE(client->send_eof(cid));
  std::string got;
  ASSERT_TRUE(run_until([&] { return drain(s.get(), got); }));
  EXPECT_EQ(got, "world");
  shutdown(s.get(), SHUT_WR);
  ASSERT_TRUE(run_until([&] { return r.closed; }));
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(fwd->channel_count(), 0u);
}

TEST_F(ForwardTest, GatewayPortsDecidesTheBindAddress) {
  cfg.gateway_ports = config::kGatewayNo;
  start();
  auto p = request_forward("0.0.0.0", 0);
  ASSERT_TRUE(p);
  for (const auto& a : fwd->listening_addresses()) {
    EXPECT_TRUE(a.starts_with("127.0.0.1 ") || a.starts_with("::1 ")) << a;
  }
  auto q = request_forward("", 0);
  ASSERT_TRUE(q);
  auto explicit_v4 = request_forward("127.0.0.1", 0);
  ASSERT_TRUE(explicit_v4);
  size_t v4_explicit = 0;
  for (const auto& a : fwd->listening_addresses()) {
    if (a == "127.0.0.1 " + std::to_string(*explicit_v4)) ++v4_explicit;
    EXPECT_FALSE(a == "::1 " + std::to_string(*explicit_v4)) << "only the requested loopback";
  }
  EXPECT_EQ(v4_explicit, 1u);

  cfg.gateway_ports = config::kGatewayYes;
  start();
  auto w = request_forward("localhost", 0);
  ASSERT_TRUE(w);
  bool wildcard = false;
  for (const auto& a : fwd->listening_addresses()) {
    wildcard = wildcard || a == "0.0.0.0 " + std::to_string(*w) || a == ":: " + std::to_string(*w);
  }
  EXPECT_TRUE(wildcard);

  cfg.gateway_ports = config::kGatewayClientSpecified;
  start();
  auto c = request_forward("127.0.0.1", 0);
  ASSERT_TRUE(c);
  EXPECT_EQ(fwd->listening_addresses(), std::vector<std::string>{"127.0.0.1 " + std::to_string(*c)});
  auto star = request_forward("*", 0);
  ASSERT_TRUE(star);
  wildcard = false;
  for (const auto& a : fwd->listening_addresses()) {
    wildcard = wildcard || a == "0.0.0.0 " + std::to_string(*star) || a == ":: " + std::to_string(*star);
  }
  EXPECT_TRUE(wildcard);
}

TEST_F(ForwardTest, CancelFreesThePort) {
  start();
  auto port = request_forward("localhost", 0);
  ASSERT_TRUE(port);
  EXPECT_FALSE(request_forward("localhost", 1, kGlobalCancelTcpipForward));  // no such forward
  EXPECT_EQ(fwd->listener_count(), 1u);
  ASSERT_TRUE(request_forward("localhost", *port, kGlobalCancelTcpipForward));
  EXPECT_EQ(fwd->listener_count(), 0u);
  EXPECT_FALSE(tcp_connect("127.0.0.1", *port));  // refused now
  // The same port can be forwarded again.
  auto again = request_forward("localhost", *port);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *port);
  // An existing forward on that port: the second bind fails.
  EXPECT_FALSE(request_forward("localhost", *port));
}

TEST_F(ForwardTest, RemoteForwardPolicy) {
  struct Case {
    const char* what;
    std::function<void(TcpForwardConfig&)> set;
    std::string address;
    uint32_t port;
    bool allowed;
  };
  std::vector<Case> cases = {
      {"default", [](auto&) {}, "localhost", 0, true},
      {"AllowTcpForwarding local", [](auto& c) { c.allow_tcp_forwarding = config::kForwardLocal; },
       "localhost", 0, false},
      {"AllowTcpForwarding remote", [](auto& c) { c.allow_tcp_forwarding = config::kForwardRemote; },
       "localhost", 0, true},
      {"DisableForwarding", [](auto& c) { c.disable_forwarding = true; }, "localhost", 0, false},
      {"restrict", [](auto& c) { c.key_port_forwarding = false; }, "localhost", 0, false},
      {"privileged port", [](auto&) {}, "localhost", 1023, false},
      {"port > 65535", [](auto&) {}, "localhost", 70000, false},
      {"PermitListen none", [](auto& c) { c.permit_listen = {"none"}; }, "localhost", 0, false},
      {"PermitListen *:0", [](auto& c) { c.permit_listen = {"*:0"}; }, "localhost", 0, true},
      {"PermitListen other host", [](auto& c) { c.permit_listen = {"127.0.0.1:*"}; }, "localhost", 0, false},
      {"permitlisten= port only", [](auto& c) { c.key_permit_listen = {"0"}; }, "localhost", 0, true},
      {"permitlisten= other", [](auto& c) { c.key_permit_listen = {"localhost:5"}; }, "localhost", 0, false},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.what);
    cfg = {};
    k.set(cfg);
    start();
    EXPECT_EQ(request_forward(k.address, k.port).has_value(), k.allowed);
    EXPECT_EQ(fwd->listener_count(), k.allowed ? 1u : 0u);
  }
  // Port 0 without want_reply is refused (the client could never learn the port).
  cfg = {};
  start();
  ASSERT_TRUE(client->send_global_request(kGlobalTcpipForward, encode(TcpipForward{"localhost", 0})));
  run_until([&] { return to_server.queue.empty() && to_client.queue.empty(); });
  EXPECT_EQ(fwd->listener_count(), 0u);
  // The listener limit.
  cfg.max_listeners = 1;
  start();
  EXPECT_TRUE(request_forward("localhost", 0));
  EXPECT_FALSE(request_forward("localhost", 0));
}

TEST_F(ForwardTest, OtherRequestsGoToTheNextHandler) {
  start();
  std::optional<bool> ok;
  ASSERT_TRUE(client->send_global_request("x@example.com", {}, [&](bool s, ByteView) { ok = s; }));
  ASSERT_TRUE(run_until([&] { return ok.has_value(); }));
  EXPECT_FALSE(*ok);
  ClientRecord& r = records.emplace_back();
  ASSERT_TRUE(client->open_channel("x@example.com", {}, std::make_unique<ClientChannel>(r)));
  ASSERT_TRUE(run_until([&] { return r.open_failed; }));
  EXPECT_EQ(r.fail_reason, uint32_t(OpenFailureReason::unknown_channel_type));
}

TEST_F(ForwardTest, ConnectionLostClosesListeners) {
  start();
  auto port = request_forward("localhost", 0);
  ASSERT_TRUE(port);
  fwd->connection_lost();
  EXPECT_EQ(fwd->listener_count(), 0u);
  EXPECT_FALSE(tcp_connect("127.0.0.1", *port));
}

// Wired as in the session process: SessionHost hands direct-tcpip to the forwarder.
class ForwardBehindSessionHost : public SessionTest {
 protected:
  std::unique_ptr<TcpipForwarder> fwd;
};

TEST_F(ForwardBehindSessionHost, DirectTcpipThroughSessionHost) {
  EchoServer echo(*loop);
  start();
  fwd = std::make_unique<TcpipForwarder>(*loop, *server, TcpForwardConfig{});
  host->set_next(fwd.get());
  ClientRecord& r = records.emplace_back();
  auto id =
      client->open_channel(kChannelDirectTcpip, encode(DirectTcpip{"127.0.0.1", echo.port(), "192.0.2.1", 5}),
                           std::make_unique<ClientChannel>(r));
  ASSERT_TRUE(id);
  ASSERT_TRUE(run_until([&] { return r.confirmed || r.open_failed; }));
  ASSERT_TRUE(r.confirmed);
  send_text(*id, "through the host");
  ASSERT_TRUE(client->send_eof(*id));
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.out_text(), "through the host");
  // A session channel still goes to the SessionHost.
  ChannelId sid = 0;
  EXPECT_TRUE(open_session(&sid).confirmed);
  fwd->connection_lost();
}

}  // namespace
}  // namespace ssh::sshd::test
