// Server-side userauth codecs: round trips with the client-side codecs, limits, NULs.
#include "auth/server_messages.h"

#include <gtest/gtest.h>

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::auth {
namespace {

TEST(ServerMessages, RequestHeaderAndPublickeyBodyRoundTrip) {
  RequestHeader h{"alice", "ssh-connection", std::string(kHostboundMethod)};
  PublickeyFields f{"ssh-ed25519", to_bytes("blob"), to_bytes("hostkey")};
  Bytes msg = encode_publickey_signed(h, f, to_bytes("sig"));
  auto req = decode_userauth_request(msg);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->user, "alice");
  EXPECT_EQ(req->service, "ssh-connection");
  EXPECT_EQ(req->method, kHostboundMethod);
  auto pk = decode_publickey_body(req->body, true);
  ASSERT_TRUE(pk);
  EXPECT_TRUE(pk->has_signature);
  EXPECT_EQ(pk->algorithm, "ssh-ed25519");
  EXPECT_EQ(as_text(pk->key_blob), "blob");
  EXPECT_EQ(as_text(*pk->host_key), "hostkey");
  EXPECT_EQ(as_text(pk->signature), "sig");
  // Parsed as plain publickey, the host key would be taken as the signature and the real
  // signature would be trailing garbage.
  EXPECT_FALSE(decode_publickey_body(req->body, false));
}

TEST(ServerMessages, PasswordBodies) {
  Bytes msg = encode_password_request({"a", "ssh-connection", "password"}, as_bytes("pw"));
  auto req = decode_userauth_request(msg);
  ASSERT_TRUE(req);
  auto pw = decode_password_body(req->body);
  ASSERT_TRUE(pw);
  EXPECT_FALSE(pw->change);
  EXPECT_EQ(pw->password.text(), "pw");
  Bytes change = WireWriter().boolean(true).string("old").string("new").take();
  auto ch = decode_password_body(change);
  ASSERT_TRUE(ch);
  EXPECT_TRUE(ch->change);
  EXPECT_EQ(ch->new_password->text(), "new");
  Bytes with_nul = WireWriter().boolean(false).string(ByteView(to_bytes(std::string("a\0b", 3)))).take();
  EXPECT_FALSE(decode_password_body(with_nul));
}

TEST(ServerMessages, NamesWithNulAreRefused) {
  Bytes msg = WireWriter().u8(kUserauthRequest).string(ByteView(to_bytes(std::string("root\0x", 6))))
                  .string("ssh-connection").string("none").take();
  EXPECT_FALSE(decode_userauth_request(msg));
}

TEST(ServerMessages, OversizeUserName) {
  std::string user(kMaxUserName + 1, 'a');
  EXPECT_FALSE(decode_userauth_request(encode_none_request({user, "ssh-connection", "none"})));
  user.pop_back();
  EXPECT_TRUE(decode_userauth_request(encode_none_request({user, "ssh-connection", "none"})));
}

TEST(ServerMessages, KbdintBodyAndInfoMessages) {
  Bytes msg = encode_kbdint_request({"a", "ssh-connection", "keyboard-interactive"});
  auto req = decode_userauth_request(msg);
  ASSERT_TRUE(req);
  auto kb = decode_kbdint_body(req->body);
  ASSERT_TRUE(kb);
  EXPECT_EQ(kb->submethods, "");

  KbdintStep step;
  step.kind = KbdintStep::Kind::prompts;
  step.name = "n";
  step.instruction = "i";
  step.prompts = {{"Password: ", false}, {"Code: ", true}};
  auto info = decode_info_request(encode_info_request(step));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->name, "n");
  EXPECT_EQ(info->instruction, "i");
  ASSERT_EQ(info->prompts.size(), 2u);
  EXPECT_EQ(info->prompts[1].text, "Code: ");
  EXPECT_TRUE(info->prompts[1].echo);

  std::vector<SecretBytes> answers;
  answers.emplace_back(as_bytes("a1"));
  answers.emplace_back(as_bytes("a2"));
  Bytes resp = encode_info_response(answers);
  auto got = decode_info_response(resp, 2);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[1].text(), "a2");
  EXPECT_FALSE(decode_info_response(resp, 1));
  for (size_t n = 0; n < resp.size(); ++n) {
    EXPECT_FALSE(decode_info_response(ByteView(resp.data(), n), 2)) << n;
  }
}

TEST(ServerMessages, RepliesDecodeWithClientCodecs) {
  auto f = decode_failure(encode_failure({"publickey", "password"}, true));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->methods, (std::vector<std::string>{"publickey", "password"}));
  EXPECT_TRUE(f->partial_success);
  auto empty = decode_failure(encode_failure({}, false));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->methods.empty());
  auto b = decode_banner(encode_banner("hello\r\n"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->message, "hello\r\n");
  auto ok = decode_pk_ok(encode_pk_ok("rsa-sha2-512", to_bytes("k")));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->algorithm, "rsa-sha2-512");
  EXPECT_EQ(encode_success(), Bytes{kUserauthSuccess});
}

}  // namespace
}  // namespace ssh::auth
