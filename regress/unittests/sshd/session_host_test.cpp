// SessionHost: MaxSessions, no-more-sessions, other channel types, and a client that
// vanishes without closing anything.
#include "sshd/session_host.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "session_harness.h"

namespace ssh::sshd::test {
namespace {

TEST_F(SessionTest, MaxSessionsIsEnforcedAndFreedOnClose) {
  config.max_sessions = 2;
  start();
  ChannelId a = 0, b = 0, c = 0;
  EXPECT_TRUE(open_session(&a).confirmed);
  EXPECT_TRUE(open_session(&b).confirmed);
  ClientRecord& third = open_session(&c);
  EXPECT_TRUE(third.open_failed);
  EXPECT_EQ(third.fail_reason, uint32_t(OpenFailureReason::administratively_prohibited));
  EXPECT_EQ(host->session_count(), 2u);

  ASSERT_TRUE(client->close(a));
  ASSERT_TRUE(run_until([&] { return host->session_count() == 1; }));
  EXPECT_TRUE(open_session(&c).confirmed);
}

TEST_F(SessionTest, NoMoreSessionsRefusesLaterOpens) {
  start();
  ChannelId a = 0;
  EXPECT_TRUE(open_session(&a).confirmed);
  std::optional<bool> reply;
  ASSERT_TRUE(client->send_global_request(kGlobalNoMoreSessions, {},
                                          [&](bool ok, ByteView) { reply = ok; }));
  ASSERT_TRUE(run_until([&] { return reply.has_value(); }));
  EXPECT_TRUE(*reply);
  EXPECT_TRUE(host->no_more_sessions());
  EXPECT_TRUE(open_session(&a).open_failed);
}

class OtherTypes : public MuxHandler {
 public:
  std::vector<std::string> opens, globals;
  OpenDecision on_channel_open(const IncomingOpen& open) override {
    opens.emplace_back(open.type);
    return MuxHandler::on_channel_open(open);
  }
  GlobalReply on_global_request(std::string_view name, bool, ByteView) override {
    globals.emplace_back(name);
    return {true, {}};
  }
};

TEST_F(SessionTest, OtherChannelTypesAndGlobalRequestsGoToNext) {
  start();
  ClientRecord& r = records.emplace_back();
  ASSERT_TRUE(client->open_channel("direct-tcpip", {}, std::make_unique<ClientChannel>(r)));
  ASSERT_TRUE(run_until([&] { return r.open_failed; }));
  EXPECT_EQ(r.fail_reason, uint32_t(OpenFailureReason::unknown_channel_type));

  OtherTypes next;
  host->set_next(&next);
  ClientRecord& r2 = records.emplace_back();
  ASSERT_TRUE(client->open_channel("direct-tcpip", {}, std::make_unique<ClientChannel>(r2)));
  std::optional<bool> reply;
  ASSERT_TRUE(client->send_global_request("tcpip-forward", {},
                                          [&](bool ok, ByteView) { reply = ok; }));
  ASSERT_TRUE(run_until([&] { return r2.open_failed && reply.has_value(); }));
  EXPECT_EQ(next.opens, std::vector<std::string>{"direct-tcpip"});
  EXPECT_EQ(next.globals, std::vector<std::string>{"tcpip-forward"});
  EXPECT_TRUE(*reply);
}

// Orphans (the shell's background children) come back to this process, so their fate
// can be checked with waitpid instead of racing init.
class Subreaper {
 public:
  Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 0); }
};


TEST_F(SessionTest, ClientVanishingLeavesNoProcessBehind) {
  Subreaper subreaper;
  start();
  for (bool with_pty : {false, true}) {
    SCOPED_TRACE(with_pty ? "pty" : "pipes");
    ChannelId id = 0;
    ClientRecord& r = open_session(&id);
    if (with_pty) {
      ASSERT_EQ(request(id, kReqPty, encode(PtyRequest{"xterm", 80, 24, 0, 0, {}})), true);
    }
    ASSERT_EQ(exec(id, "sleep 100 & echo bg=$!; wait"), true);
    ASSERT_TRUE(run_until([&] { return r.out_text().find('\n') != std::string::npos; }));
    pid_t background = pid_t(std::stoi(r.out_text().substr(r.out_text().find("bg=") + 3)));
    SessionChannel* s = only_session();
    ASSERT_NE(s, nullptr);
    pid_t shell = s->child_pid();
    ASSERT_EQ(kill(shell, 0), 0);
    ASSERT_EQ(kill(background, 0), 0);

    // The client is gone: no CLOSE, no EOF, nothing.
    client.reset();
    host->connection_lost();
    server.reset();
    EXPECT_EQ(host->session_count(), 0u);
    ASSERT_TRUE(run_until([&] { return reaper->pending() == 0; }, Millis(5000)));
    EXPECT_EQ(kill(shell, 0), -1);
    EXPECT_EQ(errno, ESRCH);
    int status = 0;
    ASSERT_EQ(waitpid(background, &status, 0), background);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGHUP);
    to_server.queue.clear();
    to_client.queue.clear();
    client = std::make_unique<Mux>(to_server, client_hooks, client_config);
    server = std::make_unique<Mux>(to_client, *host, server_config);
  }
}

TEST_F(SessionTest, ClientClosingTheChannelHangsUpTheChild) {
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_EQ(exec(id, "sleep 100"), true);
  pid_t pid = only_session()->child_pid();
  ASSERT_TRUE(client->close(id));
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(host->session_count(), 0u);
  ASSERT_TRUE(run_until([&] { return reaper->pending() == 0; }, Millis(5000)));
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_FALSE(r.exit_status || r.exit_signal);  // the channel was gone before the exit
}

}  // namespace
}  // namespace ssh::sshd::test
