// The forwarding permission rules: PermitOpen/PermitListen lists, the combined checks
// and GatewayPorts' choice of bind address.
#include "sshd/forward_policy.h"

#include <gtest/gtest.h>

namespace ssh::sshd {
namespace {

TEST(ForwardPolicy, PermitListMatching) {
  EXPECT_TRUE(permit_list_allows({}, "h", 1));
  EXPECT_TRUE(permit_list_allows({"any"}, "h", 1));
  EXPECT_FALSE(permit_list_allows({"none"}, "h", 1));
  EXPECT_TRUE(permit_list_allows({"h:1"}, "h", 1));
  EXPECT_FALSE(permit_list_allows({"h:1"}, "h", 2));
  EXPECT_FALSE(permit_list_allows({"h:1"}, "H", 1));  // literal names, no patterns
  EXPECT_FALSE(permit_list_allows({"h*:1"}, "hx", 1));
  EXPECT_TRUE(permit_list_allows({"h:*"}, "h", 65535));
  EXPECT_TRUE(permit_list_allows({"*:22"}, "anything", 22));
  EXPECT_TRUE(permit_list_allows({"[::1]:22"}, "::1", 22));
  EXPECT_TRUE(permit_list_allows({"::1:22"}, "::1", 22));
  EXPECT_TRUE(permit_list_allows({"8080"}, "localhost", 8080));  // bare port: any host
  EXPECT_FALSE(permit_list_allows({"8080"}, "localhost", 8081));
  EXPECT_FALSE(permit_list_allows({"h:x", ":1", "h:99999"}, "h", 1));  // malformed entries never match
  EXPECT_TRUE(permit_list_allows({"a:1", "b:2"}, "b", 2));
}

TEST(ForwardPolicy, AllowTcpForwardingDirections) {
  TcpForwardConfig c;
  EXPECT_TRUE(local_forwarding_allowed(c));
  EXPECT_TRUE(remote_forwarding_allowed(c));
  c.allow_tcp_forwarding = config::kForwardLocal;
  EXPECT_TRUE(local_forwarding_allowed(c));
  EXPECT_FALSE(remote_forwarding_allowed(c));
  c.allow_tcp_forwarding = config::kForwardRemote;
  EXPECT_FALSE(local_forwarding_allowed(c));
  EXPECT_TRUE(remote_forwarding_allowed(c));
  c.allow_tcp_forwarding = config::kForwardNo;
  EXPECT_FALSE(local_forwarding_allowed(c));
  EXPECT_FALSE(remote_forwarding_allowed(c));
  c = {};
  c.disable_forwarding = true;
  EXPECT_FALSE(local_forwarding_allowed(c));
  EXPECT_FALSE(remote_forwarding_allowed(c));
  c = {};
  c.key_port_forwarding = false;
  EXPECT_FALSE(local_forwarding_allowed(c));
  EXPECT_FALSE(remote_forwarding_allowed(c));
}

TEST(ForwardPolicy, OpenAndListenCombineBothLists) {
  TcpForwardConfig c;
  c.permit_open = {"h:1", "k:2"};
  c.key_permit_open = {"k:2"};
  EXPECT_FALSE(open_permitted(c, "h", 1));
  EXPECT_TRUE(open_permitted(c, "k", 2));
  EXPECT_FALSE(listen_permitted(c, "localhost", 1023));
  EXPECT_TRUE(listen_permitted(c, "localhost", 1024));
  EXPECT_TRUE(listen_permitted(c, "localhost", 0));
  EXPECT_FALSE(listen_permitted(c, "localhost", 65536));
  c.user_is_root = true;
  EXPECT_TRUE(listen_permitted(c, "localhost", 22));
  c.permit_listen = {"localhost:*"};
  c.key_permit_listen = {"*:80"};
  EXPECT_TRUE(listen_permitted(c, "localhost", 80));
  EXPECT_FALSE(listen_permitted(c, "localhost", 81));
  EXPECT_FALSE(listen_permitted(c, "127.0.0.1", 80));
}

TEST(ForwardPolicy, GatewayPortsBindTarget) {
  auto t = forward_bind_target(config::kGatewayNo, "0.0.0.0");
  EXPECT_EQ(t.host, "");
  EXPECT_FALSE(t.passive);
  t = forward_bind_target(config::kGatewayNo, "::1");
  EXPECT_EQ(t.host, "::1");
  t = forward_bind_target(config::kGatewayYes, "127.0.0.1");
  EXPECT_EQ(t.host, "");
  EXPECT_TRUE(t.passive);
  t = forward_bind_target(config::kGatewayClientSpecified, "");
  EXPECT_TRUE(t.passive);
  EXPECT_EQ(t.host, "");
  t = forward_bind_target(config::kGatewayClientSpecified, "*");
  EXPECT_TRUE(t.passive);
  t = forward_bind_target(config::kGatewayClientSpecified, "localhost");
  EXPECT_FALSE(t.passive);
  EXPECT_EQ(t.host, "");
  t = forward_bind_target(config::kGatewayClientSpecified, "192.0.2.1");
  EXPECT_EQ(t.host, "192.0.2.1");
}

}  // namespace
}  // namespace ssh::sshd
