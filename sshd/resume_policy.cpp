#include "sshd/resume_policy.h"

#include <ctime>

#include "auth/revoked_keys.h"
#include "auth/server_auth.h"
#include "auth/server_checks.h"
#include "continuation/messages.h"
#include "sshd/server_options.h"

namespace ssh::sshd {

namespace {

ResumeVerdict refused(const std::string& why) {
  return ResumeVerdict{false, std::string(continuation::kPolicyRefusal) + ": " + why};
}

// The checks of lookup_user, auth_done and account for a login from `to`.
std::optional<std::string> account_refusal(const config::ServerConfig& cfg, const LoginRecord& login,
                                           const ResumePolicyRequest& to, const config::ConnectionInfo& conn) {
  auth::ConnectionFacts facts;
  facts.client_ip = to.client_address;
  facts.client_host = to.client_address;
  facts.client_port = uint16_t(to.client_port);
  config::ConnectionInfo anyone = conn;
  anyone.user.clear();
  auth::SystemBackend backend(checks_config_for(cfg), facts, checks_for_user(cfg, anyone));
  auto info = backend.lookup_user(login.user);
  if (!info) return "Match: " + info.error().context;
  if (!info->valid) return "user " + login.user + " may not log in from " + to.client_address;
  if (info->policy) {
    bool forced = login.key_options && login.key_options->command;
    auto ok = auth::check_finished_login(*info->policy, info->is_root, login.methods, forced);
    if (!ok) return ok.error().context;
  }
  auto account = backend.account_allowed(login.user);
  if (!account || !*account) return "account of " + login.user + " refused";
  return std::nullopt;
}

// from= and expiry-time= of the login key, and RevokedKeys.
std::optional<std::string> key_refusal(const config::ServerConfig& effective, const LoginRecord& login,
                                       const ResumePolicyRequest& to) {
  if (const auto& o = login.key_options) {
    if (o->expiry_time && std::time(nullptr) > *o->expiry_time) return "the login key has expired";
    if (o->from && !keys::from_option_allows(*o->from, to.client_address, to.client_address)) {
      return "the login key is not allowed from " + to.client_address;
    }
  }
  if (!login.key_blob.empty() && auth::key_revoked(effective.revoked_keys, login.key_blob)) {
    return "the login key is revoked";
  }
  return std::nullopt;
}

}  // namespace

ResumeVerdict check_resume_policy(const config::ServerConfig& cfg, const LoginRecord& login,
                                  const ResumePolicyRequest& to) {
  config::ConnectionInfo conn{login.user, to.client_address, to.client_address, to.server_address,
                              int(to.server_port), "", {}};
  auto effective = config::apply_match(cfg, conn);
  if (!effective) return refused("Match: " + effective.error().context);
  if (!effective->resume) return refused("Resume no for this user and address");
  if (auto why = account_refusal(cfg, login, to, conn)) return refused(*why);
  if (auto why = key_refusal(*effective, login, to)) return refused(*why);
  return ResumeVerdict{true, ""};
}

}  // namespace ssh::sshd
