#include "auth/server_messages.h"

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::auth {

namespace {

Result<std::string> c_text(WireReader& r, size_t max, const char* what) {
  std::string_view s = SSH_TRY(r.text(max));
  if (s.find('\0') != std::string_view::npos) {
    return fail(ErrorCode::parse, std::string("NUL in ") + what);
  }
  return std::string(s);
}

Result<SecretBytes> c_secret(WireReader& r, size_t max, const char* what) {
  ByteView s = SSH_TRY(r.string(max));
  for (uint8_t c : s) {
    if (c == 0) return fail(ErrorCode::parse, std::string("NUL in ") + what);
  }
  return SecretBytes(s);
}

}  // namespace

Result<UserauthRequest> decode_userauth_request(ByteView payload) {
  WireReader r(payload);
  uint8_t type = SSH_TRY(r.u8());
  if (type != kUserauthRequest) return fail(ErrorCode::protocol, "not a userauth request");
  UserauthRequest req;
  req.user = SSH_TRY(c_text(r, kMaxUserName, "user name"));
  req.service = SSH_TRY(c_text(r, kMaxServiceName, "service name"));
  req.method = SSH_TRY(c_text(r, kMaxMethodName, "method name"));
  req.body = r.rest();
  return req;
}

Result<PublickeyBody> decode_publickey_body(ByteView body, bool hostbound) {
  WireReader r(body);
  PublickeyBody pk;
  pk.has_signature = SSH_TRY(r.boolean());
  pk.algorithm = SSH_TRY(c_text(r, kMaxMethodName, "key algorithm"));
  pk.key_blob = SSH_TRY(r.string(keys::kMaxBlobSize));
  if (hostbound) pk.host_key = SSH_TRY(r.string(keys::kMaxBlobSize));
  if (pk.has_signature) pk.signature = SSH_TRY(r.string(keys::kMaxBlobSize));
  SSH_TRY(r.expect_end());
  return pk;
}

Result<PasswordBody> decode_password_body(ByteView body) {
  WireReader r(body);
  PasswordBody pw;
  pw.change = SSH_TRY(r.boolean());
  pw.password = SSH_TRY(c_secret(r, kMaxPassword, "password"));
  if (pw.change) pw.new_password = SSH_TRY(c_secret(r, kMaxPassword, "password"));
  SSH_TRY(r.expect_end());
  return pw;
}

Result<KbdintBody> decode_kbdint_body(ByteView body) {
  WireReader r(body);
  SSH_TRY(r.text(kMaxMethodName));  // language tag, deprecated (RFC 4256 §3.1)
  KbdintBody kb;
  kb.submethods = SSH_TRY(c_text(r, kMaxMethodName, "submethods"));
  SSH_TRY(r.expect_end());
  return kb;
}

Result<std::vector<SecretBytes>> decode_info_response(ByteView payload, size_t expected) {
  WireReader r(payload);
  uint8_t type = SSH_TRY(r.u8());
  if (type != kUserauthInfoResponse) return fail(ErrorCode::protocol, "not an info response");
  uint32_t count = SSH_TRY(r.u32());
  // RFC 4256 §3.4: the count must match the request; OpenSSH ends the connection otherwise.
  if (count != expected) return fail(ErrorCode::protocol, "wrong number of replies");
  std::vector<SecretBytes> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    out.push_back(SSH_TRY(c_secret(r, kMaxKbdintResponse, "response")));
  }
  SSH_TRY(r.expect_end());
  return out;
}

Bytes encode_failure(const std::vector<std::string>& methods, bool partial_success) {
  // name_list() cannot express an empty list of names differently from "": both are "".
  return WireWriter().u8(kUserauthFailure).string(join_names(methods)).boolean(partial_success).take();
}

Bytes encode_success() {
  return WireWriter().u8(kUserauthSuccess).take();
}

Bytes encode_banner(std::string_view message) {
  return WireWriter().u8(kUserauthBanner).string(message).string("").take();
}

Bytes encode_pk_ok(std::string_view algorithm, ByteView key_blob) {
  return WireWriter().u8(kUserauthPkOk).string(algorithm).string(key_blob).take();
}

Bytes encode_info_request(const KbdintStep& step) {
  WireWriter w;
  w.u8(kUserauthInfoRequest).string(step.name).string(step.instruction).string("");
  w.u32(uint32_t(step.prompts.size()));
  for (const auto& p : step.prompts) w.string(p.text).boolean(p.echo);
  return w.take();
}

}  // namespace ssh::auth
