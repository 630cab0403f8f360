// Oracle tests: our `sshd -T` output against stock OpenSSH 9.2 sshd's for the same
// config file, -o options and -C connection spec, and our diagnostics against
// `sshd -t`'s. Algorithm lists differ by design (we implement a subset), so they and
// our own Resume lines are left out of the comparison. Stock sshd -T needs root,
// /run/sshd and loadable host keys; the tests skip without them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/server_config.h"
#include "config/server_option_table.h"

namespace ssh::config {
namespace {

constexpr const char* kStockSshd = "/usr/sbin/sshd";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct RunResult {
  int status = 0;
  std::string out;
};

RunResult run(const std::string& cmd) {
  RunResult r;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return {-1, {}};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  r.status = pclose(f);
  return r;
}

bool compared(const std::string& line) {
  static const char* kSkip[] = {"ciphers ", "macs ", "kexalgorithms ", "hostkeyalgorithms ",
                                "hostbasedacceptedalgorithms ", "casignaturealgorithms ",
                                "pubkeyacceptedalgorithms ", "gssapikexalgorithms ", "resume",
                                "maxsuspendedsessions"};
  for (const char* p : kSkip) {
    if (line.rfind(p, 0) == 0) return false;
  }
  return true;
}

std::vector<std::string> filtered(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (compared(line)) out.push_back(line);
  }
  return out;
}

// The lines only one side has, marked "-" (stock) and "+" (ours); empty when equal.
std::string difference(const std::vector<std::string>& stock, const std::vector<std::string>& ours) {
  std::string out;
  for (const auto& l : stock) {
    if (std::find(ours.begin(), ours.end(), l) == ours.end()) out += "- " + l + "\n";
  }
  for (const auto& l : ours) {
    if (std::find(stock.begin(), stock.end(), l) == stock.end()) out += "+ " + l + "\n";
  }
  if (out.empty() && stock != ours) out = "same lines, different order\n";
  return out;
}

class SshdOracleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("sshd-oracle-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    key_ = (dir_ / "hostkey").string();
    run("ssh-keygen -q -t ed25519 -N '' -f " + shell_quote(key_) + " >/dev/null 2>&1");
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  void SetUp() override {
    struct stat st{};
    if (access(kStockSshd, X_OK) != 0) GTEST_SKIP() << "stock sshd not installed";
    if (geteuid() != 0 || stat("/run/sshd", &st) != 0) GTEST_SKIP() << "needs root and /run/sshd";
    if (access(key_.c_str(), R_OK) != 0) GTEST_SKIP() << "ssh-keygen failed";
  }

  static std::string write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // Stock sshd -T with our host key first; returns ours for extra checks.
  std::string expect_same(const std::string& config, const std::vector<std::string>& options = {},
                          const std::string& spec = {}) {
    std::string text = "HostKey " + key_ + "\n" + config;
    std::string file = write("sshd_config", text);
    std::string cmd = std::string(kStockSshd) + " -T -f " + shell_quote(file);
    for (const auto& o : options) cmd += " -o " + shell_quote(o);
    if (!spec.empty()) cmd += " -C " + shell_quote(spec);
    RunResult stock = run(cmd + " 2>/dev/null </dev/null");
    EXPECT_EQ(stock.status, 0) << "stock sshd rejected:\n" << text;
    ServerSources sources;
    sources.config_file = file;
    sources.command_line = options;
    auto ours = load_server_config(sources);
    EXPECT_TRUE(ours.has_value()) << (ours ? "" : ours.error().context);
    if (!ours) return {};
    ServerConfig eff = *ours;
    if (!spec.empty()) {
      auto conn = parse_connection_spec(spec);
      EXPECT_TRUE(conn.has_value());
      if (!conn) return {};
      auto applied = apply_match(*ours, *conn);
      EXPECT_TRUE(applied.has_value()) << (applied ? "" : applied.error().context);
      if (!applied) return {};
      eff = *applied;
    }
    std::string dump = dump_server_config(eff);
    EXPECT_EQ(difference(filtered(stock.out), filtered(dump)), "") << "config:\n" << text;
    return dump;
  }

  // Both reject; compares sshd -t's stderr with our error text line by line.
  void expect_same_error(const std::string& config, const std::vector<std::string>& options = {}) {
    std::string file = write("bad_config", "HostKey " + key_ + "\n" + config);
    std::string cmd = "cd " + shell_quote(dir_.string()) + " && " + kStockSshd + " -t -f bad_config";
    for (const auto& o : options) cmd += " -o " + shell_quote(o);
    RunResult stock = run(cmd + " 2>&1 >/dev/null </dev/null");
    EXPECT_NE(stock.status, 0) << config;
    ServerSources sources;
    sources.config_file = "bad_config";
    sources.command_line = options;
    std::filesystem::path old = std::filesystem::current_path();
    std::filesystem::current_path(dir_);
    auto ours = load_server_config(sources);
    std::filesystem::current_path(old);
    ASSERT_FALSE(ours.has_value()) << config;
    std::string expected;
    for (char c : stock.out) {
      if (c != '\r') expected += c;  // sshd -t ends its lines with CR LF
    }
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    EXPECT_EQ(expected, ours.error().context) << config;
  }

  // The same warnings ("Deprecated option X") as sshd -t, which must accept the file.
  void expect_same_warnings(const std::string& config) {
    std::string file = write("warn_config", "HostKey " + key_ + "\n" + config);
    RunResult stock = run(std::string(kStockSshd) + " -t -f " + shell_quote(file) + " 2>&1");
    EXPECT_EQ(stock.status, 0);
    ServerSources sources;
    sources.config_file = file;
    auto ours = load_server_config(sources);
    ASSERT_TRUE(ours.has_value()) << ours.error().context;
    std::string mine;
    for (const auto& w : ours->warnings) mine += w + "\n";
    std::string theirs;
    for (char c : stock.out) {
      if (c != '\r') theirs += c;
    }
    EXPECT_EQ(theirs, mine);
  }

  static inline std::filesystem::path dir_;
  static inline std::string key_;
};

TEST_F(SshdOracleTest, Defaults) { expect_same(""); }

TEST_F(SshdOracleTest, DebianStockConfig) {
  std::ifstream in("/etc/ssh/sshd_config");
  if (!in) GTEST_SKIP() << "no /etc/ssh/sshd_config";
  std::stringstream text;
  text << in.rdbuf();
  expect_same(text.str());
}

TEST_F(SshdOracleTest, EveryKeywordSet) {
  expect_same(
      "Port 2222\nPort 2223\nAddressFamily inet\nLogLevel DEBUG3\nSyslogFacility local3\n"
      "LoginGraceTime 1m30s\nMaxAuthTries 3\nMaxSessions 4\nMaxStartups 5:20:50\n"
      "PermitRootLogin forced-commands-only\nPubkeyAuthentication yes\n"
      "ChallengeResponseAuthentication no\nPermitEmptyPasswords yes\nUsePAM yes\n"
      "AuthorizedKeysFile %h/.ssh/ak %u/x %%\nAuthorizedKeysCommand /usr/bin/akc %u %f # c\n"
      "AuthorizedKeysCommandUser nobody\nStrictModes no\nAllowUsers alice bob@1.2.3.0/24\n"
      "DenyUsers eve mallory\nAllowGroups staff wheel\nDenyGroups bad\nBanner /etc/issue.net\n"
      "PrintMotd no\nPrintLastLog no\nTCPKeepAlive no\nClientAliveInterval 30\n"
      "ClientAliveCountMax 5\nAcceptEnv LANG LC_*\nAcceptEnv FOO\nSetEnv A=1 B=\"x  y\"\n"
      "ForceCommand /bin/echo \"hi  there\"\n"
      "Subsystem sftp /usr/lib/openssh/sftp-server -l  INFO\nSubsystem other internal-sftp\n"
      "AllowTcpForwarding local\nAllowStreamLocalForwarding remote\nAllowAgentForwarding no\n"
      "GatewayPorts clientspecified\nPermitOpen host:80 [::1]:22 h:*\nPermitListen 8080 localhost:9090\n"
      "PermitTTY no\nPermitUserEnvironment LANG,LC_*\nPermitTunnel ethernet\nX11Forwarding yes\n"
      "X11DisplayOffset 20\nX11UseLocalhost no\nUseDNS yes\nCompression no\nRekeyLimit 1G 1h\n"
      "ChrootDirectory /srv/%u\nAuthenticationMethods publickey,password publickey,keyboard-interactive\n"
      "DisableForwarding yes\nStreamLocalBindUnlink yes\nStreamLocalBindMask 0077\nPidFile /tmp/x.pid\n"
      "IgnoreRhosts shosts-only\nHostbasedAuthentication yes\nExposeAuthInfo yes\n"
      "VersionAddendum hello  world\nPermitUserRC no\nTrustedUserCAKeys /etc/ssh/ca\n"
      "RevokedKeys /etc/ssh/revoked\nAuthorizedPrincipalsFile /etc/ssh/p/%u\n"
      "PubkeyAuthOptions verify-required touch-required\nIPQoS af21 cs1\n"
      "LogVerbose kex.c:*:* packet.c:*\nChannelTimeout session=5m *=10m\n"
      "UnusedConnectionTimeout 1h\nPerSourceMaxStartups 3\nPerSourceNetBlockSize 24:64\n"
      "RequiredRSASize 2048\nFingerprintHash md5\nModuliFile /etc/ssh/mod2\n"
      "SecurityKeyProvider /usr/lib/sk.so\nXAuthLocation /usr/local/bin/xauth\n"
      "KerberosAuthentication yes\nGSSAPIAuthentication yes\nGSSAPICleanupCredentials no\n"
      "IgnoreUserKnownHosts yes\nHostbasedUsesNameFromPacketOnly yes\nKbdInteractiveAuthentication no\n");
}

TEST_F(SshdOracleTest, ValueSpellings) {
  expect_same("PermitRootLogin prohibit-password\nCompression delayed\nRekeyLimit default none\n"
              "AuthorizedKeysFile none\nAuthenticationMethods any\nPermitOpen none\n"
              "PermitListen none\nGatewayPorts yes\nAllowTcpForwarding all\nPermitTunnel yes\n"
              "IPQoS 8\nMaxStartups 5\nPerSourceNetBlockSize 24\nLogLevel quiet\n"
              "UnusedConnectionTimeout 0\nSyslogFacility AUTHPRIV\nFingerprintHash sha512\n"
              "Banner none\nPidFile none\nPubkeyAuthOptions none\nPermitUserEnvironment yes\n");
  expect_same("PermitRootLogin without-password\nLogLevel debug1\nIPQoS 0x33 255\n"
              "AllowStreamLocalForwarding no\nPermitTunnel point-to-point\nRekeyLimit 10K 30m\n"
              "StreamLocalBindMask 7\nChrootDirectory none\nIPQoS le none\nPermitUserEnvironment NO\n");
  expect_same("Port=2\nBanner = /x\nmaxauthtries= 3\nKeepAlive no\nSkeyAuthentication no\n"
              "DSAAuthentication no\nHostDSAKey /tmp/k\nProtocol 2\nDebianBanner no\n");
}

TEST_F(SshdOracleTest, FirstValueWinsAndLists) {
  expect_same("PermitOpen h:22\nPermitOpen x:1\nAcceptEnv A\nAcceptEnv B\nSetEnv X=1\nSetEnv Y=2\n"
              "AuthorizedKeysFile a\nAuthorizedKeysFile b\nAllowUsers a\nAllowUsers b\n"
              "LogVerbose a\nLogVerbose b\nChannelTimeout a=1\nChannelTimeout b=2\n"
              "AuthenticationMethods password\nAuthenticationMethods publickey\n"
              "HostKey " + key_ + "\nMaxAuthTries 1\nMaxAuthTries 2\nBanner /a\nBanner /b\n");
}

TEST_F(SshdOracleTest, ListenAddresses) {
  expect_same("Port 1\nPort 5\nListenAddress 127.0.0.1\nListenAddress 127.0.0.2:77\n"
              "ListenAddress [::1]:88\n");
  expect_same("AddressFamily inet\nListenAddress localhost\nListenAddress [1.2.3.6]:99\n"
              "ListenAddress 1.2.3.7:100\nListenAddress 127.0.0.1\nPort 7\n");
  expect_same("ListenAddress 0.0.0.0\nListenAddress [::]:99\nListenAddress ::\n");
  expect_same("AddressFamily inet6\n");
}

TEST_F(SshdOracleTest, CommandLineOptionsComeFirst) {
  expect_same("Port 1\nLogLevel DEBUG\nPermitRootLogin no\nAcceptEnv B\n",
              {"Port=2", "LogLevel=ERROR", "PermitRootLogin yes", "AcceptEnv=A"});
}

TEST_F(SshdOracleTest, MatchWithoutConnection) {
  // Only "Match All" applies while loading.
  expect_same("PasswordAuthentication no\nMatch User x\n PasswordAuthentication yes\n"
              " MaxAuthTries 2\nMatch All\n MaxAuthTries 4\n Banner /b\n AcceptEnv FOO\n");
}

TEST_F(SshdOracleTest, MatchForConnection) {
  const std::string cfg =
      "PasswordAuthentication no\nAcceptEnv LANG\nAllowUsers a b\n"
      "Match User x,y Address 10.0.0.0/8,!10.1.0.0/16\n"
      " PasswordAuthentication yes\n MaxAuthTries 2\n AcceptEnv FOO\n AllowUsers c\n"
      "Match Host *.example.com\n ForceCommand /bin/true\n PermitOpen h:1\n"
      "Match LocalAddress 127.0.0.1 LocalPort 2222\n Banner /local\n AuthorizedKeysFile /k/%u\n"
      "Match All\n MaxAuthTries 4\n AcceptEnv BAR\n X11Forwarding yes\n"
      "Match Group root\n ChrootDirectory /g\n"
      "Match User=z\n PermitTTY no\n";
  for (const char* spec :
       {"user=x,host=h,addr=10.2.3.4,laddr=1.1.1.1,lport=22",
        "user=x,host=h,addr=10.1.3.4,laddr=1.1.1.1,lport=22",
        "user=y,host=a.EXAMPLE.com,addr=1.2.3.4,laddr=127.0.0.1,lport=2222",
        "user=root,host=h,addr=::1,laddr=::1,lport=1", "user=z,lport=1",
        "user=nosuchuser,lport=1"}) {
    SCOPED_TRACE(spec);
    expect_same(cfg, {}, spec);
  }
}

TEST_F(SshdOracleTest, MatchAndInclude) {
  std::string d = dir_.string();
  write("inc_b.conf", "Match All\nBanner /b\n");
  write("inc_d.conf", "Match User nobody\nBanner /d\n");
  write("inc_p.conf", "Port 6\nMaxSessions 3\n");
  expect_same("Match User x\nInclude " + d + "/inc_b.conf\nMaxAuthTries 2\n", {}, "user=y");
  expect_same("Match User x\nInclude " + d + "/inc_b.conf\nMaxAuthTries 2\n", {}, "user=x");
  expect_same("Include " + d + "/inc_d.conf\nMaxAuthTries 2\n", {}, "user=nobody");
  expect_same("Match all\nInclude " + d + "/inc_p.conf\n");
  expect_same("Include " + d + "/inc_*.conf\nInclude /nonexistent/*\nInclude nonexistent\n");
}

TEST_F(SshdOracleTest, ErrorMessages) {
  expect_same_error("Foo bar\nBaz 1\n");
  expect_same_error("Bar\nPasswordAuthentication\nport 22 23\n");
  expect_same_error("Port 70000\n");
  expect_same_error("PasswordAuthentication maybe\n");
  expect_same_error("maxauthtries x\n");
  expect_same_error("MaxAuthTries -1\n");
  expect_same_error("MaxAuthTries 2147483648\n");
  expect_same_error("LoginGraceTime 1x\n");
  expect_same_error("PermitRootLogin maybe\n");
  expect_same_error("LogLevel LOUD\n");
  expect_same_error("SyslogFacility FOO\n");
  expect_same_error("MaxStartups 10:30:5\n");
  expect_same_error("Ciphers foo\n");
  expect_same_error("MACs foo\n");
  expect_same_error("KexAlgorithms foo\n");
  expect_same_error("HostKeyAlgorithms foo\n");
  expect_same_error("AddressFamily ipx\n");
  expect_same_error("PermitTunnel maybe\n");
  expect_same_error("Subsystem sftp /a\nSubsystem sftp /b\n");
  expect_same_error("Subsystem sftp\n");
  expect_same_error("SetEnv FOO\n");
  expect_same_error("AcceptEnv A=B\n");
  expect_same_error("RekeyLimit 5X\n");
  expect_same_error("RekeyLimit 1G 1h 3\n");
  expect_same_error("StreamLocalBindMask 999\n");
  expect_same_error("PermitOpen foo\n");
  expect_same_error("PermitListen foo:bar\n");
  expect_same_error("PermitListen any 1234\n");
  expect_same_error("IPQoS foo\n");
  expect_same_error("IPQoS af11 af12 af13\n");
  expect_same_error("FingerprintHash foo\n");
  expect_same_error("PubkeyAuthOptions foo\n");
  expect_same_error("ChannelTimeout a=x\n");
  expect_same_error("AuthenticationMethods any publickey\n");
  expect_same_error("AuthenticationMethods publickey,,password\n");
  expect_same_error("AllowUsers a@1.2.3.0/33\n");
  expect_same_error("ListenAddress 1.2.3.4:abc\n");
  expect_same_error("AuthorizedKeysCommand /x\n");
  expect_same_error("RDomain x\n");
  expect_same_error("PubkeyAuthentication no\nPasswordAuthentication no\n"
                    "AuthenticationMethods publickey,password publickey,keyboard-interactive\n");
}

TEST_F(SshdOracleTest, MatchErrorMessages) {
  expect_same_error("Match\n");
  expect_same_error("Match foo\n");
  expect_same_error("Match user\n");
  expect_same_error("Match foo bar\n");
  expect_same_error("Match all user x\n");
  expect_same_error("Match !user x\n");
  expect_same_error("Match User x\nPort 5\n");
  expect_same_error("Match user x\nmaxstartups 1\n");
  expect_same_error("Match user x\nFoo x\n");
  expect_same_error("Match address 1.2.3.0/33\n");
  expect_same_error("Match address 1.2.3.4/24\n");
  expect_same_error("Match localaddress ,\n");
  expect_same_error("Match localport abc\n");
  expect_same_error("Match User x\nMaxAuthTries zzz\n");
  write("inc_bad.conf", "Foo 1\n");
  expect_same_error("Include " + dir_.string() + "/inc_bad.conf\nBar 2\n");
  write("inc_self.conf", "Include " + dir_.string() + "/inc_self.conf\n");
  expect_same_error("Include " + dir_.string() + "/inc_self.conf\n");
}

TEST_F(SshdOracleTest, CommandLineErrors) {
  expect_same_error("", {"Foo=bar"});
  expect_same_error("", {"Port abc"});
  expect_same_error("", {"Match user x"});
  expect_same_error("", {"Include /x"});
  expect_same_error("", {"PasswordAuthentication"});
  expect_same_error("", {"Port 1 2"});
}

TEST_F(SshdOracleTest, DeprecatedAndUnsupportedWarnings) {
  expect_same_warnings("UsePrivilegeSeparation sandbox\nServerKeyBits 1024\nUseLogin no\n"
                       "KerberosGetAFSToken no\nProtocol 2\nRSAAuthentication yes\n");
  expect_same_warnings("AuthenticationMethods gssapi-with-mic hostbased keyboard-interactive:pam\n");
}

// Our table's Match permissions agree with stock sshd's for every keyword.
TEST_F(SshdOracleTest, MatchPermissionsAgree) {
  std::string file = (dir_ / "perm_config").string();
  for (const ServerOptionSpec& spec : server_option_table()) {
    std::string kw(spec.keyword);
    if (kw == "Resume" || kw == "ResumeTimeout" || kw.starts_with("MaxSuspendedSessions")) continue;
    std::ofstream(file) << "HostKey " << key_ << "\nMatch User nobody-here\n" << kw << " zzz\n";
    RunResult stock = run(std::string(kStockSshd) + " -t -f " + shell_quote(file) + " 2>&1");
    bool stock_refuses = stock.out.find("not allowed within a Match block") != std::string::npos;
    bool in_match = false;
    find_server_option(kw, &in_match);
    EXPECT_EQ(stock_refuses, !in_match) << kw;
  }
}

}  // namespace
}  // namespace ssh::config
