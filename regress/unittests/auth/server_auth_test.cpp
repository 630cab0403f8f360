// ServerAuth against our own ClientAuth, back to back in memory, with a scripted backend.
#include "auth/server_auth.h"

#include <gtest/gtest.h>

#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "server_test_util.h"

namespace ssh::auth {
namespace {

using test::KeyIdentity;
using test::run_pair;
using test::ScriptedBackend;
using test::ScriptedPrompter;

const Bytes kSessionId = to_bytes("0123456789abcdef0123456789abcdef");

keys::PrivateKey new_key(keys::KeyType type = keys::KeyType::ed25519) {
  return *keys::PrivateKey::generate(type);
}

ScriptedBackend backend_for(std::string user = "alice", bool root = false) {
  ScriptedBackend b;
  b.users[user] = UserInfo{true, root};
  b.passwords[user] = "hunter2";
  b.session_id = kSessionId;
  return b;
}

ClientAuthConfig client_config(std::string user = "alice") {
  ClientAuthConfig c;
  c.user = std::move(user);
  c.host_label = c.user + "@server";
  return c;
}

std::vector<std::unique_ptr<ClientIdentity>> identities(std::vector<keys::PrivateKey> keys,
                                                        bool corrupt = false) {
  std::vector<std::unique_ptr<ClientIdentity>> ids;
  for (auto& k : keys) ids.push_back(std::make_unique<KeyIdentity>(std::move(k), corrupt));
  return ids;
}

ServerAuthConfig server_config() {
  ServerAuthConfig c;
  c.kbdint = true;
  c.client_label = "from 192.0.2.1 port 5555";
  return c;
}

std::vector<std::string> failure_methods(const Bytes& msg) {
  auto f = decode_failure(msg);
  EXPECT_TRUE(f.has_value());
  return f ? f->methods : std::vector<std::string>{};
}

TEST(ServerAuth, PublickeyQueryPkOkThenSignedSucceeds) {
  auto key = new_key();
  ScriptedBackend backend = backend_for();
  keys::AuthorizedKeyOptions opts;
  opts.command = "/bin/true";
  backend.authorized[key.public_key().blob()] = opts;
  ServerAuth server(server_config(), backend, kSessionId);
  ScriptedPrompter prompter;
  std::vector<keys::PrivateKey> keys;
  keys.push_back(key.clone());
  ClientAuth client(client_config(), identities(std::move(keys)), prompter, kSessionId);

  auto r = run_pair(client, server);
  ASSERT_FALSE(r.server_error) << r.server_error->context;
  EXPECT_TRUE(r.server_success);
  EXPECT_EQ(r.client_state, ClientAuth::State::success);
  EXPECT_EQ(r.server_types(), (std::vector<uint8_t>{kUserauthFailure, kUserauthPkOk, kUserauthSuccess}));
  EXPECT_EQ(failure_methods(r.server_messages[0]),
            (std::vector<std::string>{"publickey", "password", "keyboard-interactive"}));
  EXPECT_EQ(server.success().user, "alice");
  EXPECT_EQ(server.success().methods, std::vector<std::string>{"publickey"});
  ASSERT_TRUE(server.success().key_options);
  EXPECT_EQ(server.success().key_options->command, "/bin/true");
  EXPECT_EQ(server.success().key_blob, key.public_key().blob());
  EXPECT_EQ(server.failures(), 0);  // the initial "none" and the PK_OK query are free
}

TEST(ServerAuth, RsaSha2KeySucceeds) {
  auto key = new_key(keys::KeyType::rsa);
  ScriptedBackend backend = backend_for();
  backend.authorized[key.public_key().blob()] = {};
  ServerAuth server(server_config(), backend, kSessionId);
  ScriptedPrompter prompter;
  std::vector<keys::PrivateKey> keys;
  keys.push_back(std::move(key));
  ClientAuth client(client_config(), identities(std::move(keys)), prompter, kSessionId);
  client.set_server_sig_algs({"rsa-sha2-256"});
  auto r = run_pair(client, server);
  EXPECT_TRUE(r.server_success);
}

TEST(ServerAuth, WrongSignatureIsRefusedAndCounted) {
  auto key = new_key();
  ScriptedBackend backend = backend_for();
  backend.authorized[key.public_key().blob()] = {};
  auto cfg = server_config();
  cfg.password = false;
  cfg.kbdint = false;
  ServerAuth server(cfg, backend, kSessionId);
  ScriptedPrompter prompter;
  std::vector<keys::PrivateKey> keys;
  keys.push_back(std::move(key));
  ClientAuth client(client_config(), identities(std::move(keys), /*corrupt=*/true), prompter,
                    kSessionId);
  auto r = run_pair(client, server);
  EXPECT_FALSE(r.server_success);
  EXPECT_EQ(r.client_state, ClientAuth::State::failure);
  EXPECT_EQ(r.server_types(), (std::vector<uint8_t>{kUserauthFailure, kUserauthPkOk, kUserauthFailure}));
  EXPECT_EQ(server.failures(), 1);
}

TEST(ServerAuth, SignatureOverOtherSessionIdIsRefused) {
  auto key = new_key();
  ScriptedBackend backend = backend_for();
  backend.authorized[key.public_key().blob()] = {};
  ServerAuth server(server_config(), backend, kSessionId);
  ScriptedPrompter prompter;
  std::vector<keys::PrivateKey> keys;
  keys.push_back(std::move(key));
  ClientAuth client(client_config(), identities(std::move(keys)), prompter, to_bytes("other-session"));
  auto r = run_pair(client, server);
  EXPECT_FALSE(r.server_success);
}

TEST(ServerAuth, HostboundPublickeySucceedsAndChecksHostKey) {
  auto key = new_key();
  auto host = new_key();
  ScriptedBackend backend = backend_for();
  backend.authorized[key.public_key().blob()] = {};
  backend.host_key = host.public_key().blob();
  auto cfg = server_config();
  cfg.host_key_blob = host.public_key().blob();
  {
    ServerAuth server(cfg, backend, kSessionId);
    ScriptedPrompter prompter;
    std::vector<keys::PrivateKey> keys;
    keys.push_back(key.clone());
    ClientAuth client(client_config(), identities(std::move(keys)), prompter, kSessionId);
    client.set_hostbound(host.public_key().blob());
    auto r = run_pair(client, server);
    ASSERT_FALSE(r.server_error) << r.server_error->context;
    EXPECT_TRUE(r.server_success);
  }
  {
    // The client bound its request to another server's key: the connection ends.
    ServerAuth server(cfg, backend, kSessionId);
    ScriptedPrompter prompter;
    std::vector<keys::PrivateKey> keys;
    keys.push_back(key.clone());
    ClientAuth client(client_config(), identities(std::move(keys)), prompter, kSessionId);
    client.set_hostbound(new_key().public_key().blob());
    auto r = run_pair(client, server);
    ASSERT_TRUE(r.server_error);
    EXPECT_FALSE(r.server_success);
  }
  {
    // Without a host key configured the hostbound method is unknown: plain failure.
    ServerAuth server(server_config(), backend, kSessionId);
    ScriptedPrompter prompter;
    std::vector<keys::PrivateKey> keys;
    keys.push_back(key.clone());
    ClientAuth client(client_config(), identities(std::move(keys)), prompter, kSessionId);
    client.set_hostbound(host.public_key().blob());
    auto r = run_pair(client, server);
    EXPECT_FALSE(r.server_error);
    EXPECT_FALSE(r.server_success);
  }
}

TEST(ServerAuth, PasswordWrongThenRight) {
  ScriptedBackend backend = backend_for();
  ServerAuth server(server_config(), backend, kSessionId);
  ScriptedPrompter prompter;
  prompter.answers = {"wrong", "hunter2"};
  auto cc = client_config();
  cc.preferred = {"password"};
  ClientAuth client(cc, {}, prompter, kSessionId);
  auto r = run_pair(client, server);
  EXPECT_TRUE(r.server_success);
  EXPECT_EQ(server.failures(), 1);
  EXPECT_EQ(server.success().methods, std::vector<std::string>{"password"});
  EXPECT_FALSE(server.success().key_options);
}

TEST(ServerAuth, KeyboardInteractiveTwoRounds) {
  ScriptedBackend backend = backend_for();
  ServerAuth server(server_config(), backend, kSessionId);
  ScriptedPrompter prompter;
  prompter.answers = {"hunter2", "42"};
  auto cc = client_config();
  cc.preferred = {"keyboard-interactive"};
  ClientAuth client(cc, {}, prompter, kSessionId);
  auto r = run_pair(client, server);
  ASSERT_FALSE(r.server_error) << r.server_error->context;
  EXPECT_TRUE(r.server_success);
  // The client names the account in front of each prompt, as OpenSSH does.
  EXPECT_EQ(prompter.prompts, (std::vector<std::string>{"(alice@server) Password: ", "(alice@server) Code: "}));
  EXPECT_NE(prompter.shown.find("Two factors"), std::string::npos);
  EXPECT_EQ(r.server_types(), (std::vector<uint8_t>{kUserauthFailure, kUserauthInfoRequest,
                                                    kUserauthInfoRequest, kUserauthSuccess}));
}

TEST(ServerAuth, KeyboardInteractiveWrongAnswerFails) {
  ScriptedBackend backend = backend_for();
  ServerAuth server(server_config(), backend, kSessionId);
  ScriptedPrompter prompter;
  prompter.answers = {"wrong", "42"};
  auto cc = client_config();
  cc.preferred = {"keyboard-interactive"};
  cc.password_prompts = 1;
  ClientAuth client(cc, {}, prompter, kSessionId);
  auto r = run_pair(client, server);
  EXPECT_FALSE(r.server_success);
  EXPECT_EQ(r.client_state, ClientAuth::State::failure);
  EXPECT_EQ(server.failures(), 1);
}

TEST(ServerAuth, NewRequestAbandonsKeyboardInteractive) {
  ScriptedBackend backend = backend_for();
  ServerAuth server(server_config(), backend, kSessionId);
  std::vector<Bytes> out;
  RequestHeader h{"alice", "ssh-connection", "keyboard-interactive"};
  ASSERT_TRUE(server.on_message(encode_kbdint_request(h), out));
  ASSERT_EQ(out.back()[0], kUserauthInfoRequest);
  h.method = "password";
  ASSERT_TRUE(server.on_message(encode_password_request(h, as_bytes("hunter2")), out));
  EXPECT_EQ(out.back()[0], kUserauthSuccess);
  EXPECT_NE(std::find(backend.calls.begin(), backend.calls.end(), "kbdint_stop"), backend.calls.end());
}

TEST(ServerAuth, InfoResponseWithoutRequestOrWrongCountIsFatal) {
  ScriptedBackend backend = backend_for();
  ServerAuth server(server_config(), backend, kSessionId);
  std::vector<Bytes> out;
  std::vector<SecretBytes> one;
  one.emplace_back(as_bytes("x"));
  EXPECT_FALSE(server.on_message(encode_info_response(one), out));

  ServerAuth server2(server_config(), backend, kSessionId);
  ASSERT_TRUE(server2.on_message(encode_kbdint_request({"alice", "ssh-connection", "keyboard-interactive"}), out));
  EXPECT_FALSE(server2.on_message(encode_info_response({}), out));
}

TEST(ServerAuth, MaxAuthTriesDisconnects) {
  ScriptedBackend backend = backend_for();
  auto cfg = server_config();
  cfg.max_auth_tries = 3;
  ServerAuth server(cfg, backend, kSessionId);
  ScriptedPrompter prompter;
  std::vector<keys::PrivateKey> keys;
  for (int i = 0; i < 5; ++i) keys.push_back(new_key());  // none of them authorized
  ClientAuth client(client_config(), identities(std::move(keys)), prompter, kSessionId);
  auto r = run_pair(client, server);
  ASSERT_TRUE(r.server_error);
  EXPECT_EQ(r.server_error->context, kTooManyFailures);
  EXPECT_EQ(r.server_error->reason, DisconnectReason::protocol_error);
  EXPECT_EQ(server.failures(), 3);
  // The free "none" plus two counted failures were answered; the third ended it.
  EXPECT_EQ(r.server_types(), (std::vector<uint8_t>{kUserauthFailure, kUserauthFailure, kUserauthFailure}));
}

TEST(ServerAuth, LaterNoneRequestsAreCounted) {
  ScriptedBackend backend = backend_for();
  auto cfg = server_config();
  cfg.max_auth_tries = 2;
  ServerAuth server(cfg, backend, kSessionId);
  std::vector<Bytes> out;
  Bytes none = encode_none_request({"alice", "ssh-connection", "none"});
  ASSERT_TRUE(server.on_message(none, out));
  EXPECT_EQ(server.failures(), 0);
  ASSERT_TRUE(server.on_message(none, out));
  EXPECT_EQ(server.failures(), 1);
  auto r = server.on_message(none, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().context, kTooManyFailures);
}

struct RootCase {
  PermitRootLogin policy;
  bool forced_command;
  bool pubkey_ok;
  bool password_ok;
};

class RootLogin : public ::testing::TestWithParam<RootCase> {};

TEST_P(RootLogin, AppliesPolicy) {
  const RootCase& c = GetParam();
  auto key = new_key();
  ScriptedBackend backend = backend_for("root", /*root=*/true);
  keys::AuthorizedKeyOptions opts;
  if (c.forced_command) opts.command = "/usr/bin/backup";
  backend.authorized[key.public_key().blob()] = opts;
  auto cfg = server_config();
  cfg.permit_root_login = c.policy;
  {
    ServerAuth server(cfg, backend, kSessionId);
    ScriptedPrompter prompter;
    auto cc = client_config("root");
    cc.preferred = {"publickey"};
    std::vector<keys::PrivateKey> keys;
    keys.push_back(key.clone());
    ClientAuth client(cc, identities(std::move(keys)), prompter, kSessionId);
    EXPECT_EQ(run_pair(client, server).server_success, c.pubkey_ok);
  }
  {
    ServerAuth server(cfg, backend, kSessionId);
    ScriptedPrompter prompter;
    prompter.answers = {"hunter2"};
    auto cc = client_config("root");
    cc.preferred = {"password"};
    cc.password_prompts = 1;
    ClientAuth client(cc, {}, prompter, kSessionId);
    EXPECT_EQ(run_pair(client, server).server_success, c.password_ok);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Policies, RootLogin,
    ::testing::Values(RootCase{PermitRootLogin::yes, false, true, true},
                      RootCase{PermitRootLogin::prohibit_password, false, true, false},
                      RootCase{PermitRootLogin::forced_commands_only, false, false, false},
                      RootCase{PermitRootLogin::forced_commands_only, true, true, false},
                      RootCase{PermitRootLogin::no, true, false, false}));

TEST(ServerAuth, RootLoginAllowedTable) {
  EXPECT_TRUE(root_login_allowed(PermitRootLogin::prohibit_password, "publickey", false));
  EXPECT_FALSE(root_login_allowed(PermitRootLogin::prohibit_password, "keyboard-interactive", false));
  EXPECT_FALSE(root_login_allowed(PermitRootLogin::forced_commands_only, "password", true));
}

// Everything the server sends for a user that does not exist must equal what it sends for
// an existing user whose credentials are wrong.
TEST(ServerAuth, InvalidUserIsIndistinguishable) {
  auto transcript = [](std::string user) {
    ScriptedBackend backend = backend_for("alice");
    backend.authorized[new_key().public_key().blob()] = {};
    auto cfg = server_config();
    cfg.banner = "Authorized use only\n";
    ServerAuth server(cfg, backend, kSessionId);
    ScriptedPrompter prompter;
    prompter.answers = {"wrong", "42", "wrong", "wrong", "wrong"};
    std::vector<keys::PrivateKey> keys;
    keys.push_back(new_key());
    ClientAuth client(client_config(user), identities(std::move(keys)), prompter, kSessionId);
    auto r = run_pair(client, server);
    EXPECT_FALSE(r.server_success);
    // The same backend calls happen too (same work on the privileged side).
    std::vector<std::string> calls(backend.calls.begin() + 1, backend.calls.end());
    return std::make_pair(r.server_messages, calls);
  };
  auto valid = transcript("alice");
  auto invalid = transcript("mallory");
  EXPECT_EQ(valid.first, invalid.first);
  EXPECT_EQ(valid.second, invalid.second);
  EXPECT_GE(valid.first.size(), 5u);
  EXPECT_EQ(valid.first[0][0], kUserauthBanner);
}

TEST(ServerAuth, InvalidUserNeverSucceedsEvenIfBackendSaysSo) {
  class Yes : public ScriptedBackend {
    Result<bool> check_password(std::string_view, const SecretBytes&) override { return true; }
  } backend;
  ServerAuth server(server_config(), backend, kSessionId);
  std::vector<Bytes> out;
  ASSERT_TRUE(server.on_message(
      encode_password_request({"ghost", "ssh-connection", "password"}, as_bytes("x")), out));
  EXPECT_EQ(out.back()[0], kUserauthFailure);
}

TEST(ServerAuth, BannerOnlyOnceBeforeFirstAnswer) {
  ScriptedBackend backend = backend_for();
  auto cfg = server_config();
  cfg.banner = "Welcome\n";
  ServerAuth server(cfg, backend, kSessionId);
  std::vector<Bytes> out;
  Bytes none = encode_none_request({"alice", "ssh-connection", "none"});
  ASSERT_TRUE(server.on_message(none, out));
  ASSERT_TRUE(server.on_message(none, out));
  ASSERT_EQ(out.size(), 3u);
  auto banner = decode_banner(out[0]);
  ASSERT_TRUE(banner);
  EXPECT_EQ(banner->message, "Welcome\n");
  EXPECT_EQ(out[1][0], kUserauthFailure);
  EXPECT_EQ(out[2][0], kUserauthFailure);
}

TEST(ServerAuth, UserOrServiceChangeEndsConnection) {
  ScriptedBackend backend = backend_for();
  ServerAuth server(server_config(), backend, kSessionId);
  std::vector<Bytes> out;
  ASSERT_TRUE(server.on_message(encode_none_request({"alice", "ssh-connection", "none"}), out));
  auto r = server.on_message(encode_none_request({"bob", "ssh-connection", "none"}), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().context,
            "Change of username or service not allowed: (alice,ssh-connection) -> (bob,ssh-connection)");

  ServerAuth server2(server_config(), backend, kSessionId);
  auto r2 = server2.on_message(encode_none_request({"alice", "ssh-userauth", "none"}), out);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().reason, DisconnectReason::service_not_available);
}

TEST(ServerAuth, StyleSuffixIsStripped) {
  ScriptedBackend backend = backend_for();
  ServerAuth server(server_config(), backend, kSessionId);
  std::vector<Bytes> out;
  ASSERT_TRUE(server.on_message(
      encode_password_request({"alice:pam", "ssh-connection", "password"}, as_bytes("hunter2")), out));
  EXPECT_EQ(out.back()[0], kUserauthSuccess);
  EXPECT_EQ(server.success().user, "alice");
  EXPECT_EQ(backend.calls.front(), "lookup alice");
}

TEST(ServerAuth, EmptyPasswords) {
  ScriptedBackend backend = backend_for();
  backend.passwords["alice"] = "";
  Bytes none = encode_none_request({"alice", "ssh-connection", "none"});
  Bytes empty_pw = encode_password_request({"alice", "ssh-connection", "password"}, {});
  {
    ServerAuth server(server_config(), backend, kSessionId);
    std::vector<Bytes> out;
    ASSERT_TRUE(server.on_message(none, out));
    ASSERT_TRUE(server.on_message(empty_pw, out));
    EXPECT_EQ(out.back()[0], kUserauthFailure);
  }
  backend.calls.clear();
  auto cfg = server_config();
  cfg.permit_empty_passwords = true;
  ServerAuth server(cfg, backend, kSessionId);
  std::vector<Bytes> out;
  ASSERT_TRUE(server.on_message(none, out));
  EXPECT_EQ(out.back()[0], kUserauthSuccess);
  EXPECT_EQ(server.success().methods, std::vector<std::string>{"none"});
}

TEST(ServerAuth, AuthenticationMethodsGivesPartialSuccess) {
  auto key = new_key();
  ScriptedBackend backend = backend_for();
  backend.authorized[key.public_key().blob()] = {};
  auto cfg = server_config();
  cfg.authentication_methods = {{"publickey", "password"}};
  ServerAuth server(cfg, backend, kSessionId);
  ScriptedPrompter prompter;
  prompter.answers = {"hunter2"};
  std::vector<keys::PrivateKey> keys;
  keys.push_back(std::move(key));
  ClientAuth client(client_config(), identities(std::move(keys)), prompter, kSessionId);
  auto r = run_pair(client, server);
  ASSERT_FALSE(r.server_error) << r.server_error->context;
  EXPECT_TRUE(r.server_success);
  EXPECT_EQ(server.success().methods, (std::vector<std::string>{"publickey", "password"}));
  // none -> [publickey]; PK_OK; partial -> [password]; success.
  ASSERT_EQ(r.server_types(), (std::vector<uint8_t>{kUserauthFailure, kUserauthPkOk,
                                                    kUserauthFailure, kUserauthSuccess}));
  EXPECT_EQ(failure_methods(r.server_messages[0]), std::vector<std::string>{"publickey"});
  auto partial = decode_failure(r.server_messages[2]);
  ASSERT_TRUE(partial);
  EXPECT_TRUE(partial->partial_success);
  EXPECT_EQ(partial->methods, std::vector<std::string>{"password"});
}

TEST(ServerAuth, AccountCheckFailureEndsConnection) {
  ScriptedBackend backend = backend_for();
  backend.account_ok = false;
  ServerAuth server(server_config(), backend, kSessionId);
  std::vector<Bytes> out;
  auto r = server.on_message(
      encode_password_request({"alice", "ssh-connection", "password"}, as_bytes("hunter2")), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::auth);
}

TEST(ServerAuth, DisabledAndUnknownMethodsFail) {
  ScriptedBackend backend = backend_for();
  auto cfg = server_config();
  cfg.password = false;
  ServerAuth server(cfg, backend, kSessionId);
  std::vector<Bytes> out;
  ASSERT_TRUE(server.on_message(
      encode_password_request({"alice", "ssh-connection", "password"}, as_bytes("hunter2")), out));
  EXPECT_EQ(out.back()[0], kUserauthFailure);
  EXPECT_EQ(failure_methods(out.back()), (std::vector<std::string>{"publickey", "keyboard-interactive"}));
  ASSERT_TRUE(server.on_message(encode_none_request({"alice", "ssh-connection", "hostbased"}), out));
  EXPECT_EQ(out.back()[0], kUserauthFailure);
  EXPECT_EQ(server.failures(), 2);
  EXPECT_EQ(std::count(backend.calls.begin(), backend.calls.end(), "check_password"), 0);
}

// The backend's policy for the user (sshd_config Match applied) replaces the global one
// from the first request on: here password is on globally and off for alice.
TEST(ServerAuth, PolicyFromUserLookupGovernsEveryDecision) {
  ScriptedBackend backend = backend_for();
  AuthPolicy alice;
  alice.password = false;
  alice.kbdint = false;
  alice.max_auth_tries = 2;
  backend.users["alice"].policy = alice;
  ServerAuth server(server_config(), backend, kSessionId);
  std::vector<Bytes> out;
  ASSERT_TRUE(server.on_message(
      encode_password_request({"alice", "ssh-connection", "password"}, as_bytes("hunter2")), out));
  EXPECT_EQ(out.back()[0], kUserauthFailure);
  EXPECT_EQ(failure_methods(out.back()), std::vector<std::string>{"publickey"});
  EXPECT_EQ(std::count(backend.calls.begin(), backend.calls.end(), "check_password"), 0);
  // MaxAuthTries 2 from the policy: the second failure ends the connection.
  auto r = server.on_message(
      encode_password_request({"alice", "ssh-connection", "password"}, as_bytes("hunter2")), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().context, kTooManyFailures);
}

TEST(ServerAuth, PermitRootLoginFromUserLookup) {
  for (auto policy : {PermitRootLogin::yes, PermitRootLogin::no}) {
    ScriptedBackend backend = backend_for("root", true);
    AuthPolicy root;
    root.permit_root_login = policy;
    backend.users["root"].policy = root;
    auto cfg = server_config();
    cfg.permit_root_login = PermitRootLogin::yes;  // the global value; the policy wins
    ServerAuth server(cfg, backend, kSessionId);
    std::vector<Bytes> out;
    ASSERT_TRUE(server.on_message(
        encode_password_request({"root", "ssh-connection", "password"}, as_bytes("hunter2")), out));
    EXPECT_EQ(out.back()[0], policy == PermitRootLogin::yes ? kUserauthSuccess : kUserauthFailure);
  }
}

TEST(ServerAuth, CheckFinishedLogin) {
  AuthPolicy p;
  EXPECT_TRUE(check_finished_login(p, false, {"password"}, false));
  EXPECT_TRUE(check_finished_login(p, false, {"publickey"}, false));
  EXPECT_FALSE(check_finished_login(p, false, {"keyboard-interactive"}, false));  // kbdint off
  p.password = false;
  EXPECT_FALSE(check_finished_login(p, false, {"password"}, false));
  EXPECT_FALSE(check_finished_login(p, false, {"publickey", "password"}, false));
  // Root: prohibit-password by default.
  p.password = true;
  EXPECT_TRUE(check_finished_login(p, true, {"publickey"}, false));
  EXPECT_FALSE(check_finished_login(p, true, {"password"}, false));
  p.permit_root_login = PermitRootLogin::no;
  EXPECT_FALSE(check_finished_login(p, true, {"publickey"}, false));
  p.permit_root_login = PermitRootLogin::forced_commands_only;
  EXPECT_FALSE(check_finished_login(p, true, {"publickey"}, false));
  EXPECT_TRUE(check_finished_login(p, true, {"publickey"}, true));
  // AuthenticationMethods: some list completed in order.
  p.authentication_methods = {{"publickey", "password"}, {"keyboard-interactive:pam"}};
  EXPECT_FALSE(check_finished_login(p, false, {"publickey"}, false));
  EXPECT_FALSE(check_finished_login(p, false, {"password", "publickey"}, false));
  EXPECT_TRUE(check_finished_login(p, false, {"publickey", "password"}, false));
  p.kbdint = true;
  EXPECT_TRUE(check_finished_login(p, false, {"keyboard-interactive"}, false));
}

TEST(ServerAuth, MessagesAfterSuccessAreErrors) {
  ScriptedBackend backend = backend_for();
  ServerAuth server(server_config(), backend, kSessionId);
  std::vector<Bytes> out;
  Bytes ok = encode_password_request({"alice", "ssh-connection", "password"}, as_bytes("hunter2"));
  ASSERT_EQ(*server.on_message(ok, out), ServerAuth::State::success);
  EXPECT_FALSE(server.on_message(ok, out));
}

// Every prefix of every valid request, and every request with a trailing byte, ends in a
// clean answer or an error, never a crash or a success.
TEST(ServerAuth, TruncatedAndPaddedRequests) {
  auto key = new_key();
  auto host = new_key();
  ScriptedBackend backend = backend_for();
  backend.authorized[key.public_key().blob()] = {};
  backend.host_key = host.public_key().blob();
  RequestHeader h{"alice", "ssh-connection", "publickey"};
  PublickeyFields f{"ssh-ed25519", key.public_key().blob(), std::nullopt};
  Bytes sig = *key.sign(publickey_signed_data(kSessionId, h, f));
  RequestHeader hb{"alice", "ssh-connection", std::string(kHostboundMethod)};
  PublickeyFields fb{"ssh-ed25519", key.public_key().blob(), host.public_key().blob()};
  Bytes sigb = *key.sign(publickey_signed_data(kSessionId, hb, fb));
  std::vector<Bytes> requests = {
      encode_none_request({"alice", "ssh-connection", "none"}),
      encode_publickey_query(h, f),
      encode_publickey_signed(h, f, sig),
      encode_publickey_signed(hb, fb, sigb),
      encode_password_request({"alice", "ssh-connection", "password"}, as_bytes("hunter2")),
      encode_kbdint_request({"alice", "ssh-connection", "keyboard-interactive"}),
  };
  auto cfg = server_config();
  cfg.host_key_blob = host.public_key().blob();
  for (const Bytes& full : requests) {
    for (size_t n = 0; n < full.size(); ++n) {
      ServerAuth server(cfg, backend, kSessionId);
      std::vector<Bytes> out;
      Bytes cut(full.begin(), full.begin() + n);
      auto r = server.on_message(cut, out);
      if (r) {
        EXPECT_EQ(*r, ServerAuth::State::in_progress) << "prefix " << n;
      }
    }
    Bytes padded = full;
    padded.push_back(0);
    ServerAuth server(cfg, backend, kSessionId);
    std::vector<Bytes> out;
    auto r = server.on_message(padded, out);
    if (r) {
      EXPECT_EQ(*r, ServerAuth::State::in_progress);
    }
    // And the unmodified request works, so the loop above tested something.
    ServerAuth fresh(cfg, backend, kSessionId);
    out.clear();
    EXPECT_TRUE(fresh.on_message(full, out)) << "request " << int(full[0]);
  }
  // Info responses cut at every offset during a conversation.
  std::vector<SecretBytes> answer;
  answer.emplace_back(as_bytes("hunter2"));
  Bytes response = encode_info_response(answer);
  for (size_t n = 0; n < response.size(); ++n) {
    ServerAuth server(cfg, backend, kSessionId);
    std::vector<Bytes> out;
    ASSERT_TRUE(server.on_message(requests.back(), out));
    EXPECT_FALSE(server.on_message(ByteView(response.data(), n), out));
  }
}

TEST(ServerAuth, SignedDataCheck) {
  RequestHeader h{"alice:style", "ssh-connection", "publickey"};
  PublickeyFields f{"ssh-ed25519", to_bytes("blob"), std::nullopt};
  Bytes data = publickey_signed_data(kSessionId, h, f);
  EXPECT_TRUE(check_publickey_signed_data(data, kSessionId, "alice", "ssh-ed25519", to_bytes("blob"), std::nullopt));
  EXPECT_FALSE(check_publickey_signed_data(data, to_bytes("x"), "alice", "ssh-ed25519", to_bytes("blob"), std::nullopt));
  EXPECT_FALSE(check_publickey_signed_data(data, kSessionId, "bob", "ssh-ed25519", to_bytes("blob"), std::nullopt));
  EXPECT_FALSE(check_publickey_signed_data(data, kSessionId, "alice", "rsa-sha2-256", to_bytes("blob"), std::nullopt));
  EXPECT_FALSE(check_publickey_signed_data(data, kSessionId, "alice", "ssh-ed25519", to_bytes("blob2"), std::nullopt));
  Bytes padded = data;
  padded.push_back(0);
  EXPECT_FALSE(check_publickey_signed_data(padded, kSessionId, "alice", "ssh-ed25519", to_bytes("blob"), std::nullopt));
  h.method = std::string(kHostboundMethod);
  f.host_key = to_bytes("hostkey");
  Bytes hb = publickey_signed_data(kSessionId, h, f);
  EXPECT_TRUE(check_publickey_signed_data(hb, kSessionId, "alice", "ssh-ed25519", to_bytes("blob"), to_bytes("hostkey")));
  EXPECT_FALSE(check_publickey_signed_data(hb, kSessionId, "alice", "ssh-ed25519", to_bytes("blob"), to_bytes("other")));
  EXPECT_FALSE(check_publickey_signed_data(hb, kSessionId, "alice", "ssh-ed25519", to_bytes("blob"), std::nullopt));
}

}  // namespace
}  // namespace ssh::auth
