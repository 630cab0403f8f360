#include "sshd/monitor.h"

#include "auth/server_auth.h"
#include "base/log.h"
#include "sshd/monitor_protocol.h"

namespace ssh::sshd {

namespace {

using Phase = Monitor::Phase;

std::unexpected<Error> refuse(const std::string& why) {
  return fail(ErrorCode::protocol, "monitor: refused " + why);
}

// Exchange hashes are SHA-256/384/512 outputs; the monitor signs nothing else.
bool plausible_exchange_hash(ByteView data) {
  return data.size() == 32 || data.size() == 48 || data.size() == 64;
}

constexpr uint8_t in(Phase p) {
  return uint8_t(1u << unsigned(p));
}
constexpr uint8_t kPreauth = in(Phase::preauth);
constexpr uint8_t kAnyPhase =
    in(Phase::preauth) | in(Phase::authenticated) | in(Phase::state_received) | in(Phase::resumed);

}  // namespace

// One row per request type the monitor ever answers; a type without a row, a phase not
// in the row, or a second once-only request is refused (default deny).
struct Monitor::Rule {
  MonitorType type;
  const char* name;
  uint8_t phases;  // bit per Phase
  bool once;
  Answer (Monitor::*handler)(ByteView);
};

const Monitor::Rule* Monitor::rule_for(MonitorType type) {
  // Why each phase: the pre-auth child authenticates (and may resume instead); after
  // auth_done it may only hand over its transport, once; the session child then only
  // rekeys (sign) and publishes its continuation, once; a connection handed to a
  // suspended session has nothing left to ask. Log lines are welcome from anyone.
  static constexpr Rule kRules[] = {
      {MonitorType::sign, "sign", kPreauth | in(Phase::state_received), false, &Monitor::on_sign},
      {MonitorType::lookup_user, "lookup_user", kPreauth, true, &Monitor::on_lookup_user},
      {MonitorType::check_publickey, "check_publickey", kPreauth, false, &Monitor::on_check_publickey},
      {MonitorType::verify_publickey, "verify_publickey", kPreauth, false, &Monitor::on_verify_publickey},
      {MonitorType::check_password, "check_password", kPreauth, false, &Monitor::on_check_password},
      {MonitorType::kbdint_start, "kbdint_start", kPreauth, false, &Monitor::on_kbdint_start},
      {MonitorType::kbdint_respond, "kbdint_respond", kPreauth, false, &Monitor::on_kbdint_respond},
      {MonitorType::kbdint_stop, "kbdint_stop", kPreauth, false, &Monitor::on_kbdint_stop},
      {MonitorType::account, "account", kPreauth, false, &Monitor::on_account},
      {MonitorType::auth_done, "auth_done", kPreauth, true, &Monitor::on_auth_done},
      {MonitorType::transport_state, "transport_state", in(Phase::authenticated), true,
       &Monitor::on_transport_state},
      {MonitorType::log, "log", kAnyPhase, false, &Monitor::on_log},
      {MonitorType::resume, "resume", kPreauth, false, &Monitor::on_resume_request},
      {MonitorType::register_continuation, "register_continuation", in(Phase::state_received), true,
       &Monitor::on_register_request},
      {MonitorType::resume_policy, "resume_policy", in(Phase::state_received), false,
       &Monitor::on_resume_policy},
      {MonitorType::suspend_state, "suspend_state", in(Phase::state_received), false,
       &Monitor::on_suspend_state},
  };
  for (const Rule& r : kRules) {
    if (r.type == type) return &r;
  }
  return nullptr;
}

const char* Monitor::phase_name(Phase phase) {
  switch (phase) {
    case Phase::preauth: return "preauth";
    case Phase::authenticated: return "authenticated";
    case Phase::state_received: return "state_received";
    case Phase::resumed: return "resumed";
  }
  return "unknown";
}

bool Monitor::allowed(MonitorType type, Phase phase) {
  const Rule* r = rule_for(type);
  return r != nullptr && (r->phases & in(phase)) != 0;
}

bool Monitor::once_only(MonitorType type) {
  const Rule* r = rule_for(type);
  return r != nullptr && r->once;
}

const char* Monitor::request_name(MonitorType type) {
  const Rule* r = rule_for(type);
  return r != nullptr ? r->name : "unknown";
}

Monitor::Monitor(auth::ServerBackend& backend, transport::HostKeySigner& host_keys, FirstKexFn on_first_kex)
    : backend_(backend), host_keys_(host_keys), on_first_kex_(std::move(on_first_kex)) {}

Monitor::Answer Monitor::handle(ByteView request) {
  auto answer = dispatch(request);
  // Any refusal, from the table or a handler, means the child cannot be trusted with
  // this connection; the caller ends it (never the daemon).
  if (!answer) violated_ = true;
  return answer;
}

Monitor::Answer Monitor::dispatch(ByteView request) {
  std::string where = std::string(" in phase ") + phase_name(phase_);
  if (violated_) return refuse("request after a refused one" + where);
  if (request.size() > kMaxMonitorMessage) return refuse("oversized request" + where);
  MonitorType type = message_type(request);
  const Rule* rule = rule_for(type);
  if (rule == nullptr) return refuse("unknown request " + std::to_string(int(type)) + where);
  if ((rule->phases & in(phase_)) == 0)
    return refuse(std::string(rule->name) + where + " (not allowed there)");
  if (rule->once) {
    uint32_t bit = 1u << unsigned(type);  // every type with a row is below 32
    if (once_seen_ & bit) return refuse(std::string("repeated once-only ") + rule->name + where);
    once_seen_ |= bit;
  }
  return (this->*rule->handler)(request);
}

Status Monitor::require_user(const std::string& user) const {
  if (!user_known_ || user != user_) return refuse("request for another user");
  return {};
}

Monitor::Answer Monitor::on_sign(ByteView request) {
  auto req = SSH_TRY(decode_sign(request));
  if (!plausible_exchange_hash(req.data))
    return refuse("signature over something that is not an exchange hash");
  if (session_id_.empty()) {
    session_id_ = req.data;
    host_key_blob_ = SSH_TRY(host_keys_.public_blob(req.algorithm));
    if (on_first_kex_) on_first_kex_(session_id_, host_key_blob_);
  }
  Bytes signature = SSH_TRY(host_keys_.sign(req.algorithm, req.data));
  return encode_answer_bytes(signature);
}

Monitor::Answer Monitor::on_lookup_user(ByteView request) {
  auto req = SSH_TRY(decode_user(request));
  user_ = req.user;
  user_known_ = true;
  user_info_ = SSH_TRY(backend_.lookup_user(user_));  // with the Match-applied policy
  return encode_answer(user_info_);
}

Monitor::Answer Monitor::on_check_publickey(ByteView request) {
  auto req = SSH_TRY(decode_publickey(request));
  SSH_TRY(require_user(req.user));
  auto check = SSH_TRY(backend_.check_publickey(req.user, req.algorithm, req.key_blob));
  return encode_answer(check);
}

Monitor::Answer Monitor::on_verify_publickey(ByteView request) {
  auto req = SSH_TRY(decode_verify(request));
  SSH_TRY(require_user(req.user));
  if (session_id_.empty()) return refuse("publickey before key exchange");
  // The signed data must name this connection, this user and this key (plain or
  // host-bound to the key of this connection's key exchange).
  auto names_us = [&](const std::optional<Bytes>& host_key) {
    return auth::check_publickey_signed_data(req.signed_data, session_id_, req.user, req.algorithm,
                                             req.key_blob, host_key)
        .has_value();
  };
  if (!names_us(host_key_blob_) && !names_us(std::nullopt)) {
    return refuse("signature over data for another session");
  }
  bool ok = SSH_TRY(
      backend_.verify_publickey(req.user, req.algorithm, req.key_blob, req.signature, req.signed_data));
  if (ok) {
    auto check = SSH_TRY(backend_.check_publickey(req.user, req.algorithm, req.key_blob));
    key_options_ = check.options;
    key_blob_ = req.key_blob;
    succeeded_.insert("publickey");
  }
  return encode_answer_bool(ok);
}

Monitor::Answer Monitor::on_check_password(ByteView request) {
  auto req = SSH_TRY(decode_password(request));
  SSH_TRY(require_user(req.user));
  bool ok = SSH_TRY(backend_.check_password(req.user, req.password));
  if (ok) succeeded_.insert("password");
  return encode_answer_bool(ok);
}

Monitor::Answer Monitor::on_kbdint_start(ByteView request) {
  auto req = SSH_TRY(decode_kbdint_start(request));
  SSH_TRY(require_user(req.user));
  auto step = SSH_TRY(backend_.kbdint_start(req.user, req.submethods));
  if (step.kind == auth::KbdintStep::Kind::success) succeeded_.insert("keyboard-interactive");
  return encode_answer(step);
}

Monitor::Answer Monitor::on_kbdint_respond(ByteView request) {
  auto req = SSH_TRY(decode_kbdint_respond(request));
  if (!user_known_) return refuse("keyboard-interactive without a user");
  auto step = SSH_TRY(backend_.kbdint_respond(std::move(req.responses)));
  if (step.kind == auth::KbdintStep::Kind::success) succeeded_.insert("keyboard-interactive");
  return encode_answer(step);
}

Monitor::Answer Monitor::on_kbdint_stop(ByteView request) {
  // A bare type byte; anything after it is a malformed request like any other.
  if (request.size() != 1) return refuse("kbdint_stop with a body");
  backend_.kbdint_stop();
  return std::optional<Bytes>();
}

Monitor::Answer Monitor::on_account(ByteView request) {
  auto req = SSH_TRY(decode_user(request));
  SSH_TRY(require_user(req.user));
  if (succeeded_.empty()) return refuse("account check before any method succeeded");
  bool ok = SSH_TRY(backend_.account_allowed(req.user));
  account_checked_ = ok;
  return encode_answer_bool(ok);
}

Monitor::Answer Monitor::on_auth_done(ByteView request) {
  auto req = SSH_TRY(decode_auth_done(request));
  SSH_TRY(require_user(req.user));
  if (!account_checked_ || req.methods.empty()) return refuse("authentication that did not happen");
  for (const auto& m : req.methods) {
    if (!succeeded_.count(m)) return refuse("method " + m + " that did not succeed");
  }
  if (!succeeded_.count("publickey")) {
    key_options_.reset();
    key_blob_.clear();
  }
  SSH_TRY(check_policy(req.methods));
  methods_ = req.methods;
  phase_ = Phase::authenticated;
  return encode_answer_bool(true);
}

// The session child asks before it adopts a resumption whose proof it verified.
Monitor::Answer Monitor::on_resume_policy(ByteView request) {
  auto req = SSH_TRY(decode_resume_policy(request));
  if (!resume_policy_fn_) return encode_answer(ResumeVerdict{false, "no resumption policy"});
  return encode_answer(resume_policy_fn_(req));
}

Monitor::Answer Monitor::on_suspend_state(ByteView request) {
  auto req = SSH_TRY(decode_suspend_state(request));
  if (suspend_state_fn_) suspend_state_fn_(req.suspended);
  return std::optional<Bytes>();
}

// The child is not trusted with policy: the methods must be ones this user's policy
// (sshd_config with Match applied, from the backend) allows and complete it.
Status Monitor::check_policy(const std::vector<std::string>& methods) const {
  if (!user_info_.policy) return {};  // the backend applies no per-user policy
  bool forced = key_options_ && key_options_->command;
  auto ok = auth::check_finished_login(*user_info_.policy, user_info_.is_root, methods, forced);
  if (!ok) return refuse(ok.error().context);
  return {};
}

Monitor::Answer Monitor::on_transport_state(ByteView request) {
  auto handoff = SSH_TRY(decode_transport_state(request));
  transport_state_ = std::move(handoff.state);
  presecret_ = std::move(handoff.presecret);
  phase_ = Phase::state_received;
  return std::optional<Bytes>();
}

Monitor::Answer Monitor::on_log(ByteView request) {
  auto line = SSH_TRY(decode_log(request));
  if (line.level <= uint8_t(log::Level::debug3)) SSH_LOG(log::Level(line.level), "%s", line.text.c_str());
  return std::optional<Bytes>();
}

Monitor::Answer Monitor::on_resume_request(ByteView request) {
  auto req = SSH_TRY(decode_resume(request));
  SSH_TRY(require_user(req.user));
  if (session_id_.empty()) return refuse("resumption before key exchange");
  if (!resume_fn_) return refuse("resumption while continuations are off");
  ResumeVerdict verdict = SSH_TRY(resume_fn_(req, session_id_));
  if (verdict.ok) phase_ = Phase::resumed;
  return encode_answer(verdict);
}

Monitor::Answer Monitor::on_register_request(ByteView request) {
  auto req = SSH_TRY(decode_register(request));
  if (!register_fn_) return refuse("continuation registration");
  auto fd = register_fn_(req.handle);
  if (!fd) {
    if (fd.error().code == ErrorCode::auth) {
      LOG_VERBOSE("continuation refused: %s", fd.error().context.c_str());  // sshd_config says so
    } else {
      LOG_ERROR("continuation registry: %s", fd.error().context.c_str());
    }
    return encode_answer_bool(false);
  }
  answer_fd_ = std::move(*fd);
  return encode_answer_bool(true);
}

}  // namespace ssh::sshd
