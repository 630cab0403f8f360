#include "keys/agent_client.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/wire_writer.h"
#include "keys/key_file.h"
#include "regress/unittests/keys/test_util.h"

namespace ssh::keys {
namespace {

using test::quote;
using test::run;

// A real ssh-agent on a socket in a temp dir, killed (by its pid) at the end.
class RealAgent : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_tool("ssh-agent") || !test::have_tool("ssh-keygen")) {
      GTEST_SKIP() << "ssh-agent not installed";
    }
    sock_ = dir_.file("agent.sock");
    // ssh-agent prints its environment only once the socket is listening.
    auto r = run("ssh-agent -s -a " + quote(sock_));
    ASSERT_EQ(r.status, 0);
    auto pos = r.out.find("SSH_AGENT_PID=");
    ASSERT_NE(pos, std::string::npos);
    pid_ = std::stoi(r.out.substr(pos + 14));
  }
  void TearDown() override {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
  }
  void add_key(const std::string& name, const std::string& args) {
    std::string file = dir_.file(name);
    ASSERT_EQ(run("ssh-keygen -q " + args + " -N '' -C " + quote(name) + " -f " + quote(file)).status, 0);
    ASSERT_EQ(run("SSH_AUTH_SOCK=" + quote(sock_) + " ssh-add -q " + quote(file) + " 2>/dev/null").status, 0);
    auto pub = load_public_key_file(file + ".pub");
    ASSERT_TRUE(pub);
    pubs_.push_back(pub->key);
  }

  test::TempDir dir_;
  std::string sock_;
  pid_t pid_ = -1;
  std::vector<PublicKey> pubs_;
};

TEST_F(RealAgent, ListAndSignEveryType) {
  add_key("ed25519", "-t ed25519");
  add_key("ecdsa256", "-t ecdsa -b 256");
  add_key("ecdsa521", "-t ecdsa -b 521");
  add_key("rsa", "-t rsa -b 2048");
  auto agent = AgentClient::connect(sock_, 5000);
  ASSERT_TRUE(agent) << agent.error().context;
  auto ids = agent->request_identities();
  ASSERT_TRUE(ids) << ids.error().context;
  ASSERT_EQ(ids->size(), pubs_.size());
  Bytes data = to_bytes("exchange hash and friends");
  for (size_t i = 0; i < pubs_.size(); ++i) {
    const AgentIdentity& id = (*ids)[i];
    auto key = id.key();
    ASSERT_TRUE(key);
    EXPECT_TRUE(*key == pubs_[i]);
    EXPECT_EQ(id.comment, std::string(i == 0 ? "ed25519" : i == 1 ? "ecdsa256" : i == 2 ? "ecdsa521" : "rsa"));
    for (SigAlg alg : sig_algs_for_key_type(key->type())) {
      SCOPED_TRACE(std::string(sig_alg_name(alg)));
      auto sig = agent->sign(id.blob, data, alg);
      ASSERT_TRUE(sig) << sig.error().context;
      EXPECT_TRUE(verify_signature(sig_alg_name(alg), *key, *sig, data));
      Bytes other = data;
      other.back() ^= 1;
      EXPECT_FALSE(verify_signature(sig_alg_name(alg), *key, *sig, other));
    }
  }
}

TEST_F(RealAgent, LegacySshRsaSignatureNeedsPermission) {
  add_key("rsa", "-t rsa -b 2048");
  auto agent = AgentClient::connect(sock_, 5000);
  ASSERT_TRUE(agent);
  Bytes data = to_bytes("m");
  // No flags: the agent signs with SHA-1 ("ssh-rsa").
  auto sig = agent->sign(pubs_[0].blob(), data, 0u);
  ASSERT_TRUE(sig);
  EXPECT_EQ(*signature_alg_name(*sig), "ssh-rsa");
  EXPECT_FALSE(verify_signature("", pubs_[0], *sig, data));
  EXPECT_FALSE(verify_signature("ssh-rsa", pubs_[0], *sig, data));
  EXPECT_TRUE(verify_signature("ssh-rsa", pubs_[0], *sig, data, {.allow_ssh_rsa = true}));
  EXPECT_FALSE(verify_signature("rsa-sha2-256", pubs_[0], *sig, data, {.allow_ssh_rsa = true}));
  Bytes other = to_bytes("n");
  EXPECT_FALSE(verify_signature("ssh-rsa", pubs_[0], *sig, other, {.allow_ssh_rsa = true}));
}

TEST_F(RealAgent, EmptyAgentAndUnknownKey) {
  auto agent = AgentClient::connect(sock_, 5000);
  ASSERT_TRUE(agent);
  auto ids = agent->request_identities();
  ASSERT_TRUE(ids);
  EXPECT_TRUE(ids->empty());
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key);
  auto sig = agent->sign(key->public_key().blob(), to_bytes("x"), 0u);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, ErrorCode::auth);
}

TEST(AgentClient, MissingSocket) {
  EXPECT_FALSE(AgentClient::connect("/nonexistent/agent.sock", 100));
  EXPECT_FALSE(AgentClient::connect(std::string(200, 'x'), 100));
}

// A scripted peer over a socketpair: oversized replies, silence and garbage.
class FakeAgent : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    client_fd_ = fds[0];
    peer_.reset(fds[1]);
  }
  void peer_send(ByteView b) { ASSERT_EQ(::write(peer_.get(), b.data(), b.size()), ssize_t(b.size())); }
  int client_fd_ = -1;
  UniqueFd peer_;
};

TEST_F(FakeAgent, OversizedReplyRejected) {
  auto agent = AgentClient::from_fd(UniqueFd(client_fd_), 1000);
  peer_send(WireWriter().u32(agent::kMaxMessage + 1).take());
  auto ids = agent.request_identities();
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().code, ErrorCode::limit);
}

TEST_F(FakeAgent, SilentAgentTimesOut) {
  auto agent = AgentClient::from_fd(UniqueFd(client_fd_), 200);
  auto ids = agent.request_identities();
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().code, ErrorCode::io);
}

TEST_F(FakeAgent, TooManyIdentitiesAndTrailingBytes) {
  {
    auto agent = AgentClient::from_fd(UniqueFd(::dup(client_fd_)), 1000);
    Bytes body = WireWriter().u8(agent::kIdentitiesAnswer).u32(100000).take();
    peer_send(WireWriter().string(ByteView(body)).take());
    auto ids = agent.request_identities();
    ASSERT_FALSE(ids);
    EXPECT_EQ(ids.error().code, ErrorCode::limit);
  }
  auto agent = AgentClient::from_fd(UniqueFd(client_fd_), 1000);
  Bytes body = WireWriter().u8(agent::kIdentitiesAnswer).u32(0).u8(0).take();
  peer_send(WireWriter().string(ByteView(body)).take());
  EXPECT_FALSE(agent.request_identities());
}

TEST_F(FakeAgent, PeerClosed) {
  auto agent = AgentClient::from_fd(UniqueFd(client_fd_), 1000);
  peer_.reset();
  auto ids = agent.request_identities();
  ASSERT_FALSE(ids);
}

}  // namespace
}  // namespace ssh::keys
