#include "transport/kex_method.h"

#include <gtest/gtest.h>

#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "test_host_keys.h"
#include "transport/messages.h"

namespace ssh::transport {
namespace {

TEST(KexMethod, GexSizesFollowOpenSsh) {
  EXPECT_EQ(gex_sizes_for(16).n, 3072u);   // aes128-gcm: 128 bits
  EXPECT_EQ(gex_sizes_for(24).n, 7680u);   // aes192
  EXPECT_EQ(gex_sizes_for(32).n, 8192u);   // aes256 / hmac-sha2-256 key
  EXPECT_EQ(gex_sizes_for(64).n, 8192u);   // chacha20-poly1305
  EXPECT_EQ(gex_sizes_for(8).n, 2048u);
  EXPECT_EQ(gex_sizes_for(16).min, 2048u);
  EXPECT_EQ(gex_sizes_for(16).max, 8192u);
}

struct Harness {
  Bytes ic{20, 1}, is{20, 2};
  test::TestSigner signer{{"ssh-ed25519"}};
  KexParams params(Role role, const char* kex) {
    KexParams p;
    p.role = role;
    p.info = find_kex(kex);
    p.host_key_alg = "ssh-ed25519";
    p.prefix = {"SSH-2.0-a", "SSH-2.0-b", ic, is};
    p.need_bytes = 16;
    p.signer = &signer;
    p.rng = &crypto::system_random();
    return p;
  }
};

// Client and server halves agree on K and H for every method.
TEST(KexMethod, BothRolesAgree) {
  for (const auto& name : supported_algorithms(AlgorithmKind::kex)) {
    Harness h;
    auto client = make_kex_method(h.params(Role::client, name.c_str()));
    auto server = make_kex_method(h.params(Role::server, name.c_str()));
    ASSERT_TRUE(client && server) << name;
    auto step = (*client)->start();
    ASSERT_TRUE(step);
    EXPECT_TRUE((*server)->start()->send.empty());
    bool client_done = false, server_done = false;
    std::vector<Bytes> to_server = step->send, to_client;
    for (int round = 0; round < 4 && !(client_done && server_done); ++round) {
      for (auto& m : to_server) {
        auto s = (*server)->handle(m);
        ASSERT_TRUE(s) << name << ": " << s.error().context;
        server_done |= s->done;
        for (auto& o : s->send) to_client.push_back(o);
      }
      to_server.clear();
      for (auto& m : to_client) {
        auto c = (*client)->handle(m);
        ASSERT_TRUE(c) << name << ": " << c.error().context;
        client_done |= c->done;
        for (auto& o : c->send) to_server.push_back(o);
      }
      to_client.clear();
    }
    ASSERT_TRUE(client_done && server_done) << name;
    KexOutcome a = (*client)->take_outcome(), b = (*server)->take_outcome();
    EXPECT_EQ(to_hex(a.k_mpint.view()), to_hex(b.k_mpint.view())) << name;
    EXPECT_EQ(a.h, b.h) << name;
    EXPECT_EQ(a.h.size(), crypto::hash_size(find_kex(name)->hash)) << name;
    EXPECT_EQ(a.host_key_blob, b.host_key_blob);
    test::TestVerifier v;
    EXPECT_TRUE(v.verify("ssh-ed25519", a.host_key_blob, a.signature, a.h)) << name;
  }
}

TEST(KexMethod, ClientRejectsUnexpectedAndMalformedReplies) {
  Harness h;
  auto client = make_kex_method(h.params(Role::client, "curve25519-sha256"));
  ASSERT_TRUE((*client)->start());
  EXPECT_FALSE((*client)->handle(Bytes{msg::kKexdhInit, 0, 0, 0, 0}));
  WireWriter w;
  w.u8(msg::kKexdhReply).string("blob").string(Bytes(31, 9)).string("sig");  // short point
  EXPECT_FALSE((*client)->handle(w.view()));
  EXPECT_STREQ((*client)->expecting(), "SSH2_MSG_KEX_ECDH_REPLY");
}

TEST(KexMethod, GexClientRejectsSmallGroup) {
  Harness h;
  auto client = make_kex_method(h.params(Role::client, "diffie-hellman-group-exchange-sha256"));
  auto start = (*client)->start();
  ASSERT_TRUE(start);
  ASSERT_EQ(start->send.size(), 1u);
  WireReader r(start->send[0]);
  EXPECT_EQ(*r.u8(), msg::kKexDhGexRequest);
  EXPECT_EQ(*r.u32(), 2048u);
  EXPECT_EQ(*r.u32(), 3072u);
  EXPECT_EQ(*r.u32(), 8192u);
  Bytes p(128, 0xff);  // 1024-bit modulus: below the minimum
  WireWriter w;
  w.u8(msg::kKexDhGexGroup).mpint_positive(p).mpint_positive(Bytes{2});
  auto res = (*client)->handle(w.view());
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().context, "DH_GEX group out of range: 2048 !< 1024 !< 8192");
}

TEST(KexMethod, GexServerPicksFittingGroup) {
  Harness h;
  auto server = make_kex_method(h.params(Role::server, "diffie-hellman-group-exchange-sha256"));
  WireWriter w;
  w.u8(msg::kKexDhGexRequest).u32(2048).u32(3072).u32(8192);
  auto res = (*server)->handle(w.view());
  ASSERT_TRUE(res);
  WireReader r(res->send.at(0));
  EXPECT_EQ(*r.u8(), msg::kKexDhGexGroup);
  EXPECT_EQ(r.mpint_positive()->size(), 512u);  // 4096-bit group16
  auto bad = make_kex_method(h.params(Role::server, "diffie-hellman-group-exchange-sha256"));
  WireWriter b;
  b.u8(msg::kKexDhGexRequest).u32(4096).u32(2048).u32(8192);
  EXPECT_FALSE((*bad)->handle(b.view()));
}

}  // namespace
}  // namespace ssh::transport
