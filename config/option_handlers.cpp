// Row parsers for the client option table. Each validates its arguments even when the
// line is inactive (OpenSSH reports bad values in non-matching blocks too) and stores
// only when line.store() (first value wins) or, for lists, when line.active.
#include "config/option_handlers.h"

#include <algorithm>

#include "base/log.h"
#include "config/algorithm_defaults.h"
#include "config/match.h"
#include "config/option_values.h"

namespace ssh::config {
namespace {

template <class T>
T& field(const OptionSpec& spec, ClientConfig& cfg) {
  return cfg.*std::get<T ClientConfig::*>(spec.field);
}

std::unexpected<Error> unsupported_value(const std::string& value) {
  return fail(ErrorCode::config, "unsupported option \"" + value + "\".");
}

std::unexpected<Error> bad_time() {
  return fail(ErrorCode::config, "invalid time value.");
}

const std::string& only(const LineContext& line) {
  return line.args.front();
}

std::optional<int> lookup_choice(const ChoiceSet& set, std::string_view name) {
  for (const Choice& c : set.parse) {
    if (iequals(c.name, name)) return c.value;
  }
  return std::nullopt;
}

}  // namespace

Status parse_flag(const OptionSpec& spec, LineContext& line) {
  const std::string& v = only(line);
  bool value;
  if (iequals(v, "yes") || iequals(v, "true")) {
    value = true;
  } else if (iequals(v, "no") || iequals(v, "false")) {
    value = false;
  } else {
    return unsupported_value(v);
  }
  if (line.store()) field<bool>(spec, line.cfg) = value;
  return {};
}

Status parse_choice(const OptionSpec& spec, LineContext& line) {
  auto value = lookup_choice(*spec.choices, only(line));
  if (!value) return unsupported_value(only(line));
  if (line.store()) field<int>(spec, line.cfg) = *value;
  return {};
}

Status parse_int(const OptionSpec& spec, LineContext& line) {
  const std::string& v = only(line);
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || value < spec.min || value > spec.max)
    return fail(ErrorCode::config, "integer value invalid.");
  if (line.store()) field<int>(spec, line.cfg) = static_cast<int>(value);
  return {};
}

Status parse_time_value(const OptionSpec& spec, LineContext& line) {
  int64_t value = parse_time(only(line));
  if (value < 0) return bad_time();
  if (line.store()) field<int>(spec, line.cfg) = static_cast<int>(value);
  return {};
}

Status parse_string(const OptionSpec& spec, LineContext& line) {
  if (line.store()) field<std::string>(spec, line.cfg) = only(line);
  return {};
}

Status parse_command(const OptionSpec& spec, LineContext& line) {
  if (line.store()) field<std::string>(spec, line.cfg) = std::string(line.rest);
  return {};
}

Status parse_list_once(const OptionSpec& spec, LineContext& line) {
  if (line.store()) field<std::vector<std::string>>(spec, line.cfg) = line.args;
  return {};
}

Status parse_list_append_unique(const OptionSpec& spec, LineContext& line) {
  if (!line.active) return {};
  auto& list = field<std::vector<std::string>>(spec, line.cfg);
  for (const auto& arg : line.args) {
    if (std::find(list.begin(), list.end(), arg) == list.end()) list.push_back(arg);
  }
  return {};
}

Status parse_algorithms(const OptionSpec& spec, LineContext& line) {
  auto kind = static_cast<AlgorithmKind>(spec.min);
  Status valid = validate_algorithm_list(kind, only(line));
  if (!valid) {
    note_unsupported_kex(kind, only(line), line.notes);
    return valid;
  }
  if (line.store()) field<std::string>(spec, line.cfg) = only(line);
  return {};
}

Status parse_syslog_facility(const OptionSpec&, LineContext& line) {
  int facility = 0;
  if (!log::parse_facility(only(line), facility))
    return fail(ErrorCode::config, "unsupported log facility '" + only(line) + "'");
  if (line.store()) line.cfg.syslog_facility = to_upper(only(line));
  return {};
}

Status parse_log_level(const OptionSpec&, LineContext& line) {
  // The names are base/log's; LogLevelValue has the same order (asserted there).
  log::Level level;
  if (log::parse_level(only(line), level)) {
    if (line.store()) line.cfg.log_level = int(level);
    return {};
  }
  return fail(ErrorCode::config, "unsupported log level '" + only(line) + "'");
}

Status parse_escape(const OptionSpec&, LineContext& line) {
  int c = SSH_TRY(parse_escape_char(only(line)));
  if (line.store()) line.cfg.escape_char = c;
  return {};
}

// RekeyLimit <size|default> [<time|none|default>] (ssh_config(5)).
Status parse_rekey_limit(const OptionSpec&, LineContext& line) {
  if (line.args.empty()) return fail(ErrorCode::config, "no argument after keyword \"" + line.keyword + "\"");
  if (line.args.size() > 2)
    return fail(ErrorCode::config, "keyword " + line.keyword + " extra arguments at end of line");
  int64_t bytes = 0;
  if (line.args[0] != "default") {
    bytes = SSH_TRY(parse_size(line.args[0]));
    if (bytes != 0 && bytes < 16) return fail(ErrorCode::config, "RekeyLimit too small");
  }
  int64_t seconds = 0;
  if (line.args.size() == 2 && line.args[1] != "default" && line.args[1] != "none") {
    seconds = parse_time(line.args[1]);
    if (seconds < 0) return bad_time();
  }
  if (line.store()) {
    line.cfg.rekey_limit_bytes = bytes;
    line.cfg.rekey_limit_seconds = static_cast<int>(seconds);
  }
  return {};
}

namespace {

Status add_forward(ForwardKind kind, std::vector<Forward>& list, LineContext& line) {
  if (line.args.empty()) return fail(ErrorCode::config, "no argument after keyword \"" + line.keyword + "\"");
  if (kind == ForwardKind::dynamic && line.args.size() > 1)
    return fail(ErrorCode::config, "keyword " + line.keyword + " extra arguments at end of line");
  Forward fwd = SSH_TRY(parse_forward(kind, line.args));
  // Not implemented yet (see Support in option_table.h): refused where the line applies.
  bool unix_socket = !fwd.listen_path.empty() || !fwd.connect_path.empty();
  bool remote_socks = kind == ForwardKind::remote && fwd.connect_host == "socks" && fwd.connect_port == 0;
  if (line.active && (unix_socket || remote_socks)) {
    return fail(ErrorCode::config, "Unsupported option \"" + line.keyword + "\": " +
                                       (unix_socket ? "Unix-domain socket forwarding" : "SOCKS listener (-R port)") +
                                       " is not implemented");
  }
  if (line.active && std::find(list.begin(), list.end(), fwd) == list.end()) list.push_back(std::move(fwd));
  return {};
}

}  // namespace

Status parse_local_forward(const OptionSpec&, LineContext& line) {
  return add_forward(ForwardKind::local, line.cfg.local_forwards, line);
}
Status parse_remote_forward(const OptionSpec&, LineContext& line) {
  return add_forward(ForwardKind::remote, line.cfg.remote_forwards, line);
}
Status parse_dynamic_forward(const OptionSpec&, LineContext& line) {
  return add_forward(ForwardKind::dynamic, line.cfg.dynamic_forwards, line);
}

// AddKeysToAgent yes|no|ask|confirm [time] | time.
Status parse_add_keys_to_agent(const OptionSpec&, LineContext& line) {
  static constexpr Choice kModes[] = {
      {"no", kAkNo}, {"yes", kAkYes}, {"ask", kAkAsk}, {"confirm", kAkConfirm}};
  int mode = kAkYes;
  int64_t lifetime = 0;
  size_t next = 0;
  bool named = false;
  for (const Choice& c : kModes) {
    if (iequals(c.name, line.args[0])) {
      mode = c.value;
      named = true;
    }
  }
  if (named) next = 1;
  if (next < line.args.size()) {
    lifetime = parse_time(line.args[next]);
    if (lifetime <= 0) return fail(ErrorCode::config, "invalid time value.");
    if (named && mode != kAkConfirm && mode != kAkYes) return unsupported_value(line.args[0]);
    ++next;
  }
  if (next < line.args.size())
    return fail(ErrorCode::config, "keyword " + line.keyword + " extra arguments at end of line");
  if (line.store()) {
    line.cfg.add_keys_to_agent = mode;
    line.cfg.add_keys_to_agent_lifetime = static_cast<int>(lifetime);
  }
  return {};
}

// ForwardAgent yes|no|<socket path>|$ENVVAR.
Status parse_forward_agent(const OptionSpec&, LineContext& line) {
  const std::string& v = only(line);
  bool on = true;
  std::string socket;
  if (iequals(v, "no") || iequals(v, "false")) {
    on = false;
  } else if (!iequals(v, "yes") && !iequals(v, "true")) {
    if (v.find('/') == std::string::npos && v.front() != '$' && v.front() != '~') return unsupported_value(v);
    socket = v;
  }
  if (line.store()) {
    line.cfg.forward_agent = on;
    line.cfg.forward_agent_socket = socket;
  }
  return {};
}

Status parse_connect_timeout(const OptionSpec&, LineContext& line) {
  int64_t value = iequals(only(line), "none") ? -1 : parse_time(only(line));
  if (value < 0 && !iequals(only(line), "none")) return bad_time();
  if (line.store()) line.cfg.connect_timeout = static_cast<int>(value);
  return {};
}

// ControlPersist yes|no|<time>: -1 no, 0 forever, else seconds.
Status parse_control_persist(const OptionSpec&, LineContext& line) {
  const std::string& v = only(line);
  int64_t value;
  if (iequals(v, "yes") || iequals(v, "true")) {
    value = 0;
  } else if (iequals(v, "no") || iequals(v, "false")) {
    value = -1;
  } else {
    value = parse_time(v);
    if (value < 0) return fail(ErrorCode::config, "Bad ControlPersist argument.");
  }
  if (line.store()) line.cfg.control_persist = static_cast<int>(value);
  return {};
}

// SendEnv accumulates patterns; "-pattern" removes earlier matching ones.
Status parse_send_env(const OptionSpec&, LineContext& line) {
  for (const auto& arg : line.args) {
    if (arg.find('=') != std::string::npos) return fail(ErrorCode::config, "Invalid environment name.");
    if (!line.active) continue;
    auto& list = line.cfg.send_env;
    if (arg.front() == '-') {
      std::string_view pat = std::string_view(arg).substr(1);
      std::erase_if(list, [&](const std::string& s) { return match_pattern(s, pat); });
    } else {
      list.push_back(arg);
    }
  }
  return {};
}

// SetEnv NAME=VALUE...: the first SetEnv line wins as a whole (OpenSSH 9.2).
Status parse_set_env(const OptionSpec&, LineContext& line) {
  for (const auto& arg : line.args) {
    if (arg.find('=') == std::string::npos || arg.front() == '=')
      return fail(ErrorCode::config, "Invalid SetEnv.");
  }
  if (line.store()) line.cfg.set_env = line.args;
  return {};
}

// ProxyJump and ProxyCommand exclude each other: the first one given wins.
Status parse_proxy_jump(const OptionSpec&, LineContext& line) {
  if (line.store() && !line.cfg.is_set("ProxyCommand")) line.cfg.proxy_jump = only(line);
  return {};
}

Status parse_proxy_command(const OptionSpec&, LineContext& line) {
  if (line.store() && !line.cfg.is_set("ProxyJump")) line.cfg.proxy_command = std::string(line.rest);
  return {};
}

Status parse_port_number(const OptionSpec&, LineContext& line) {
  int port = parse_port(only(line));
  if (port < 0) return fail(ErrorCode::config, "Bad port '" + only(line) + "'.");
  if (line.store()) line.cfg.port = port;
  return {};
}

Status parse_bind_mask(const OptionSpec&, LineContext& line) {
  const std::string& v = only(line);
  char* end = nullptr;
  long mask = std::strtol(v.c_str(), &end, 8);
  if (v.empty() || *end != '\0' || mask < 0 || mask > 0777) return fail(ErrorCode::config, "Bad mask.");
  if (line.store()) line.cfg.stream_local_bind_mask = static_cast<int>(mask);
  return {};
}

Status parse_ip_qos(const OptionSpec&, LineContext& line) {
  if (line.args.size() > 2)
    return fail(ErrorCode::config, "keyword " + line.keyword + " extra arguments at end of line");
  for (const std::string& v : line.args) {
    if (ip_qos_value(v) < 0) return fail(ErrorCode::config, "Bad IPQoS value: " + v);
  }
  if (line.store()) {
    line.cfg.ip_qos = line.args[0] + " " + (line.args.size() == 2 ? line.args[1] : line.args[0]);
  }
  return {};
}

Status parse_ignored(const OptionSpec&, LineContext&) {
  return {};
}

Status parse_deprecated(const OptionSpec&, LineContext&) {
  return {};
}

Status parse_unsupported(const OptionSpec&, LineContext&) {
  return fail(ErrorCode::config, "unsupported");  // the caller turns this into a warning
}

}  // namespace ssh::config
