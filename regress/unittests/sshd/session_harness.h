// An in-memory client Mux wired to a server Mux whose MuxHandler is a SessionHost.
// Messages are pumped both ways synchronously between turns of the event loop, which
// serves the children's fds, SIGCHLD and timers.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "connection/mux.h"
#include "connection/session_requests.h"
#include "sshd/child_reaper.h"
#include "sshd/session_host.h"

namespace ssh::sshd::test {

using namespace ssh::connection;

struct QueueSink : PayloadSink {
  std::deque<Bytes> queue;
  void send_payload(Bytes&& p) override { queue.push_back(std::move(p)); }
};

// What the client side saw; owned by the test, so it outlives the channel handler.
struct ClientRecord {
  bool confirmed = false;
  bool open_failed = false;
  uint32_t fail_reason = 0;
  Bytes out;
  Bytes err;
  std::vector<std::string> events;  // "data", "ext", "exit-status", "exit-signal", "eof", "close"
  std::optional<ExitStatus> exit_status;
  std::optional<ExitSignal> exit_signal;
  bool eof = false;
  bool closed = false;
  // stdin towards the server
  Bytes input;
  size_t input_pos = 0;
  bool eof_after_input = false;
  // manual consumption (ChannelOptions::manual_consume on the client channel)
  bool manual = false;
  bool hold = false;  // stop granting window
  size_t unconsumed = 0;

  std::string out_text() const { return std::string(out.begin(), out.end()); }
  std::string err_text() const { return std::string(err.begin(), err.end()); }
};

class ClientChannel : public ChannelHandler {
 public:
  explicit ClientChannel(ClientRecord& r) : r_(r) {}
  void on_open_confirmed(ByteView) override { r_.confirmed = true; }
  void on_open_failed(uint32_t reason, std::string_view) override {
    r_.open_failed = true;
    r_.fail_reason = reason;
  }
  void on_data(uint32_t ext, ByteView data) override {
    Bytes& to = ext == 0 ? r_.out : r_.err;
    to.insert(to.end(), data.begin(), data.end());
    if (r_.events.empty() || r_.events.back() != (ext == 0 ? "data" : "ext")) {
      r_.events.push_back(ext == 0 ? "data" : "ext");
    }
    if (r_.manual) {
      r_.unconsumed += data.size();
      if (!r_.hold) release();
    }
  }
  void on_eof() override {
    r_.eof = true;
    r_.events.push_back("eof");
  }
  void on_close() override {
    r_.closed = true;
    r_.events.push_back("close");
  }
  bool on_request(std::string_view type, bool, ByteView data) override {
    r_.events.emplace_back(type);
    if (type == kReqExitStatus) {
      auto s = decode_exit_status(data);
      if (s) r_.exit_status = *s;
      return s.has_value();
    }
    if (type == kReqExitSignal) {
      auto s = decode_exit_signal(data);
      if (s) r_.exit_signal = *s;
      return s.has_value();
    }
    return false;
  }
  void on_window_available() override { flush(); }

  void release() {
    size_t n = r_.unconsumed;
    r_.unconsumed = 0;
    if (n) {
      EXPECT_TRUE(mux().consume(channel_id(), n));
    }
  }
  void flush() {
    if (r_.input_pos < r_.input.size()) {
      auto n = mux().send_data(channel_id(), ByteView(r_.input).subspan(r_.input_pos));
      ASSERT_TRUE(n);
      r_.input_pos += *n;
    }
    if (r_.input_pos == r_.input.size() && r_.eof_after_input) {
      r_.eof_after_input = false;
      ASSERT_TRUE(mux().send_eof(channel_id()));
    }
  }

 private:
  ClientRecord& r_;
};

class SessionTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<ChildReaper> reaper;
  SessionConfig config;
  SessionContext context;
  std::unique_ptr<SessionHost> host;
  MuxConfig client_config;
  MuxConfig server_config;
  QueueSink to_server, to_client;
  MuxHandler client_hooks;
  std::unique_ptr<Mux> client, server;
  std::string home;
  // Records of sessions, kept at stable addresses.
  std::deque<ClientRecord> records;

  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);  // as the sshd process does: write errors come as EPIPE
    loop = std::move(*EventLoop::create());
    reaper = std::move(*ChildReaper::create(*loop));
    char tmpl[] = "/tmp/sshd-session-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    home = tmpl;
    auto user = UserInfo::from_uid(getuid());
    ASSERT_TRUE(user);
    context.user = *user;
    context.user.shell = "/bin/sh";  // predictable, whatever root's shell is
    context.user.home = home;
    context.connection = {"192.0.2.1", 50000, "192.0.2.2", 22};
    config.print_motd = false;
  }

  void TearDown() override {
    if (host) host->connection_lost();
    client.reset();
    server.reset();
    run_until([&] { return reaper->pending() == 0; }, Millis(5000));
    EXPECT_EQ(reaper->pending(), 0u) << "children left behind";
    host.reset();
    std::filesystem::remove_all(home);
  }

  void start() {
    host = std::make_unique<SessionHost>(*loop, *reaper, config, context);
    client = std::make_unique<Mux>(to_server, client_hooks, client_config);
    server = std::make_unique<Mux>(to_client, *host, server_config);
  }

  // Moves every queued message across; true when something moved.
  bool deliver() {
    bool moved = false;
    while (!to_server.queue.empty() || !to_client.queue.empty()) {
      moved = true;
      if (!to_server.queue.empty() && server) {
        Bytes p = std::move(to_server.queue.front());
        to_server.queue.pop_front();
        auto st = server->handle(p);
        EXPECT_TRUE(st) << st.error().context;
      } else {
        to_server.queue.clear();
      }
      if (!to_client.queue.empty() && client) {
        Bytes p = std::move(to_client.queue.front());
        to_client.queue.pop_front();
        auto st = client->handle(p);
        EXPECT_TRUE(st) << st.error().context;
      } else {
        to_client.queue.clear();
      }
    }
    return moved;
  }

  // Pumps and runs the loop until pred() holds; false on timeout.
  bool run_until(const std::function<bool()>& pred, Millis timeout = Millis(20000)) {
    auto deadline = Clock::now() + timeout;
    while (!pred()) {
      if (Clock::now() > deadline) return false;
      bool moved = deliver();
      if (pred()) return true;
      auto st = loop->run_once(moved ? Millis(0) : Millis(5));
      EXPECT_TRUE(st);
    }
    return true;
  }

  void run_for(Millis duration) {
    auto until = Clock::now() + duration;
    run_until([&] { return Clock::now() >= until; }, duration + Millis(1000));
  }

  // Opens a session channel; returns the record and the client's channel id.
  ClientRecord& open_session(ChannelId* id_out, ChannelOptions options = {}) {
    ClientRecord& r = records.emplace_back();
    r.manual = options.manual_consume;
    auto id = client->open_channel(kChannelSession, {}, std::make_unique<ClientChannel>(r),
                                   options);
    EXPECT_TRUE(id);
    EXPECT_TRUE(run_until([&] { return r.confirmed || r.open_failed; }));
    if (id_out) *id_out = id ? *id : 0;
    return r;
  }

  // Sends a want-reply request and waits for the answer.
  std::optional<bool> request(ChannelId id, std::string_view type, const Bytes& data) {
    std::optional<bool> reply;
    auto st = client->send_request(id, type, data, [&](bool ok) { reply = ok; });
    EXPECT_TRUE(st);
    if (!st) return std::nullopt;
    run_until([&] { return reply.has_value(); });
    return reply;
  }

  std::optional<bool> exec(ChannelId id, const std::string& command) {
    return request(id, kReqExec, encode(ExecRequest{command}));
  }

  void send_text(ChannelId id, const std::string& text) {
    auto n = client->send_data(id, as_bytes(text));
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, text.size());
  }

  bool wait_closed(const ClientRecord& r) {
    return run_until([&] { return r.closed; });
  }

  SessionChannel* only_session() {
    if (!host || host->sessions().size() != 1) return nullptr;
    return host->sessions().front();
  }
};

}  // namespace ssh::sshd::test
