#include "sshd/monitor.h"

#include "auth/server_auth.h"
#include "base/log.h"
#include "sshd/monitor_protocol.h"

namespace ssh::sshd {

namespace {

std::unexpected<Error> refuse(const std::string& why) {
  return fail(ErrorCode::protocol, "monitor: refused " + why);
}

// Exchange hashes are SHA-256/384/512 outputs; the monitor signs nothing else.
bool plausible_exchange_hash(ByteView data) {
  return data.size() == 32 || data.size() == 48 || data.size() == 64;
}

}  // namespace

Monitor::Monitor(auth::ServerBackend& backend, transport::HostKeySigner& host_keys, FirstKexFn on_first_kex)
    : backend_(backend), host_keys_(host_keys), on_first_kex_(std::move(on_first_kex)) {}

Status Monitor::require_user(const std::string& user) const {
  if (!user_known_ || user != user_) return refuse("request for another user");
  return {};
}

Result<Bytes> Monitor::on_sign(ByteView request) {
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

Result<std::optional<Bytes>> Monitor::handle(ByteView request) {
  MonitorType type = message_type(request);
  if (type == MonitorType::log) {
    auto line = SSH_TRY(decode_log(request));
    if (line.level <= uint8_t(log::Level::debug3)) SSH_LOG(log::Level(line.level), "%s", line.text.c_str());
    return std::optional<Bytes>();
  }
  if (phase_ == Phase::authenticated) {
    if (type != MonitorType::transport_state) return refuse("request after authentication");
    auto handoff = SSH_TRY(decode_transport_state(request));
    transport_state_ = std::move(handoff.state);
    presecret_ = std::move(handoff.presecret);
    phase_ = Phase::state_received;
    return std::optional<Bytes>();
  }
  if (phase_ == Phase::resumed) return refuse("request after the connection was handed over");
  if (phase_ == Phase::state_received) {
    // The session child rekeys like any connection and may publish its continuation
    // once; that is all it may ask for.
    if (type == MonitorType::register_continuation) return on_register_request(request);
    if (type != MonitorType::sign) return refuse("request after the hand-off");
    return std::optional<Bytes>(SSH_TRY(on_sign(request)));
  }

  switch (type) {
    case MonitorType::sign: return std::optional<Bytes>(SSH_TRY(on_sign(request)));

    case MonitorType::lookup_user: {
      if (user_known_) return refuse("second user lookup");
      auto req = SSH_TRY(decode_user(request));
      user_ = req.user;
      user_known_ = true;
      user_info_ = SSH_TRY(backend_.lookup_user(user_));  // with the Match-applied policy
      return std::optional<Bytes>(encode_answer(user_info_));
    }

    case MonitorType::check_publickey: {
      auto req = SSH_TRY(decode_publickey(request));
      SSH_TRY(require_user(req.user));
      auto check = SSH_TRY(backend_.check_publickey(req.user, req.algorithm, req.key_blob));
      return std::optional<Bytes>(encode_answer(check));
    }

    case MonitorType::verify_publickey: {
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
        succeeded_.insert("publickey");
      }
      return std::optional<Bytes>(encode_answer_bool(ok));
    }

    case MonitorType::check_password: {
      auto req = SSH_TRY(decode_password(request));
      SSH_TRY(require_user(req.user));
      bool ok = SSH_TRY(backend_.check_password(req.user, req.password));
      if (ok) succeeded_.insert("password");
      return std::optional<Bytes>(encode_answer_bool(ok));
    }

    case MonitorType::kbdint_start: {
      auto req = SSH_TRY(decode_kbdint_start(request));
      SSH_TRY(require_user(req.user));
      auto step = SSH_TRY(backend_.kbdint_start(req.user, req.submethods));
      if (step.kind == auth::KbdintStep::Kind::success) succeeded_.insert("keyboard-interactive");
      return std::optional<Bytes>(encode_answer(step));
    }

    case MonitorType::kbdint_respond: {
      auto req = SSH_TRY(decode_kbdint_respond(request));
      if (!user_known_) return refuse("keyboard-interactive without a user");
      auto step = SSH_TRY(backend_.kbdint_respond(std::move(req.responses)));
      if (step.kind == auth::KbdintStep::Kind::success) succeeded_.insert("keyboard-interactive");
      return std::optional<Bytes>(encode_answer(step));
    }

    case MonitorType::kbdint_stop: backend_.kbdint_stop(); return std::optional<Bytes>();

    case MonitorType::account: {
      auto req = SSH_TRY(decode_user(request));
      SSH_TRY(require_user(req.user));
      if (succeeded_.empty()) return refuse("account check before any method succeeded");
      bool ok = SSH_TRY(backend_.account_allowed(req.user));
      account_checked_ = ok;
      return std::optional<Bytes>(encode_answer_bool(ok));
    }

    case MonitorType::auth_done: {
      auto req = SSH_TRY(decode_auth_done(request));
      SSH_TRY(require_user(req.user));
      if (!account_checked_ || req.methods.empty()) return refuse("authentication that did not happen");
      for (const auto& m : req.methods) {
        if (!succeeded_.count(m)) return refuse("method " + m + " that did not succeed");
      }
      if (!succeeded_.count("publickey")) key_options_.reset();
      SSH_TRY(check_policy(req.methods));
      methods_ = req.methods;
      phase_ = Phase::authenticated;
      return std::optional<Bytes>(encode_answer_bool(true));
    }

    case MonitorType::resume: return on_resume_request(request);

    default: return refuse("unknown request " + std::to_string(int(type)));
  }
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

Result<std::optional<Bytes>> Monitor::on_resume_request(ByteView request) {
  auto req = SSH_TRY(decode_resume(request));
  SSH_TRY(require_user(req.user));
  if (session_id_.empty()) return refuse("resumption before key exchange");
  if (!resume_fn_) return refuse("resumption while continuations are off");
  ResumeVerdict verdict = SSH_TRY(resume_fn_(req, session_id_));
  if (verdict.ok) phase_ = Phase::resumed;
  return std::optional<Bytes>(encode_answer(verdict));
}

Result<std::optional<Bytes>> Monitor::on_register_request(ByteView request) {
  auto req = SSH_TRY(decode_register(request));
  if (registered_ || !register_fn_) return refuse("continuation registration");
  registered_ = true;
  auto fd = register_fn_(req.handle);
  if (!fd) {
    if (fd.error().code == ErrorCode::auth) {
      LOG_VERBOSE("continuation refused: %s", fd.error().context.c_str());  // sshd_config says so
    } else {
      LOG_ERROR("continuation registry: %s", fd.error().context.c_str());
    }
    return std::optional<Bytes>(encode_answer_bool(false));
  }
  answer_fd_ = std::move(*fd);
  return std::optional<Bytes>(encode_answer_bool(true));
}

}  // namespace ssh::sshd
