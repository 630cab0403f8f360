// TransportSession::export_state()/import_state() over an in-memory client/server pair:
// every cipher/MAC combination, both roles, data in flight across the hand-over, rekeys
// afterwards, compression, the K/H hook, and corrupt blobs.
#include "transport/transport_state.h"

#include <gtest/gtest.h>

#include "base/wire_writer.h"
#include "crypto/aes_ctr.h"
#include "crypto/aes_gcm.h"
#include "session_pair.h"
#include "transport/messages.h"
#include "transport/transport_session.h"

namespace ssh::transport {
namespace {

using test::SessionPair;

Bytes payload(uint8_t type, size_t n, uint8_t fill) {
  Bytes b(n, fill);
  b[0] = type;
  return b;
}

Bytes copy(ByteView v) { return Bytes(v.begin(), v.end()); }

std::unique_ptr<TransportSession>& slot(SessionPair& p, Role role) {
  return role == Role::client ? p.client : p.server;
}
std::unique_ptr<TransportSession>& peer_slot(SessionPair& p, Role role) {
  return role == Role::client ? p.server : p.client;
}
std::vector<Bytes>& got(SessionPair& p, Role role) {
  return role == Role::client ? p.client_got : p.server_got;
}

// One message each way, checked on arrival.
void exchange(SessionPair& p, uint8_t tag) {
  const size_t sc = p.server_got.size(), cc = p.client_got.size();
  Bytes up = payload(94, 3000 + tag, tag), down = payload(94, 200 + tag, uint8_t(tag + 1));
  ASSERT_TRUE(p.client->send(up));
  ASSERT_TRUE(p.server->send(down));
  auto pumped = p.pump();
  ASSERT_TRUE(pumped) << pumped.error().context;
  ASSERT_EQ(p.server_got.size(), sc + 1);
  EXPECT_EQ(p.server_got.back(), up);
  ASSERT_EQ(p.client_got.size(), cc + 1);
  EXPECT_EQ(p.client_got.back(), down);
}

// Exports role's session, destroys it, and imports the blob into a fresh one built from
// base (the pair's verifier/signer are filled in).
void replace(SessionPair& p, Role role, TransportConfig base) {
  auto& s = slot(p, role);
  base.role = role;
  if (role == Role::client) base.verifier = &p.verifier; else base.signer = &p.signer;
  auto blob = s->export_state();
  ASSERT_TRUE(blob) << blob.error().context;
  const Bytes sid = copy(s->session_id());
  const NegotiatedAlgorithms algs = s->algorithms();
  const DirectionCounters sent = s->sent(), received = s->received();
  const bool strict = s->strict_kex();
  s.reset();
  auto imported = TransportSession::import_state(blob->view(), std::move(base));
  ASSERT_TRUE(imported) << imported.error().context;
  s = std::move(*imported);
  EXPECT_EQ(copy(s->session_id()), sid);
  EXPECT_EQ(s->algorithms().c2s.cipher, algs.c2s.cipher);
  EXPECT_EQ(s->algorithms().s2c.mac, algs.s2c.mac);
  EXPECT_EQ(s->sent().packets, sent.packets);
  EXPECT_EQ(s->received().bytes, received.bytes);
  EXPECT_EQ(s->strict_kex(), strict);
  EXPECT_TRUE(s->initial_kex_done());
  EXPECT_FALSE(s->kex_in_progress());
}

// Takes everything `from` wants to send, as bytes on the wire.
Bytes drain(TransportSession& from) {
  Bytes wire = copy(from.pending_output());
  from.consume_output(wire.size());
  return wire;
}

struct Combo {
  std::string cipher;
  std::string mac;
};
void PrintTo(const Combo& c, std::ostream* os) { *os << c.cipher << "/" << (c.mac.empty() ? "aead" : c.mac); }

std::vector<Combo> all_combos() {
  std::vector<Combo> out;
  for (const auto& c : supported_algorithms(AlgorithmKind::cipher)) {
    if (find_cipher(c)->tag_len) {
      out.push_back({c, ""});
      continue;
    }
    for (const auto& m : supported_algorithms(AlgorithmKind::mac)) out.push_back({c, m});
  }
  return out;
}

TransportConfig combo_config(const Combo& c) {
  TransportConfig cfg;
  cfg.ciphers = {c.cipher};
  if (!c.mac.empty()) cfg.macs = {c.mac};
  return cfg;
}

class StateHandover : public ::testing::TestWithParam<std::tuple<Combo, Role>> {};

// Data in flight across the hand-over (unprocessed input, a half-read packet whose length
// is already decrypted, unwritten output), then traffic and rekeys from both sides.
TEST_P(StateHandover, ContinuesWithSameKeys) {
  const auto& [combo, role] = GetParam();
  const TransportConfig cfg = combo_config(combo);
  SessionPair p(cfg, cfg);
  ASSERT_TRUE(p.pump());
  exchange(p, 1);
  TransportSession& other = *peer_slot(p, role);

  // Round 1: two whole packets and part of a third arrive; one is processed.
  const Bytes m1 = payload(94, 700, 0x31), m2 = payload(94, 40, 0x32), m3 = payload(94, 2000, 0x33);
  for (const auto& m : {m1, m2, m3}) ASSERT_TRUE(other.send(m));
  Bytes wire = drain(other);
  const size_t cut = wire.size() - 100;
  ASSERT_TRUE(slot(p, role)->feed(ByteView(wire).first(cut)));
  auto first = slot(p, role)->next_message();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ(copy(**first), m1);
  const Bytes pending = payload(94, 123, 0x34);
  ASSERT_TRUE(slot(p, role)->send(pending));  // stays unwritten across the hand-over
  replace(p, role, cfg);
  EXPECT_TRUE(slot(p, role)->has_output());
  ASSERT_TRUE(slot(p, role)->feed(ByteView(wire).subspan(cut)));
  ASSERT_TRUE(p.pump());
  ASSERT_GE(got(p, role).size(), 2u);
  EXPECT_EQ(got(p, role)[got(p, role).size() - 2], m2);
  EXPECT_EQ(got(p, role).back(), m3);
  EXPECT_EQ(got(p, role == Role::client ? Role::server : Role::client).back(), pending);
  exchange(p, 2);

  // Round 2: export right after the packet length was read (first block decrypted).
  const Bytes m4 = payload(94, 1500, 0x41);
  ASSERT_TRUE(peer_slot(p, role)->send(m4));
  wire = drain(*peer_slot(p, role));
  ASSERT_TRUE(slot(p, role)->feed(ByteView(wire).first(wire.size() - 10)));
  auto none = slot(p, role)->next_message();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  replace(p, role, cfg);
  ASSERT_TRUE(slot(p, role)->feed(ByteView(wire).subspan(wire.size() - 10)));
  auto last = slot(p, role)->next_message();
  ASSERT_TRUE(last && *last) << (last ? "" : last.error().context);
  EXPECT_EQ(copy(**last), m4);

  // Rekeys from both sides keep the session id and carry data.
  const Bytes sid = copy(p.client->session_id());
  ASSERT_TRUE(slot(p, role)->rekey());
  exchange(p, 3);
  ASSERT_TRUE(peer_slot(p, role)->rekey());
  exchange(p, 4);
  EXPECT_EQ(p.verifier.calls, 3);
  EXPECT_EQ(copy(p.server->session_id()), sid);
  // And the rekeyed session can be handed over again.
  replace(p, role, cfg);
  exchange(p, 5);
}

std::string combo_name(const ::testing::TestParamInfo<std::tuple<Combo, Role>>& info) {
  const auto& [c, role] = info.param;
  std::string n = c.cipher + "_" + (c.mac.empty() ? "aead" : c.mac) +
                  (role == Role::client ? "_client" : "_server");
  for (char& ch : n) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(All, StateHandover,
                         ::testing::Combine(::testing::ValuesIn(all_combos()),
                                            ::testing::Values(Role::client, Role::server)),
                         combo_name);

TEST(TransportState, PeerKexinitInUnprocessedInput) {
  SessionPair p;
  ASSERT_TRUE(p.pump());
  ASSERT_TRUE(p.client->rekey());  // its KEXINIT reaches the server but is not read yet
  ASSERT_TRUE(p.server->feed(drain(*p.client)));
  replace(p, Role::server, {});
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.verifier.calls, 2);
  EXPECT_FALSE(p.server->kex_in_progress());
  exchange(p, 1);
}

TEST(TransportState, RefusedBeforeInitialKex) {
  SessionPair p;
  auto blob = p.client->export_state();
  ASSERT_FALSE(blob);
  EXPECT_NE(blob.error().context.find("initial key exchange"), std::string::npos);
}

TEST(TransportState, RefusedMidKex) {
  SessionPair p;
  ASSERT_TRUE(p.pump());
  ASSERT_TRUE(p.client->rekey());
  auto blob = p.client->export_state();
  ASSERT_FALSE(blob);
  EXPECT_NE(blob.error().context.find("key exchange in progress"), std::string::npos);
  // The server, once it has read the KEXINIT, is mid-kex too; also after its reply.
  ASSERT_TRUE(p.server->feed(drain(*p.client)));
  ASSERT_TRUE(p.server->next_message());
  EXPECT_TRUE(p.server->kex_in_progress());
  EXPECT_FALSE(p.server->export_state());
  ASSERT_TRUE(p.client->feed(drain(*p.server)));
  ASSERT_TRUE(p.client->next_message());
  EXPECT_FALSE(p.client->export_state());
  ASSERT_TRUE(p.pump());
  EXPECT_TRUE(p.client->export_state());
  EXPECT_TRUE(p.server->export_state());
}

TEST(TransportState, RefusedWhenDead) {
  SessionPair p;
  ASSERT_TRUE(p.pump());
  p.client->disconnect(DisconnectReason::by_application, "bye");
  EXPECT_FALSE(p.client->export_state());
}

// zlib@openssh.com: the streams start on USERAUTH_SUCCESS and are still fresh right
// after it, which is when privsep hands over; once they carried data, export fails.
void delayed_compression_handover(Role role) {
  TransportConfig cfg;
  cfg.compression = {"zlib@openssh.com"};
  SessionPair p(cfg, cfg);
  ASSERT_TRUE(p.pump());
  exchange(p, 1);
  ASSERT_TRUE(p.server->send(Bytes{msg::kUserauthSuccess}));
  ASSERT_TRUE(p.pump());
  replace(p, role, cfg);
  Bytes big(20000, 'a');
  big[0] = 94;
  const uint64_t before_s = p.server->received().bytes, before_c = p.client->received().bytes;
  ASSERT_TRUE(p.client->send(big));
  ASSERT_TRUE(p.server->send(big));
  ASSERT_TRUE(p.pump());
  EXPECT_LT(p.server->received().bytes - before_s, 10000u);
  EXPECT_LT(p.client->received().bytes - before_c, 10000u);
  EXPECT_EQ(p.server_got.back(), big);
  EXPECT_EQ(p.client_got.back(), big);
  auto refused = slot(p, role)->export_state();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().context.find("zlib"), std::string::npos);
}

TEST(TransportState, DelayedCompressionServer) { delayed_compression_handover(Role::server); }
TEST(TransportState, DelayedCompressionClient) { delayed_compression_handover(Role::client); }

TEST(TransportState, DelayedCompressionBeforeAuthThenStartsAfterImport) {
  TransportConfig cfg;
  cfg.compression = {"zlib@openssh.com"};
  SessionPair p(cfg, cfg);
  ASSERT_TRUE(p.pump());
  replace(p, Role::server, cfg);
  replace(p, Role::client, cfg);
  ASSERT_TRUE(p.server->send(Bytes{msg::kUserauthSuccess}));
  ASSERT_TRUE(p.pump());
  Bytes big(20000, 'b');
  big[0] = 94;
  const uint64_t before = p.server->received().bytes;
  ASSERT_TRUE(p.client->send(big));
  ASSERT_TRUE(p.pump());
  EXPECT_LT(p.server->received().bytes - before, 10000u);
  EXPECT_EQ(p.server_got.back(), big);
}

// RFC 4253 §6.2: each key exchange starts the compression context afresh, so right
// after a rekey (before new traffic) the state can be exported again.
TEST(TransportState, CompressionRestartsAtRekey) {
  TransportConfig cfg;
  cfg.compression = {"zlib@openssh.com"};
  SessionPair p(cfg, cfg);
  ASSERT_TRUE(p.pump());
  ASSERT_TRUE(p.server->send(Bytes{msg::kUserauthSuccess}));
  ASSERT_TRUE(p.pump());
  exchange(p, 1);
  EXPECT_FALSE(p.server->export_state());
  ASSERT_TRUE(p.client->rekey());
  ASSERT_TRUE(p.pump());
  replace(p, Role::server, cfg);
  replace(p, Role::client, cfg);
  exchange(p, 2);
}

TEST(TransportState, PlainZlibRefusedOnceUsed) {
  TransportConfig cfg;
  cfg.compression = {"zlib"};
  SessionPair p(cfg, cfg);
  ASSERT_TRUE(p.pump());
  exchange(p, 1);
  EXPECT_FALSE(p.client->export_state());
  EXPECT_FALSE(p.server->export_state());
}

TEST(TransportState, RekeyDeadlineCarriesOver) {
  TransportConfig cfg;
  cfg.rekey_interval = std::chrono::seconds(30);
  SessionPair p(cfg, cfg);
  ASSERT_TRUE(p.pump());
  auto before = p.client->next_deadline();
  ASSERT_TRUE(before);
  replace(p, Role::client, cfg);
  auto after = p.client->next_deadline();
  ASSERT_TRUE(after);
  EXPECT_LT(std::chrono::abs(*after - *before), std::chrono::milliseconds(50));
}

TEST(TransportState, ExtInfoAndMarkersCarryOver) {
  TransportConfig c, s;
  c.extra_kex_markers = {"continuation-c-v00@example.org"};
  s.server_sig_algs = {"ssh-ed25519", "rsa-sha2-256"};
  SessionPair p(c, s);
  ASSERT_TRUE(p.pump());
  replace(p, Role::client, c);
  replace(p, Role::server, s);
  ASSERT_TRUE(p.client->server_sig_algs());
  EXPECT_EQ(*p.client->server_sig_algs(), s.server_sig_algs);
  EXPECT_EQ(p.client->ext_info().size(), 1u);
  EXPECT_TRUE(p.server->peer_offered("continuation-c-v00@example.org"));
  EXPECT_TRUE(p.server->peer_offered("ext-info-c"));
  exchange(p, 1);
}

TEST(TransportState, KexSecretsHookSeesKAndH) {
  struct Seen {
    Bytes k, h;
    bool initial;
  };
  std::vector<Seen> client_seen, server_seen;
  TransportConfig c, s;
  c.on_kex_secrets = [&](const KexSecrets& x) { client_seen.push_back({copy(x.shared_secret), copy(x.exchange_hash), x.initial}); };
  s.on_kex_secrets = [&](const KexSecrets& x) { server_seen.push_back({copy(x.shared_secret), copy(x.exchange_hash), x.initial}); };
  SessionPair p(c, s);
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(client_seen.size(), 1u);
  ASSERT_EQ(server_seen.size(), 1u);
  EXPECT_TRUE(client_seen[0].initial);
  EXPECT_EQ(client_seen[0].k, server_seen[0].k);
  EXPECT_GT(client_seen[0].k.size(), 4u);
  EXPECT_EQ(client_seen[0].h, copy(p.client->session_id()));
  replace(p, Role::client, c);  // the hook comes from the new config
  ASSERT_TRUE(p.server->rekey());
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(client_seen.size(), 2u);
  ASSERT_EQ(server_seen.size(), 2u);
  EXPECT_FALSE(client_seen[1].initial);
  EXPECT_EQ(client_seen[1].k, server_seen[1].k);
  EXPECT_NE(client_seen[1].k, client_seen[0].k);
  EXPECT_EQ(client_seen[1].h, copy(p.client->exchange_hash()));
}

class StateBlob : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(p.pump());
    exchange(p, 1);
    auto b = p.server->export_state();
    ASSERT_TRUE(b);
    blob = copy(b->view());
  }
  Result<std::unique_ptr<TransportSession>> import(ByteView b, Role role = Role::server) {
    TransportConfig cfg;
    cfg.role = role;
    cfg.signer = &p.signer;
    cfg.verifier = &p.verifier;
    return TransportSession::import_state(b, std::move(cfg));
  }
  SessionPair p;
  Bytes blob;
};

TEST_F(StateBlob, ImportsAsIs) { EXPECT_TRUE(import(blob)); }

TEST_F(StateBlob, EveryTruncationIsRejected) {
  for (size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(import(ByteView(blob).first(n))) << "truncated at " << n;
  }
}

TEST_F(StateBlob, TrailingByteIsRejected) {
  Bytes longer = blob;
  longer.push_back(0);
  EXPECT_FALSE(import(longer));
}

TEST_F(StateBlob, BadMagicVersionAndRoleAreRejected) {
  const size_t version_at = 4 + kTransportStateMagic.size();
  Bytes bad = blob;
  bad[5] ^= 1;
  EXPECT_FALSE(import(bad));
  bad = blob;
  store_be32(bad.data() + version_at, kTransportStateVersion + 1);
  auto r = import(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().context.find("version"), std::string::npos);
  EXPECT_FALSE(import(blob, Role::client));
  bad = blob;
  bad[version_at + 4] = 7;
  EXPECT_FALSE(import(bad));
}

// Every single-byte corruption either fails cleanly or yields a session (e.g. a flipped
// key byte is only noticed by the peer's MAC check); none may crash.
TEST_F(StateBlob, EveryByteFlipIsHandled) {
  for (size_t i = 0; i < blob.size(); ++i) {
    Bytes bad = blob;
    bad[i] ^= 0x80;
    (void)import(bad);
  }
}

// The crypto position helpers the state relies on: resuming at position n gives the same
// stream as running n bytes through a fresh one, including a carry across the whole
// counter block.
TEST(TransportState, AesCtrCreateAtMatchesRunningStream) {
  Bytes key(16, 0x42), iv(16, 0xff);
  iv[0] = 0x7f;
  for (size_t n : {0, 1, 15, 16, 17, 100, 4096}) {
    auto full = crypto::AesCtr::create(key, iv);
    ASSERT_TRUE(full);
    Bytes skip(n, 0), a(48, 0), b(48, 0);
    full->apply(skip.data(), skip.data(), n);
    EXPECT_EQ(full->position(), n);
    full->apply(a.data(), a.data(), a.size());
    auto resumed = crypto::AesCtr::create_at(key, iv, n);
    ASSERT_TRUE(resumed);
    resumed->apply(b.data(), b.data(), b.size());
    EXPECT_EQ(a, b) << "position " << n;
  }
}

TEST(TransportState, AesGcmCreateAtMatchesInvocations) {
  Bytes key(16, 0x24), iv(12, 0xff);
  auto a = crypto::AesGcm::create(key, iv);
  ASSERT_TRUE(a);
  uint8_t tag[16];
  Bytes data(32, 1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a->seal({}, data.data(), data.size(), tag));
  EXPECT_EQ(a->invocations(), 3u);
  auto b = crypto::AesGcm::create_at(key, iv, 3);
  ASSERT_TRUE(b);
  Bytes x(32, 9), y(32, 9);
  uint8_t tx[16], ty[16];
  ASSERT_TRUE(a->seal({}, x.data(), x.size(), tx));
  ASSERT_TRUE(b->seal({}, y.data(), y.size(), ty));
  EXPECT_EQ(x, y);
  EXPECT_EQ(Bytes(tx, tx + 16), Bytes(ty, ty + 16));
}

}  // namespace
}  // namespace ssh::transport
