#include "sshd/server_options.h"

#include <fstream>
#include <sstream>

#include "transport/algorithms.h"

namespace ssh::sshd {

namespace {

using transport::AlgorithmKind;

Result<std::vector<std::string>> algorithms(AlgorithmKind kind, const std::string& spec) {
  if (spec.empty()) return transport::default_algorithms(kind);
  return transport::apply_algorithm_spec(kind, spec);
}

auth::PermitRootLogin permit_root(int v) {
  switch (v) {
    case config::kRootYes: return auth::PermitRootLogin::yes;
    case config::kRootForcedCommandsOnly: return auth::PermitRootLogin::forced_commands_only;
    case config::kRootNo: return auth::PermitRootLogin::no;
    default: return auth::PermitRootLogin::prohibit_password;
  }
}

std::string read_banner(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str().substr(0, 64 * 1024);
}

}  // namespace

Result<transport::TransportConfig> transport_config_for(const config::ServerConfig& cfg) {
  transport::TransportConfig t;
  t.role = transport::Role::server;
  t.kex_algorithms = SSH_TRY(algorithms(AlgorithmKind::kex, cfg.kex_algorithms));
  t.host_key_algorithms = SSH_TRY(algorithms(AlgorithmKind::host_key, cfg.host_key_algorithms));
  t.ciphers = SSH_TRY(algorithms(AlgorithmKind::cipher, cfg.ciphers));
  t.macs = SSH_TRY(algorithms(AlgorithmKind::mac, cfg.macs));
  // Privilege separation hands the transport over after login, so only delayed
  // compression can be offered: a zlib stream cannot move between processes.
  t.compression = cfg.compression ? std::vector<std::string>{"none", "zlib@openssh.com"}
                                  : std::vector<std::string>{"none"};
  t.rekey_limit_bytes = uint64_t(cfg.rekey_limit_bytes);
  t.rekey_interval = std::chrono::seconds(cfg.rekey_limit_seconds);
  t.server_sig_algs = SSH_TRY(algorithms(AlgorithmKind::host_key, cfg.pubkey_accepted_algorithms));
  return t;
}

auth::AuthPolicy auth_policy_for(const config::ServerConfig& cfg) {
  auth::AuthPolicy a;
  a.pubkey = cfg.pubkey_authentication;
  a.password = cfg.password_authentication;
  a.kbdint = cfg.kbd_interactive_authentication && cfg.use_pam;  // PAM is its only device
  a.max_auth_tries = cfg.max_auth_tries;
  a.permit_root_login = permit_root(cfg.permit_root_login);
  a.permit_empty_passwords = cfg.permit_empty_passwords;
  for (const auto& list : cfg.authentication_methods) {
    std::vector<std::string> methods;
    std::string item;
    std::istringstream in(list);
    while (std::getline(in, item, ',')) methods.push_back(item);
    if (!methods.empty() && !(methods.size() == 1 && methods[0] == "any"))
      a.authentication_methods.push_back(methods);
  }
  auto pubkey_algs = transport::apply_algorithm_spec(AlgorithmKind::host_key, cfg.pubkey_accepted_algorithms);
  if (!cfg.pubkey_accepted_algorithms.empty() && pubkey_algs) a.pubkey_algorithms = *pubkey_algs;
  return a;
}

auth::ServerAuthConfig auth_config_for(const config::ServerConfig& cfg) {
  auth::ServerAuthConfig a;
  static_cast<auth::AuthPolicy&>(a) = auth_policy_for(cfg);
  a.banner = read_banner(cfg.banner);
  return a;
}

auth::ServerChecksConfig checks_config_for(const config::ServerConfig& cfg) {
  auth::ServerChecksConfig c;
  static_cast<auth::AuthPolicy&>(c) = auth_policy_for(cfg);
  c.allow_users = cfg.allow_users;
  c.deny_users = cfg.deny_users;
  c.allow_groups = cfg.allow_groups;
  c.deny_groups = cfg.deny_groups;
  if (!cfg.authorized_keys_files.empty()) c.authorized_keys_files = cfg.authorized_keys_files;
  c.strict_modes = cfg.strict_modes;
  c.revoked_keys = cfg.revoked_keys;
  c.use_pam = cfg.use_pam;
  return c;
}

auth::SystemBackend::ConfigForUser checks_for_user(const config::ServerConfig& cfg,
                                                   config::ConnectionInfo conn) {
  return [&cfg, conn](std::string_view user) -> Result<auth::ServerChecksConfig> {
    config::ConnectionInfo info = conn;
    info.user = std::string(user);
    auto effective = config::apply_match(cfg, info);
    if (!effective) return fail(ErrorCode::config, "Match: " + effective.error().context);
    return checks_config_for(*effective);
  };
}

SessionConfig session_config_for(const config::ServerConfig& cfg) {
  SessionConfig s;
  s.accept_env = cfg.accept_env;
  for (const auto& kv : cfg.set_env) {
    size_t eq = kv.find('=');
    if (eq != std::string::npos) s.set_env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (!cfg.force_command.empty()) s.force_command = cfg.force_command;
  for (const auto& sub : cfg.subsystems) s.subsystems[sub.name] = sub.command;
  s.print_motd = cfg.print_motd;
  s.max_sessions = size_t(std::max(0, cfg.max_sessions));
  s.permit_tty = cfg.permit_tty;
  if (const char* tz = getenv("TZ")) s.tz = tz;
  return s;
}

}  // namespace ssh::sshd
