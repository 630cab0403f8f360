#include "auth/server_auth.h"

#include <algorithm>

#include "base/log.h"

namespace ssh::auth {

namespace {

// The order OpenSSH lists methods in USERAUTH_FAILURE (its method table order).
constexpr std::string_view kMethodOrder[] = {"publickey", "password", "keyboard-interactive"};

std::string_view method_part(std::string_view entry) {
  return entry.substr(0, entry.find(':'));
}

}  // namespace

std::string_view account_name(std::string_view user) {
  return user.substr(0, user.find(':'));
}

bool root_login_allowed(PermitRootLogin policy, std::string_view method, bool forced_command) {
  switch (policy) {
    case PermitRootLogin::yes: return true;
    case PermitRootLogin::prohibit_password:
      // Methods that do not involve a password (sshd_config(5)).
      return method == "publickey" || method == "hostbased" || method == "gssapi-with-mic";
    case PermitRootLogin::forced_commands_only: return method == "publickey" && forced_command;
    case PermitRootLogin::no: return false;
  }
  return false;
}

namespace {

bool policy_enables(const AuthPolicy& policy, std::string_view method) {
  return (method == "publickey" && policy.pubkey) || (method == "password" && policy.password) ||
         (method == "keyboard-interactive" && policy.kbdint);
}

// Is list (method parts) a subsequence of done, in order?
bool list_completed(const std::vector<std::string>& list, const std::vector<std::string>& done) {
  size_t next = 0;
  for (const auto& m : done) {
    if (next < list.size() && method_part(list[next]) == m) ++next;
  }
  return next == list.size();
}

}  // namespace

Status check_finished_login(const AuthPolicy& policy, bool is_root, const std::vector<std::string>& methods,
                            bool forced_command) {
  for (const auto& m : methods) {
    // "none" succeeds only as an empty password (userauth_none).
    bool empty_password = m == "none" && policy.password && policy.permit_empty_passwords;
    if (!empty_password && !policy_enables(policy, m))
      return fail(ErrorCode::auth, "method " + m + " is disabled");
    if (is_root && !root_login_allowed(policy.permit_root_login, m, forced_command)) {
      return fail(ErrorCode::auth, "root login by " + m + " (PermitRootLogin)");
    }
  }
  const auto& lists = policy.authentication_methods;
  if (lists.empty()) return {};
  bool any =
      std::any_of(lists.begin(), lists.end(), [&](const auto& l) { return list_completed(l, methods); });
  if (!any) return fail(ErrorCode::auth, "login that completes no AuthenticationMethods list");
  return {};
}

ServerAuth::ServerAuth(ServerAuthConfig config, ServerBackend& backend, Bytes session_id)
    : config_(std::move(config)), backend_(backend), session_id_(std::move(session_id)) {
  remaining_lists_ = config_.authentication_methods;
}

Result<ServerAuth::State> ServerAuth::on_message(ByteView payload, std::vector<Bytes>& out) {
  if (done_) return fail(ErrorCode::protocol, "authentication message after success");
  if (external_pending_) return fail(ErrorCode::internal, "message while an external method is pending");
  if (payload.empty()) return fail(ErrorCode::parse, "empty authentication message");
  if (payload[0] == kUserauthRequest) return on_request(payload, out);
  if (payload[0] == kUserauthInfoResponse) return on_info_response(payload, out);
  return fail(ErrorCode::protocol, "unexpected authentication message " + std::to_string(payload[0]));
}

bool ServerAuth::method_enabled(std::string_view method) const {
  bool on = method == "none" || policy_enables(config_, method);
  if (!on || config_.authentication_methods.empty()) return on;
  // AuthenticationMethods: only the next method of some list may be tried.
  return std::any_of(remaining_lists_.begin(), remaining_lists_.end(),
                     [&](const auto& list) { return !list.empty() && method_part(list.front()) == method; });
}

std::vector<std::string> ServerAuth::methods_that_can_continue() const {
  std::vector<std::string> out;
  for (auto m : kMethodOrder) {
    if (method_enabled(m)) out.emplace_back(m);
  }
  return out;
}

bool ServerAuth::complete_method(std::string_view method) {
  if (remaining_lists_.empty()) return true;
  bool complete = false;
  for (auto& list : remaining_lists_) {
    if (!list.empty() && method_part(list.front()) == method) list.erase(list.begin());
    if (list.empty()) complete = true;
  }
  return complete;
}

bool ServerAuth::root_allowed(const Attempt& attempt) const {
  return root_login_allowed(config_.permit_root_login, attempt.method, attempt.forced_command);
}

Status ServerAuth::begin_request(const UserauthRequest& req, std::vector<Bytes>& out) {
  if (attempts_++ == 0) {
    // RFC 4252 §5: authentication for an unknown service must not succeed; sshd only
    // serves ssh-connection.
    if (req.service != kConnectionService) {
      return fail(ErrorCode::protocol, "bad service request " + req.service,
                  DisconnectReason::service_not_available);
    }
    raw_user_ = req.user;
    user_ = std::string(account_name(req.user));
    service_ = req.service;
    user_info_ = SSH_TRY(backend_.lookup_user(user_));
    if (user_info_.policy) {
      // sshd_config Match blocks for this user and address (OpenSSH re-reads them here).
      static_cast<AuthPolicy&>(config_) = *user_info_.policy;
      remaining_lists_ = config_.authentication_methods;
    }
    if (!user_info_.valid) LOG_INFO("Invalid user %s %s", user_.c_str(), config_.client_label.c_str());
    if (!config_.banner.empty()) out.push_back(encode_banner(config_.banner));
  } else if (req.user != raw_user_ || req.service != service_) {
    return fail(ErrorCode::protocol, "Change of username or service not allowed: (" + raw_user_ + "," +
                                         service_ + ") -> (" + req.user + "," + req.service + ")");
  }
  // A new request abandons a keyboard-interactive conversation (RFC 4256 §3.4 note).
  if (kbdint_pending_) {
    kbdint_pending_ = false;
    backend_.kbdint_stop();
  }
  return {};
}

Result<ServerAuth::State> ServerAuth::on_request(ByteView payload, std::vector<Bytes>& out) {
  UserauthRequest req = SSH_TRY(decode_userauth_request(payload));
  SSH_TRY(begin_request(req, out));
  bool hostbound = req.method == kHostboundMethod;
  Attempt attempt;
  // The hostbound form is a synonym of publickey for policy, lists and logs.
  attempt.method = hostbound ? "publickey" : req.method;
  Outcome outcome = Outcome::failure;
  const auto& ext = config_.external_methods;
  if (std::find(ext.begin(), ext.end(), req.method) != ext.end()) {
    // The driver answers for invalid users too, in the same words as for a valid user
    // without such a session, so that the answer tells nothing about accounts.
    external_ = ExternalRequest{user_, req.method, Bytes(req.body.begin(), req.body.end()), user_info_.valid};
    external_pending_ = true;
    return State::external;
  } else if (!method_enabled(attempt.method) || (hostbound && !config_.host_key_blob)) {
    LOG_DEBUG1("userauth: method %s not enabled", req.method.c_str());
  } else if (attempt.method == "none") {
    outcome = SSH_TRY(userauth_none(attempt));
  } else if (attempt.method == "publickey") {
    outcome = SSH_TRY(userauth_publickey(req, hostbound, attempt, out));
  } else if (attempt.method == "password") {
    outcome = SSH_TRY(userauth_password(req, attempt));
  } else if (attempt.method == "keyboard-interactive") {
    outcome = SSH_TRY(userauth_kbdint(req, out));
  }
  return finish(outcome, attempt, out);
}

Result<ServerAuth::State> ServerAuth::external_failed(std::string info, std::vector<Bytes>& out) {
  if (!external_pending_) return fail(ErrorCode::internal, "no external method pending");
  external_pending_ = false;
  Attempt attempt;
  attempt.method = external_.method;
  attempt.info = std::move(info);
  return finish(Outcome::failure, attempt, out);
}

Result<ServerAuth::State> ServerAuth::on_info_response(ByteView payload, std::vector<Bytes>& out) {
  if (!kbdint_pending_) return fail(ErrorCode::protocol, "unexpected keyboard-interactive response");
  std::vector<SecretBytes> responses = SSH_TRY(decode_info_response(payload, kbdint_expected_));
  kbdint_pending_ = false;
  KbdintStep step = SSH_TRY(backend_.kbdint_respond(std::move(responses)));
  Attempt attempt;
  attempt.method = "keyboard-interactive";
  Outcome outcome = SSH_TRY(kbdint_step(step, out));
  return finish(outcome, attempt, out);
}

void ServerAuth::log_attempt(const char* verdict, const Attempt& attempt) const {
  const char* invalid = user_info_.valid ? "" : "invalid user ";
  std::string info = attempt.info.empty() ? "" : ": " + attempt.info;
  // OpenSSH raises the level of the line for successes, invalid users, passwords and
  // clients close to MaxAuthTries.
  // A failed "none" (the client asking which methods exist) stays quiet, as stock sshd's
  // INFO log shows.
  bool loud =
      verdict[0] == 'A' || ((!user_info_.valid || attempt.method == "password" ||
                             attempt.method == external_.method || failures_ >= config_.max_auth_tries / 2) &&
                            attempt.method != "none");
  auto level = loud ? log::Level::info : log::Level::verbose;
  SSH_LOG(level, "%s %s for %s%s %s ssh2%s", verdict, attempt.method.c_str(), invalid, user_.c_str(),
          config_.client_label.c_str(), info.c_str());
}

Result<ServerAuth::State> ServerAuth::finish(Outcome outcome, Attempt& attempt, std::vector<Bytes>& out) {
  if (outcome == Outcome::postponed) {
    if (!attempt.info.empty()) log_attempt("Postponed", attempt);
    return State::in_progress;
  }
  // Invalid users never succeed, whatever the backend said.
  bool authenticated = outcome == Outcome::success && user_info_.valid;
  if (authenticated && user_info_.is_root && !root_allowed(attempt)) {
    LOG_INFO("ROOT LOGIN REFUSED %s", config_.client_label.c_str());
    authenticated = false;
  }
  bool partial = false;
  if (authenticated && !complete_method(attempt.method)) {
    authenticated = false;
    partial = true;
  }
  log_attempt(authenticated ? "Accepted" : partial ? "Partial" : "Failed", attempt);
  if (authenticated || partial) success_.methods.push_back(attempt.method);
  if (authenticated) {
    bool allowed = SSH_TRY(backend_.account_allowed(user_));
    if (!allowed) {
      return fail(ErrorCode::auth, "Access denied for user " + user_ + " by PAM account configuration");
    }
    success_.user = user_;
    success_.key_options = std::move(attempt.key_options);
    success_.key_blob = std::move(attempt.key_blob);
    done_ = true;
    out.push_back(encode_success());
    return State::success;
  }
  // An initial "none" probe is free; every other failure counts (OpenSSH userauth_finish).
  if (!partial && (attempts_ > 1 || attempt.method != "none")) ++failures_;
  if (failures_ >= config_.max_auth_tries) {
    LOG_ERROR("maximum authentication attempts exceeded for %s%s %s ssh2",
              user_info_.valid ? "" : "invalid user ", user_.c_str(), config_.client_label.c_str());
    return fail(ErrorCode::auth, std::string(kTooManyFailures));
  }
  out.push_back(encode_failure(methods_that_can_continue(), partial));
  return State::in_progress;
}

}  // namespace ssh::auth
