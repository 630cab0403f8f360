// SessionChannel driven through a real client Mux: every test runs real children.
#include "sshd/session_channel.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <sstream>

#include "connection/terminal_modes.h"
#include "session_harness.h"
#include "sshd/child_env.h"

namespace ssh::sshd::test {
namespace {

std::map<std::string, std::string> parse_env(const std::string& text) {
  std::map<std::string, std::string> env;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

uint8_t pattern(uint64_t pos) { return uint8_t((pos * 131 + 7 + (pos >> 11)) & 0xff); }

Bytes pty_request(const std::string& term, uint32_t cols, uint32_t rows) {
  // ECHO off keeps the output to what the commands print.
  Bytes modes = encode_terminal_modes({{53 /* ECHO */, 0}});
  return encode(PtyRequest{term, cols, rows, 0, 0, modes});
}

TEST_F(SessionTest, ExecGivesDataExtendedDataExitStatusEofCloseInOrder) {
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_TRUE(r.confirmed);
  EXPECT_EQ(exec(id, "echo hi; echo err >&2; exit 3"), true);
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.out_text(), "hi\n");
  EXPECT_EQ(r.err_text(), "err\n");
  ASSERT_TRUE(r.exit_status.has_value());
  EXPECT_EQ(r.exit_status->status, 3u);
  EXPECT_FALSE(r.exit_signal.has_value());
  // Both streams first (their relative order is the scheduler's), then the exit
  // message, EOF and CLOSE, nothing in between.
  ASSERT_EQ(r.events.size(), 5u) << ::testing::PrintToString(r.events);
  std::vector<std::string> streams(r.events.begin(), r.events.begin() + 2);
  std::sort(streams.begin(), streams.end());
  EXPECT_EQ(streams, (std::vector<std::string>{"data", "ext"}));
  EXPECT_EQ(std::vector<std::string>(r.events.begin() + 2, r.events.end()),
            (std::vector<std::string>{"exit-status", "eof", "close"}));
  EXPECT_EQ(host->session_count(), 0u);
  EXPECT_EQ(reaper->pending(), 0u);
}

TEST_F(SessionTest, SecondExecIsRefused) {
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  EXPECT_EQ(exec(id, "sleep 0.2"), true);
  EXPECT_EQ(exec(id, "true"), false);
  EXPECT_EQ(request(id, kReqShell, {}), false);
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.exit_status->status, 0u);
}

TEST_F(SessionTest, StdinRoundTripOf20MBThroughCatWithBackPressure) {
  server_config.window_size = 64 * 1024;
  server_config.max_packet = 16 * 1024;
  client_config.window_size = 64 * 1024;
  client_config.max_packet = 16 * 1024;
  start();
  ChannelId id = 0;
  ChannelOptions manual;
  manual.manual_consume = true;
  ClientRecord& r = open_session(&id, manual);
  const size_t kSize = 20 * 1024 * 1024;
  r.input.resize(kSize);
  for (size_t i = 0; i < kSize; ++i) r.input[i] = pattern(i);
  r.eof_after_input = true;
  ASSERT_EQ(exec(id, "cat"), true);
  auto* handler = static_cast<ClientChannel*>(client->handler(id));
  handler->flush();

  // Let a few MB through, then stop granting window on the client.
  ASSERT_TRUE(run_until([&] { return r.out.size() >= 4 * 1024 * 1024; }));
  r.hold = true;
  run_for(Millis(300));  // settle: everything in flight lands in buffers
  SessionChannel* s = only_session();
  ASSERT_NE(s, nullptr);
  size_t sent = r.input_pos, received = r.out.size();
  run_for(Millis(500));
  // Nothing moves while the window is shut: cat is blocked writing, its stdin pipe full,
  // the client's window towards the server exhausted.
  EXPECT_EQ(r.input_pos, sent);
  EXPECT_EQ(r.out.size(), received);
  EXPECT_LE(received, kSize);
  EXPECT_LE(s->buffered_input(), server_config.window_size);
  EXPECT_LE(s->buffered_output(), kReadChunk);
  // In flight: windows, pipe buffers and cat's own buffer, far below the 20 MB.
  EXPECT_LE(sent - received, size_t(2 * 1024 * 1024));
  EXPECT_TRUE(s->child_running());
  std::ifstream wchan("/proc/" + std::to_string(s->child_pid()) + "/wchan");
  std::string where;
  if (wchan >> where && where != "0") {
    // A shell that forked cat waits in wait4; cat itself sits in pipe_write.
    EXPECT_TRUE(where == "pipe_write" || where.find("wait") != std::string::npos) << where;
  }

  r.hold = false;
  handler->release();
  ASSERT_TRUE(wait_closed(r));
  ASSERT_EQ(r.out.size(), kSize);
  EXPECT_TRUE(r.out == r.input);
  ASSERT_TRUE(r.exit_status.has_value());
  EXPECT_EQ(r.exit_status->status, 0u);
}

TEST_F(SessionTest, DataAndEofBeforeExecReachTheChild) {
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  send_text(id, "early bird\n");
  ASSERT_TRUE(client->send_eof(id));
  EXPECT_EQ(exec(id, "cat; echo done"), true);
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.out_text(), "early bird\ndone\n");
}

TEST_F(SessionTest, PtyShellSeesTtyTermSizeAndWindowChange) {
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_EQ(request(id, kReqPty, pty_request("xterm-test", 80, 24)), true);
  SessionChannel* s = only_session();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->has_pty());
  std::string tty = s->tty_name();
  EXPECT_EQ(tty.rfind("/dev/pts/", 0), 0u) << tty;
  struct stat st{};
  ASSERT_EQ(stat(tty.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, context.user.uid);
  if (struct group* g = getgrnam("tty")) {
    EXPECT_EQ(st.st_gid, g->gr_gid);
    EXPECT_EQ(st.st_mode & 0777, 0620u);
  }

  ASSERT_EQ(request(id, kReqShell, {}), true);
  send_text(id, "tty; echo TERM=$TERM; echo SSH_TTY=$SSH_TTY; stty size\n");
  ASSERT_TRUE(run_until([&] { return r.out_text().find("24 80") != std::string::npos; }))
      << r.out_text();
  std::string out = r.out_text();
  EXPECT_NE(out.find(tty + "\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TERM=xterm-test\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("SSH_TTY=" + tty + "\r\n"), std::string::npos) << out;
  EXPECT_TRUE(r.err.empty());  // a pty has no separate stderr

  ASSERT_TRUE(client->send_request(id, kReqWindowChange, encode(WindowChange{100, 40, 0, 0})));
  send_text(id, "stty size\n");
  ASSERT_TRUE(run_until([&] { return r.out_text().find("40 100") != std::string::npos; }))
      << r.out_text();
  EXPECT_EQ(request(id, kReqBreak, encode(BreakRequest{0})), true);
  send_text(id, "exit 7\n");
  ASSERT_TRUE(wait_closed(r));
  ASSERT_TRUE(r.exit_status.has_value());
  EXPECT_EQ(r.exit_status->status, 7u);
  EXPECT_EQ(std::vector<std::string>(r.events.end() - 3, r.events.end()),
            (std::vector<std::string>{"exit-status", "eof", "close"}));
  EXPECT_NE(stat(tty.c_str(), &st), 0);  // released with the master
}

TEST_F(SessionTest, PtyOutputJustBeforeExitIsNotLost) {
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_EQ(request(id, kReqPty, pty_request("vt100", 80, 24)), true);
  ASSERT_EQ(exec(id, "seq 1 20000"), true);
  ASSERT_TRUE(wait_closed(r));
  std::string out = r.out_text();
  EXPECT_NE(out.find("\r\n20000\r\n"), std::string::npos) << out.substr(out.size() - 40);
  EXPECT_EQ(r.exit_status->status, 0u);
}

TEST_F(SessionTest, PtyRefusedWhenPermitTtyIsOff) {
  config.permit_tty = false;
  start();
  ChannelId id = 0;
  open_session(&id);
  EXPECT_EQ(request(id, kReqPty, pty_request("xterm", 80, 24)), false);
  EXPECT_EQ(request(id, kReqWindowChange, encode(WindowChange{1, 1, 0, 0})), false);
  EXPECT_EQ(request(id, kReqBreak, encode(BreakRequest{0})), false);
}

TEST_F(SessionTest, SignalTermGivesExitSignalTerm) {
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_EQ(exec(id, "sleep 100"), true);
  EXPECT_EQ(request(id, kReqSignal, encode(SignalRequest{"NOSUCH"})), false);
  EXPECT_EQ(request(id, kReqSignal, encode(SignalRequest{"TERM"})), true);
  ASSERT_TRUE(wait_closed(r));
  ASSERT_TRUE(r.exit_signal.has_value());
  EXPECT_EQ(r.exit_signal->signal, "TERM");
  EXPECT_FALSE(r.exit_signal->core_dumped);
  EXPECT_FALSE(r.exit_status.has_value());
}

TEST_F(SessionTest, EnvFollowsAcceptEnvAndSetEnvWins) {
  config.accept_env = {"LANG", "LC_*"};
  config.set_env = {{"FROM_CONFIG", "yes"}, {"LC_OVERRIDE", "config"}};
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  EXPECT_EQ(request(id, kReqEnv, encode(EnvRequest{"LANG", "C.UTF-8"})), true);
  EXPECT_EQ(request(id, kReqEnv, encode(EnvRequest{"LC_TEST", "one"})), true);
  EXPECT_EQ(request(id, kReqEnv, encode(EnvRequest{"LC_TEST", "two"})), true);
  EXPECT_EQ(request(id, kReqEnv, encode(EnvRequest{"LC_OVERRIDE", "client"})), true);
  EXPECT_EQ(request(id, kReqEnv, encode(EnvRequest{"FOO", "bar"})), false);
  EXPECT_EQ(request(id, kReqEnv, encode(EnvRequest{"LC_A=B", "x"})), false);
  ASSERT_EQ(exec(id, "env"), true);
  ASSERT_TRUE(wait_closed(r));
  auto env = parse_env(r.out_text());
  EXPECT_EQ(env["LANG"], "C.UTF-8");
  EXPECT_EQ(env["LC_TEST"], "two");
  EXPECT_EQ(env["LC_OVERRIDE"], "config");
  EXPECT_EQ(env["FROM_CONFIG"], "yes");
  EXPECT_EQ(env.count("FOO"), 0u);
  EXPECT_EQ(env["USER"], context.user.name);
  EXPECT_EQ(env["LOGNAME"], context.user.name);
  EXPECT_EQ(env["HOME"], home);
  EXPECT_EQ(env["SHELL"], "/bin/sh");
  EXPECT_EQ(env["PATH"], default_path(config, context.user.uid));
  EXPECT_EQ(env["MAIL"], "/var/mail/" + context.user.name);
  EXPECT_EQ(env["SSH_CONNECTION"], "192.0.2.1 50000 192.0.2.2 22");
  EXPECT_EQ(env["SSH_CLIENT"], "192.0.2.1 50000 22");
  EXPECT_EQ(env.count("SSH_TTY"), 0u);
  EXPECT_EQ(env.count("TERM"), 0u);
  EXPECT_EQ(env.count("SSH_ORIGINAL_COMMAND"), 0u);
  EXPECT_EQ(env["PWD"], home);  // the child started in HOME
}

TEST_F(SessionTest, ChildGetsCleanProcessState) {
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  // Own session and group, nothing blocked or ignored, only fds 0-2 (ls holds one more
  // for the directory it lists).
  ASSERT_EQ(exec(id,
                 "echo sid=$(cut -d' ' -f6 /proc/$$/stat) pid=$$;"
                 "grep -E '^Sig(Blk|Ign)' /proc/self/status; ls /proc/self/fd | wc -l"),
            true);
  ASSERT_TRUE(wait_closed(r));
  std::string out = r.out_text();
  SCOPED_TRACE(out);
  std::istringstream in(out);
  std::string ids, blk, ign;
  size_t fds = 0;
  std::getline(in, ids);
  std::getline(in, blk);
  std::getline(in, ign);
  in >> fds;
  size_t sid = ids.find("sid="), pid = ids.find(" pid=");
  ASSERT_NE(pid, std::string::npos);
  EXPECT_EQ(ids.substr(sid + 4, pid - sid - 4), ids.substr(pid + 5));
  EXPECT_EQ(blk, "SigBlk:\t0000000000000000");
  EXPECT_EQ(ign, "SigIgn:\t0000000000000000");
  EXPECT_EQ(fds, 4u);
}

TEST_F(SessionTest, UnreachableHomeFallsBackToRoot) {
  context.user.home = "/nonexistent-sshd-test-home";
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_EQ(exec(id, "pwd"), true);
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.out_text(), "/\n");
  EXPECT_EQ(r.err_text(),
            "Could not chdir to home directory /nonexistent-sshd-test-home: No such file or "
            "directory\n");
}

TEST_F(SessionTest, UnknownSubsystemFailsKnownRunsThroughTheShell) {
  config.subsystems = {{"hello", "echo subsystem says $0"}};
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  EXPECT_EQ(request(id, kReqSubsystem, encode(SubsystemRequest{"sftp"})), false);
  EXPECT_EQ(request(id, kReqSubsystem, encode(SubsystemRequest{"hello"})), true);
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.out_text(), "subsystem says sh\n");
}

TEST_F(SessionTest, ForceCommandReplacesTheCommand) {
  config.force_command = "echo forced:$SSH_ORIGINAL_COMMAND";
  config.subsystems = {{"hello", "/usr/lib/hello-server -x"}};
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_EQ(exec(id, "rm -rf / --no-preserve-root"), true);
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.out_text(), "forced:rm -rf / --no-preserve-root\n");

  ClientRecord& shell = open_session(&id);
  ASSERT_EQ(request(id, kReqShell, {}), true);
  ASSERT_TRUE(wait_closed(shell));
  EXPECT_EQ(shell.out_text(), "forced:\n");

  ClientRecord& sub = open_session(&id);
  ASSERT_EQ(request(id, kReqSubsystem, encode(SubsystemRequest{"hello"})), true);
  ASSERT_TRUE(wait_closed(sub));
  EXPECT_EQ(sub.out_text(), "forced:/usr/lib/hello-server -x\n");
}

TEST_F(SessionTest, KeyForcedCommandAndSignalsRefusedForIt) {
  context.key_forced_command = "echo key; sleep 100";
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_EQ(exec(id, "whatever"), true);
  ASSERT_TRUE(run_until([&] { return !r.out.empty(); }));
  EXPECT_EQ(request(id, kReqSignal, encode(SignalRequest{"TERM"})), false);
  EXPECT_EQ(r.out_text(), "key\n");
  ASSERT_TRUE(client->close(id));
  ASSERT_TRUE(wait_closed(r));
}

TEST_F(SessionTest, MotdOnlyForPtyShellsWithoutHushlogin) {
  config.print_motd = true;
  config.motd_path = home + "/motd";
  std::ofstream(config.motd_path) << "Welcome to the test\n";
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  ASSERT_EQ(request(id, kReqPty, pty_request("xterm", 80, 24)), true);
  ASSERT_EQ(request(id, kReqShell, {}), true);
  send_text(id, "exit\n");
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.out_text().rfind("Welcome to the test", 0), 0u) << r.out_text();

  ClientRecord& e = open_session(&id);
  ASSERT_EQ(request(id, kReqPty, pty_request("xterm", 80, 24)), true);
  ASSERT_EQ(exec(id, "echo cmd"), true);
  ASSERT_TRUE(wait_closed(e));
  EXPECT_EQ(e.out_text().find("Welcome"), std::string::npos);

  std::ofstream(home + "/.hushlogin").close();
  ClientRecord& h = open_session(&id);
  ASSERT_EQ(request(id, kReqPty, pty_request("xterm", 80, 24)), true);
  ASSERT_EQ(request(id, kReqShell, {}), true);
  send_text(id, "exit\n");
  ASSERT_TRUE(wait_closed(h));
  EXPECT_EQ(h.out_text().find("Welcome"), std::string::npos);
}

TEST_F(SessionTest, ChildClosingStdinEarlyDropsInputWithoutStalling) {
  server_config.window_size = 32 * 1024;
  start();
  ChannelId id = 0;
  ClientRecord& r = open_session(&id);
  r.input.assign(1024 * 1024, 'x');
  r.eof_after_input = true;
  ASSERT_EQ(exec(id, "exec 0<&-; sleep 0.3; echo survived"), true);
  static_cast<ClientChannel*>(client->handler(id))->flush();
  ASSERT_TRUE(wait_closed(r));
  EXPECT_EQ(r.input_pos, r.input.size());  // the window kept opening
  EXPECT_EQ(r.out_text(), "survived\n");
}

}  // namespace
}  // namespace ssh::sshd::test
