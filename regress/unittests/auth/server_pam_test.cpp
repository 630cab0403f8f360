// PAM through Debian's /etc/pam.d/sshd (openssh-server) for the test account: password,
// keyboard-interactive through the helper process, account check, and the whole stack
// with our client. Needs root (pam_unix reads /etc/shadow).
#include "auth/server_pam.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "auth/server_auth.h"
#include "auth/server_checks.h"
#include "server_test_util.h"

namespace ssh::auth {
namespace {

constexpr const char* kTestUser = "sshctest";
constexpr const char* kTestPassword = "correct horse battery staple";

class Pam : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (pam_unix reads /etc/shadow)";
    if (!std::filesystem::exists("/etc/pam.d/sshd")) GTEST_SKIP() << "no /etc/pam.d/sshd";
    auto pw = lookup_passwd(kTestUser);
    if (!pw || !*pw) {
      ASSERT_EQ(std::system("useradd -m -s /bin/sh sshctest"), 0);
      pw = lookup_passwd(kTestUser);
      ASSERT_TRUE(pw && *pw);
    }
    SecretBytes good(as_bytes(kTestPassword));
    if (!check_shadow_password(&**pw, good)) {
      ASSERT_EQ(std::system("echo 'sshctest:correct horse battery staple' | chpasswd"), 0);
    }
    config_.use_pam = true;
    config_.kbdint = true;
  }
  SystemBackend backend() { return SystemBackend(config_, {"127.0.0.1", "localhost", 22, {}, {}}); }

  ServerChecksConfig config_;
};

TEST_F(Pam, PasswordRightAndWrong) {
  SecretBytes good(as_bytes(kTestPassword));
  SecretBytes bad(as_bytes("wrong"));
  SystemBackend b = backend();
  ASSERT_TRUE(b.lookup_user(kTestUser)->valid);
  ASSERT_NE(b.pam(), nullptr);
  EXPECT_FALSE(*b.check_password(kTestUser, bad));
  EXPECT_TRUE(*b.check_password(kTestUser, good));
  EXPECT_TRUE(*b.account_allowed(kTestUser));
}

TEST_F(Pam, InvalidUserPasswordFails) {
  SystemBackend b = backend();
  EXPECT_FALSE(b.lookup_user("no-such-user-sauth")->valid);
  EXPECT_FALSE(*b.check_password("no-such-user-sauth", SecretBytes(as_bytes(kTestPassword))));
}

TEST_F(Pam, KeyboardInteractiveThroughHelper) {
  SystemBackend b = backend();
  ASSERT_TRUE(b.lookup_user(kTestUser)->valid);
  KbdintStep step = *b.kbdint_start(kTestUser, "");
  ASSERT_EQ(step.kind, KbdintStep::Kind::prompts);
  ASSERT_EQ(step.prompts.size(), 1u);
  EXPECT_EQ(step.prompts[0].text, "Password: ");
  EXPECT_FALSE(step.prompts[0].echo);
  std::vector<SecretBytes> answers;
  answers.emplace_back(as_bytes(kTestPassword));
  EXPECT_EQ(b.kbdint_respond(std::move(answers))->kind, KbdintStep::Kind::success);

  // A second conversation, abandoned half way: the helper goes away, no zombie remains.
  ASSERT_EQ(b.kbdint_start(kTestUser, "")->kind, KbdintStep::Kind::prompts);
  b.kbdint_stop();
  int status = 0;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);  // no children left
}

TEST_F(Pam, KeyboardInteractiveInvalidUserLooksTheSame) {
  SystemBackend b = backend();
  EXPECT_FALSE(b.lookup_user("no-such-user-sauth")->valid);
  KbdintStep step = *b.kbdint_start("no-such-user-sauth", "");
  ASSERT_EQ(step.kind, KbdintStep::Kind::prompts);
  ASSERT_EQ(step.prompts.size(), 1u);
  EXPECT_EQ(step.prompts[0].text, "Password: ");
  std::vector<SecretBytes> answers;
  answers.emplace_back(as_bytes(kTestPassword));
  EXPECT_EQ(b.kbdint_respond(std::move(answers))->kind, KbdintStep::Kind::failure);
}

TEST_F(Pam, WholeStackKeyboardInteractiveWithOurClient) {
  SystemBackend b = backend();
  ServerAuthConfig sc;
  sc.kbdint = true;
  sc.password = false;
  ServerAuth server(sc, b, to_bytes("sid"));
  test::ScriptedPrompter prompter;
  prompter.answers = {kTestPassword};
  ClientAuthConfig cc;
  cc.user = kTestUser;
  cc.host_label = std::string(kTestUser) + "@localhost";
  ClientAuth client(cc, {}, prompter, to_bytes("sid"));
  auto r = test::run_pair(client, server);
  ASSERT_FALSE(r.server_error) << r.server_error->context;
  EXPECT_TRUE(r.server_success);
  EXPECT_EQ(prompter.prompts, std::vector<std::string>{"(" + std::string(kTestUser) + "@localhost) Password: "});
  EXPECT_EQ(server.success().methods, std::vector<std::string>{"keyboard-interactive"});
}

TEST_F(Pam, RootPasswordRefusedUnlessPermitRootLoginYes) {
  // Root's real password is unknown; what matters is that the answer is "no" without
  // asking PAM with the real password (sshd substitutes a bad one).
  SystemBackend b = backend();
  UserInfo info = *b.lookup_user("root");
  if (!info.valid) GTEST_SKIP() << "root's shell is not usable here";
  EXPECT_TRUE(info.is_root);
  EXPECT_FALSE(*b.check_password("root", SecretBytes(as_bytes("anything"))));
}

TEST_F(Pam, SessionOpensAndCloses) {
  SystemBackend b = backend();
  ASSERT_TRUE(b.lookup_user(kTestUser)->valid);
  ASSERT_TRUE(*b.check_password(kTestUser, SecretBytes(as_bytes(kTestPassword))));
  ASSERT_TRUE(*b.account_allowed(kTestUser));
  Status opened = b.pam()->open_session("ssh");
  if (!opened) GTEST_SKIP() << "PAM session stack unusable here: " << opened.error().context;
  EXPECT_TRUE(b.pam()->session_open());
  b.pam()->close_session();
  EXPECT_FALSE(b.pam()->session_open());
}

}  // namespace
}  // namespace ssh::auth
