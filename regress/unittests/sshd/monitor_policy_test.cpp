// The monitor enforces the per-user authentication policy (sshd_config with Match
// applied, as the backend's user lookup returns it) on its own: a pre-auth child that
// claims a login the policy forbids is refused at auth_done, even when the backend said
// yes to each method.
#include <gtest/gtest.h>

#include "auth/server_backend.h"
#include "regress/unittests/sshd/monitor_harness.h"
#include "sshd/monitor.h"
#include "sshd/monitor_protocol.h"
#include "transport/host_key_interfaces.h"

namespace ssh::sshd {
namespace {

// The harness's backend, with a per-user policy to enforce.
struct YesBackend : test::AcceptingBackend {
  YesBackend() { info.policy = auth::AuthPolicy{}; }
};

class NoKeys : public transport::HostKeySigner {
 public:
  std::vector<std::string> algorithms() const override { return {}; }
  Result<Bytes> public_blob(std::string_view) const override { return fail(ErrorCode::internal, "none"); }
  Result<Bytes> sign(std::string_view, ByteView) override { return fail(ErrorCode::internal, "none"); }
};

// Drives a monitor through lookup, one password check, the account check and auth_done
// for `methods`; true when auth_done was accepted.
bool login(YesBackend& backend, const std::vector<std::string>& methods, bool kbdint = false) {
  NoKeys keys;
  Monitor monitor(backend, keys);
  EXPECT_TRUE(monitor.handle(encode(UserRequest{"alice"}, MonitorType::lookup_user)));
  EXPECT_TRUE(
      monitor.handle(encode(PasswordRequest{"alice", SecretBytes(as_bytes(std::string_view("pw")))}).view()));
  if (kbdint) {
    EXPECT_TRUE(monitor.handle(encode(KbdintStartRequest{"alice", ""})));
  }
  EXPECT_TRUE(monitor.handle(encode(UserRequest{"alice"}, MonitorType::account)));
  auto done = monitor.handle(encode(AuthDoneRequest{"alice", methods}));
  return done.has_value() && monitor.phase() == Monitor::Phase::authenticated;
}

TEST(MonitorPolicy, PasswordAcceptedWhenEnabled) {
  YesBackend backend;
  EXPECT_TRUE(login(backend, {"password"}));
}

TEST(MonitorPolicy, PasswordRefusedWhenMatchTurnedItOff) {
  YesBackend backend;
  backend.info.policy->password = false;
  EXPECT_FALSE(login(backend, {"password"}));
}

TEST(MonitorPolicy, KbdintRefusedWhenOff) {
  YesBackend backend;
  backend.info.policy->kbdint = false;
  EXPECT_FALSE(login(backend, {"keyboard-interactive"}, true));
  backend.info.policy->kbdint = true;
  EXPECT_TRUE(login(backend, {"keyboard-interactive"}, true));
}

TEST(MonitorPolicy, RootRefusedByPermitRootLogin) {
  YesBackend backend;
  backend.info.is_root = true;
  backend.info.policy->permit_root_login = auth::PermitRootLogin::prohibit_password;
  EXPECT_FALSE(login(backend, {"password"}));
  backend.info.policy->permit_root_login = auth::PermitRootLogin::yes;
  EXPECT_TRUE(login(backend, {"password"}));
}

TEST(MonitorPolicy, AuthenticationMethodsMustBeCompleted) {
  YesBackend backend;
  backend.info.policy->authentication_methods = {{"password", "keyboard-interactive"}};
  backend.info.policy->kbdint = true;
  EXPECT_FALSE(login(backend, {"password"}));
  EXPECT_TRUE(login(backend, {"password", "keyboard-interactive"}, true));
}

// The policy travels with the lookup answer, field by field; a cut answer is an error.
TEST(MonitorPolicy, LookupAnswerCarriesThePolicy) {
  auth::UserInfo info{true, true, auth::AuthPolicy{}};
  info.policy->password = false;
  info.policy->max_auth_tries = 3;
  info.policy->permit_root_login = auth::PermitRootLogin::forced_commands_only;
  info.policy->authentication_methods = {{"publickey", "password"}, {"keyboard-interactive:pam"}};
  info.policy->pubkey_algorithms = {"ssh-ed25519"};
  Bytes wire = encode_answer(info);
  auto back = decode_answer_user(wire);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->valid);
  EXPECT_TRUE(back->is_root);
  ASSERT_TRUE(back->policy);
  EXPECT_FALSE(back->policy->password);
  EXPECT_TRUE(back->policy->pubkey);
  EXPECT_EQ(back->policy->max_auth_tries, 3);
  EXPECT_EQ(back->policy->permit_root_login, auth::PermitRootLogin::forced_commands_only);
  EXPECT_EQ(back->policy->authentication_methods, info.policy->authentication_methods);
  EXPECT_EQ(back->policy->pubkey_algorithms, info.policy->pubkey_algorithms);
  for (size_t n = 0; n < wire.size(); ++n) {
    EXPECT_FALSE(decode_answer_user(ByteView(wire.data(), n))) << n;
  }
  wire.push_back(0);
  EXPECT_FALSE(decode_answer_user(wire));
  EXPECT_FALSE(decode_answer_user(encode_answer(auth::UserInfo{true, false})).value().policy);
}

}  // namespace
}  // namespace ssh::sshd
