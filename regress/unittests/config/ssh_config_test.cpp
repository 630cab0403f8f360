// The file grammar with a fixed fake home: reading order, relative Includes, limits,
// permission checks, command-line rules, final pass.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/client_config.h"

namespace ssh::config {
namespace {

class SshConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("cfg-unit-" + std::to_string(getpid()));
    std::filesystem::create_directories(root_ / "home/.ssh");
    std::filesystem::create_directories(root_ / "etc");
    local_.user = "alice";
    local_.home = (root_ / "home").string();
    local_.uid = "1000";
    local_.host_fqdn = "box.lan";
    local_.host_short = "box";
    local_.sha1_hex = [](std::string_view) { return std::string("HASH"); };
    sources_.system_file = (root_ / "etc/ssh_config").string();
    sources_.system_dir = (root_ / "etc").string();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string write(const std::string& rel, const std::string& text) {
    auto path = root_ / rel;
    std::ofstream(path) << text;
    chmod(path.c_str(), 0644);
    return path.string();
  }
  Result<ClientConfig> load(const std::string& host = "h") {
    return load_client_config(host, sources_, local_);
  }

  std::filesystem::path root_;
  LocalContext local_;
  ConfigSources sources_;
};

TEST_F(SshConfigTest, ReadingOrderCommandLineUserSystem) {
  write("home/.ssh/config", "Port 2\nUser fromuser\n");
  write("etc/ssh_config", "Port 3\nUser fromsystem\nCompression yes\n");
  sources_.command_line = {"Port=1"};
  auto cfg = load();
  ASSERT_TRUE(cfg) << cfg.error().context;
  EXPECT_EQ(cfg->port, 1);
  EXPECT_EQ(cfg->user, "fromuser");
  EXPECT_TRUE(cfg->compression);
  EXPECT_TRUE(cfg->is_set("port"));
  EXPECT_FALSE(cfg->is_set("BatchMode"));
}

TEST_F(SshConfigTest, ConfigFileReplacesUserAndSystemFiles) {
  write("home/.ssh/config", "Port 2\n");
  write("etc/ssh_config", "Port 3\n");
  sources_.config_file = write("other", "User other\n");
  auto cfg = load();
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->port, 22);
  EXPECT_EQ(cfg->user, "other");
  sources_.config_file = "none";
  EXPECT_EQ(load()->user, "alice");
  sources_.config_file = (root_ / "missing").string();
  auto missing = load();
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().context.find("Can't open user config file"), std::string::npos);
}

TEST_F(SshConfigTest, RelativeIncludes) {
  write("home/.ssh/config", "Include conf.d/*.conf\n");
  std::filesystem::create_directories(root_ / "home/.ssh/conf.d");
  write("home/.ssh/conf.d/b.conf", "User b\n");
  write("home/.ssh/conf.d/a.conf", "Port 1001\n");
  write("etc/ssh_config", "Include sys.conf\n");
  write("etc/sys.conf", "Compression yes\nUser never\n");
  auto cfg = load();
  ASSERT_TRUE(cfg) << cfg.error().context;
  EXPECT_EQ(cfg->port, 1001);
  EXPECT_EQ(cfg->user, "b");
  EXPECT_TRUE(cfg->compression);
}

TEST_F(SshConfigTest, IncludeInsideInactiveBlockDoesNotApply) {
  write("home/.ssh/inc", "Port 5\nHost *\nUser inner\n");
  write("home/.ssh/config", "Host other\nInclude inc\nHost h\nCompression yes\n");
  auto cfg = load();
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->port, 22);
  EXPECT_EQ(cfg->user, "alice");  // Host * inside an inactive Include never matches
  EXPECT_TRUE(cfg->compression);
}

TEST_F(SshConfigTest, IncludeRecursionLimit) {
  write("home/.ssh/config", "Include config\n");
  auto cfg = load();
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().context.find("Too many recursive configuration includes"),
            std::string::npos);
}

TEST_F(SshConfigTest, UserFilePermissionsChecked) {
  std::string path = write("home/.ssh/config", "Port 2\n");
  chmod(path.c_str(), 0666);
  auto cfg = load();
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().context, "Bad owner or permissions on " + path);
}

TEST_F(SshConfigTest, BadLinesAreCountedPerFile) {
  std::string path = write("home/.ssh/config", "Nope 1\nPort x\nPort 3\n");
  auto cfg = load();
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().context,
            path + ": line 1: Bad configuration option: nope\n" + path +
                " line 2: Bad port 'x'.\n" + path + ": terminating, 2 bad configuration options");
}

TEST_F(SshConfigTest, CommandLineErrors) {
  sources_.command_line = {"Nope=1"};
  EXPECT_EQ(load().error().context, "command-line: line 0: Bad configuration option: nope");
  sources_.command_line = {"Port 0"};
  EXPECT_EQ(load().error().context, "command-line line 0: Bad port '0'.");
  sources_.command_line = {"Match all"};
  EXPECT_EQ(load().error().context, "Host directive not supported as a command-line option");
}

TEST_F(SshConfigTest, UnsupportedKeywordWarnsAndIgnoreUnknown) {
  std::string path = write("home/.ssh/config",
                           "RSAAuthentication yes\nIgnoreUnknown UseKeychain\nUseKeychain yes\n");
  auto cfg = load();
  ASSERT_TRUE(cfg) << cfg.error().context;
  ASSERT_EQ(cfg->warnings.size(), 1u);
  EXPECT_EQ(cfg->warnings[0], path + " line 1: Unsupported option \"rsaauthentication\"");
}

TEST_F(SshConfigTest, FinalPassMatchesResolvedHostName) {
  write("home/.ssh/config",
        "Host h\n HostName real.example\n SendEnv A\n"
        "Host real.example\n User viafinal\n"
        "Match final\n Port 7\n");
  auto cfg = load();
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->user, "viafinal");
  EXPECT_EQ(cfg->port, 7);
  // "Host h" does not match in the final pass (it matches real.example), so no repeat.
  EXPECT_EQ(cfg->send_env, (std::vector<std::string>{"A"}));
}

TEST_F(SshConfigTest, TokensExpandedAtTheEnd) {
  write("home/.ssh/config",
        "HostName %h.example\nUser bob\nPort 2200\nIdentityAgent ~/.ssh/agent-%C-%r@%h:%p\n"
        "UserKnownHostsFile ~/kh-%u %d/kh2\nRemoteCommand echo %n %L\nLocalCommand echo %h\n"
        "IdentityFile ~/.ssh/id_%r\n");
  auto cfg = load("Web");
  ASSERT_TRUE(cfg) << cfg.error().context;
  std::string home = local_.home;
  EXPECT_EQ(cfg->host, "Web");
  EXPECT_EQ(cfg->host_name, "web.example");
  EXPECT_EQ(cfg->identity_agent, home + "/.ssh/agent-HASH-bob@web.example:2200");
  EXPECT_EQ(cfg->user_known_hosts_files,
            (std::vector<std::string>{home + "/kh-alice", home + "/kh2"}));
  EXPECT_EQ(cfg->remote_command, "echo Web box");
  EXPECT_EQ(cfg->local_command, "echo %h");  // expanded when run, as ssh does
  EXPECT_EQ(cfg->identity_files, std::vector<std::string>{"~/.ssh/id_%r"});
}

TEST_F(SshConfigTest, DefaultsWhenNothingSet) {
  auto cfg = load("Host.Example");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->host_name, "host.example");
  EXPECT_EQ(cfg->user, "alice");
  EXPECT_EQ(cfg->identity_files.size(), 7u);
  EXPECT_EQ(cfg->user_known_hosts_files.front(), local_.home + "/.ssh/known_hosts");
  EXPECT_EQ(cfg->update_host_keys, kNo);  // not implemented: off (stock: yes)
  EXPECT_FALSE(cfg->resume);
  EXPECT_EQ(cfg->resume_timeout, 0);
}

TEST_F(SshConfigTest, ResumeKeywords) {
  write("home/.ssh/config", "Resume yes\nResumeTimeout 1h\n");
  auto cfg = load();
  ASSERT_TRUE(cfg);
  EXPECT_TRUE(cfg->resume);
  EXPECT_EQ(cfg->resume_timeout, 3600);
  EXPECT_NE(dump_client_config(*cfg).find("\nresume yes\nresumetimeout 3600\n"),
            std::string::npos);
}

}  // namespace
}  // namespace ssh::config
