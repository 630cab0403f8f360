// `ssh -G`: the resolved configuration, printed by walking the option table (which is
// in stock OpenSSH 9.2's output order) after the host/user/hostname/port header.
#include "config/algorithm_defaults.h"
#include "config/option_handlers.h"
#include "config/option_values.h"

namespace ssh::config {
namespace {

template <class T>
const T& field(const OptionSpec& spec, const ClientConfig& cfg) {
  return cfg.*std::get<T ClientConfig::*>(spec.field);
}

void line(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(" ").append(value).append("\n");
}

}  // namespace

void dump_flag(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  line(out, spec.dump_name, field<bool>(spec, cfg) ? "yes" : "no");
}

void dump_choice(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  int value = field<int>(spec, cfg);
  auto names = spec.choices->dump;
  if (value >= 0 && static_cast<size_t>(value) < names.size()) line(out, spec.dump_name, names[value]);
}

void dump_int(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  line(out, spec.dump_name, std::to_string(field<int>(spec, cfg)));
}

void dump_string(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  const std::string& value = field<std::string>(spec, cfg);
  if (!value.empty()) {
    line(out, spec.dump_name, value);
  } else if (!spec.dump_empty.empty()) {
    line(out, spec.dump_name, spec.dump_empty);
  }
}

void dump_list_lines(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  for (const auto& item : field<std::vector<std::string>>(spec, cfg)) line(out, spec.dump_name, item);
}

void dump_list_oneline(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  const auto& list = field<std::vector<std::string>>(spec, cfg);
  if (!list.empty()) {
    line(out, spec.dump_name, join_words(list));
  } else if (!spec.dump_empty.empty()) {
    line(out, spec.dump_name, spec.dump_empty);
  }
}

void dump_algorithms(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  line(out, spec.dump_name,
       resolve_algorithm_list(static_cast<AlgorithmKind>(spec.min), field<std::string>(spec, cfg)));
}

void dump_log_level(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  // OpenSSH prints the first name of each level: QUIET shows as SILENT, DEBUG1 as DEBUG.
  static constexpr std::string_view kNames[] = {"SILENT",  "FATAL", "ERROR",  "INFO",
                                                "VERBOSE", "DEBUG", "DEBUG2", "DEBUG3"};
  if (cfg.log_level >= 0 && cfg.log_level < 8) line(out, spec.dump_name, kNames[cfg.log_level]);
}

void dump_escape(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  line(out, spec.dump_name, escape_char_text(cfg.escape_char));
}

void dump_rekey_limit(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  line(out, spec.dump_name,
       std::to_string(cfg.rekey_limit_bytes) + " " + std::to_string(cfg.rekey_limit_seconds));
}

void dump_dynamic_forwards(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  // Stock 9.2 also lists a LocalForward to a Unix socket here (its dump treats any
  // local forward without a connect port as dynamic); we print the same.
  for (const auto& fwd : cfg.local_forwards) {
    if (!fwd.connect_path.empty()) line(out, spec.dump_name, forward_listen_text(fwd));
  }
  for (const auto& fwd : cfg.dynamic_forwards) line(out, spec.dump_name, forward_listen_text(fwd));
}

void dump_local_forwards(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  for (const auto& fwd : cfg.local_forwards)
    line(out, spec.dump_name, forward_listen_text(fwd) + " " + forward_connect_text(fwd));
}

void dump_remote_forwards(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  for (const auto& fwd : cfg.remote_forwards)
    line(out, spec.dump_name, forward_listen_text(fwd) + " " + forward_connect_text(fwd));
}

void dump_add_keys_to_agent(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  static constexpr std::string_view kNames[] = {"false", "true", "ask", "confirm"};
  int mode = cfg.add_keys_to_agent;
  int life = cfg.add_keys_to_agent_lifetime;
  if (life > 0 && mode == kAkYes) {
    line(out, spec.dump_name, std::to_string(life));
  } else if (life > 0) {
    line(out, spec.dump_name, std::string(kNames[mode]) + " " + std::to_string(life));
  } else {
    line(out, spec.dump_name, kNames[mode]);
  }
}

void dump_forward_agent(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  if (!cfg.forward_agent_socket.empty()) {
    line(out, spec.dump_name, cfg.forward_agent_socket);
  } else {
    line(out, spec.dump_name, cfg.forward_agent ? "yes" : "no");
  }
}

void dump_connect_timeout(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  line(out, spec.dump_name, cfg.connect_timeout < 0 ? "none" : std::to_string(cfg.connect_timeout));
}

void dump_control_persist(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  int v = cfg.control_persist;
  line(out, spec.dump_name, v < 0 ? "no" : v == 0 ? "yes" : std::to_string(v));
}

void dump_bind_mask(const OptionSpec& spec, const ClientConfig& cfg, std::string& out) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", static_cast<unsigned>(cfg.stream_local_bind_mask));
  line(out, spec.dump_name, buf);
}

void dump_proxy(const OptionSpec&, const ClientConfig& cfg, std::string& out) {
  if (!cfg.proxy_jump.empty() && cfg.proxy_jump != "none") {
    line(out, "proxyjump", cfg.proxy_jump);
  } else if (!cfg.proxy_command.empty() && cfg.proxy_command != "none") {
    line(out, "proxycommand", cfg.proxy_command);
  }
}

std::string dump_client_config(const ClientConfig& cfg) {
  std::string out;
  line(out, "host", cfg.host);
  line(out, "user", cfg.user);
  line(out, "hostname", cfg.host_name);
  line(out, "port", std::to_string(cfg.port));
  for (const OptionSpec& spec : client_option_table()) {
    if (spec.dump != nullptr) spec.dump(spec, cfg, out);
  }
  return out;
}

}  // namespace ssh::config
