// A client Mux and a server Mux wired back to back through in-memory queues.
#include "connection/mux.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "connection/forward_requests.h"
#include "connection/session_requests.h"

namespace ssh::connection {
namespace {

// Deterministic content so that order and completeness can be checked byte by byte.
uint8_t pattern(uint64_t pos, uint8_t seed) { return uint8_t((pos * 131 + seed + (pos >> 9)) & 0xff); }

Bytes make_pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = pattern(i, seed);
  return b;
}

struct QueueSink : PayloadSink {
  std::deque<Bytes> queue;
  void send_payload(Bytes&& p) override { queue.push_back(std::move(p)); }
};

// A channel owner that streams `out` with explicit back-pressure and records all input.
class TestChannel : public ChannelHandler {
 public:
  bool confirmed = false;
  bool open_failed = false;
  uint32_t fail_reason = 0;
  bool eof = false;
  bool closed = false;
  Bytes out;
  size_t out_pos = 0;
  bool eof_when_done = false;
  Bytes received;
  Bytes received_stderr;
  std::vector<std::string> requests;
  std::optional<ExitStatus> exit_status;
  std::optional<WindowChange> window_change;
  size_t window_events = 0;
  bool* closed_flag = nullptr;  // survives the handler, which the Mux destroys

  void on_open_confirmed(ByteView) override { confirmed = true; }
  void on_open_failed(uint32_t reason, std::string_view) override {
    open_failed = true;
    fail_reason = reason;
    if (closed_flag) *closed_flag = true;
  }
  void on_data(uint32_t ext, ByteView data) override {
    append(ext == 0 ? received : received_stderr, data);
  }
  void on_eof() override { eof = true; }
  void on_close() override {
    closed = true;
    if (closed_flag) *closed_flag = true;
  }
  bool on_request(std::string_view type, bool, ByteView data) override {
    requests.emplace_back(type);
    if (type == kReqExec) return decode_exec_request(data).has_value();
    if (type == kReqExitStatus) {
      auto s = decode_exit_status(data);
      if (s) exit_status = *s;
      return s.has_value();
    }
    if (type == kReqWindowChange) {
      auto w = decode_window_change(data);
      if (w) window_change = *w;
      return w.has_value();
    }
    return false;
  }
  void on_window_available() override {
    ++window_events;
    flush();
  }

  void flush() {
    if (out_pos < out.size()) {
      auto n = mux().send_data(channel_id(), ByteView(out).subspan(out_pos));
      ASSERT_TRUE(n);
      out_pos += *n;
    }
    if (out_pos == out.size() && eof_when_done) {
      eof_when_done = false;
      ASSERT_TRUE(mux().send_eof(channel_id()));
    }
  }
};

// Server hooks: accepts "session", defers "direct-tcpip", answers global requests.
class ServerHooks : public MuxHandler {
 public:
  TestChannel* session = nullptr;
  std::optional<ChannelId> deferred;
  std::vector<std::string> globals;
  ChannelOptions options;

  OpenDecision on_channel_open(const IncomingOpen& open) override {
    if (open.type == kChannelSession) {
      auto h = std::make_unique<TestChannel>();
      session = h.get();
      return OpenDecision::accept(std::move(h), options);
    }
    if (open.type == kChannelDirectTcpip) {
      deferred = open.local_id;
      return OpenDecision::defer();
    }
    return MuxHandler::on_channel_open(open);
  }
  GlobalReply on_global_request(std::string_view name, bool, ByteView data) override {
    globals.emplace_back(name);
    if (name == kGlobalTcpipForward) {
      auto f = decode_tcpip_forward(data);
      if (!f) return {};
      return {true, encode_tcpip_forward_reply(f->bind_port ? f->bind_port : 40001)};
    }
    return {};
  }
};

class MuxPair : public ::testing::Test {
 protected:
  MuxConfig client_config;
  MuxConfig server_config;
  QueueSink to_server, to_client;
  MuxHandler client_hooks;
  ServerHooks server_hooks;
  std::unique_ptr<Mux> client, server;
  size_t max_data_seen = 0;

  void start() {
    client = std::make_unique<Mux>(to_server, client_hooks, client_config);
    server = std::make_unique<Mux>(to_client, server_hooks, server_config);
  }

  void check_packet(const Bytes& p, uint32_t limit) {
    if (p[0] == uint8_t(MsgType::channel_data)) {
      auto d = decode_channel_data(p);
      ASSERT_TRUE(d);
      EXPECT_LE(d->data.size(), limit);
      max_data_seen = std::max(max_data_seen, d->data.size());
    }
  }

  // Delivers queued messages one at a time, alternating directions, until both are idle.
  Status pump() {
    while (!to_server.queue.empty() || !to_client.queue.empty()) {
      if (!to_server.queue.empty()) {
        Bytes p = std::move(to_server.queue.front());
        to_server.queue.pop_front();
        check_packet(p, server_config.max_packet);
        SSH_TRY(server->handle(p));
      }
      if (!to_client.queue.empty()) {
        Bytes p = std::move(to_client.queue.front());
        to_client.queue.pop_front();
        check_packet(p, client_config.max_packet);
        SSH_TRY(client->handle(p));
      }
    }
    return {};
  }

  // Opens a session; returns the client handler (owned by the client Mux).
  TestChannel* open_session(ChannelId* id_out = nullptr) {
    auto h = std::make_unique<TestChannel>();
    TestChannel* raw = h.get();
    auto id = client->open_channel(kChannelSession, {}, std::move(h));
    EXPECT_TRUE(id);
    EXPECT_TRUE(pump());
    EXPECT_TRUE(raw->confirmed);
    if (id_out) *id_out = *id;
    return raw;
  }
};

TEST_F(MuxPair, SessionExecTransferExitAndClose) {
  client_config.window_size = 64 * 1024;
  client_config.max_packet = 8 * 1024;
  server_config.window_size = 48 * 1024;
  server_config.max_packet = 4 * 1024;
  start();
  ChannelId cid = 0;
  TestChannel* c = open_session(&cid);
  TestChannel* s = server_hooks.session;
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->confirmed);  // peer-opened channels hear on_open_confirmed too

  std::optional<bool> exec_reply;
  ASSERT_TRUE(client->send_request(cid, kReqExec, encode(ExecRequest{"cat"}),
                                   [&](bool ok) { exec_reply = ok; }));
  ASSERT_TRUE(pump());
  ASSERT_TRUE(exec_reply.has_value());
  EXPECT_TRUE(*exec_reply);
  EXPECT_EQ(s->requests, std::vector<std::string>{"exec"});

  ASSERT_TRUE(client->send_request(cid, kReqWindowChange, encode(WindowChange{100, 40, 0, 0})));
  ASSERT_TRUE(pump());
  ASSERT_TRUE(s->window_change.has_value());
  EXPECT_EQ(s->window_change->columns, 100u);

  const size_t kSize = 10 * 1024 * 1024;
  c->out = make_pattern(kSize, 1);
  c->eof_when_done = true;
  s->out = make_pattern(kSize, 2);
  c->flush();
  s->flush();
  // The first sends must stop at the peer's window.
  EXPECT_EQ(c->out_pos, server_config.window_size);
  EXPECT_EQ(s->out_pos, client_config.window_size);
  ASSERT_TRUE(pump());

  EXPECT_EQ(c->out_pos, kSize);
  EXPECT_EQ(s->out_pos, kSize);
  EXPECT_TRUE(s->received == c->out) << "client->server stream differs";
  EXPECT_TRUE(c->received == s->out) << "server->client stream differs";
  EXPECT_GT(c->window_events, 100u);
  EXPECT_GT(s->window_events, 100u);
  EXPECT_TRUE(s->eof);
  EXPECT_FALSE(c->eof);
  EXPECT_EQ(max_data_seen, 4u * 1024);  // both sides use the smaller max packet

  // Server finishes: stderr, exit-status, EOF, CLOSE.
  ChannelId sid = s->channel_id();
  ASSERT_EQ(*server->send_data(sid, as_bytes("warning\n"), kExtendedDataStderr), 8u);
  ASSERT_TRUE(server->send_request(sid, kReqExitStatus, encode(ExitStatus{3})));
  ASSERT_TRUE(server->send_eof(sid));
  ASSERT_TRUE(server->close(sid));
  ASSERT_TRUE(server->close(sid));  // idempotent: CLOSE goes out once
  bool client_closed = false, server_closed = false;
  c->closed_flag = &client_closed;
  s->closed_flag = &server_closed;
  ASSERT_TRUE(pump());
  EXPECT_TRUE(client_closed);
  EXPECT_TRUE(server_closed);
  EXPECT_EQ(client->channel_count(), 0u);
  EXPECT_EQ(server->channel_count(), 0u);
}

TEST_F(MuxPair, ExitStatusReachesClientBeforeClose) {
  start();
  ChannelId cid = 0;
  TestChannel* c = open_session(&cid);
  TestChannel* s = server_hooks.session;
  ChannelId sid = s->channel_id();
  ASSERT_TRUE(server->send_data(sid, as_bytes("out")));
  ASSERT_TRUE(server->send_request(sid, kReqExitStatus, encode(ExitStatus{42})));
  ASSERT_TRUE(server->send_eof(sid));
  ASSERT_TRUE(pump());
  ASSERT_TRUE(c->exit_status.has_value());
  EXPECT_EQ(c->exit_status->status, 42u);
  EXPECT_TRUE(c->eof);
  EXPECT_EQ(as_text(c->received), "out");
  // Data after our own EOF is a programming error, not a send.
  EXPECT_FALSE(server->send_data(sid, as_bytes("late")));
  ASSERT_TRUE(client->close(cid));
  ASSERT_TRUE(pump());
  EXPECT_EQ(client->channel_count(), 0u);
  EXPECT_EQ(server->channel_count(), 0u);
}

TEST_F(MuxPair, ManualConsumeHoldsThePeerBack) {
  server_hooks.options.manual_consume = true;
  server_hooks.options.window_size = 10000;
  start();
  ChannelId cid = 0;
  TestChannel* c = open_session(&cid);
  TestChannel* s = server_hooks.session;
  c->out = make_pattern(50000, 3);
  c->flush();
  ASSERT_TRUE(pump());
  EXPECT_EQ(s->received.size(), 10000u);
  EXPECT_EQ(client->send_window(cid), 0u);
  // Consuming less than half the window sends no adjust.
  ASSERT_TRUE(server->consume(s->channel_id(), 4000));
  ASSERT_TRUE(pump());
  EXPECT_EQ(s->received.size(), 10000u);
  ASSERT_TRUE(server->consume(s->channel_id(), 1000));
  ASSERT_TRUE(pump());
  EXPECT_EQ(s->received.size(), 15000u);
  EXPECT_FALSE(server->consume(s->channel_id(), 20000));  // more than received
  while (s->received.size() < c->out.size()) {
    size_t before = s->received.size();
    ASSERT_TRUE(server->consume(s->channel_id(), 5000));
    ASSERT_TRUE(pump());
    ASSERT_GT(s->received.size(), before);
  }
  EXPECT_TRUE(s->received == c->out);
}

TEST_F(MuxPair, RequestRepliesMatchInOrder) {
  start();
  ChannelId cid = 0;
  open_session(&cid);
  std::vector<std::pair<int, bool>> replies;
  ASSERT_TRUE(client->send_request(cid, kReqExec, encode(ExecRequest{"a"}),
                                   [&](bool ok) { replies.push_back({1, ok}); }));
  ASSERT_TRUE(client->send_request(cid, kReqSubsystem, encode(SubsystemRequest{"sftp"}),
                                   [&](bool ok) { replies.push_back({2, ok}); }));
  ASSERT_TRUE(client->send_request(cid, kReqExec, {}, [&](bool ok) { replies.push_back({3, ok}); }));
  ASSERT_TRUE(pump());
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0], (std::pair<int, bool>{1, true}));
  EXPECT_EQ(replies[1], (std::pair<int, bool>{2, false}));  // unknown to the handler
  EXPECT_EQ(replies[2], (std::pair<int, bool>{3, false}));  // malformed exec data
}

TEST_F(MuxPair, GlobalRequestsMatchInOrder) {
  start();
  std::vector<std::string> log;
  ASSERT_TRUE(client->send_global_request(kGlobalTcpipForward, encode(TcpipForward{"", 0}),
                                          [&](bool ok, ByteView data) {
                                            auto port = decode_tcpip_forward_reply(data, 0);
                                            log.push_back("fwd " + std::to_string(ok) + " " +
                                                          std::to_string(port ? *port : 0));
                                          }));
  ASSERT_TRUE(client->send_global_request(kReqKeepalive, {}, [&](bool ok, ByteView) {
    log.push_back("keepalive " + std::to_string(ok));
  }));
  ASSERT_TRUE(client->send_global_request(kGlobalNoMoreSessions, {}));
  EXPECT_EQ(client->pending_global_requests(), 2u);
  ASSERT_TRUE(pump());
  EXPECT_EQ(log, (std::vector<std::string>{"fwd 1 40001", "keepalive 0"}));
  EXPECT_EQ(server_hooks.globals.size(), 3u);
  EXPECT_EQ(client->pending_global_requests(), 0u);
}

TEST_F(MuxPair, UnknownChannelTypeIsRefused) {
  start();
  auto h = std::make_unique<TestChannel>();
  bool gone = false;
  h->closed_flag = &gone;
  ASSERT_TRUE(client->open_channel("x11", {}, std::move(h)));
  ASSERT_TRUE(pump());
  EXPECT_TRUE(gone);
  EXPECT_EQ(client->channel_count(), 0u);
  EXPECT_EQ(server->channel_count(), 0u);
}

TEST_F(MuxPair, DeferredOpenConfirmedLater) {
  start();
  auto h = std::make_unique<TestChannel>();
  TestChannel* c = h.get();
  Bytes target = encode(DirectTcpip{"localhost", 22, "127.0.0.1", 5555});
  auto cid = client->open_channel(kChannelDirectTcpip, target, std::move(h));
  ASSERT_TRUE(cid);
  ASSERT_TRUE(pump());
  ASSERT_TRUE(server_hooks.deferred.has_value());
  EXPECT_FALSE(c->confirmed);
  auto sh = std::make_unique<TestChannel>();
  TestChannel* s = sh.get();
  ASSERT_TRUE(server->confirm_open(*server_hooks.deferred, std::move(sh)));
  EXPECT_FALSE(server->confirm_open(*server_hooks.deferred, std::make_unique<TestChannel>()));
  ASSERT_TRUE(pump());
  EXPECT_TRUE(c->confirmed);
  ASSERT_TRUE(client->send_data(*cid, as_bytes("SSH-2.0-x\r\n")));
  ASSERT_TRUE(pump());
  EXPECT_EQ(as_text(s->received), "SSH-2.0-x\r\n");
}

TEST_F(MuxPair, DeferredOpenRejected) {
  start();
  auto h = std::make_unique<TestChannel>();
  bool gone = false;
  h->closed_flag = &gone;
  ASSERT_TRUE(client->open_channel(kChannelDirectTcpip,
                                   encode(DirectTcpip{"nowhere", 1, "127.0.0.1", 2}),
                                   std::move(h)));
  ASSERT_TRUE(pump());
  ASSERT_TRUE(server->reject_open(*server_hooks.deferred, OpenFailureReason::connect_failed,
                                  "Connection refused"));
  ASSERT_TRUE(pump());
  EXPECT_TRUE(gone);
  EXPECT_EQ(server->channel_count(), 0u);
}

TEST_F(MuxPair, ChannelLimitRefusesWithResourceShortage) {
  server_config.max_channels = 2;
  start();
  open_session();
  open_session();
  auto h = std::make_unique<TestChannel>();
  TestChannel* third = h.get();
  ASSERT_TRUE(client->open_channel(kChannelSession, {}, std::move(h)));
  // Check the reason before the Mux destroys the handler.
  ASSERT_FALSE(to_server.queue.empty());
  bool failed = false;
  third->closed_flag = &failed;
  ASSERT_TRUE(server->handle(to_server.queue.front()));
  to_server.queue.pop_front();
  auto f = decode_channel_open_failure(to_client.queue.back());
  ASSERT_TRUE(f);
  EXPECT_EQ(f->reason, OpenFailureReason::resource_shortage);
  ASSERT_TRUE(pump());
  EXPECT_TRUE(failed);
  EXPECT_EQ(server->channel_count(), 2u);
}

TEST_F(MuxPair, CloseWhileOpeningSendsCloseOnConfirmation) {
  start();
  auto h = std::make_unique<TestChannel>();
  bool closed = false;
  h->closed_flag = &closed;
  TestChannel* c = h.get();
  auto cid = client->open_channel(kChannelSession, {}, std::move(h));
  ASSERT_TRUE(cid);
  ASSERT_TRUE(client->close(*cid));
  EXPECT_FALSE(client->send_data(*cid, as_bytes("x")));  // closing: nothing more to send
  ASSERT_TRUE(pump());
  EXPECT_TRUE(closed);
  (void)c;
  EXPECT_EQ(client->channel_count(), 0u);
  EXPECT_EQ(server->channel_count(), 0u);
}

TEST_F(MuxPair, UnansweredRequestsFailOnClose) {
  start();
  ChannelId cid = 0;
  open_session(&cid);
  std::optional<bool> reply;
  ASSERT_TRUE(client->send_request(cid, kReqShell, {}, [&](bool ok) { reply = ok; }));
  // The server closes before it sees the request.
  ASSERT_TRUE(server->close(server_hooks.session->channel_id()));
  ASSERT_TRUE(pump());
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(*reply);
  EXPECT_EQ(client->channel_count(), 0u);
}

TEST_F(MuxPair, PendingRequestLimit) {
  client_config.max_pending_requests = 2;
  start();
  ChannelId cid = 0;
  open_session(&cid);
  auto cb = [](bool) {};
  ASSERT_TRUE(client->send_request(cid, kReqShell, {}, cb));
  ASSERT_TRUE(client->send_request(cid, kReqShell, {}, cb));
  auto r = client->send_request(cid, kReqShell, {}, cb);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::limit);
  ASSERT_TRUE(client->send_request(cid, kReqShell, {}));  // no reply wanted: no limit
  auto gcb = [](bool, ByteView) {};
  ASSERT_TRUE(client->send_global_request("a", {}, gcb));
  ASSERT_TRUE(client->send_global_request("b", {}, gcb));
  EXPECT_FALSE(client->send_global_request("c", {}, gcb));
}

TEST_F(MuxPair, IdsAreReusedOnlyAfterBothCloses) {
  start();
  ChannelId a = 0, b = 0;
  open_session(&a);
  ASSERT_TRUE(client->close(a));
  // Our CLOSE is in flight: the id must not be reused yet.
  auto h = std::make_unique<TestChannel>();
  auto next = client->open_channel(kChannelSession, {}, std::move(h));
  ASSERT_TRUE(next);
  EXPECT_NE(*next, a);
  ASSERT_TRUE(pump());
  open_session(&b);
  EXPECT_EQ(b, a);
}

TEST_F(MuxPair, LargeWindowsWhenBothEndsAreOurs) {
  for (MuxConfig* c : {&client_config, &server_config}) {
    c->window_size = 16 * 1024 * 1024;
    c->max_packet = 256 * 1024;
  }
  start();
  ChannelId cid = 0;
  TestChannel* c = open_session(&cid);
  c->out = make_pattern(10 * 1024 * 1024, 9);
  c->flush();
  EXPECT_EQ(c->out_pos, c->out.size());  // fits in one window
  ASSERT_TRUE(pump());
  EXPECT_TRUE(server_hooks.session->received == c->out);
  EXPECT_EQ(max_data_seen, 256u * 1024);
}

// An owner that closes its channel from inside on_data (re-entrant call into the Mux).
class CloseOnData : public TestChannel {
 public:
  void on_data(uint32_t ext, ByteView data) override {
    TestChannel::on_data(ext, data);
    ASSERT_TRUE(mux().close(channel_id()));
  }
};

TEST_F(MuxPair, CloseFromInsideACallback) {
  start();
  auto h = std::make_unique<CloseOnData>();
  bool closed = false;
  h->closed_flag = &closed;
  auto cid = client->open_channel(kChannelSession, {}, std::move(h));
  ASSERT_TRUE(cid);
  ASSERT_TRUE(pump());
  TestChannel* s = server_hooks.session;
  ASSERT_TRUE(server->send_data(s->channel_id(), as_bytes("one")));
  ASSERT_TRUE(server->send_data(s->channel_id(), as_bytes("two")));  // crosses our CLOSE
  ASSERT_TRUE(pump());
  EXPECT_TRUE(closed);
  EXPECT_EQ(client->channel_count(), 0u);
  EXPECT_EQ(server->channel_count(), 0u);
}

// --- protocol errors from a misbehaving peer ---

TEST_F(MuxPair, DataBeyondWindowIsAProtocolError) {
  server_hooks.options.window_size = 1024;
  start();
  ChannelId cid = 0;
  open_session(&cid);
  ChannelId sid = server_hooks.session->channel_id();
  Bytes big(1025, 'x');
  auto r = server->handle(encode(ChannelData{sid, big}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::protocol);
  EXPECT_EQ(r.error().reason, DisconnectReason::protocol_error);
}

TEST_F(MuxPair, DataAcrossPacketsBeyondWindowIsAProtocolError) {
  server_hooks.options.window_size = 1024;
  server_hooks.options.manual_consume = true;
  start();
  open_session();
  ChannelId sid = server_hooks.session->channel_id();
  Bytes part(600, 'x');
  ASSERT_TRUE(server->handle(encode(ChannelData{sid, part})));
  EXPECT_FALSE(server->handle(encode(ChannelExtendedData{sid, 1, part})));
}

TEST_F(MuxPair, UnknownChannelIsAProtocolError) {
  start();
  open_session();
  for (const Bytes& p : {encode(ChannelData{77, as_bytes("x")}), encode(ChannelEof{77}),
                         encode(ChannelClose{77}), encode(ChannelWindowAdjust{77, 1}),
                         encode(ChannelRequest{77, "shell", true, {}}),
                         encode(ChannelSuccess{77}), encode(ChannelFailure{77}),
                         encode(ChannelOpenConfirmation{77, 1, 1, 1, {}}),
                         encode(ChannelOpenFailure{77, OpenFailureReason::connect_failed, "", ""})}) {
    auto r = server->handle(p);
    ASSERT_FALSE(r) << msg_name(p[0]);
    EXPECT_EQ(r.error().code, ErrorCode::protocol);
  }
}

TEST_F(MuxPair, DoubleCloseIsAProtocolError) {
  start();
  ChannelId cid = 0;
  open_session(&cid);
  ASSERT_TRUE(client->handle(encode(ChannelClose{cid})));
  EXPECT_EQ(client->channel_count(), 0u);
  // Our answering CLOSE went out exactly once.
  ASSERT_EQ(to_server.queue.size(), 1u);
  EXPECT_EQ(to_server.queue.front()[0], uint8_t(MsgType::channel_close));
  auto r = client->handle(encode(ChannelClose{cid}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::protocol);
}

TEST_F(MuxPair, OtherPeerViolations) {
  start();
  ChannelId cid = 0;
  open_session(&cid);
  // Replies nobody asked for.
  EXPECT_FALSE(client->handle(encode(ChannelSuccess{cid})));
  EXPECT_FALSE(client->handle(encode(RequestSuccess{})));
  EXPECT_FALSE(client->handle(encode(RequestFailure{})));
  // A second confirmation of an open channel.
  EXPECT_FALSE(client->handle(encode(ChannelOpenConfirmation{cid, 0, 10, 10, {}})));
  // Window overflow.
  EXPECT_FALSE(client->handle(encode(ChannelWindowAdjust{cid, 0xffffffffu})));
  // Extended data with type 0, data after EOF.
  EXPECT_FALSE(client->handle(encode(ChannelExtendedData{cid, 0, as_bytes("x")})));
  ASSERT_TRUE(client->handle(encode(ChannelEof{cid})));
  ASSERT_TRUE(client->handle(encode(ChannelEof{cid})));  // duplicate EOF is tolerated
  EXPECT_FALSE(client->handle(encode(ChannelData{cid, as_bytes("x")})));
  // Malformed and foreign payloads.
  EXPECT_FALSE(client->handle({}));
  Bytes unassigned = {85, 0, 0, 0, 0};
  EXPECT_FALSE(client->handle(unassigned));
  Bytes truncated = encode(ChannelData{cid, as_bytes("abc")});
  truncated.pop_back();
  EXPECT_FALSE(client->handle(truncated));
}

TEST_F(MuxPair, MessagesToPendingAcceptChannelAreErrors) {
  start();
  ASSERT_TRUE(client->open_channel(kChannelDirectTcpip,
                                   encode(DirectTcpip{"h", 1, "o", 2}),
                                   std::make_unique<TestChannel>()));
  ASSERT_TRUE(pump());
  ASSERT_TRUE(server_hooks.deferred.has_value());
  EXPECT_FALSE(server->handle(encode(ChannelData{*server_hooks.deferred, as_bytes("x")})));
}

TEST_F(MuxPair, DataAfterOurCloseIsDroppedNotAnError) {
  start();
  ChannelId cid = 0;
  TestChannel* c = open_session(&cid);
  ASSERT_TRUE(client->close(cid));
  // The server sent data before it saw our CLOSE.
  ASSERT_TRUE(client->handle(encode(ChannelData{cid, as_bytes("in flight")})));
  EXPECT_TRUE(c->received.empty());
  ASSERT_TRUE(pump());
  EXPECT_EQ(client->channel_count(), 0u);
}

}  // namespace
}  // namespace ssh::connection
