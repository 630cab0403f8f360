#include "auth/messages.h"

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::auth {

namespace {

Status expect_type(WireReader& r, uint8_t type) {
  uint8_t got = SSH_TRY(r.u8());
  if (got != type) return fail(ErrorCode::protocol, "unexpected message type " + std::to_string(got));
  return {};
}

WireWriter header(const RequestHeader& h) {
  WireWriter w;
  w.u8(kUserauthRequest).string(h.user).string(h.service).string(h.method);
  return w;
}

void publickey_body(WireWriter& w, const PublickeyFields& f) {
  w.string(f.algorithm).string(f.key_blob);
  if (f.host_key) w.string(*f.host_key);
}

}  // namespace

Bytes encode_service_request(std::string_view service) {
  return WireWriter().u8(kServiceRequest).string(service).take();
}

Result<std::string> decode_service_accept(ByteView payload) {
  WireReader r(payload);
  SSH_TRY(expect_type(r, kServiceAccept));
  std::string_view name = SSH_TRY(r.text(256));
  SSH_TRY(r.expect_end());
  return std::string(name);
}

Bytes encode_none_request(const RequestHeader& h) {
  return header(h).take();
}

Bytes encode_password_request(const RequestHeader& h, ByteView password) {
  return header(h).boolean(false).string(password).take();
}

Bytes encode_kbdint_request(const RequestHeader& h, std::string_view submethods) {
  return header(h).string("").string(submethods).take();  // language, submethods (RFC 4256 §3.1)
}

Bytes encode_publickey_query(const RequestHeader& h, const PublickeyFields& f) {
  WireWriter w = header(h);
  w.boolean(false);
  publickey_body(w, f);
  return w.take();
}

Bytes publickey_signed_data(ByteView session_id, const RequestHeader& h, const PublickeyFields& f) {
  WireWriter w;
  w.string(session_id);
  w.u8(kUserauthRequest).string(h.user).string(h.service).string(h.method).boolean(true);
  publickey_body(w, f);
  return w.take();
}

Bytes encode_publickey_signed(const RequestHeader& h, const PublickeyFields& f, ByteView signature) {
  WireWriter w = header(h);
  w.boolean(true);
  publickey_body(w, f);
  w.string(signature);
  return w.take();
}

Result<Failure> decode_failure(ByteView payload) {
  WireReader r(payload);
  SSH_TRY(expect_type(r, kUserauthFailure));
  Failure f;
  f.methods = SSH_TRY(r.name_list());
  f.partial_success = SSH_TRY(r.boolean());
  SSH_TRY(r.expect_end());
  return f;
}

Result<Banner> decode_banner(ByteView payload) {
  WireReader r(payload);
  SSH_TRY(expect_type(r, kUserauthBanner));
  Banner b;
  b.message = std::string(SSH_TRY(r.text(64 * 1024)));
  SSH_TRY(r.text(256));  // language tag
  SSH_TRY(r.expect_end());
  return b;
}

Result<PkOk> decode_pk_ok(ByteView payload) {
  WireReader r(payload);
  SSH_TRY(expect_type(r, kUserauthPkOk));
  PkOk ok;
  ok.algorithm = std::string(SSH_TRY(r.text(256)));
  ByteView blob = SSH_TRY(r.string(16 * 1024));
  ok.key_blob.assign(blob.begin(), blob.end());
  SSH_TRY(r.expect_end());
  return ok;
}

Result<InfoRequest> decode_info_request(ByteView payload) {
  WireReader r(payload);
  SSH_TRY(expect_type(r, kUserauthInfoRequest));
  InfoRequest req;
  req.name = std::string(SSH_TRY(r.text(4096)));
  req.instruction = std::string(SSH_TRY(r.text(16 * 1024)));
  SSH_TRY(r.text(256));  // language tag
  uint32_t count = SSH_TRY(r.u32());
  if (count > kMaxPrompts) return fail(ErrorCode::limit, "too many keyboard-interactive prompts");
  for (uint32_t i = 0; i < count; ++i) {
    InfoRequest::Prompt p;
    p.text = std::string(SSH_TRY(r.text(4096)));
    p.echo = SSH_TRY(r.boolean());
    req.prompts.push_back(std::move(p));
  }
  SSH_TRY(r.expect_end());
  return req;
}

Bytes encode_info_response(const std::vector<SecretBytes>& responses) {
  WireWriter w;
  w.u8(kUserauthInfoResponse).u32(uint32_t(responses.size()));
  for (const auto& r : responses) w.string(r.view());
  return w.take();
}

}  // namespace ssh::auth
