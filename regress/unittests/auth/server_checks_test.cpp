// The privileged checks against the real system: passwd/shadow, AllowUsers/DenyUsers,
// authorized_keys with options and StrictModes. Tests that need root skip otherwise.
#include "auth/server_checks.h"

#include <fcntl.h>
#include <grp.h>
#include <shadow.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "auth/server_auth.h"
#include "keys/base64.h"
#include "server_test_util.h"

namespace ssh::auth {
namespace {

constexpr const char* kTestUser = "sshctest";
constexpr const char* kTestPassword = "correct horse battery staple";  // regress/lib/fixture.py

std::string key_line(const keys::PrivateKey& key) {
  return std::string(key.public_key().type_name()) + " " + keys::base64_encode(key.public_key().blob());
}

// Creates the test account if missing, with the fixture's password.
std::optional<Passwd> test_user() {
  auto pw = lookup_passwd(kTestUser);
  if (pw && *pw) {
    SecretBytes good(as_bytes(kTestPassword));
    if (check_shadow_password(&**pw, good)) return *pw;
  } else if (std::system("useradd -m -s /bin/sh sshctest") != 0) {
    return std::nullopt;
  }
  if (std::system("echo 'sshctest:correct horse battery staple' | chpasswd") != 0) return std::nullopt;
  pw = lookup_passwd(kTestUser);
  return pw && *pw ? **pw : std::optional<Passwd>();
}

#define REQUIRE_ROOT()                                                       \
  do {                                                                       \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (real accounts, shadow, file owners)"; \
  } while (0)

TEST(ServerChecks, ExpandAuthorizedKeysPath) {
  Passwd pw{"alice", 1000, 1000, "/home/alice", "/bin/sh"};
  EXPECT_EQ(*expand_authorized_keys_path(".ssh/authorized_keys", pw), "/home/alice/.ssh/authorized_keys");
  EXPECT_EQ(*expand_authorized_keys_path("/etc/ssh/keys/%u", pw), "/etc/ssh/keys/alice");
  EXPECT_EQ(*expand_authorized_keys_path("%h/k%%%U", pw), "/home/alice/k%1000");
  EXPECT_FALSE(expand_authorized_keys_path("%x", pw));
  EXPECT_FALSE(expand_authorized_keys_path("abc%", pw));
}

TEST(ServerChecks, UserPatterns) {
  EXPECT_TRUE(match_user_pattern("alice", "h.example", "192.0.2.7", "alice"));
  EXPECT_TRUE(match_user_pattern("alice", "h.example", "192.0.2.7", "al*"));
  EXPECT_FALSE(match_user_pattern("alice", "h.example", "192.0.2.7", "Alice"));  // case-sensitive
  EXPECT_TRUE(match_user_pattern("alice", "h.example", "192.0.2.7", "alice@192.0.2.0/24"));
  EXPECT_TRUE(match_user_pattern("alice", "h.example", "192.0.2.7", "alice@*.example"));
  EXPECT_FALSE(match_user_pattern("alice", "h.example", "192.0.2.7", "alice@10.0.0.0/8"));
  EXPECT_FALSE(match_user_pattern("alice", "h.example", "192.0.2.7", "alice@!192.0.2.7,*"));
  EXPECT_FALSE(match_user_pattern("bob", "h.example", "192.0.2.7", "alice@*"));
}

TEST(ServerChecks, ClassifyShadow) {
  struct spwd sp {};
  char hash[] = "$y$j9T$abc";
  char locked[] = "!$y$j9T$abc";
  sp.sp_pwdp = hash;
  sp.sp_lstchg = 19000;
  sp.sp_max = 99999;
  sp.sp_expire = -1;
  ShadowState s = classify_shadow(sp, 20000);
  EXPECT_FALSE(s.locked || s.account_expired || s.password_expired);
  sp.sp_expire = 19999;
  EXPECT_TRUE(classify_shadow(sp, 20000).account_expired);
  sp.sp_expire = -1;
  sp.sp_max = 30;
  EXPECT_TRUE(classify_shadow(sp, 20000).password_expired);
  sp.sp_max = -1;
  sp.sp_lstchg = 0;
  EXPECT_TRUE(classify_shadow(sp, 20000).password_expired);
  sp.sp_lstchg = 19000;
  sp.sp_pwdp = locked;
  EXPECT_TRUE(classify_shadow(sp, 20000).locked);
}

TEST(ServerChecks, ShadowPassword) {
  REQUIRE_ROOT();
  auto pw = test_user();
  ASSERT_TRUE(pw);
  SecretBytes good(as_bytes(kTestPassword));
  SecretBytes bad(as_bytes("correct horse battery stapler"));
  EXPECT_TRUE(check_shadow_password(&*pw, good));
  EXPECT_FALSE(check_shadow_password(&*pw, bad));
  EXPECT_FALSE(check_shadow_password(&*pw, SecretBytes()));
  EXPECT_FALSE(check_shadow_password(nullptr, good));  // invalid user: dummy crypt, no
}

TEST(ServerChecks, AllowAndDenyUsersAndGroups) {
  REQUIRE_ROOT();
  auto pw = test_user();
  ASSERT_TRUE(pw);
  struct group* gr = getgrgid(pw->gid);
  ASSERT_NE(gr, nullptr);
  std::string group = gr->gr_name;
  auto allowed = [&](ServerChecksConfig c) { return user_allowed(*pw, c, "localhost", "127.0.0.1"); };
  ServerChecksConfig c;
  EXPECT_TRUE(allowed(c));
  c.allow_users = {"root", "sshctest@127.0.0.0/8"};
  EXPECT_TRUE(allowed(c));
  c.allow_users = {"sshctest@10.0.0.0/8"};
  EXPECT_FALSE(allowed(c));
  c.allow_users = {"other*"};
  EXPECT_FALSE(allowed(c));
  c = {};
  c.deny_users = {"sshc*"};
  EXPECT_FALSE(allowed(c));
  c.deny_users = {"sshctest@192.0.2.1"};
  EXPECT_TRUE(allowed(c));
  c = {};
  c.deny_groups = {group};
  EXPECT_FALSE(allowed(c));
  c = {};
  c.allow_groups = {"no-such-group-*"};
  EXPECT_FALSE(allowed(c));
  c.allow_groups = {group.substr(0, 3) + "*"};
  EXPECT_TRUE(allowed(c));
  Passwd noshell = *pw;
  noshell.shell = "/nonexistent/shell";
  EXPECT_FALSE(user_allowed(noshell, {}, "localhost", "127.0.0.1"));
}

// A home directory in /tmp owned by the test user, with .ssh/authorized_keys.
class AuthorizedKeysFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (file owners, reading as the user)";
    auto pw = test_user();
    ASSERT_TRUE(pw);
    pw_ = *pw;
    char tmpl[] = "/tmp/sauth-home-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    home_ = tmpl;
    pw_.home = home_;
    ssh_dir_ = home_ + "/.ssh";
    file_ = ssh_dir_ + "/authorized_keys";
    ASSERT_EQ(::mkdir(ssh_dir_.c_str(), 0700), 0);
    own(home_, 0755);
    own(ssh_dir_, 0700);
    forced_ = *keys::PrivateKey::generate(keys::KeyType::ed25519);
    restricted_ = *keys::PrivateKey::generate(keys::KeyType::ed25519);
    elsewhere_ = *keys::PrivateKey::generate(keys::KeyType::ed25519);
    std::ofstream(file_) << "# comment\n"
                         << "command=\"/bin/echo hi\",no-pty,from=\"127.0.0.1,::1\" " << key_line(*forced_) << " forced\n"
                         << "restrict,port-forwarding,environment=\"A=b\" " << key_line(*restricted_) << "\n"
                         << "from=\"10.0.0.0/8\" " << key_line(*elsewhere_) << "\n";
    own(file_, 0600);
    facts_.client_ip = "127.0.0.1";
    facts_.client_host = "localhost";
  }
  void TearDown() override {
    if (!home_.empty()) std::system(("rm -rf " + home_).c_str());
  }
  void own(const std::string& path, mode_t mode, uid_t uid = uid_t(-1)) {
    ASSERT_EQ(::chown(path.c_str(), uid == uid_t(-1) ? pw_.uid : uid, pw_.gid), 0);
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }
  PublickeyCheck find(const keys::PrivateKey& key, bool strict = true) {
    ServerChecksConfig c;
    c.strict_modes = strict;
    PublickeyCheck r = find_authorized_key_in_files(pw_, c, facts_, key.public_key(), std::time(nullptr));
    EXPECT_EQ(::geteuid(), 0u);  // identity restored
    EXPECT_EQ(::getegid(), 0u);
    return r;
  }

  Passwd pw_;
  std::string home_, ssh_dir_, file_;
  ConnectionFacts facts_;
  std::optional<keys::PrivateKey> forced_, restricted_, elsewhere_;
};

TEST_F(AuthorizedKeysFiles, OptionsAreReturned) {
  PublickeyCheck f = find(*forced_);
  ASSERT_TRUE(f.allowed);
  EXPECT_EQ(f.options.command, "/bin/echo hi");
  EXPECT_FALSE(f.options.pty);
  EXPECT_EQ(f.source, file_ + ":2");
  PublickeyCheck r = find(*restricted_);
  ASSERT_TRUE(r.allowed);
  EXPECT_TRUE(r.options.restricted);
  EXPECT_TRUE(r.options.port_forwarding);
  EXPECT_FALSE(r.options.pty);
  EXPECT_EQ(r.options.environment, std::vector<std::string>{"A=b"});
  EXPECT_FALSE(find(*elsewhere_).allowed);  // from= does not match 127.0.0.1
  EXPECT_FALSE(find(*keys::PrivateKey::generate(keys::KeyType::ed25519)).allowed);
  facts_.client_ip = "10.1.2.3";
  facts_.client_host = "";
  EXPECT_TRUE(find(*elsewhere_).allowed);
  EXPECT_FALSE(find(*forced_).allowed);
}

TEST_F(AuthorizedKeysFiles, StrictModesRefuseBadFileModes) {
  own(file_, 0666);
  EXPECT_FALSE(find(*forced_).allowed);
  EXPECT_TRUE(find(*forced_, /*strict=*/false).allowed);
  own(file_, 0620);
  EXPECT_FALSE(find(*forced_).allowed);
  own(file_, 0644, 65534);  // owned by someone else (nobody)
  EXPECT_FALSE(find(*forced_).allowed);
  own(file_, 0644, 0);  // root may own it
  EXPECT_TRUE(find(*forced_).allowed);
  own(file_, 0600, 0);  // but the user must be able to read it
  EXPECT_FALSE(find(*forced_).allowed);
  own(file_, 0600);
  EXPECT_TRUE(find(*forced_).allowed);
}

TEST_F(AuthorizedKeysFiles, StrictModesRefuseBadDirectories) {
  own(ssh_dir_, 0777);
  EXPECT_FALSE(find(*forced_).allowed);
  own(ssh_dir_, 0700);
  own(home_, 0775);
  EXPECT_FALSE(find(*forced_).allowed);
  own(home_, 0755, 65534);
  EXPECT_FALSE(find(*forced_).allowed);
  own(home_, 0755);
  EXPECT_TRUE(find(*forced_).allowed);  // /tmp above the home is not checked
}

TEST_F(AuthorizedKeysFiles, FileListAndTokens) {
  ServerChecksConfig c;
  c.authorized_keys_files = {"none", ".ssh/missing", "%h/.ssh/authorized_keys"};
  EXPECT_TRUE(find_authorized_key_in_files(pw_, c, facts_, forced_->public_key(), std::time(nullptr)).allowed);
  c.authorized_keys_files = {".ssh/other_%u"};
  EXPECT_FALSE(find_authorized_key_in_files(pw_, c, facts_, forced_->public_key(), std::time(nullptr)).allowed);
  ASSERT_EQ(::rename(file_.c_str(), (ssh_dir_ + "/other_sshctest").c_str()), 0);
  EXPECT_TRUE(find_authorized_key_in_files(pw_, c, facts_, forced_->public_key(), std::time(nullptr)).allowed);
}

TEST_F(AuthorizedKeysFiles, SystemBackendVerifiesThroughTheMonitorChecks) {
  ServerChecksConfig c;
  c.authorized_keys_files = {file_};  // absolute, under /tmp: StrictModes would refuse
  c.strict_modes = false;
  ConnectionFacts facts = facts_;
  facts.session_id = to_bytes("session-one");
  SystemBackend backend(c, facts);
  UserInfo info = *backend.lookup_user(kTestUser);
  EXPECT_TRUE(info.valid);
  EXPECT_FALSE(info.is_root);
  EXPECT_FALSE(backend.lookup_user(kTestUser));  // once per connection

  const auto& blob = forced_->public_key().blob();
  PublickeyCheck check = *backend.check_publickey(kTestUser, "ssh-ed25519", blob);
  EXPECT_TRUE(check.allowed);
  EXPECT_EQ(check.options.command, "/bin/echo hi");
  EXPECT_FALSE(backend.check_publickey("root", "ssh-ed25519", blob)->allowed);  // other user
  EXPECT_FALSE(backend.check_publickey(kTestUser, "ecdsa-sha2-nistp256", blob)->allowed);

  RequestHeader h{kTestUser, "ssh-connection", "publickey"};
  PublickeyFields f{"ssh-ed25519", blob, std::nullopt};
  Bytes data = publickey_signed_data(facts.session_id, h, f);
  Bytes sig = *forced_->sign(data);
  EXPECT_TRUE(*backend.verify_publickey(kTestUser, "ssh-ed25519", blob, sig, data));
  Bytes other = publickey_signed_data(to_bytes("session-two"), h, f);
  Bytes other_sig = *forced_->sign(other);
  EXPECT_FALSE(*backend.verify_publickey(kTestUser, "ssh-ed25519", blob, other_sig, other));
  sig.back() ^= 1;
  EXPECT_FALSE(*backend.verify_publickey(kTestUser, "ssh-ed25519", blob, sig, data));
  EXPECT_TRUE(*backend.account_allowed(kTestUser));
}

TEST(ServerChecks, SystemBackendPasswordsWithoutPam) {
  REQUIRE_ROOT();
  ASSERT_TRUE(test_user());
  SecretBytes good(as_bytes(kTestPassword));
  SecretBytes bad(as_bytes("nope"));
  {
    SystemBackend backend({}, {"127.0.0.1", "localhost", 22, {}, {}});
    ASSERT_TRUE(backend.lookup_user(kTestUser)->valid);
    EXPECT_TRUE(*backend.check_password(kTestUser, good));
    EXPECT_FALSE(*backend.check_password(kTestUser, bad));
    EXPECT_FALSE(*backend.check_password("someone-else", good));
    EXPECT_EQ(backend.kbdint_start(kTestUser, "")->kind, KbdintStep::Kind::failure);  // no PAM
  }
  {
    SystemBackend backend({}, {"127.0.0.1", "localhost", 22, {}, {}});
    EXPECT_FALSE(backend.lookup_user("no-such-user-sauth")->valid);
    EXPECT_FALSE(*backend.check_password("no-such-user-sauth", good));
    EXPECT_FALSE(*backend.account_allowed("no-such-user-sauth"));
  }
  {
    ServerChecksConfig c;
    c.deny_users = {"sshctest"};
    SystemBackend backend(c, {"127.0.0.1", "localhost", 22, {}, {}});
    EXPECT_FALSE(backend.lookup_user(kTestUser)->valid);
    EXPECT_FALSE(*backend.check_password(kTestUser, good));
  }
}

// The whole stack: our client, the state machine, the real checks.
TEST(ServerChecks, ClientToSystemBackendPassword) {
  REQUIRE_ROOT();
  ASSERT_TRUE(test_user());
  Bytes sid = to_bytes("sid");
  SystemBackend backend({}, {"127.0.0.1", "localhost", 22, sid, {}});
  ServerAuth server({}, backend, sid);
  test::ScriptedPrompter prompter;
  prompter.answers = {"wrong", kTestPassword};
  ClientAuthConfig cc;
  cc.user = kTestUser;
  ClientAuth client(cc, {}, prompter, sid);
  auto r = test::run_pair(client, server);
  ASSERT_FALSE(r.server_error) << r.server_error->context;
  EXPECT_TRUE(r.server_success);
  EXPECT_EQ(server.failures(), 1);
}

}  // namespace
}  // namespace ssh::auth
