// PROTOCOL.continuation §3-§8: one side's continuation state, and two of them wired back
// to back through in-memory transports.
#include "continuation/continuation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "base/wire_reader.h"

namespace ssh::continuation {
namespace {

constexpr uint64_t kLimit = 64 * 1024;  // the smallest a peer may announce (§9)
constexpr uint8_t kChannelData = 94;
constexpr uint8_t kWindowAdjust = 93;

// An in-memory transport: what was transmitted, in order.
class Queue final : public Transmitter {
 public:
  Status transmit(ByteView payload) override {
    if (broken) return fail(ErrorCode::io, "transport down");
    q.emplace_back(payload.begin(), payload.end());
    return {};
  }
  Bytes pop() {
    Bytes b = std::move(q.front());
    q.pop_front();
    return b;
  }
  std::deque<Bytes> q;
  bool broken = false;
};

Bytes data_msg(std::string_view text, uint8_t type = kChannelData) {
  // Sized up front: appending to a one-byte vector trips a g++ 12 -Warray-bounds false positive.
  Bytes b(1 + text.size());
  b[0] = type;
  std::copy(text.begin(), text.end(), b.begin() + 1);
  return b;
}

std::string text_of(ByteView payload) { return std::string(as_text(payload.subspan(1))); }

Secret presecret(uint8_t seed) {
  Bytes k = {0, 0, 0, 1, seed};
  Bytes h(32, uint8_t(seed + 1));
  return derive_presecret(k, h);
}

Handle test_handle() {
  Handle h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = uint8_t(0x40 + i);
  return h;
}

// What follows a global request's name and want-reply flag.
ByteView request_data(ByteView payload) {
  WireReader r(payload);
  EXPECT_TRUE(r.u8());
  EXPECT_TRUE(r.text());
  EXPECT_TRUE(r.boolean());
  return r.rest();
}

struct Errors {
  std::vector<Error> seen;
  Continuation::ErrorFn fn() {
    return [this](const Error& e) { seen.push_back(e); };
  }
};

// A client and a server, established over fresh queues.
struct Pair {
  Errors client_errors, server_errors;
  Continuation client{kLimit, client_errors.fn()};
  Continuation server{kLimit, server_errors.fn()};
  Queue to_server, to_client;
  std::vector<std::string> server_got, client_got;

  void establish() {
    client.attach(to_server);
    server.attach(to_client);
    Bytes request = client.begin_setup(0);
    ASSERT_TRUE(is_global_request(request, kSetupRequest));
    auto reply = server.accept_setup(request_data(request), test_handle(), 3600, presecret(1));
    ASSERT_TRUE(reply);
    auto ok = client.on_setup_reply(*reply, presecret(1));
    ASSERT_TRUE(ok);
    ASSERT_TRUE(*ok);
  }
  // Delivers everything queued towards `to`, as the owner would: through on_receive.
  static void pump(Queue& q, Continuation& to, std::vector<std::string>& got) {
    while (!q.q.empty()) {
      Bytes p = q.pop();
      auto r = to.on_receive(p);
      ASSERT_TRUE(r) << r.error().context;
      if (*r == Continuation::Inbound::deliver) got.push_back(text_of(p));
    }
  }
  void pump_all() {
    pump(to_server, server, server_got);
    pump(to_client, client, client_got);
  }
};

// --- setup (§3) ---

TEST(Continuation, ClientSetupBuffersWhilePendingThenEstablishes) {  // §3.1, §3.3, §4.1
  Errors errors;
  Continuation c(kLimit, errors.fn());
  Queue q;
  c.attach(q);
  EXPECT_EQ(c.state(), Continuation::State::none);
  c.send_payload(data_msg("before"));  // plain SSH: passed through, not counted
  EXPECT_EQ(c.buffer().sent(), 0u);
  Bytes request = c.begin_setup(600);
  EXPECT_EQ(c.state(), Continuation::State::setup_pending);
  auto req = decode_setup_request_data(request_data(request));
  ASSERT_TRUE(req);
  EXPECT_EQ(req->replay_limit, kLimit);
  EXPECT_EQ(req->timeout_s, 600u);
  // §3.1: the client may send right after the request; those messages are counted.
  c.send_payload(data_msg("open"));
  c.send_payload(data_msg("more"));
  EXPECT_EQ(c.buffer().sent(), 2u);
  EXPECT_EQ(q.q.size(), 3u);
  EXPECT_FALSE(c.established());

  Bytes reply = encode_setup_reply(SetupReply{test_handle(), 300, 1024 * 1024});
  auto ok = c.on_setup_reply(reply, presecret(1));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(*ok);
  EXPECT_EQ(c.state(), Continuation::State::active);
  EXPECT_TRUE(c.established());
  EXPECT_EQ(c.handle(), test_handle());
  EXPECT_EQ(c.timeout_s(), 300u);
  EXPECT_EQ(c.peer_replay_limit(), 1024u * 1024);
  EXPECT_EQ(c.buffer().held_messages(), 2u);
  EXPECT_TRUE(errors.seen.empty());
}

TEST(Continuation, ClientSetupRefusedDropsBufferAndFallsBackToPlainSsh) {  // §3.2
  Continuation c(kLimit, nullptr);
  Queue q;
  c.attach(q);
  c.begin_setup(0);
  c.send_payload(data_msg("x"));
  EXPECT_EQ(c.buffer().held_messages(), 1u);
  auto ok = c.on_setup_reply(Bytes{82}, presecret(1));
  ASSERT_TRUE(ok);
  EXPECT_FALSE(*ok);
  EXPECT_EQ(c.state(), Continuation::State::none);
  EXPECT_EQ(c.buffer().held_messages(), 0u);
  EXPECT_EQ(c.buffer().sent(), 0u);
  c.send_payload(data_msg("y"));
  EXPECT_EQ(c.buffer().sent(), 0u);
  EXPECT_EQ(q.q.size(), 2u);
  EXPECT_TRUE(c.accepting_data());
}

TEST(Continuation, ClientSetupReplyErrors) {  // §3.2, §9
  auto pending = [] {
    auto c = std::make_unique<Continuation>(kLimit, nullptr);
    c->begin_setup(100);
    return c;
  };
  auto expect_error = [](Continuation& c, const Bytes& reply, ErrorCode code) {
    auto r = c.on_setup_reply(reply, presecret(1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code) << r.error().context;
    EXPECT_EQ(r.error().reason, DisconnectReason::protocol_error);
    EXPECT_FALSE(c.established());
  };
  Bytes good = encode_setup_reply(SetupReply{test_handle(), 100, kLimit});
  Bytes trailing = good;
  trailing.push_back(0);
  expect_error(*pending(), trailing, ErrorCode::parse);
  expect_error(*pending(), Bytes(good.begin(), good.end() - 1), ErrorCode::parse);
  expect_error(*pending(), Bytes{82, 0}, ErrorCode::parse);
  expect_error(*pending(), Bytes{}, ErrorCode::parse);
  expect_error(*pending(), data_msg("x"), ErrorCode::protocol);
  // A longer timeout than the one requested, a replay limit outside [64 KiB, 1 GiB].
  expect_error(*pending(), encode_setup_reply(SetupReply{test_handle(), 101, kLimit}), ErrorCode::protocol);
  expect_error(*pending(), encode_setup_reply(SetupReply{test_handle(), 100, kLimit - 1}), ErrorCode::protocol);
  expect_error(*pending(), encode_setup_reply(SetupReply{test_handle(), 100, kMaxReplayLimit + 1}),
               ErrorCode::protocol);
  // No setup pending at all.
  Continuation idle(kLimit, nullptr);
  expect_error(idle, good, ErrorCode::protocol);
  // A second reply once established (the first was consumed by on_setup_reply).
  auto c = pending();
  ASSERT_TRUE(c->on_setup_reply(good, presecret(1)));
  auto second = c->on_setup_reply(good, presecret(1));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::protocol);
  EXPECT_TRUE(c->established());
}

TEST(Continuation, ServerGrantsTimeoutPerRule) {  // §3.2
  struct Case {
    uint32_t requested, max, granted;
  };
  for (Case k : {Case{0, 3600, 3600}, Case{60, 3600, 60}, Case{7200, 3600, 3600}, Case{3600, 3600, 3600}}) {
    Continuation s(kLimit, nullptr);
    Bytes request = encode_setup_request(SetupRequest{kLimit * 2, k.requested});
    auto reply = s.accept_setup(request_data(request), test_handle(), k.max, presecret(1));
    ASSERT_TRUE(reply);
    auto d = decode_setup_reply_data(ByteView(*reply).subspan(1));
    ASSERT_TRUE(d);
    EXPECT_EQ((*reply)[0], 81);
    EXPECT_EQ(d->timeout_s, k.granted) << k.requested;
    EXPECT_EQ(s.timeout_s(), k.granted);
    EXPECT_EQ(d->handle, test_handle());
    EXPECT_EQ(d->replay_limit, kLimit);  // ours
    EXPECT_EQ(s.peer_replay_limit(), kLimit * 2);
    EXPECT_EQ(s.state(), Continuation::State::active);
  }
}

TEST(Continuation, ServerRefusesBadSetupRequests) {  // §3.2, §9
  for (uint64_t limit : {kMinReplayLimit - 1, kMaxReplayLimit + 1, uint64_t{0}}) {
    Continuation s(kLimit, nullptr);
    Bytes request = encode_setup_request(SetupRequest{limit, 0});
    auto reply = s.accept_setup(request_data(request), test_handle(), 3600, presecret(1));
    ASSERT_FALSE(reply) << limit;
    EXPECT_EQ(reply.error().code, ErrorCode::protocol);
    EXPECT_EQ(s.state(), Continuation::State::none);
  }
  Continuation s(kLimit, nullptr);
  EXPECT_FALSE(s.accept_setup(Bytes{1, 2, 3}, test_handle(), 3600, presecret(1)));
  Bytes request = encode_setup_request(SetupRequest{kLimit, 0});
  ASSERT_TRUE(s.accept_setup(request_data(request), test_handle(), 3600, presecret(1)));
  auto again = s.accept_setup(request_data(request), test_handle(), 3600, presecret(1));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::protocol);
}

// --- counting and acknowledgements (§4, §5) ---

TEST(Continuation, CountingRules) {  // §4.1
  Pair p;
  p.establish();
  // Sent: 80..127 counted except acks and setup requests; below 80 never.
  p.client.send_payload(data_msg("d"));
  p.client.send_payload(data_msg("w", kWindowAdjust));
  p.client.send_payload(data_msg("unassigned", 127));
  p.client.send_payload(encode_ack(0));
  p.client.send_payload(encode_setup_request({}));
  p.client.send_payload(data_msg("ignore", 2));
  EXPECT_EQ(p.client.buffer().sent(), 3u);
  EXPECT_EQ(p.to_server.q.size(), 6u);  // all transmitted
  // Received: the same rule.
  EXPECT_EQ(*p.client.on_receive(data_msg("d")), Continuation::Inbound::deliver);
  EXPECT_EQ(*p.client.on_receive(data_msg("reply", 81)), Continuation::Inbound::deliver);
  EXPECT_EQ(*p.client.on_receive(data_msg("t", 20)), Continuation::Inbound::deliver);
  EXPECT_EQ(*p.client.on_receive(data_msg("t", 128)), Continuation::Inbound::deliver);
  EXPECT_EQ(*p.client.on_receive(encode_ack(0)), Continuation::Inbound::consumed);
  EXPECT_EQ(p.client.received(), 2u);
  // A setup request on an established continuation is refused.
  auto again = p.server.on_receive(encode_setup_request({}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::protocol);
  EXPECT_FALSE(p.client.on_receive(Bytes{}));
}

TEST(Continuation, NothingCountedBeforeSetup) {  // §2.3, §3.3
  Continuation c(kLimit, nullptr);
  EXPECT_EQ(*c.on_receive(data_msg("x")), Continuation::Inbound::deliver);
  EXPECT_EQ(c.received(), 0u);
  auto ack = c.on_receive(encode_ack(0));
  ASSERT_FALSE(ack);
  EXPECT_EQ(ack.error().code, ErrorCode::protocol);
  c.begin_setup(0);
  EXPECT_EQ(*c.on_receive(data_msg("x")), Continuation::Inbound::deliver);
  EXPECT_EQ(c.received(), 0u);
  EXPECT_FALSE(c.on_receive(encode_ack(0)));
  EXPECT_FALSE(c.ack_pending());
}

TEST(Continuation, ReceivedAckFreesBuffer) {  // §5.4
  Pair p;
  p.establish();
  for (int i = 0; i < 4; ++i) p.client.send_payload(data_msg("m" + std::to_string(i)));
  p.pump_all();
  EXPECT_EQ(p.server.received(), 4u);
  Bytes ack = p.server.take_ack();
  EXPECT_EQ(*p.client.on_receive(ack), Continuation::Inbound::consumed);
  EXPECT_EQ(p.client.buffer().acknowledged(), 4u);
  EXPECT_EQ(p.client.buffer().held_messages(), 0u);
}

TEST(Continuation, BadAcksEndTheSession) {  // §5.4, §8.1
  Pair p;
  p.establish();
  for (int i = 0; i < 3; ++i) p.client.send_payload(data_msg("m"));
  ASSERT_TRUE(p.client.on_receive(encode_ack(2)));
  auto beyond = p.client.on_receive(encode_ack(4));
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().code, ErrorCode::protocol);
  EXPECT_EQ(beyond.error().reason, DisconnectReason::protocol_error);
  EXPECT_NE(beyond.error().context.find("count beyond what was sent"), std::string::npos);
  auto behind = p.client.on_receive(encode_ack(1));
  ASSERT_FALSE(behind);
  EXPECT_NE(behind.error().context.find("count behind what was acknowledged"), std::string::npos);
  Bytes want_reply = encode_ack(3);
  want_reply[1 + 4 + kAckRequest.size()] = 1;
  EXPECT_FALSE(p.client.on_receive(want_reply));
  Bytes trailing = encode_ack(3);
  trailing.push_back(0);
  EXPECT_FALSE(p.client.on_receive(trailing));
  EXPECT_EQ(p.client.buffer().acknowledged(), 2u);  // nothing changed
}

TEST(Continuation, AckPolicyQuarterOfPeerLimit) {  // §5.3
  Pair p;
  p.establish();
  EXPECT_FALSE(p.client.ack_pending());
  EXPECT_FALSE(p.client.ack_due_now());
  // The server announced kLimit: due once more than kLimit/4 payload bytes arrived.
  Bytes chunk = data_msg(std::string(1023, 'x'));  // 1024 bytes with the type byte
  for (uint64_t i = 0; i < kLimit / 4 / 1024; ++i) ASSERT_TRUE(p.client.on_receive(chunk));
  EXPECT_TRUE(p.client.ack_pending());
  EXPECT_FALSE(p.client.ack_due_now());  // exactly a quarter: not yet beyond
  ASSERT_TRUE(p.client.on_receive(data_msg("")));
  EXPECT_TRUE(p.client.ack_due_now());
  Bytes ack = p.client.take_ack();
  EXPECT_TRUE(is_global_request(ack, kAckRequest));
  EXPECT_EQ(*decode_ack_data(request_data(ack)), kLimit / 4 / 1024 + 1);
  EXPECT_FALSE(p.client.ack_due_now());
  EXPECT_FALSE(p.client.ack_pending());
  // The ack itself is neither counted nor buffered.
  EXPECT_EQ(p.client.buffer().sent(), 0u);
  ASSERT_TRUE(p.client.on_receive(data_msg("one")));
  EXPECT_TRUE(p.client.ack_pending());
  EXPECT_FALSE(p.client.ack_due_now());
}

TEST(Continuation, BackPressureAtOwnLimit) {  // §5.2
  Pair p;
  p.establish();
  Bytes chunk = data_msg(std::string(4095, 'x'));  // 4 KiB
  EXPECT_TRUE(p.client.accepting_data());
  for (uint64_t i = 0; i < kLimit / 4096 - 1; ++i) p.client.send_payload(Bytes(chunk));
  EXPECT_TRUE(p.client.accepting_data());
  p.client.send_payload(Bytes(chunk));
  EXPECT_EQ(p.client.buffer().held_bytes(), kLimit);
  EXPECT_FALSE(p.client.accepting_data());  // holds its limit: stop producing data
  // Control messages may still go; the limit is only a signal.
  p.client.send_payload(data_msg("eof", 96));
  EXPECT_FALSE(p.client.accepting_data());
  EXPECT_TRUE(p.client_errors.seen.empty());
  p.pump_all();
  ASSERT_TRUE(p.client.on_receive(p.server.take_ack()));
  EXPECT_TRUE(p.client.accepting_data());
  EXPECT_EQ(p.client.buffer().held_bytes(), 0u);
}

TEST(Continuation, BufferPastTwiceItsLimitIsReported) {  // §5.2
  Errors errors;
  Continuation c(kLimit, errors.fn());
  Queue q;
  c.attach(q);
  c.begin_setup(0);
  Bytes chunk = data_msg(std::string(4095, 'x'));
  for (uint64_t i = 0; i < 2 * kLimit / 4096; ++i) c.send_payload(Bytes(chunk));
  EXPECT_EQ(c.buffer().held_bytes(), 2 * kLimit);
  EXPECT_TRUE(errors.seen.empty());  // reaching twice is tolerated; passing it is not
  c.send_payload(data_msg("x"));
  ASSERT_EQ(errors.seen.size(), 1u);
  EXPECT_EQ(errors.seen[0].code, ErrorCode::limit);
}

TEST(Continuation, TransmitErrorsAreReported) {
  Pair p;
  p.establish();
  p.to_server.broken = true;
  p.client.send_payload(data_msg("x"));
  ASSERT_EQ(p.client_errors.seen.size(), 1u);
  EXPECT_EQ(p.client_errors.seen[0].code, ErrorCode::io);
  EXPECT_EQ(p.client.buffer().sent(), 1u);  // still sent (§4.3): resumable
}

// --- transport changes (§8) ---

TEST(Continuation, DetachBuffersAttachWaitsForRetransmission) {  // §4.3, §7.4, §8.1
  Pair p;
  p.establish();
  p.client.send_payload(data_msg("1"));
  p.client.detach();
  EXPECT_EQ(p.client.state(), Continuation::State::suspended);
  p.client.send_payload(data_msg("2"));
  p.client.send_payload(encode_ack(0));  // uncounted: nowhere to go, dropped
  EXPECT_EQ(p.client.buffer().sent(), 2u);
  EXPECT_EQ(p.to_server.q.size(), 1u);
  EXPECT_TRUE(p.client_errors.seen.empty());

  Queue fresh;
  p.client.attach(fresh);
  EXPECT_EQ(p.client.state(), Continuation::State::active);
  // Sent between attach and retransmission: held back so it cannot overtake "2".
  p.client.send_payload(data_msg("3"));
  EXPECT_TRUE(fresh.q.empty());
  ASSERT_TRUE(p.client.retransmit_after(1));
  p.client.send_payload(data_msg("4"));
  std::vector<std::string> got;
  for (const Bytes& b : fresh.q) got.push_back(text_of(b));
  EXPECT_EQ(got, (std::vector<std::string>{"2", "3", "4"}));
  EXPECT_TRUE(p.client_errors.seen.empty());
}

TEST(Continuation, RetransmitChecksCountsAndTransport) {  // §7.4, §11.6
  Pair p;
  p.establish();
  for (int i = 0; i < 3; ++i) p.client.send_payload(data_msg("m"));
  ASSERT_TRUE(p.client.on_receive(encode_ack(1)));
  p.client.detach();
  auto no_transport = p.client.retransmit_after(1);
  ASSERT_FALSE(no_transport);
  EXPECT_EQ(no_transport.error().code, ErrorCode::internal);
  Queue fresh;
  p.client.attach(fresh);
  auto beyond = p.client.retransmit_after(4);
  ASSERT_FALSE(beyond);
  EXPECT_NE(beyond.error().context.find("count beyond what was sent"), std::string::npos);
  auto behind = p.client.retransmit_after(0);
  ASSERT_FALSE(behind);
  EXPECT_NE(behind.error().context.find("count behind what was acknowledged"), std::string::npos);
  EXPECT_TRUE(fresh.q.empty());
  ASSERT_TRUE(p.client.retransmit_after(2));
  EXPECT_EQ(fresh.q.size(), 1u);
}

TEST(Continuation, CloseDropsEverything) {  // §8.1
  Pair p;
  p.establish();
  p.client.send_payload(data_msg("x"));
  p.client.close();
  EXPECT_EQ(p.client.state(), Continuation::State::closed);
  EXPECT_FALSE(p.client.established());
  EXPECT_EQ(p.client.buffer().held_messages(), 0u);
  size_t before = p.to_server.q.size();
  p.client.send_payload(data_msg("y"));
  EXPECT_EQ(p.to_server.q.size(), before);
  EXPECT_FALSE(p.client.on_receive(data_msg("z")));
  EXPECT_FALSE(p.client.verify_resume(Bytes(32, 1), 0, Bytes(32, 0)));
}

// --- resumption (§7) ---

// Splits the §7.2 USERAUTH_REQUEST as ServerAuth would, then decodes the method data.
ResumeAuth parse_resume(ByteView payload) {
  WireReader r(payload);
  EXPECT_EQ(*r.u8(), 50);
  std::string user(*r.text());
  EXPECT_EQ(*r.text(), "ssh-connection");
  EXPECT_EQ(*r.text(), kAuthMethod);
  auto m = decode_resume_auth_data(user, r.rest());
  EXPECT_TRUE(m);
  return m.value_or(ResumeAuth{});
}

TEST(Continuation, VerifyResumeChecks) {  // §7.3
  Pair p;
  p.establish();
  for (int i = 0; i < 5; ++i) p.server.send_payload(data_msg("s"));
  ASSERT_TRUE(p.server.on_receive(encode_ack(2)));
  p.pump_all();  // the client received all 5
  Bytes h_new(32, 0x77);
  ResumeAuth m = parse_resume(p.client.resume_request("alice", h_new));
  EXPECT_EQ(m.user, "alice");
  EXPECT_EQ(m.handle, test_handle());
  EXPECT_EQ(m.received, 5u);
  EXPECT_TRUE(p.server.verify_resume(h_new, m.received, m.proof));

  auto expect_fail = [&](ByteView h, uint64_t r, ByteView proof, std::string_view context) {
    auto st = p.server.verify_resume(h, r, proof);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().context, context);
  };
  Bytes bad = Bytes(m.proof.begin(), m.proof.end());
  bad[31] ^= 1;
  expect_fail(h_new, 5, bad, "wrong proof");
  expect_fail(Bytes(32, 0x78), 5, m.proof, "wrong proof");  // another connection's H
  expect_fail(h_new, 4, m.proof, "wrong proof");           // the count is covered
  // With valid proofs, the counts are still checked (§5.4 rules).
  Secret s = derive_resume_secret(presecret(1), test_handle());
  expect_fail(h_new, 6, make_proof(s, h_new, test_handle(), 6), "count beyond what was sent");
  expect_fail(h_new, 1, make_proof(s, h_new, test_handle(), 1), "count behind what was acknowledged");
  EXPECT_TRUE(p.server.verify_resume(h_new, 2, make_proof(s, h_new, test_handle(), 2)));
  // A different presecret (another connection's setup) gives a different S.
  Secret other = derive_resume_secret(presecret(9), test_handle());
  expect_fail(h_new, 5, make_proof(other, h_new, test_handle(), 5), "wrong proof");
  // Not established: nothing to resume.
  Continuation none(kLimit, nullptr);
  EXPECT_FALSE(none.verify_resume(h_new, 0, make_proof(s, h_new, test_handle(), 0)));
}

TEST(Continuation, OldProofFailsAfterRatchet) {  // §6.3, §11.1
  Pair p;
  p.establish();
  Bytes h_new(32, 0x55);
  ResumeAuth before = parse_resume(p.client.resume_request("u", h_new));
  auto proven = p.server.verify_resume(h_new, before.received, before.proof);
  ASSERT_TRUE(proven);
  p.client.ratchet_secret(presecret(2));
  p.server.begin_ratchet(*proven, presecret(2), h_new);
  ASSERT_TRUE(p.server.on_receive(p.client.ratchet_confirmation(h_new)));  // commits S'
  EXPECT_FALSE(p.server.ratchet_pending());
  auto old = p.server.verify_resume(h_new, before.received, before.proof);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().context, "wrong proof");
  // Both ratcheted alike: a fresh proof verifies.
  ResumeAuth after = parse_resume(p.client.resume_request("u", h_new));
  EXPECT_NE(after.proof, before.proof);
  EXPECT_EQ(p.server.verify_resume(h_new, after.received, after.proof), Continuation::Proven::current);
  // One side ratcheting with another P_new breaks the pair.
  p.client.ratchet_secret(presecret(3));
  p.server.begin_ratchet(Continuation::Proven::current, presecret(4), h_new);
  ASSERT_FALSE(p.server.on_receive(p.client.ratchet_confirmation(h_new)));
  ResumeAuth mismatched = parse_resume(p.client.resume_request("u", h_new));
  EXPECT_FALSE(p.server.verify_resume(h_new, mismatched.received, mismatched.proof));
}

std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// Both sides talk, some messages are lost in flight, both suspend and keep producing,
// then the full §7 resume arithmetic runs; every message arrives exactly once, in order.
TEST(Continuation, TwoPartyLossSuspendResume) {  // §4, §5, §7.2-§7.4, §8
  Pair p;
  p.establish();
  auto send = [](Continuation& c, const std::string& prefix, int from, int to) {
    for (int i = from; i <= to; ++i) c.send_payload(data_msg(prefix + std::to_string(i)));
  };
  // Phase 1: c1..c5 and s1..s5 arrive; acks both ways (straight to the transports).
  send(p.client, "c", 1, 5);
  send(p.server, "s", 1, 5);
  p.pump_all();
  ASSERT_TRUE(p.to_server.transmit(p.client.take_ack()));
  ASSERT_TRUE(p.to_client.transmit(p.server.take_ack()));
  p.pump_all();
  EXPECT_EQ(p.client.buffer().acknowledged(), 5u);
  EXPECT_EQ(p.server.buffer().acknowledged(), 5u);
  // Phase 2: c6..c8 arrive but their ack is lost; c9..c10 and s6..s9 are lost in flight.
  send(p.client, "c", 6, 8);
  Pair::pump(p.to_server, p.server, p.server_got);
  p.server.take_ack();  // produced, never delivered
  send(p.client, "c", 9, 10);
  send(p.server, "s", 6, 9);
  p.to_server.q.clear();
  p.to_client.q.clear();
  // Phase 3: the connection is gone; both suspend and keep producing.
  p.client.detach();
  p.server.detach();
  EXPECT_EQ(p.client.state(), Continuation::State::suspended);
  EXPECT_EQ(p.server.state(), Continuation::State::suspended);
  send(p.client, "c", 11, 12);
  send(p.server, "s", 10, 11);
  EXPECT_TRUE(p.to_server.q.empty());
  EXPECT_TRUE(p.to_client.q.empty());

  // Phase 4: resumption. Both sides derive P_new from the new key exchange (§6.1).
  Bytes k_new = {0, 0, 0, 2, 0x12, 0x34};
  Bytes h_new(32, 0x99);
  Bytes request = p.client.resume_request("alice", h_new);  // §7.2
  ResumeAuth auth = parse_resume(request);
  EXPECT_EQ(auth.received, 5u);  // the client got s1..s5
  auto proven = p.server.verify_resume(h_new, auth.received, auth.proof);  // §7.3
  ASSERT_TRUE(proven);
  p.server.begin_ratchet(*proven, derive_presecret(k_new, h_new), h_new);  // §6.3
  Queue new_to_client, new_to_server;
  p.server.attach(new_to_client);
  // §7.4: the ack with r_s first, then the retransmissions.
  ASSERT_TRUE(new_to_client.transmit(p.server.take_ack()));
  ASSERT_TRUE(p.server.retransmit_after(auth.received));
  send(p.server, "s", 12, 12);  // the session continues at once
  // The client: USERAUTH_SUCCESS, ratchet, wait for the ack, apply it, retransmit.
  p.client.ratchet_secret(derive_presecret(k_new, h_new));
  p.client.attach(new_to_server);
  send(p.client, "c", 13, 13);  // produced before the ack arrived: must not overtake
  EXPECT_TRUE(new_to_server.q.empty());
  Bytes ack = new_to_client.pop();
  ASSERT_TRUE(is_global_request(ack, kAckRequest));
  uint64_t r_s = *decode_ack_data(request_data(ack));
  EXPECT_EQ(r_s, 8u);  // the server got c1..c8
  ASSERT_TRUE(new_to_server.transmit(p.client.ratchet_confirmation(h_new)));  // §7.4
  ASSERT_TRUE(p.client.retransmit_after(r_s));
  send(p.client, "c", 14, 14);
  Pair::pump(new_to_server, p.server, p.server_got);
  Pair::pump(new_to_client, p.client, p.client_got);

  EXPECT_EQ(p.server_got, numbered("c", 1, 14));
  EXPECT_EQ(p.client_got, numbered("s", 1, 12));
  EXPECT_EQ(p.server.received(), 14u);
  EXPECT_EQ(p.client.received(), 12u);
  EXPECT_TRUE(p.client_errors.seen.empty());
  EXPECT_TRUE(p.server_errors.seen.empty());
  // After the ratchet the proof just used can never resume again (§6.3, §11.1), and a
  // fresh one from the ratcheted client verifies.
  auto replayed = p.server.verify_resume(h_new, auth.received, auth.proof);
  ASSERT_FALSE(replayed);
  EXPECT_EQ(replayed.error().context, "wrong proof");
  Bytes h_next(32, 0xaa);
  ResumeAuth next = parse_resume(p.client.resume_request("alice", h_next));
  EXPECT_TRUE(p.server.verify_resume(h_next, next.received, next.proof));
  // Final acks free both buffers.
  ASSERT_TRUE(p.client.on_receive(p.server.take_ack()));
  ASSERT_TRUE(p.server.on_receive(p.client.take_ack()));
  EXPECT_EQ(p.client.buffer().held_messages(), 0u);
  EXPECT_EQ(p.server.buffer().held_messages(), 0u);
}

// §6.3, §8.5: the two-phase ratchet. Whatever part of a resumption is lost, the secret
// the client holds is one the server accepts.
struct Resumption {
  Bytes h;
  Secret p_new;
};
Resumption resumption(uint8_t n) { return {Bytes(32, n), presecret(n)}; }

TEST(Continuation, RatchetSurvivesLostSuccess) {
  Pair p;
  p.establish();
  Resumption r1 = resumption(0x21);
  ResumeAuth a1 = parse_resume(p.client.resume_request("u", r1.h));
  auto proven = p.server.verify_resume(r1.h, a1.received, a1.proof);
  ASSERT_EQ(proven, Continuation::Proven::current);
  p.server.begin_ratchet(*proven, presecret(0x21), r1.h);
  EXPECT_TRUE(p.server.ratchet_pending());
  // USERAUTH_SUCCESS never reached the client: it still holds S and tries again.
  Resumption r2 = resumption(0x22);
  ResumeAuth a2 = parse_resume(p.client.resume_request("u", r2.h));
  proven = p.server.verify_resume(r2.h, a2.received, a2.proof);
  ASSERT_EQ(proven, Continuation::Proven::current);
  p.server.begin_ratchet(*proven, presecret(0x22), r2.h);
  p.client.ratchet_secret(presecret(0x22));
  ASSERT_TRUE(p.server.on_receive(p.client.ratchet_confirmation(r2.h)));
  EXPECT_FALSE(p.server.ratchet_pending());
  // Committed: S is gone, S' resumes.
  EXPECT_FALSE(p.server.verify_resume(r2.h, a2.received, a2.proof));
  Resumption r3 = resumption(0x23);
  ResumeAuth a3 = parse_resume(p.client.resume_request("u", r3.h));
  EXPECT_EQ(p.server.verify_resume(r3.h, a3.received, a3.proof), Continuation::Proven::current);
}

TEST(Continuation, RatchetSurvivesLostConfirmation) {
  Pair p;
  p.establish();
  Resumption r1 = resumption(0x31);
  ResumeAuth a1 = parse_resume(p.client.resume_request("u", r1.h));
  p.server.begin_ratchet(*p.server.verify_resume(r1.h, a1.received, a1.proof), presecret(0x31), r1.h);
  p.client.ratchet_secret(presecret(0x31));  // the client saw the success; its confirmation is lost
  Resumption r2 = resumption(0x32);
  ResumeAuth a2 = parse_resume(p.client.resume_request("u", r2.h));
  auto proven = p.server.verify_resume(r2.h, a2.received, a2.proof);
  ASSERT_EQ(proven, Continuation::Proven::pending);
  p.server.begin_ratchet(*proven, presecret(0x32), r2.h);  // commits S'1, makes S'2 pending
  // The original S is refused from now on; S'1 still is accepted until S'2 is confirmed.
  Secret s = derive_resume_secret(presecret(1), test_handle());
  Bytes h(32, 0x3f);
  auto stale = p.server.verify_resume(h, 0, make_proof(s, h, test_handle(), 0));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().context, "wrong proof");
  EXPECT_EQ(p.server.verify_resume(r2.h, a2.received, a2.proof), Continuation::Proven::current);
}

TEST(Continuation, BadConfirmationsEndTheSession) {
  Pair p;
  p.establish();
  Resumption r1 = resumption(0x41);
  // Without a pending ratchet.
  auto early = p.server.on_receive(p.client.ratchet_confirmation(r1.h));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().context, "continuation confirmation without a resumption");
  ResumeAuth a1 = parse_resume(p.client.resume_request("u", r1.h));
  p.server.begin_ratchet(*p.server.verify_resume(r1.h, a1.received, a1.proof), presecret(0x41), r1.h);
  p.client.ratchet_secret(presecret(0x41));
  // For another connection's H, under the old S, with want-reply, truncated.
  EXPECT_FALSE(p.server.on_receive(p.client.ratchet_confirmation(Bytes(32, 0x42))));
  Bytes good = p.client.ratchet_confirmation(r1.h);
  Bytes want_reply = good;
  want_reply[5 + kConfirmRequest.size()] = 1;
  EXPECT_FALSE(p.server.on_receive(want_reply));
  Bytes truncated(good.begin(), good.end() - 1);
  EXPECT_FALSE(p.server.on_receive(truncated));
  EXPECT_TRUE(p.server.ratchet_pending());
  // Not counted: the received count does not move.
  uint64_t before = p.server.received();
  ASSERT_TRUE(p.server.on_receive(good));
  EXPECT_EQ(p.server.received(), before);
  EXPECT_FALSE(p.server.ratchet_pending());
}

}  // namespace
}  // namespace ssh::continuation
