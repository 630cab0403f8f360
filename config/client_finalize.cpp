// After parsing: OpenSSH's defaults for whatever no line set, and the %-token and ~
// expansion that `ssh -G` shows (ssh_config(5) TOKENS says which keyword takes which).
#include "config/client_config.h"
#include "config/option_values.h"
#include "config/tokens.h"

namespace ssh::config {
namespace {

// The identity files ssh tries when none is configured, in OpenSSH 9.2's order.
constexpr std::string_view kDefaultIdentities[] = {
    "~/.ssh/id_rsa",        "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss",  "~/.ssh/id_dsa"};

Status expand_in_place(std::string& value, const TokenMap& tokens, const std::string& home) {
  if (value.empty() || value == "none") return {};
  value = SSH_TRY(expand_path(value, tokens, home));
  return {};
}

}  // namespace

Status finalize_client_config(ClientConfig& cfg, const LocalContext& local) {
  std::string host = to_lower(cfg.host);
  if (cfg.host_name.empty()) {
    cfg.host_name = host;
  } else {
    cfg.host_name = to_lower(SSH_TRY(expand_tokens(cfg.host_name, hostname_tokens(host))));
  }
  if (cfg.user.empty()) cfg.user = local.user;
  if (cfg.connection_attempts <= 0) return fail(ErrorCode::config, "Invalid number of ConnectionAttempts");
  // Debian's ssh: BatchMode turns on keepalives unless ServerAliveInterval was given.
  if (cfg.batch_mode && !cfg.is_set("ServerAliveInterval")) cfg.server_alive_interval = 300;
  // Resume=yes: a silently dead path must be noticed (and the session suspended) within
  // a minute, unless the user chose otherwise.
  if (cfg.resume && !cfg.is_set("ServerAliveInterval")) cfg.server_alive_interval = 15;
  if (cfg.identity_files.empty()) {
    for (auto path : kDefaultIdentities) cfg.identity_files.emplace_back(path);
  }
  if (cfg.global_known_hosts_files.empty())
    cfg.global_known_hosts_files = {"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"};
  if (cfg.user_known_hosts_files.empty())
    cfg.user_known_hosts_files = {"~/.ssh/known_hosts", "~/.ssh/known_hosts2"};

  TokenMap tokens = connection_tokens(cfg, local);
  for (auto& path : cfg.user_known_hosts_files) SSH_TRY(expand_in_place(path, tokens, local.home));
  SSH_TRY(expand_in_place(cfg.control_path, tokens, local.home));
  SSH_TRY(expand_in_place(cfg.revoked_host_keys, tokens, local.home));
  if (cfg.identity_agent != "SSH_AUTH_SOCK" &&
      (cfg.identity_agent.empty() || cfg.identity_agent.front() != '$'))
    SSH_TRY(expand_in_place(cfg.identity_agent, tokens, local.home));
  if (!cfg.forward_agent_socket.empty() && cfg.forward_agent_socket.front() != '$')
    SSH_TRY(expand_in_place(cfg.forward_agent_socket, tokens, local.home));
  if (!cfg.remote_command.empty()) cfg.remote_command = SSH_TRY(expand_tokens(cfg.remote_command, tokens));
  return {};
}

}  // namespace ssh::config
