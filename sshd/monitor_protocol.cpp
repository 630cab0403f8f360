#include "sshd/monitor_protocol.h"

#include <algorithm>
#include <cstdint>

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::sshd {

namespace {

constexpr size_t kMaxField = kMaxMonitorMessage;
constexpr uint32_t kMaxListItems = 1024;

WireWriter start(MonitorType t) {
  WireWriter w;
  w.u8(uint8_t(t));
  return w;
}

Result<WireReader> open(ByteView m, MonitorType t) {
  WireReader r(m);
  uint8_t got = SSH_TRY(r.u8());
  if (got != uint8_t(t))
    return fail(ErrorCode::protocol, "unexpected monitor message " + std::to_string(got));
  return r;
}

Result<std::string> text(WireReader& r) {
  return std::string(SSH_TRY(r.text(kMaxField)));
}
Result<Bytes> bytes(WireReader& r) {
  ByteView v = SSH_TRY(r.string(kMaxField));
  return Bytes(v.begin(), v.end());
}

void put_strings(WireWriter& w, const std::vector<std::string>& v) {
  w.u32(uint32_t(v.size()));
  for (const auto& s : v) w.string(s);
}
Result<std::vector<std::string>> get_strings(WireReader& r) {
  uint32_t n = SSH_TRY(r.u32());
  if (n > kMaxListItems) return fail(ErrorCode::limit, "monitor list too long");
  std::vector<std::string> v;
  for (uint32_t i = 0; i < n; ++i) v.push_back(SSH_TRY(text(r)));
  return v;
}

void put_optional(WireWriter& w, const std::optional<std::string>& v) {
  w.boolean(v.has_value());
  if (v) w.string(*v);
}
Result<std::optional<std::string>> get_optional(WireReader& r) {
  if (!SSH_TRY(r.boolean())) return std::optional<std::string>();
  return std::optional<std::string>(SSH_TRY(text(r)));
}

// The Match-applied authentication policy that comes with a user lookup's answer.
void put_policy(WireWriter& w, const std::optional<auth::AuthPolicy>& p) {
  w.boolean(p.has_value());
  if (!p) return;
  w.boolean(p->pubkey).boolean(p->password).boolean(p->kbdint).u32(uint32_t(std::max(0, p->max_auth_tries)));
  w.u8(uint8_t(p->permit_root_login)).boolean(p->permit_empty_passwords);
  w.u32(uint32_t(p->authentication_methods.size()));
  for (const auto& list : p->authentication_methods) put_strings(w, list);
  put_strings(w, p->pubkey_algorithms);
}

Result<std::optional<auth::AuthPolicy>> get_policy(WireReader& r) {
  if (!SSH_TRY(r.boolean())) return std::optional<auth::AuthPolicy>();
  auth::AuthPolicy p;
  p.pubkey = SSH_TRY(r.boolean());
  p.password = SSH_TRY(r.boolean());
  p.kbdint = SSH_TRY(r.boolean());
  uint32_t tries = SSH_TRY(r.u32());
  uint8_t root = SSH_TRY(r.u8());
  if (tries > uint32_t(INT32_MAX) || root > uint8_t(auth::PermitRootLogin::no))
    return fail(ErrorCode::protocol, "bad authentication policy");
  p.max_auth_tries = int(tries);
  p.permit_root_login = auth::PermitRootLogin(root);
  p.permit_empty_passwords = SSH_TRY(r.boolean());
  uint32_t lists = SSH_TRY(r.u32());
  if (lists > kMaxListItems) return fail(ErrorCode::limit, "monitor list too long");
  p.authentication_methods.clear();
  for (uint32_t i = 0; i < lists; ++i) p.authentication_methods.push_back(SSH_TRY(get_strings(r)));
  p.pubkey_algorithms = SSH_TRY(get_strings(r));
  return std::optional<auth::AuthPolicy>(std::move(p));
}

void put_options(WireWriter& w, const keys::AuthorizedKeyOptions& o) {
  w.boolean(o.port_forwarding).boolean(o.agent_forwarding).boolean(o.x11_forwarding).boolean(o.pty);
  w.boolean(o.user_rc).boolean(o.restricted).boolean(o.cert_authority).boolean(o.no_touch_required);
  w.boolean(o.verify_required);
  put_optional(w, o.command);
  put_optional(w, o.from);
  put_optional(w, o.principals);
  put_strings(w, o.environment);
  put_strings(w, o.permitopen);
  put_strings(w, o.permitlisten);
  w.boolean(o.expiry_time.has_value()).u64(uint64_t(o.expiry_time.value_or(0)));
  w.boolean(o.tunnel.has_value()).u32(o.tunnel.value_or(0));
}

Result<keys::AuthorizedKeyOptions> get_options(WireReader& r) {
  keys::AuthorizedKeyOptions o;
  o.port_forwarding = SSH_TRY(r.boolean());
  o.agent_forwarding = SSH_TRY(r.boolean());
  o.x11_forwarding = SSH_TRY(r.boolean());
  o.pty = SSH_TRY(r.boolean());
  o.user_rc = SSH_TRY(r.boolean());
  o.restricted = SSH_TRY(r.boolean());
  o.cert_authority = SSH_TRY(r.boolean());
  o.no_touch_required = SSH_TRY(r.boolean());
  o.verify_required = SSH_TRY(r.boolean());
  o.command = SSH_TRY(get_optional(r));
  o.from = SSH_TRY(get_optional(r));
  o.principals = SSH_TRY(get_optional(r));
  o.environment = SSH_TRY(get_strings(r));
  o.permitopen = SSH_TRY(get_strings(r));
  o.permitlisten = SSH_TRY(get_strings(r));
  bool has_expiry = SSH_TRY(r.boolean());
  uint64_t expiry = SSH_TRY(r.u64());
  if (has_expiry) o.expiry_time = int64_t(expiry);
  bool has_tunnel = SSH_TRY(r.boolean());
  uint32_t tunnel = SSH_TRY(r.u32());
  if (has_tunnel) o.tunnel = tunnel;
  return o;
}

SecretBytes to_secret(WireWriter&& w) {
  Bytes b = w.take();
  SecretBytes s(b);
  wipe(b.data(), b.size());
  return s;
}

}  // namespace

MonitorType message_type(ByteView m) {
  return m.empty() ? MonitorType(0) : MonitorType(m[0]);
}

Bytes encode(const SignRequest& m) {
  return start(MonitorType::sign).string(m.algorithm).string(m.data).take();
}
Bytes encode(const UserRequest& m, MonitorType type) {
  return start(type).string(m.user).take();
}
Bytes encode(const PublickeyRequest& m) {
  return start(MonitorType::check_publickey).string(m.user).string(m.algorithm).string(m.key_blob).take();
}
Bytes encode(const VerifyRequest& m) {
  return start(MonitorType::verify_publickey)
      .string(m.user)
      .string(m.algorithm)
      .string(m.key_blob)
      .string(m.signature)
      .string(m.signed_data)
      .take();
}
SecretBytes encode(const PasswordRequest& m) {
  return to_secret(std::move(start(MonitorType::check_password).string(m.user).string(m.password.view())));
}
Bytes encode(const KbdintStartRequest& m) {
  return start(MonitorType::kbdint_start).string(m.user).string(m.submethods).take();
}
SecretBytes encode(const KbdintRespondRequest& m) {
  WireWriter w = start(MonitorType::kbdint_respond);
  w.u32(uint32_t(m.responses.size()));
  for (const auto& r : m.responses) w.string(r.view());
  return to_secret(std::move(w));
}
Bytes encode(const AuthDoneRequest& m) {
  WireWriter w = start(MonitorType::auth_done);
  w.string(m.user);
  put_strings(w, m.methods);
  return w.take();
}
Bytes encode(const LogLine& m) {
  return start(MonitorType::log).u8(m.level).string(m.text).take();
}
Bytes encode_type_only(MonitorType type) {
  return start(type).take();
}

Result<SignRequest> decode_sign(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::sign));
  // Field by field, never SSH_TRY twice in one braced initialiser: an early return from
  // the second leaked the first under clang (found by fuzz_monitor).
  SignRequest s;
  s.algorithm = SSH_TRY(text(r));
  s.data = SSH_TRY(bytes(r));
  SSH_TRY(r.expect_end());
  return s;
}

Result<UserRequest> decode_user(ByteView m) {
  WireReader r(m);
  uint8_t t = SSH_TRY(r.u8());
  if (t != uint8_t(MonitorType::lookup_user) && t != uint8_t(MonitorType::account)) {
    return fail(ErrorCode::protocol, "unexpected monitor message");
  }
  UserRequest u{SSH_TRY(text(r))};
  SSH_TRY(r.expect_end());
  return u;
}

Result<PublickeyRequest> decode_publickey(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::check_publickey));
  PublickeyRequest p;
  p.user = SSH_TRY(text(r));
  p.algorithm = SSH_TRY(text(r));
  p.key_blob = SSH_TRY(bytes(r));
  SSH_TRY(r.expect_end());
  return p;
}

Result<VerifyRequest> decode_verify(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::verify_publickey));
  VerifyRequest v;
  v.user = SSH_TRY(text(r));
  v.algorithm = SSH_TRY(text(r));
  v.key_blob = SSH_TRY(bytes(r));
  v.signature = SSH_TRY(bytes(r));
  v.signed_data = SSH_TRY(bytes(r));
  SSH_TRY(r.expect_end());
  return v;
}

Result<PasswordRequest> decode_password(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::check_password));
  PasswordRequest p;
  p.user = SSH_TRY(text(r));
  p.password = SecretBytes(SSH_TRY(r.string(1024)));
  SSH_TRY(r.expect_end());
  return p;
}

Result<KbdintStartRequest> decode_kbdint_start(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::kbdint_start));
  KbdintStartRequest k;  // field by field: see decode_sign()
  k.user = SSH_TRY(text(r));
  k.submethods = SSH_TRY(text(r));
  SSH_TRY(r.expect_end());
  return k;
}

Result<KbdintRespondRequest> decode_kbdint_respond(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::kbdint_respond));
  uint32_t n = SSH_TRY(r.u32());
  if (n > 100) return fail(ErrorCode::limit, "too many keyboard-interactive responses");
  KbdintRespondRequest k;
  for (uint32_t i = 0; i < n; ++i) k.responses.emplace_back(SSH_TRY(r.string(1024)));
  SSH_TRY(r.expect_end());
  return k;
}

Result<AuthDoneRequest> decode_auth_done(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::auth_done));
  AuthDoneRequest a;
  a.user = SSH_TRY(text(r));
  a.methods = SSH_TRY(get_strings(r));
  SSH_TRY(r.expect_end());
  return a;
}

Result<LogLine> decode_log(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::log));
  LogLine l;
  l.level = SSH_TRY(r.u8());
  l.text = std::string(SSH_TRY(r.text(4096)));
  SSH_TRY(r.expect_end());
  return l;
}

SecretBytes encode(const TransportHandoff& m) {
  return to_secret(
      std::move(start(MonitorType::transport_state).string(m.state.view()).string(m.presecret.view())));
}
Result<TransportHandoff> decode_transport_state(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::transport_state));
  TransportHandoff h;
  h.state = SecretBytes(SSH_TRY(r.string(kMaxField)));
  h.presecret = SecretBytes(SSH_TRY(r.string(kMaxField)));
  SSH_TRY(r.expect_end());
  return h;
}

SecretBytes encode(const ResumeRequest& m) {
  return to_secret(std::move(start(MonitorType::resume)
                                 .string(m.user)
                                 .string(m.body)
                                 .string(m.state.view())
                                 .string(m.presecret.view())));
}
Result<ResumeRequest> decode_resume(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::resume));
  ResumeRequest q;
  q.user = SSH_TRY(text(r));
  q.body = SSH_TRY(bytes(r));
  q.state = SecretBytes(SSH_TRY(r.string(kMaxField)));
  q.presecret = SecretBytes(SSH_TRY(r.string(kMaxField)));
  SSH_TRY(r.expect_end());
  return q;
}

Bytes encode_answer(const ResumeVerdict& v) {
  return start(MonitorType::answer).boolean(v.ok).string(v.reason).take();
}
Result<ResumeVerdict> decode_answer_verdict(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::answer));
  ResumeVerdict v;
  v.ok = SSH_TRY(r.boolean());
  v.reason = SSH_TRY(text(r));
  SSH_TRY(r.expect_end());
  return v;
}

Bytes encode(const RegisterRequest& m) {
  return start(MonitorType::register_continuation).string(m.handle).take();
}
Result<RegisterRequest> decode_register(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::register_continuation));
  RegisterRequest q{SSH_TRY(bytes(r))};
  SSH_TRY(r.expect_end());
  return q;
}

Bytes encode(const SuspendState& m) {
  return start(MonitorType::suspend_state).u8(m.suspended ? 1 : 0).take();
}
Result<SuspendState> decode_suspend_state(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::suspend_state));
  uint8_t flag = SSH_TRY(r.u8());
  if (flag > 1) return fail(ErrorCode::protocol, "suspend_state: bad flag");
  SSH_TRY(r.expect_end());
  return SuspendState{flag == 1};
}

Bytes encode(const ResumePolicyRequest& m) {
  return start(MonitorType::resume_policy)
      .string(m.client_address)
      .u32(m.client_port)
      .string(m.server_address)
      .u32(m.server_port)
      .take();
}
Result<ResumePolicyRequest> decode_resume_policy(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::resume_policy));
  ResumePolicyRequest q;
  q.client_address = SSH_TRY(text(r));
  q.client_port = SSH_TRY(r.u32());
  q.server_address = SSH_TRY(text(r));
  q.server_port = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return q;
}

Bytes encode_answer_bool(bool v) {
  return start(MonitorType::answer).boolean(v).take();
}
Bytes encode_answer_bytes(ByteView v) {
  return start(MonitorType::answer).string(v).take();
}

Bytes encode_answer(const auth::UserInfo& v) {
  WireWriter w = start(MonitorType::answer);
  w.boolean(v.valid).boolean(v.is_root);
  put_policy(w, v.policy);
  return w.take();
}

Bytes encode_answer(const auth::PublickeyCheck& v) {
  WireWriter w = start(MonitorType::answer);
  w.boolean(v.allowed);
  put_options(w, v.options);
  w.string(v.source);
  return w.take();
}

Bytes encode_answer(const auth::KbdintStep& v) {
  WireWriter w = start(MonitorType::answer);
  w.u8(uint8_t(v.kind)).string(v.name).string(v.instruction).u32(uint32_t(v.prompts.size()));
  for (const auto& p : v.prompts) w.string(p.text).boolean(p.echo);
  return w.take();
}

Result<bool> decode_answer_bool(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::answer));
  bool v = SSH_TRY(r.boolean());
  SSH_TRY(r.expect_end());
  return v;
}

Result<Bytes> decode_answer_bytes(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::answer));
  Bytes v = SSH_TRY(bytes(r));
  SSH_TRY(r.expect_end());
  return v;
}

Result<auth::UserInfo> decode_answer_user(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::answer));
  auth::UserInfo u;
  u.valid = SSH_TRY(r.boolean());
  u.is_root = SSH_TRY(r.boolean());
  u.policy = SSH_TRY(get_policy(r));
  SSH_TRY(r.expect_end());
  return u;
}

Result<auth::PublickeyCheck> decode_answer_publickey(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::answer));
  auth::PublickeyCheck c;
  c.allowed = SSH_TRY(r.boolean());
  c.options = SSH_TRY(get_options(r));
  c.source = SSH_TRY(text(r));
  SSH_TRY(r.expect_end());
  return c;
}

Result<auth::KbdintStep> decode_answer_kbdint(ByteView m) {
  WireReader r = SSH_TRY(open(m, MonitorType::answer));
  auth::KbdintStep s;
  uint8_t kind = SSH_TRY(r.u8());
  if (kind > uint8_t(auth::KbdintStep::Kind::failure)) return fail(ErrorCode::parse, "bad kbdint step");
  s.kind = auth::KbdintStep::Kind(kind);
  s.name = SSH_TRY(text(r));
  s.instruction = SSH_TRY(text(r));
  uint32_t n = SSH_TRY(r.u32());
  if (n > 100) return fail(ErrorCode::limit, "too many prompts");
  for (uint32_t i = 0; i < n; ++i) {
    auth::KbdintPrompt p;
    p.text = SSH_TRY(text(r));
    p.echo = SSH_TRY(r.boolean());
    s.prompts.push_back(std::move(p));
  }
  SSH_TRY(r.expect_end());
  return s;
}

}  // namespace ssh::sshd
