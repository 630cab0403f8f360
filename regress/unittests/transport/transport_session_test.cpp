#include "transport/transport_session.h"

#include <gtest/gtest.h>

#include "base/wire_writer.h"
#include "crypto/random.h"
#include "transport/kexinit.h"
#include "transport/packet_codec.h"
#include "session_pair.h"
#include "transport/messages.h"

namespace ssh::transport {
namespace {

using test::SessionPair;

Bytes payload(uint8_t type, size_t n, uint8_t fill = 0x5a) {
  Bytes b(n, fill);
  b[0] = type;
  return b;
}

TransportConfig only(AlgorithmKind kind, std::string name) {
  TransportConfig c;
  switch (kind) {
    case AlgorithmKind::kex: c.kex_algorithms = {name}; break;
    case AlgorithmKind::host_key: c.host_key_algorithms = {name}; break;
    case AlgorithmKind::cipher: c.ciphers = {name}; break;
    case AlgorithmKind::mac: c.macs = {name}; break;
    case AlgorithmKind::compression: c.compression = {name}; break;
  }
  return c;
}

void expect_working(SessionPair& p) {
  ASSERT_TRUE(p.pump()) << p.client->error().value_or(Error{}).context
                        << p.server->error().value_or(Error{}).context;
  ASSERT_TRUE(p.client->initial_kex_done());
  ASSERT_TRUE(p.server->initial_kex_done());
  EXPECT_TRUE(p.client->strict_kex());
  EXPECT_EQ(p.client->session_id().size(), p.server->session_id().size());
  EXPECT_TRUE(std::equal(p.client->session_id().begin(), p.client->session_id().end(),
                         p.server->session_id().begin()));
  EXPECT_EQ(p.verifier.calls, 1);
  // Data both ways, including a large payload.
  ASSERT_TRUE(p.client->send(payload(94, 32000)));
  ASSERT_TRUE(p.server->send(payload(94, 100, 0x11)));
  ASSERT_TRUE(p.pump());
  ASSERT_FALSE(p.server_got.empty());
  EXPECT_EQ(p.server_got.back(), payload(94, 32000));
  ASSERT_FALSE(p.client_got.empty());
  EXPECT_EQ(p.client_got.back(), payload(94, 100, 0x11));
}

class KexPair : public ::testing::TestWithParam<std::string> {};
TEST_P(KexPair, CompletesAndCarriesData) {
  SessionPair p(only(AlgorithmKind::kex, GetParam()), {});
  expect_working(p);
  EXPECT_EQ(p.client->algorithms().kex, GetParam());
}
INSTANTIATE_TEST_SUITE_P(All, KexPair, ::testing::ValuesIn(supported_algorithms(AlgorithmKind::kex)));

class CipherPair : public ::testing::TestWithParam<std::string> {};
TEST_P(CipherPair, CompletesAndCarriesData) {
  for (const auto& mac : supported_algorithms(AlgorithmKind::mac)) {
    TransportConfig c = only(AlgorithmKind::cipher, GetParam());
    c.macs = {mac};
    SessionPair p(std::move(c), {});
    expect_working(p);
    EXPECT_EQ(p.client->algorithms().c2s.cipher, GetParam());
    if (find_cipher(GetParam())->tag_len) break;  // MAC is implicit
    EXPECT_EQ(p.client->algorithms().s2c.mac, mac);
  }
}
INSTANTIATE_TEST_SUITE_P(All, CipherPair,
                         ::testing::ValuesIn(supported_algorithms(AlgorithmKind::cipher)));

class HostKeyPair : public ::testing::TestWithParam<std::string> {};
TEST_P(HostKeyPair, SignatureVerifies) {
  SessionPair p(only(AlgorithmKind::host_key, GetParam()), {}, {GetParam()});
  expect_working(p);
  EXPECT_EQ(p.verifier.last_algorithm, GetParam());
}
INSTANTIATE_TEST_SUITE_P(All, HostKeyPair,
                         ::testing::ValuesIn(supported_algorithms(AlgorithmKind::host_key)));

TEST(TransportSession, ServiceRequestHeldUntilKexDone) {
  SessionPair p;
  ASSERT_TRUE(p.client->send_service_request("ssh-userauth"));
  EXPECT_EQ(p.client->held_messages(), 1u);
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.server_got.size(), 1u);
  EXPECT_EQ(p.server_got[0][0], msg::kServiceRequest);
  WireWriter w;
  w.u8(msg::kServiceAccept).string("ssh-userauth");
  ASSERT_TRUE(p.server->send(w.view()));
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.client_got.size(), 1u);
  EXPECT_EQ(p.client_got[0], w.bytes());
}

TEST(TransportSession, ExtInfoServerSigAlgs) {
  TransportConfig s;
  s.server_sig_algs = {"ssh-ed25519", "rsa-sha2-512"};
  SessionPair p({}, std::move(s));
  ASSERT_TRUE(p.pump());
  ASSERT_TRUE(p.client->server_sig_algs().has_value());
  EXPECT_EQ(*p.client->server_sig_algs(), (std::vector<std::string>{"ssh-ed25519", "rsa-sha2-512"}));
  EXPECT_TRUE(p.server->peer_offered("ext-info-c"));
  EXPECT_TRUE(p.client_got.empty());
}

TEST(TransportSession, ExtraMarkersVisibleToPeer) {
  TransportConfig c;
  c.extra_kex_markers = {"continuation-c-v00@example.org"};
  SessionPair p(std::move(c), {});
  ASSERT_TRUE(p.pump());
  EXPECT_TRUE(p.server->peer_offered("continuation-c-v00@example.org"));
  EXPECT_FALSE(p.client->peer_offered("continuation-s-v00@example.org"));
}

void rekey_and_check(SessionPair& p, TransportSession& initiator) {
  ASSERT_TRUE(p.pump());
  Bytes first_id(p.client->session_id().begin(), p.client->session_id().end());
  Bytes first_h(p.client->exchange_hash().begin(), p.client->exchange_hash().end());
  ASSERT_TRUE(initiator.rekey());
  EXPECT_TRUE(initiator.kex_in_progress());
  // Messages sent during the rekey arrive in order afterwards.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p.client->send(payload(94, 10 + i)));
  ASSERT_TRUE(p.pump());
  EXPECT_FALSE(p.client->kex_in_progress());
  EXPECT_FALSE(p.server->kex_in_progress());
  EXPECT_EQ(p.verifier.calls, 2);
  EXPECT_EQ(Bytes(p.client->session_id().begin(), p.client->session_id().end()), first_id);
  EXPECT_NE(Bytes(p.client->exchange_hash().begin(), p.client->exchange_hash().end()), first_h);
  ASSERT_EQ(p.server_got.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(p.server_got[size_t(i)], payload(94, 10 + size_t(i)));
}

TEST(TransportSession, RekeyByClient) {
  SessionPair p;
  rekey_and_check(p, *p.client);
}

TEST(TransportSession, RekeyByServer) {
  SessionPair p;
  rekey_and_check(p, *p.server);
}

TEST(TransportSession, RekeyAfterByteLimit) {
  TransportConfig c;
  c.rekey_limit_bytes = 64 * 1024;
  SessionPair p(std::move(c), {});
  ASSERT_TRUE(p.pump());
  // Like OpenSSH, no volume rekey before the login (a server may refuse a KEXINIT then).
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(p.client->send(payload(60, 8000)));
    ASSERT_TRUE(p.pump());
  }
  EXPECT_EQ(p.verifier.calls, 1);
  ASSERT_TRUE(p.server->send(Bytes{52}));  // USERAUTH_SUCCESS: both sides are logged in
  ASSERT_TRUE(p.pump());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(p.client->send(payload(94, 8000)));
    ASSERT_TRUE(p.pump());
  }
  EXPECT_GE(p.verifier.calls, 4);
  EXPECT_EQ(p.server_got.size(), 20u + 40u);
}

TEST(TransportSession, TimeBasedRekey) {
  TransportConfig c;
  c.rekey_interval = std::chrono::seconds(5);
  SessionPair p(std::move(c), {});
  ASSERT_TRUE(p.pump());
  auto deadline = p.client->next_deadline();
  ASSERT_TRUE(deadline.has_value());
  ASSERT_TRUE(p.client->on_timer(*deadline - std::chrono::seconds(1)));
  EXPECT_FALSE(p.client->kex_in_progress());
  ASSERT_TRUE(p.client->on_timer(*deadline));
  EXPECT_TRUE(p.client->kex_in_progress());
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.verifier.calls, 2);
}

void compression_round_trip(const char* alg, bool expect_compressed_before_auth) {
  TransportConfig c = only(AlgorithmKind::compression, alg);
  TransportConfig s = only(AlgorithmKind::compression, alg);
  SessionPair p(std::move(c), std::move(s));
  ASSERT_TRUE(p.pump());
  Bytes big(20000, 'a');
  big[0] = 94;
  uint64_t before = p.server->received().bytes;
  ASSERT_TRUE(p.client->send(big));
  ASSERT_TRUE(p.pump());
  bool compressed = p.server->received().bytes - before < 10000;
  EXPECT_EQ(compressed, expect_compressed_before_auth);
  // USERAUTH_SUCCESS switches delayed compression on in both directions.
  ASSERT_TRUE(p.server->send(Bytes{msg::kUserauthSuccess}));
  ASSERT_TRUE(p.pump());
  before = p.server->received().bytes;
  ASSERT_TRUE(p.client->send(big));
  uint64_t before_c = p.client->received().bytes;
  ASSERT_TRUE(p.server->send(big));
  ASSERT_TRUE(p.pump());
  EXPECT_LT(p.server->received().bytes - before, 10000u);
  EXPECT_LT(p.client->received().bytes - before_c, 10000u);
  ASSERT_EQ(p.server_got.size(), 2u);
  EXPECT_EQ(p.server_got[1], big);
  EXPECT_EQ(p.client_got.back(), big);
  // Compression continues after a rekey with a fresh context.
  ASSERT_TRUE(p.client->rekey());
  ASSERT_TRUE(p.client->send(big));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.server_got.back(), big);
}

TEST(TransportSession, CompressionZlib) { compression_round_trip("zlib", true); }
TEST(TransportSession, CompressionDelayedZlib) { compression_round_trip("zlib@openssh.com", false); }

TEST(TransportSession, TamperedCiphertextIsMacError) {
  SessionPair p;
  ASSERT_TRUE(p.pump());
  ASSERT_TRUE(p.client->send(payload(94, 200)));
  Bytes wire(p.client->pending_output().begin(), p.client->pending_output().end());
  p.client->consume_output(wire.size());
  wire[wire.size() / 2] ^= 0x40;
  ASSERT_TRUE(p.server->feed(wire));
  auto m = p.server->next_message();
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::crypto);
  EXPECT_EQ(m.error().reason, DisconnectReason::mac_error);
  EXPECT_TRUE(p.server->has_output());  // DISCONNECT queued
  // The client sees the DISCONNECT.
  ASSERT_TRUE(p.client->feed(p.server->pending_output()));
  auto c = p.client->next_message();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::closed);
  ASSERT_TRUE(p.client->peer_disconnect().has_value());
  EXPECT_EQ(p.client->peer_disconnect()->reason, uint32_t(DisconnectReason::mac_error));
}

TEST(TransportSession, BadHostKeySignatureFails) {
  SessionPair p;
  p.signer.corrupt_signatures = true;
  auto r = p.pump();
  ASSERT_FALSE(r);
  EXPECT_FALSE(p.client->initial_kex_done());
  EXPECT_TRUE(p.client->is_dead());
  EXPECT_NE(p.client->error()->context.find("incorrect signature"), std::string::npos);
}

TEST(TransportSession, RejectedHostKeyFails) {
  SessionPair p;
  p.verifier.reject = true;
  ASSERT_FALSE(p.pump());
  EXPECT_EQ(p.client->error()->reason, DisconnectReason::host_key_not_verifiable);
}

TEST(TransportSession, NoCommonCipher) {
  SessionPair p(only(AlgorithmKind::cipher, "aes128-ctr"), only(AlgorithmKind::cipher, "aes256-ctr"));
  auto r = p.pump();
  ASSERT_FALSE(r);
  ASSERT_TRUE(p.client->error().has_value());
  EXPECT_EQ(p.client->error()->context, "no matching cipher found. Their offer: aes256-ctr");
  EXPECT_EQ(p.client->error()->reason, DisconnectReason::key_exchange_failed);
}

TEST(TransportSession, SendAfterErrorFails) {
  SessionPair p;
  p.client->disconnect(DisconnectReason::by_application, "bye");
  EXPECT_FALSE(p.client->send(payload(94, 10)));
}

}  // namespace
}  // namespace ssh::transport

namespace ssh::transport {
namespace {

// A scripted peer speaking cleartext packets before any NEWKEYS.
struct RawPeer {
  PacketCodec codec{crypto::system_random()};
  Bytes wire;
  RawPeer() {
    for (char c : std::string_view("SSH-2.0-RawPeer_1.0\r\n")) wire.push_back(uint8_t(c));
  }
  void packet(ByteView p) { ASSERT_TRUE(codec.write_packet(p, wire)); }
  static Bytes kexinit(bool strict) {
    KexInit k;
    k.kex = {"curve25519-sha256"};
    if (strict) k.kex.emplace_back(marker::kStrictServer);
    k.host_key = {"ssh-ed25519"};
    k.cipher_c2s = k.cipher_s2c = {"aes128-ctr"};
    k.mac_c2s = k.mac_s2c = {"hmac-sha2-256"};
    k.compression_c2s = k.compression_s2c = {"none"};
    return k.encode();
  }
};

Error run_client_against(RawPeer& peer) {
  test::TestVerifier v;
  TransportConfig c;
  c.verifier = &v;
  TransportSession s(std::move(c));
  EXPECT_TRUE(s.feed(peer.wire));
  while (true) {
    auto m = s.next_message();
    if (!m) {
      EXPECT_TRUE(s.has_output());  // a DISCONNECT is queued for the caller to write
      return m.error();
    }
    if (!*m) return Error{ErrorCode::internal, DisconnectReason::none, "no error"};
  }
}

TEST(TransportSessionStrict, IgnoreBeforeKexinitIsFatalUnderStrictKex) {
  RawPeer peer;
  peer.packet(Bytes{msg::kIgnore, 0, 0, 0, 0});
  peer.packet(RawPeer::kexinit(true));
  EXPECT_EQ(run_client_against(peer).context, "strict KEX violation: KEXINIT was not the first packet");
}

TEST(TransportSessionStrict, IgnoreBeforeKexinitIsFineWithoutStrictKex) {
  RawPeer peer;
  peer.packet(Bytes{msg::kIgnore, 0, 0, 0, 0});
  peer.packet(RawPeer::kexinit(false));
  EXPECT_EQ(run_client_against(peer).context, "no error");
}

TEST(TransportSessionStrict, IgnoreDuringInitialKexIsFatal) {
  RawPeer peer;
  peer.packet(RawPeer::kexinit(true));
  peer.packet(Bytes{msg::kIgnore, 0, 0, 0, 0});
  Error e = run_client_against(peer);
  EXPECT_NE(e.context.find("strict KEX violation"), std::string::npos) << e.context;
}

TEST(TransportSessionStrict, SecondKexinitIsInTheWrongPlace) {
  RawPeer peer;
  peer.packet(RawPeer::kexinit(false));
  peer.packet(RawPeer::kexinit(false));
  Error e = run_client_against(peer);
  EXPECT_NE(e.context.find("KEXINIT in the wrong place"), std::string::npos) << e.context;
}

TEST(TransportSessionStrict, ServiceMessageDuringKexIsFatal) {
  RawPeer peer;
  peer.packet(RawPeer::kexinit(false));
  peer.packet(Bytes{msg::kServiceAccept, 0, 0, 0, 0});
  Error e = run_client_against(peer);
  EXPECT_EQ(e.context, "unexpected message type 6 before key exchange");
}

TEST(TransportSessionStrict, NewkeysBeforeReplyIsFatal) {
  RawPeer peer;
  peer.packet(RawPeer::kexinit(false));
  peer.packet(Bytes{msg::kNewkeys});
  EXPECT_EQ(run_client_against(peer).context, "unexpected SSH2_MSG_NEWKEYS");
}

TEST(TransportSessionStrict, OversizedPacketIsFatalWithoutBuffering) {
  RawPeer peer;
  uint8_t huge[5] = {0x10, 0, 0, 0, 4};
  for (uint8_t b : huge) peer.wire.push_back(b);
  Error e = run_client_against(peer);
  EXPECT_EQ(e.code, ErrorCode::limit);
  EXPECT_EQ(e.context, "Bad packet length 268435456.");
}

TEST(TransportSessionStrict, PeerDisconnectIsReported) {
  RawPeer peer;
  WireWriter w;
  w.u8(msg::kDisconnect).u32(11).string("go away\x07").string("");
  peer.packet(w.view());
  test::TestVerifier v;
  TransportConfig c;
  c.verifier = &v;
  TransportSession s(std::move(c));
  ASSERT_TRUE(s.feed(peer.wire));
  auto m = s.next_message();
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::closed);
  ASSERT_TRUE(s.peer_disconnect());
  EXPECT_EQ(s.peer_disconnect()->reason, 11u);
  EXPECT_EQ(s.peer_disconnect()->description, "go away?");
}

// One flight each way: what the client sends at once, then what the server answers.
bool kex_done_after_one_round_trip(SessionPair& p) {
  Bytes c(p.client->pending_output().begin(), p.client->pending_output().end());
  p.client->consume_output(c.size());
  EXPECT_TRUE(p.server->feed(c));
  while (true) {
    auto m = p.server->next_message();
    if (!m || !*m) break;
  }
  Bytes s(p.server->pending_output().begin(), p.server->pending_output().end());
  p.server->consume_output(s.size());
  EXPECT_TRUE(p.client->feed(s));
  while (true) {
    auto m = p.client->next_message();
    if (!m || !*m) break;
  }
  return p.client->initial_kex_done();
}

// RFC 4253 §7.1: a right guess saves the round trip (PROTOCOL.continuation §7.5).
TEST(TransportSession, RightKexGuessFinishesInOneRoundTrip) {
  TransportConfig c;
  c.guess_first_kex = true;
  SessionPair guessed(c);
  EXPECT_TRUE(kex_done_after_one_round_trip(guessed));
  SessionPair plain;
  EXPECT_FALSE(kex_done_after_one_round_trip(plain));
  SessionPair again(c);
  expect_working(again);
}

// The server prefers another method: it drops the guessed packet even though the
// negotiation lands on the guessed method, and the client sends its first message again.
TEST(TransportSession, WrongKexGuessFallsBackToNegotiatedMethod) {
  TransportConfig c;
  c.guess_first_kex = true;
  c.kex_algorithms = {"ecdh-sha2-nistp256", "curve25519-sha256"};
  TransportConfig s;
  s.kex_algorithms = {"curve25519-sha256", "ecdh-sha2-nistp256"};
  SessionPair p(c, s);
  EXPECT_FALSE(kex_done_after_one_round_trip(p));
  SessionPair q(c, s);
  expect_working(q);
  EXPECT_EQ(q.client->algorithms().kex, "ecdh-sha2-nistp256");
}

TEST(TransportSessionStrict, BannerAndKexinitAreSentAtOnce) {
  test::TestVerifier v;
  TransportConfig c;
  c.verifier = &v;
  c.software_version = "Test_1.0";
  TransportSession s(std::move(c));
  std::string_view out = as_text(s.pending_output());
  EXPECT_TRUE(out.starts_with("SSH-2.0-Test_1.0\r\n"));
  EXPECT_EQ(s.our_version(), "SSH-2.0-Test_1.0");
  EXPECT_GT(out.size(), 200u);  // the KEXINIT follows
  EXPECT_TRUE(s.kex_in_progress());
  EXPECT_FALSE(s.initial_kex_done());
}

}  // namespace
}  // namespace ssh::transport
