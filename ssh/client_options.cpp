#include "ssh/client_options.h"

#include <fnmatch.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "base/log.h"
#include "config/option_values.h"
#include "config/tokens.h"
#include "connection/terminal_modes.h"
#include "transport/algorithms.h"

extern char** environ;

namespace ssh::client {

namespace {

using config::ClientConfig;
using transport::AlgorithmKind;

Result<std::vector<std::string>> algorithms(AlgorithmKind kind, const std::string& spec) {
  if (spec.empty()) return transport::default_algorithms(kind);
  return transport::apply_algorithm_spec(kind, spec);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string agent_socket(const ClientConfig& cfg) {
  const std::string& agent = cfg.identity_agent;
  if (agent == "none") return "";
  if (agent.empty() || agent == "SSH_AUTH_SOCK") {
    const char* env = getenv("SSH_AUTH_SOCK");
    return env ? env : "";
  }
  if (agent[0] == '$') {
    const char* env = getenv(agent.c_str() + 1);
    return env ? env : "";
  }
  return agent;
}

Result<transport::TransportConfig> transport_config(const ClientConfig& cfg) {
  transport::TransportConfig t;
  t.role = transport::Role::client;
  t.kex_algorithms = SSH_TRY(algorithms(AlgorithmKind::kex, cfg.kex_algorithms));
  t.host_key_algorithms = SSH_TRY(algorithms(AlgorithmKind::host_key, cfg.host_key_algorithms));
  t.ciphers = SSH_TRY(algorithms(AlgorithmKind::cipher, cfg.ciphers));
  t.macs = SSH_TRY(algorithms(AlgorithmKind::mac, cfg.macs));
  // OpenSSH's client: Compression=yes offers zlib first, otherwise none first.
  t.compression = cfg.compression ? std::vector<std::string>{"zlib@openssh.com", "zlib", "none"}
                                  : std::vector<std::string>{"none", "zlib@openssh.com", "zlib"};
  t.rekey_limit_bytes = uint64_t(cfg.rekey_limit_bytes);
  t.rekey_interval = std::chrono::seconds(cfg.rekey_limit_seconds);
  return t;
}

Result<std::vector<std::string>> expanded_paths(const std::vector<std::string>& raw, const ClientConfig& cfg,
                                                const config::LocalContext& local) {
  auto tokens = config::connection_tokens(cfg, local);
  std::vector<std::string> out;
  for (const auto& p : raw) out.push_back(SSH_TRY(config::expand_path(p, tokens, local.home)));
  return out;
}

std::vector<connection::EnvRequest> session_env(const ClientConfig& cfg) {
  std::vector<connection::EnvRequest> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string name = entry.substr(0, eq);
    bool wanted = false;
    for (const auto& pattern : cfg.send_env) {
      if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0) wanted = true;
    }
    if (wanted) env.push_back({name, entry.substr(eq + 1)});
  }
  for (const auto& kv : cfg.set_env) {
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
  }
  return env;
}

// ssh(1) -t/-T and RequestTTY, including the message OpenSSH prints when a pty was
// wanted but stdin is not a terminal.
bool want_pty(const ClientConfig& cfg, bool have_command) {
  bool pty = false;
  switch (cfg.request_tty) {
    case config::kTtyNo: pty = false; break;
    case config::kTtyYes:
    case config::kTtyForce: pty = true; break;
    default: pty = !have_command; break;
  }
  if (cfg.session_type != config::kSessionDefault) pty = cfg.request_tty == config::kTtyForce;
  bool stdin_null = cfg.stdin_null || cfg.fork_after_authentication;  // -f implies -n
  if (pty && cfg.request_tty != config::kTtyForce && (!isatty(STDIN_FILENO) || stdin_null)) {
    LOG_INFO("Pseudo-terminal will not be allocated because stdin is not a terminal.");
    pty = false;
  }
  return pty;
}

connection::PtyRequest pty_request() {
  connection::PtyRequest pty;
  const char* term = getenv("TERM");
  pty.term = term ? term : "";
  winsize ws{};
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
    pty.columns = ws.ws_col;
    pty.rows = ws.ws_row;
    pty.width_pixels = ws.ws_xpixel;
    pty.height_pixels = ws.ws_ypixel;
  }
  termios tio{};
  std::vector<connection::TerminalMode> modes;
  if (tcgetattr(STDIN_FILENO, &tio) == 0) modes = connection::terminal_modes_from_termios(tio);
  pty.modes = connection::encode_terminal_modes(modes);
  return pty;
}

std::optional<SessionPlan> session_plan(const ClientConfig& cfg, const CommandLine& cl, bool pty) {
  if (cfg.session_type == config::kSessionNone) return std::nullopt;
  SessionPlan plan;
  std::string command;
  for (const auto& word : cl.command) command += (command.empty() ? "" : " ") + word;
  if (command.empty()) command = cfg.remote_command;
  if (cfg.session_type == config::kSessionSubsystem) {
    plan.kind = SessionPlan::Kind::subsystem;
  } else {
    plan.kind = command.empty() ? SessionPlan::Kind::shell : SessionPlan::Kind::exec;
  }
  plan.command = command;
  if (pty) plan.pty = pty_request();
  plan.env = session_env(cfg);
  plan.stdin_null = cfg.stdin_null || cfg.fork_after_authentication;
  plan.escape_char = pty && cfg.escape_char != config::kEscapeNone ? cfg.escape_char : -1;
  return plan;
}

}  // namespace

Result<ClientPlan> build_client_plan(const ClientConfig& cfg, const CommandLine& cl,
                                     const config::LocalContext& local) {
  ClientPlan plan;
  ConnectOptions& c = plan.connect;
  c.host = cfg.host_name;
  c.port = cfg.port;
  c.family = cfg.address_family == config::kAfInet    ? AF_INET
             : cfg.address_family == config::kAfInet6 ? AF_INET6
                                                      : AF_UNSPEC;
  c.bind_address = cfg.bind_address;
  c.bind_interface = cfg.bind_interface;
  c.connect_timeout_s = std::max(0, cfg.connect_timeout);
  c.attempts = cfg.connection_attempts;
  c.tcp_keepalive = cfg.tcp_keep_alive;
  if (!cfg.proxy_command.empty() && cfg.proxy_command != "none") {
    c.proxy_command = SSH_TRY(config::expand_tokens(cfg.proxy_command, config::proxy_tokens(cfg)));
  }

  ClientSessionOptions& s = plan.session;
  s.transport = SSH_TRY(transport_config(cfg));

  s.auth.user = cfg.user;
  s.auth.host_label = cfg.user + "@" + cfg.host_name;
  if (!cfg.preferred_authentications.empty()) s.auth.preferred = split(cfg.preferred_authentications, ',');
  s.auth.pubkey = cfg.pubkey_authentication != config::kPkNo;
  s.auth.password = cfg.password_authentication;
  s.auth.kbdint = cfg.kbd_interactive_authentication;
  s.auth.kbdint_devices = cfg.kbd_interactive_devices;
  s.auth.batch_mode = cfg.batch_mode;
  s.auth.password_prompts = cfg.number_of_password_prompts;
  s.auth.pubkey_algorithms = SSH_TRY(algorithms(AlgorithmKind::host_key, cfg.pubkey_accepted_algorithms));

  s.identities.files = SSH_TRY(expanded_paths(cfg.identity_files, cfg, local));
  s.identities.files_explicit = cfg.is_set("IdentityFile") || !cl.identity_files.empty();
  s.identities.identities_only = cfg.identities_only;
  s.identities.agent_socket = agent_socket(cfg);
  s.identities.batch_mode = cfg.batch_mode;
  s.identities.passphrase_prompts = cfg.number_of_password_prompts;
  s.identities.required_rsa_size = cfg.required_rsa_size;

  HostKeyPolicy& h = s.host_key;
  h.host = cfg.host_key_alias.empty() ? cfg.host_name : cfg.host_key_alias;
  h.port = cfg.host_key_alias.empty() ? cfg.port : 22;
  h.user_files = cfg.user_known_hosts_files;
  h.global_files = cfg.global_known_hosts_files;
  switch (cfg.strict_host_key_checking) {
    case config::kShkNo: h.strict = StrictMode::no; break;
    case config::kShkYes: h.strict = StrictMode::yes; break;
    case config::kShkAcceptNew: h.strict = StrictMode::accept_new; break;
    default: h.strict = StrictMode::ask; break;
  }
  h.hash_known_hosts = cfg.hash_known_hosts;
  h.batch_mode = cfg.batch_mode;
  h.visual = cfg.visual_host_key;
  h.revoked_file = cfg.revoked_host_keys;
  h.required_rsa_size = cfg.required_rsa_size;
  if (cfg.host_key_algorithms.empty()) {
    s.transport.host_key_algorithms = order_by_known_keys(h, std::move(s.transport.host_key_algorithms));
  }

  bool have_command = !cl.command.empty() || !cfg.remote_command.empty();
  if (cfg.fork_after_authentication && !have_command && cfg.session_type != config::kSessionNone) {
    return fail(ErrorCode::config, "Cannot fork into background without a command to execute.");
  }
  plan.pty = want_pty(cfg, have_command);
  // IPQoS "interactive bulk": a terminal session is interactive, as in OpenSSH.
  std::vector<std::string> qos = split(cfg.ip_qos, ' ');
  int tos = qos.empty() ? -1 : config::ip_qos_value(qos[plan.pty || qos.size() == 1 ? 0 : 1]);
  c.ip_tos = tos < 0 ? config::kIpQosNone : tos;
  s.session = session_plan(cfg, cl, plan.pty);
  s.raw_tty = plan.pty && isatty(STDIN_FILENO);
  s.connect_timeout = std::max(0, cfg.connect_timeout);
  s.server_alive_interval = cfg.server_alive_interval;
  s.server_alive_count_max = cfg.server_alive_count_max;
  s.host_label = s.auth.host_label;
  s.closed_label = cfg.host_name;
  if (!cfg.clear_all_forwardings) {
    s.local_forwards = cfg.local_forwards;
    s.remote_forwards = cfg.remote_forwards;
  }
  s.gateway_ports = cfg.gateway_ports;
  s.exit_on_forward_failure = cfg.exit_on_forward_failure;
  s.address_family = c.family;
  s.fork_after_auth = cfg.fork_after_authentication;
  s.resume = cfg.resume;
  s.resume_timeout_s = uint32_t(std::max(0, cfg.resume_timeout));
  s.reconnect = c;
  return plan;
}

}  // namespace ssh::client
