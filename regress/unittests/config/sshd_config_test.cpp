// Unit tests for the sshd_config grammar, Match evaluation and -T dump that do not need
// the stock binary (sshd_oracle_test compares with it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/server_config.h"
#include "config/server_option_handlers.h"
#include "config/server_option_table.h"

namespace ssh::config {
namespace {

ServerConfig load_ok(const std::string& text) {
  auto cfg = load_server_config_text(text, "test.conf");
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : cfg.error().context);
  return cfg ? *cfg : ServerConfig{};
}

std::string load_error(const std::string& text, const ServerSources& sources = {}) {
  auto cfg = load_server_config_text(text, "test.conf", sources);
  EXPECT_FALSE(cfg.has_value()) << text;
  return cfg ? std::string() : cfg.error().context;
}

ServerConfig matched(const ServerConfig& base, ConnectionInfo conn) {
  auto eff = apply_match(base, conn);
  EXPECT_TRUE(eff.has_value()) << (eff ? "" : eff.error().context);
  return eff ? *eff : ServerConfig{};
}

TEST(SshdConfig, Defaults) {
  ServerConfig cfg = load_ok("");
  EXPECT_EQ(cfg.ports, std::vector<int>{22});
  EXPECT_EQ(cfg.permit_root_login, kRootProhibitPassword);
  EXPECT_EQ(cfg.authorized_keys_files,
            (std::vector<std::string>{".ssh/authorized_keys", ".ssh/authorized_keys2"}));
  EXPECT_EQ(cfg.host_keys.size(), 3u);
  EXPECT_EQ(cfg.max_startups.begin, 10);
  EXPECT_EQ(cfg.max_startups.full, 100);
  EXPECT_TRUE(cfg.resume);
  EXPECT_EQ(cfg.resume_timeout, 43200);
  EXPECT_EQ(cfg.login_grace_time, 120);
  EXPECT_FALSE(cfg.is_set("Port"));
  std::string dump = dump_server_config(cfg);
  EXPECT_NE(dump.find("\nresume yes\nresumetimeout 43200\n"), std::string::npos) << dump;
  EXPECT_EQ(dump.rfind("port 22\n", 0), 0u);
}

// PROTOCOL.continuation §9: the caps on suspended sessions; the per-user one in Match.
TEST(SshdConfig, SuspendedSessionCaps) {
  ServerConfig defaults = load_ok("");
  EXPECT_EQ(defaults.max_suspended_sessions, 10);
  EXPECT_EQ(defaults.max_suspended_sessions_total, 1000);
  std::string dump = dump_server_config(defaults);
  EXPECT_NE(dump.find("\nmaxsuspendedsessions 10\nmaxsuspendedsessionstotal 1000\n"), std::string::npos) << dump;
  ServerConfig cfg = load_ok("MaxSuspendedSessions 3\nMaxSuspendedSessionsTotal 50\nMatch User bob\n MaxSuspendedSessions 1\n");
  EXPECT_EQ(cfg.max_suspended_sessions, 3);
  EXPECT_EQ(cfg.max_suspended_sessions_total, 50);
  auto bob = apply_match(cfg, ConnectionInfo{"bob", "h", "10.0.0.1", "10.0.0.2", 22, "", {}});
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->max_suspended_sessions, 1);
}

TEST(SshdConfig, ResumeKeywords) {
  ServerConfig cfg = load_ok("Resume no\nResumeTimeout 1h\nMatch User bob\n Resume yes\n");
  EXPECT_FALSE(cfg.resume);
  EXPECT_EQ(cfg.resume_timeout, 3600);
  ConnectionInfo bob;
  bob.user = "bob";
  EXPECT_TRUE(matched(cfg, bob).resume);
  EXPECT_EQ(load_error("ResumeTimeout forever\n"), "test.conf line 1: invalid time value.");
}

TEST(SshdConfig, FirstValueWinsAndAccumulation) {
  ServerConfig cfg = load_ok("Port 1\nPort 2\nMaxAuthTries 3\nMaxAuthTries 4\nAcceptEnv A\n"
                             "AcceptEnv B C\nHostKey /k1\nHostKey /k1\nSetEnv X=1\nSetEnv Y=2\n");
  EXPECT_EQ(cfg.ports, (std::vector<int>{1, 2}));
  EXPECT_EQ(cfg.max_auth_tries, 3);
  EXPECT_EQ(cfg.accept_env, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(cfg.host_keys, (std::vector<std::string>{"/k1", "/k1"}));
  EXPECT_EQ(cfg.set_env, std::vector<std::string>{"X=1"});
  EXPECT_TRUE(cfg.is_set("maxauthtries"));
  EXPECT_TRUE(cfg.is_set("ChallengeResponseAuthentication") == cfg.is_set("KbdInteractiveAuthentication"));
}

TEST(SshdConfig, CommandLineFirstAndPorts) {
  ServerSources sources;
  sources.command_line = {"MaxAuthTries=9", "Port 7"};
  auto cfg = load_server_config_text("MaxAuthTries 2\nPort 8\n", "t", sources);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->max_auth_tries, 9);
  EXPECT_EQ(cfg->ports, (std::vector<int>{7, 8}));
  sources.command_line.clear();
  sources.command_line_ports = {3};
  cfg = load_server_config_text("Port 8\n", "t", sources);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->ports, std::vector<int>{3});
}

TEST(SshdConfig, NoneStoresEmpty) {
  ServerConfig cfg = load_ok("Banner none\nChrootDirectory none\nForceCommand none\n"
                             "AuthorizedKeysCommand none\nPidFile none\n");
  EXPECT_TRUE(cfg.banner.empty());
  EXPECT_TRUE(cfg.chroot_directory.empty());
  EXPECT_TRUE(cfg.force_command.empty());
  EXPECT_TRUE(cfg.pid_file.empty());
  EXPECT_TRUE(cfg.is_set("Banner"));
}

TEST(SshdConfig, RawCommandsAndTokensKept) {
  ServerConfig cfg = load_ok("ForceCommand  /bin/x \"a  b\" %u\nAuthorizedKeysFile %h/.ssh/k %%\n"
                             "AuthorizedKeysCommand /ak %u %f\nAuthorizedKeysCommandUser nobody\n"
                             "Subsystem sftp  /usr/lib/sftp  -l  \"INFO x\"\n");
  EXPECT_EQ(cfg.force_command, "/bin/x \"a  b\" %u");
  EXPECT_EQ(cfg.authorized_keys_files, (std::vector<std::string>{"%h/.ssh/k", "%%"}));
  EXPECT_EQ(cfg.authorized_keys_command, "/ak %u %f");
  ASSERT_EQ(cfg.subsystems.size(), 1u);
  EXPECT_EQ(cfg.subsystems[0], (Subsystem{"sftp", "/usr/lib/sftp -l INFO x"}));
}

TEST(SshdConfig, MatchOverridesGlobalAndReplacesLists) {
  ServerConfig base = load_ok(
      "PasswordAuthentication no\nAcceptEnv LANG\nMatch User alice\n PasswordAuthentication yes\n"
      " AcceptEnv FOO\n MaxAuthTries 2\nMatch Address 10.0.0.0/8\n MaxAuthTries 5\n AcceptEnv BAR\n");
  EXPECT_FALSE(base.password_authentication);
  ConnectionInfo alice;
  alice.user = "alice";
  alice.address = "10.1.2.3";
  ServerConfig eff = matched(base, alice);
  EXPECT_TRUE(eff.password_authentication);
  EXPECT_EQ(eff.max_auth_tries, 2);  // the first matching block wins
  EXPECT_EQ(eff.accept_env, (std::vector<std::string>{"FOO", "BAR"}));
  ConnectionInfo other;
  other.user = "bob";
  other.address = "192.168.1.1";
  eff = matched(base, other);
  EXPECT_FALSE(eff.password_authentication);
  EXPECT_EQ(eff.accept_env, std::vector<std::string>{"LANG"});
}

TEST(SshdConfig, MatchCriteria) {
  ServerConfig base = load_ok("Match Host *.Example.com\n Banner /h\nMatch LocalPort 2222\n"
                              " Banner /p\nMatch Group wheel,!banned\n Banner /g\n");
  ConnectionInfo c;
  c.host = "a.example.COM";
  c.local_port = 22;
  EXPECT_EQ(matched(base, c).banner, "/h");
  EXPECT_FALSE(apply_match(base, ConnectionInfo{}).has_value());  // LocalPort unknown
  c = ConnectionInfo{};
  c.local_port = 2222;
  EXPECT_EQ(matched(base, c).banner, "/p");
  c.local_port = 22;
  c.user = "u";
  c.groups = [](const std::string&) {
    return std::optional<std::vector<std::string>>({"users", "wheel"});
  };
  EXPECT_EQ(matched(base, c).banner, "/g");
  c.groups = [](const std::string&) {
    return std::optional<std::vector<std::string>>({"wheel", "banned"});
  };
  EXPECT_EQ(matched(base, c).banner, "");
}

TEST(SshdConfig, IncludeRelativeToConfigDir) {
  auto dir = std::filesystem::temp_directory_path() / ("sshdcfg-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "conf.d");
  std::ofstream(dir / "conf.d" / "a.conf") << "Port 1\nMatch User x\nBanner /x\n";
  std::ofstream(dir / "conf.d" / "b.conf") << "Port 2\n";
  ServerSources sources;
  sources.config_dir = dir.string();
  auto cfg = load_server_config_text("Include conf.d/*.conf\nPort 3\n", "t", sources);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().context;
  EXPECT_EQ(cfg->ports, (std::vector<int>{1, 2, 3}));  // the Match ended with a.conf
  ConnectionInfo x;
  x.user = "x";
  EXPECT_EQ(matched(*cfg, x).banner, "/x");
  std::filesystem::remove_all(dir);
}

TEST(SshdConfig, Errors) {
  EXPECT_EQ(load_error("Foo 1\nBar\n"),
            "test.conf: line 1: Bad configuration option: Foo\n"
            "test.conf line 2: no argument after keyword \"Bar\"\n"
            "test.conf: terminating, 2 bad configuration options");
  EXPECT_EQ(load_error("Port x\nFoo 1\n"), "test.conf line 1: Badly formatted port number.");
  EXPECT_EQ(load_error("Match User x\nPort 1\n"),
            "test.conf line 2: Directive 'Port' is not allowed within a Match block");
  EXPECT_EQ(load_error("Match foo bar\n"),
            "Unsupported Match attribute foo\ntest.conf line 1: Bad Match condition");
  EXPECT_EQ(load_error("Match user\n"),
            "Missing Match criteria for user\ntest.conf line 1: Bad Match condition");
  ServerSources sources;
  sources.command_line = {"Foo=1"};
  EXPECT_EQ(load_error("", sources), "command-line: line 0: Bad configuration option: Foo");
  sources.command_line = {"Match all"};
  EXPECT_EQ(load_error("", sources), "Match directive not supported as a command-line option");
  sources = ServerSources{};
  sources.config_file = "/nonexistent/sshd_config";
  auto missing = load_server_config(sources);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().context, "/nonexistent/sshd_config: No such file or directory");
}

TEST(SshdConfig, ConnectionSpec) {
  auto ci = parse_connection_spec("user=u,host=h,addr=1.2.3.4,laddr=5.6.7.8,lport=22,rdomain=r");
  ASSERT_TRUE(ci.has_value());
  EXPECT_EQ(ci->user, "u");
  EXPECT_EQ(ci->host, "h");
  EXPECT_EQ(ci->address, "1.2.3.4");
  EXPECT_EQ(ci->local_address, "5.6.7.8");
  EXPECT_EQ(ci->local_port, 22);
  EXPECT_EQ(ci->rdomain, "r");
  EXPECT_EQ(parse_connection_spec("foo=bar").error().context,
            "Invalid test mode specification foo=bar");
  EXPECT_EQ(parse_connection_spec("lport=abc").error().context,
            "Invalid port 'abc' in test mode specification lport=abc");
}

TEST(SshdConfig, AddressLists) {
  EXPECT_EQ(match_address_list("10.1.2.3", "10.0.0.0/8"), 1);
  EXPECT_EQ(match_address_list("10.1.2.3", "10.0.0.0/8,!10.1.0.0/16"), -1);
  EXPECT_EQ(match_address_list("11.1.2.3", "10.0.0.0/8"), 0);
  EXPECT_EQ(match_address_list("1.2.3.4", "1.2.3.*"), 1);
  EXPECT_EQ(match_address_list("2001:db8::1", "2001:db8::/32"), 1);
  EXPECT_EQ(match_address_list("2001:db9::1", "2001:db8::/32"), 0);
  EXPECT_EQ(match_address_list("", "1.2.3.0/33"), -2);
  EXPECT_EQ(match_address_list("", "1.2.3.4/24"), -2);
  EXPECT_EQ(match_address_list("", "a,,b"), -2);
  EXPECT_EQ(match_address_list("", "foo/24"), 0);
}

TEST(SshdConfig, TableRowsAreConsistent) {
  for (const ServerOptionSpec& spec : server_option_table()) {
    if (!spec.alias_of.empty()) {
      EXPECT_GE(find_server_option(spec.alias_of), 0) << spec.keyword;
      continue;
    }
    EXPECT_NE(spec.parse, nullptr) << spec.keyword;
    EXPECT_EQ(find_server_option(spec.keyword),
              static_cast<int>(&spec - server_option_table().data()));
  }
}

// Keywords we parse but do not enforce yet: each line that would turn one on is noted
// with its file and line, wherever it is (sshd refuses to run with any).
TEST(SshdConfig, UnenforcedKeywordsAreNotedWithTheirLine) {
  ServerConfig off = load_ok(
      "ChrootDirectory none\nAuthorizedKeysCommand none\nTrustedUserCAKeys NONE\n"
      "PermitUserEnvironment no\nChrootDirectory /ignored/first/value/wins\n");
  EXPECT_TRUE(off.unenforced.empty()) << off.unenforced.front();
  ServerConfig on = load_ok(
      "ChrootDirectory /srv\nAuthorizedKeysCommand /bin/akc %u\nAuthorizedKeysCommandUser nobody\n"
      "TrustedUserCAKeys /etc/ssh/ca\nHostCertificate /etc/ssh/cert.pub\nPermitUserEnvironment yes\n");
  ASSERT_EQ(on.unenforced.size(), 5u);
  EXPECT_EQ(on.unenforced[0],
            "test.conf line 1: ChrootDirectory is not supported by this sshd yet (only \"none\" is)");
  EXPECT_EQ(on.unenforced[3], "test.conf line 5: HostCertificate is not supported by this sshd yet");
  EXPECT_EQ(on.unenforced[4],
            "test.conf line 6: PermitUserEnvironment is not supported by this sshd yet (only \"no\" is)");
  // In a Match block that matches nothing at load time, too.
  ServerConfig in_match = load_ok("Match User nobody\n ChrootDirectory none\n TrustedUserCAKeys /ca\n");
  ASSERT_EQ(in_match.unenforced.size(), 1u);
  EXPECT_EQ(in_match.unenforced[0].rfind("test.conf line 3: TrustedUserCAKeys", 0), 0u);
}

}  // namespace
}  // namespace ssh::config
