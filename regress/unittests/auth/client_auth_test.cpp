#include <gtest/gtest.h>

#include <deque>

#include "auth/client_auth.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::auth {
namespace {

// A key whose "signature" is a recognisable function of the signed data, so the test can
// check that exactly the RFC 4252 §7 data was signed.
class FixedIdentity : public ClientIdentity {
 public:
  FixedIdentity(std::string type, Bytes blob) : type_(std::move(type)), blob_(std::move(blob)) {}
  std::string key_type() const override { return type_; }
  const Bytes& public_blob() const override { return blob_; }
  std::string description() const override { return "test " + type_; }
  Result<Bytes> sign(std::string_view alg, ByteView data) override {
    signed_alg = std::string(alg);
    signed_data.assign(data.begin(), data.end());
    return to_bytes("sig");
  }
  std::string signed_alg;
  Bytes signed_data;

 private:
  std::string type_;
  Bytes blob_;
};

class ScriptedPrompter : public Prompter {
 public:
  std::optional<SecretBytes> ask(std::string_view prompt, bool echo) override {
    prompts.emplace_back(prompt);
    echoes.push_back(echo);
    if (answers.empty()) return std::nullopt;
    SecretBytes s(as_bytes(answers.front()));
    answers.pop_front();
    return s;
  }
  void show(std::string_view text) override { shown += text; }
  std::deque<std::string> answers;
  std::vector<std::string> prompts;
  std::vector<bool> echoes;
  std::string shown;
};

Bytes failure(const std::vector<std::string>& methods) {
  return WireWriter().u8(kUserauthFailure).name_list(methods).boolean(false).take();
}

struct Parsed {
  std::string user, service, method;
  WireReader rest;
};
Parsed parse_request(const Bytes& msg) {
  WireReader r(msg);
  EXPECT_EQ(*r.u8(), kUserauthRequest);
  Parsed p{std::string(*r.text()), std::string(*r.text()), std::string(*r.text()), WireReader({})};
  p.rest = WireReader(r.rest());
  return p;
}

ClientAuthConfig config() {
  ClientAuthConfig c;
  c.user = "alice";
  c.host_label = "alice@example";
  return c;
}

TEST(ClientAuth, NoneThenPublickeyQuerySignSuccess) {
  ScriptedPrompter prompter;
  std::vector<std::unique_ptr<ClientIdentity>> ids;
  auto* key = new FixedIdentity("ssh-ed25519", to_bytes("blob"));
  ids.emplace_back(key);
  Bytes sid = to_bytes("session-id");
  ClientAuth auth(config(), std::move(ids), prompter, sid);
  std::vector<Bytes> out;
  auth.start(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_request(out[0]).method, "none");

  out.clear();
  ASSERT_EQ(*auth.on_message(failure({"publickey", "password"}), out), ClientAuth::State::in_progress);
  ASSERT_EQ(out.size(), 1u);
  Parsed q = parse_request(out[0]);
  EXPECT_EQ(q.method, "publickey");
  EXPECT_EQ(*q.rest.boolean(), false);
  EXPECT_EQ(*q.rest.text(), "ssh-ed25519");

  out.clear();
  Bytes pk_ok = WireWriter().u8(kUserauthPkOk).string("ssh-ed25519").string(to_bytes("blob")).take();
  ASSERT_EQ(*auth.on_message(pk_ok, out), ClientAuth::State::in_progress);
  ASSERT_EQ(out.size(), 1u);
  Parsed s = parse_request(out[0]);
  EXPECT_EQ(*s.rest.boolean(), true);
  EXPECT_EQ(*s.rest.text(), "ssh-ed25519");
  EXPECT_EQ(*s.rest.text(), "blob");
  EXPECT_EQ(*s.rest.text(), "sig");
  // RFC 4252 §7: session id, then the request with TRUE, algorithm and key.
  Bytes expected = WireWriter().string(sid).u8(50).string("alice").string("ssh-connection")
                       .string("publickey").boolean(true).string("ssh-ed25519").string(to_bytes("blob")).take();
  EXPECT_EQ(key->signed_data, expected);

  out.clear();
  Bytes success{kUserauthSuccess};
  EXPECT_EQ(*auth.on_message(success, out), ClientAuth::State::success);
  EXPECT_EQ(auth.used_method(), "publickey");
}

TEST(ClientAuth, RsaUsesServerSigAlgsAndHostbound) {
  ScriptedPrompter prompter;
  std::vector<std::unique_ptr<ClientIdentity>> ids;
  ids.emplace_back(new FixedIdentity("ssh-rsa", to_bytes("rsablob")));
  ClientAuth auth(config(), std::move(ids), prompter, to_bytes("sid"));
  auth.set_server_sig_algs({"ssh-ed25519", "rsa-sha2-256"});
  auth.set_hostbound(to_bytes("hostkey"));
  std::vector<Bytes> out;
  auth.start(out);
  out.clear();
  ASSERT_TRUE(auth.on_message(failure({"publickey"}), out));
  Parsed q = parse_request(out.at(0));
  EXPECT_EQ(q.method, "publickey-hostbound-v00@openssh.com");
  EXPECT_EQ(*q.rest.boolean(), false);
  EXPECT_EQ(*q.rest.text(), "rsa-sha2-256");
  EXPECT_EQ(*q.rest.text(), "rsablob");
  EXPECT_EQ(*q.rest.text(), "hostkey");
  EXPECT_TRUE(q.rest.expect_end());
}

TEST(ClientAuth, PasswordPromptsThenGivesUp) {
  ScriptedPrompter prompter;
  prompter.answers = {"wrong1", "wrong2"};
  auto cfg = config();
  cfg.password_prompts = 2;
  ClientAuth auth(cfg, {}, prompter, to_bytes("sid"));
  std::vector<Bytes> out;
  auth.start(out);
  out.clear();
  ASSERT_EQ(*auth.on_message(failure({"publickey", "password"}), out), ClientAuth::State::in_progress);
  Parsed p = parse_request(out.at(0));
  EXPECT_EQ(p.method, "password");
  EXPECT_EQ(*p.rest.boolean(), false);
  EXPECT_EQ(*p.rest.text(), "wrong1");
  EXPECT_EQ(prompter.prompts.at(0), "alice@example's password: ");
  EXPECT_FALSE(prompter.echoes.at(0));
  out.clear();
  ASSERT_EQ(*auth.on_message(failure({"publickey", "password"}), out), ClientAuth::State::in_progress);
  out.clear();
  EXPECT_EQ(*auth.on_message(failure({"publickey", "password"}), out), ClientAuth::State::failure);
  EXPECT_EQ(auth.last_methods(), "publickey,password");
  EXPECT_NE(prompter.shown.find("Permission denied, please try again."), std::string::npos);
}

TEST(ClientAuth, BatchModeNeverPrompts) {
  ScriptedPrompter prompter;
  auto cfg = config();
  cfg.batch_mode = true;
  ClientAuth auth(cfg, {}, prompter, to_bytes("sid"));
  std::vector<Bytes> out;
  auth.start(out);
  out.clear();
  EXPECT_EQ(*auth.on_message(failure({"password", "keyboard-interactive"}), out), ClientAuth::State::failure);
  EXPECT_TRUE(prompter.prompts.empty());
}

// Starts auth and answers the "none" probe with keyboard-interactive; returns the request.
Bytes kbdint_request(ClientAuth& auth) {
  std::vector<Bytes> out;
  auth.start(out);
  out.clear();
  EXPECT_TRUE(auth.on_message(failure({"keyboard-interactive"}), out));
  return out.empty() ? Bytes{} : out.at(0);
}

// KbdInteractiveDevices goes out as the request's submethods field (RFC 4256 §3.1).
TEST(ClientAuth, KeyboardInteractiveSendsDevices) {
  for (const char* devices : {"", "pam,bsdauth"}) {
    ScriptedPrompter prompter;
    ClientAuthConfig c = config();
    c.kbdint_devices = devices;
    ClientAuth auth(c, {}, prompter, to_bytes("sid"));
    Bytes request = kbdint_request(auth);  // p.rest views it
    Parsed p = parse_request(request);
    ASSERT_EQ(p.method, "keyboard-interactive");
    EXPECT_EQ(*p.rest.text(), "");  // language
    EXPECT_EQ(*p.rest.text(), std::string_view(devices));
  }
}

TEST(ClientAuth, KeyboardInteractiveAnswersPrompts) {
  ScriptedPrompter prompter;
  prompter.answers = {"secret"};
  ClientAuth auth(config(), {}, prompter, to_bytes("sid"));
  EXPECT_EQ(parse_request(kbdint_request(auth)).method, "keyboard-interactive");
  std::vector<Bytes> out;
  Bytes info = WireWriter().u8(kUserauthInfoRequest).string("").string("").string("").u32(1)
                   .string("Password: ").boolean(false).take();
  ASSERT_EQ(*auth.on_message(info, out), ClientAuth::State::in_progress);
  WireReader r(out.at(0));
  EXPECT_EQ(*r.u8(), kUserauthInfoResponse);
  EXPECT_EQ(*r.u32(), 1u);
  EXPECT_EQ(*r.text(), "secret");
}

TEST(ClientAuth, MalformedAndUnexpectedMessagesAreErrors) {
  ScriptedPrompter prompter;
  std::vector<std::unique_ptr<ClientIdentity>> ids;
  ids.emplace_back(new FixedIdentity("ssh-ed25519", to_bytes("blob")));
  ClientAuth auth(config(), std::move(ids), prompter, to_bytes("sid"));
  std::vector<Bytes> out;
  auth.start(out);
  Bytes truncated = failure({"publickey"});
  truncated.pop_back();
  EXPECT_FALSE(auth.on_message(truncated, out));
  Bytes stray_pk_ok = WireWriter().u8(kUserauthPkOk).string("ssh-ed25519").string(to_bytes("other")).take();
  ASSERT_TRUE(auth.on_message(failure({"publickey"}), out));
  EXPECT_FALSE(auth.on_message(stray_pk_ok, out));  // a key we never offered
  Bytes too_many = WireWriter().u8(kUserauthInfoRequest).string("").string("").string("").u32(1000).take();
  EXPECT_FALSE(decode_info_request(too_many));
}

}  // namespace
}  // namespace ssh::auth
