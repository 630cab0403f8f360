#include "auth/server_checks.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "auth/revoked_keys.h"
#include "auth/server_auth.h"
#include "auth/server_pam.h"
#include "base/log.h"
#include "keys/host_pattern.h"

namespace ssh::auth {

namespace {

constexpr size_t kMaxEntryBuffer = 1 << 20;
constexpr int kMaxGroups = 65536;

std::vector<std::string> group_names(const Passwd& pw) {
  std::vector<gid_t> gids(64);
  int n = int(gids.size());
  while (getgrouplist(pw.name.c_str(), pw.gid, gids.data(), &n) < 0 && n <= kMaxGroups) {
    gids.resize(size_t(n) + 1);
    n = int(gids.size());
  }
  gids.resize(size_t(std::max(n, 0)));
  std::vector<std::string> names;
  std::vector<char> buf(4096);
  for (gid_t gid : gids) {
    struct group gr {};
    struct group* found = nullptr;
    int rc;
    while ((rc = getgrgid_r(gid, &gr, buf.data(), buf.size(), &found)) == ERANGE &&
           buf.size() < kMaxEntryBuffer) {
      buf.resize(buf.size() * 2);
    }
    if (rc == 0 && found != nullptr) names.emplace_back(found->gr_name);
  }
  return names;
}

bool any_group_matches(const std::vector<std::string>& groups, const std::vector<std::string>& patterns) {
  for (const auto& g : groups) {
    for (const auto& p : patterns) {
      if (keys::match_glob(g, p)) return true;
    }
  }
  return false;
}

bool shell_usable(const Passwd& pw, std::string_view host) {
  std::string shell = pw.shell.empty() ? "/bin/sh" : pw.shell;
  struct stat st {};
  if (::stat(shell.c_str(), &st) != 0) {
    LOG_INFO("User %s from %.*s not allowed because shell %s does not exist", pw.name.c_str(),
             int(host.size()), host.data(), shell.c_str());
    return false;
  }
  if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
    LOG_INFO("User %s from %.*s not allowed because shell %s is not executable", pw.name.c_str(),
             int(host.size()), host.data(), shell.c_str());
    return false;
  }
  return true;
}

}  // namespace

Result<std::optional<Passwd>> lookup_passwd(std::string_view user) {
  std::string name(user);
  std::vector<char> buf(4096);
  for (;;) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    int rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < kMaxEntryBuffer) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0 && rc != ENOENT && rc != ESRCH) return fail(ErrorCode::io, "getpwnam_r failed");
    if (found == nullptr) return std::optional<Passwd>();
    return std::optional<Passwd>(Passwd{found->pw_name, found->pw_uid, found->pw_gid,
                                        found->pw_dir ? found->pw_dir : "",
                                        found->pw_shell ? found->pw_shell : ""});
  }
}

bool match_user_pattern(std::string_view user, std::string_view host, std::string_view ip,
                        std::string_view pattern) {
  size_t at = pattern.find('@');
  if (at == std::string_view::npos) return keys::match_glob(user, pattern);
  return keys::match_glob(user, pattern.substr(0, at)) &&
         keys::from_option_allows(pattern.substr(at + 1), host, ip);
}

bool user_allowed(const Passwd& pw, const ServerChecksConfig& config, std::string_view host,
                  std::string_view ip) {
  const char* name = pw.name.c_str();
  int hl = int(host.size());
  if (!config.use_pam) {
    // Without PAM sshd itself refuses locked ("!" hash) and expired accounts.
    if (auto state = shadow_state(pw.name)) {
      if (state->locked) {
        LOG_INFO("User %s not allowed because account is locked", name);
        return false;
      }
      if (state->account_expired) {
        LOG_INFO("Account %s has expired", name);
        return false;
      }
    }
  }
  if (!shell_usable(pw, host)) return false;
  auto match = [&](const std::string& p) { return match_user_pattern(pw.name, host, ip, p); };
  if (std::any_of(config.deny_users.begin(), config.deny_users.end(), match)) {
    LOG_INFO("User %s from %.*s not allowed because listed in DenyUsers", name, hl, host.data());
    return false;
  }
  if (!config.allow_users.empty() &&
      std::none_of(config.allow_users.begin(), config.allow_users.end(), match)) {
    LOG_INFO("User %s from %.*s not allowed because not listed in AllowUsers", name, hl, host.data());
    return false;
  }
  if (config.deny_groups.empty() && config.allow_groups.empty()) return true;
  std::vector<std::string> groups = group_names(pw);
  if (any_group_matches(groups, config.deny_groups)) {
    LOG_INFO("User %s from %.*s not allowed because a group is listed in DenyGroups", name, hl, host.data());
    return false;
  }
  if (!config.allow_groups.empty() && !any_group_matches(groups, config.allow_groups)) {
    LOG_INFO(
        "User %s from %.*s not allowed because none of user's groups are listed in "
        "AllowGroups",
        name, hl, host.data());
    return false;
  }
  return true;
}

SystemBackend::SystemBackend(ServerChecksConfig config, ConnectionFacts facts, ConfigForUser for_user)
    : config_(std::move(config)), facts_(std::move(facts)), for_user_(std::move(for_user)) {}

SystemBackend::~SystemBackend() = default;

bool SystemBackend::same_user(std::string_view user) const {
  return looked_up_ && user == user_;
}

bool SystemBackend::root_refused(std::string_view method, bool forced_command) const {
  if (!valid_ || pw_.uid != 0) return false;
  return !root_login_allowed(config_.permit_root_login, method, forced_command);
}

Result<UserInfo> SystemBackend::lookup_user(std::string_view user) {
  // Once per connection (the monitor's getpwnamallow is a one-shot request).
  if (looked_up_) return fail(ErrorCode::protocol, "user lookup repeated");
  looked_up_ = true;
  user_ = std::string(user);
  // From here on every answer follows the Match-applied configuration for this user.
  if (for_user_) config_ = SSH_TRY(for_user_(user_));
  auto pw = SSH_TRY(lookup_passwd(user));
  std::string host = facts_.client_host.empty() ? facts_.client_ip : facts_.client_host;
  valid_ = pw && user_allowed(*pw, config_, host, facts_.client_ip);
  if (valid_) pw_ = *pw;
  if (config_.use_pam) {
    // Invalid users get a PAM handle too, so keyboard-interactive looks the same.
    pam_ = SSH_TRY(PamContext::start(config_.pam_service, user_, host));
  }
  return UserInfo{valid_, valid_ && pw_.uid == 0, static_cast<const AuthPolicy&>(config_)};
}

Result<PublickeyCheck> SystemBackend::check_publickey(std::string_view user, std::string_view algorithm,
                                                      ByteView key_blob) {
  PublickeyCheck none;
  if (!same_user(user) || !valid_ || !config_.pubkey) return none;
  const auto& accepted = config_.pubkey_algorithms;
  auto alg = keys::sig_alg_from_name(algorithm);
  if (!alg || std::find(accepted.begin(), accepted.end(), algorithm) == accepted.end()) {
    return none;
  }
  auto key = keys::PublicKey::from_blob(key_blob);
  if (!key || key->type() != keys::sig_alg_key_type(*alg)) return none;
  if (key_revoked(config_.revoked_keys, key_blob)) {
    LOG_INFO("Authentication key %s revoked by file %s", std::string(key->type_name()).c_str(),
             config_.revoked_keys.c_str());
    return none;
  }
  return find_authorized_key_in_files(pw_, config_, facts_, *key, std::time(nullptr));
}

Result<bool> SystemBackend::verify_publickey(std::string_view user, std::string_view algorithm,
                                             ByteView key_blob, ByteView signature, ByteView signed_data) {
  PublickeyCheck check = SSH_TRY(check_publickey(user, algorithm, key_blob));
  if (!check.allowed) return false;
  Status data_ok = check_publickey_signed_data(signed_data, facts_.session_id, user, algorithm, key_blob,
                                               facts_.host_key_blob);
  if (!data_ok) {
    LOG_ERROR("publickey: %s", data_ok.error().context.c_str());
    return false;
  }
  keys::VerifyOptions options;
  options.allow_ssh_rsa = algorithm == "ssh-rsa";  // only when PubkeyAcceptedAlgorithms has it
  bool ok = keys::verify_signature(algorithm, key_blob, signature, signed_data, options).has_value();
  return ok && !root_refused("publickey", check.options.command.has_value());
}

Result<bool> SystemBackend::check_password(std::string_view user, const SecretBytes& password) {
  if (!same_user(user)) return false;
  if (password.empty() && !config_.permit_empty_passwords) return false;
  // Invalid users and refused root logins still cost a full check (no timing oracle).
  bool honest = valid_ && config_.password && !root_refused("password", false);
  bool ok;
  if (config_.use_pam) {
    // As sshd does: a password that cannot be right stands in for the real one.
    static constexpr std::string_view kBad = "\b\n\r\177INCORRECT";
    SecretBytes bad(as_bytes(kBad));
    ok = SSH_TRY(pam_->authenticate_password(honest ? password : bad, config_.permit_empty_passwords));
  } else {
    ok = check_shadow_password(valid_ ? &pw_ : nullptr, password);
  }
  return ok && honest;
}

Result<KbdintStep> SystemBackend::kbdint_start(std::string_view user, std::string_view) {
  // PAM is the only keyboard-interactive device on this platform.
  if (!same_user(user) || !config_.kbdint || !pam_) return KbdintStep{};
  KbdintStep step = SSH_TRY(pam_->kbdint_start(config_.permit_empty_passwords));
  if (step.kind == KbdintStep::Kind::success && (!valid_ || root_refused("keyboard-interactive", false))) {
    step.kind = KbdintStep::Kind::failure;
  }
  return step;
}

Result<KbdintStep> SystemBackend::kbdint_respond(std::vector<SecretBytes> responses) {
  if (!pam_) return KbdintStep{};
  KbdintStep step = SSH_TRY(pam_->kbdint_respond(responses));
  if (step.kind == KbdintStep::Kind::success && (!valid_ || root_refused("keyboard-interactive", false))) {
    step.kind = KbdintStep::Kind::failure;
  }
  return step;
}

void SystemBackend::kbdint_stop() {
  if (pam_) pam_->kbdint_stop();
}

Result<bool> SystemBackend::account_allowed(std::string_view user) {
  if (!same_user(user) || !valid_) return false;
  if (!config_.use_pam) return true;  // lock and expiry were checked at lookup
  return pam_->account();
}

}  // namespace ssh::auth
