// Row parsers for the server option table. Each validates its arguments even when the
// line is inactive (sshd reports bad values in non-matching Match blocks too) and
// stores only when line.store() (first value wins) or, for lists, line.append().
//
// Error codes: `config` is fatal (sshd exits at once), `limit` is counted and reading
// goes on; both still need the "<file> line <n>: " prefix.
#include "config/server_option_handlers.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "base/log.h"
#include "config/algorithm_defaults.h"
#include "config/match.h"
#include "config/option_values.h"

namespace ssh::config {
namespace {

template <class T>
T& field(const ServerOptionSpec& spec, ServerConfig& cfg) {
  return cfg.*std::get<T ServerConfig::*>(spec.field);
}

std::unexpected<Error> fatal(std::string text) {
  return fail(ErrorCode::config, std::move(text));
}
std::unexpected<Error> counted(std::string text) {
  return fail(ErrorCode::limit, std::move(text));
}

std::unexpected<Error> unsupported_value(const std::string& value) {
  return fatal("unsupported option \"" + value + "\".");
}

const std::string& only(const ServerLineContext& line) {
  return line.args.front();
}

std::unexpected<Error> extra_args(const ServerLineContext& line) {
  return counted("keyword " + line.keyword + " extra arguments at end of line");
}

std::string none_to_empty(const std::string& v) {
  return v == "none" ? std::string() : v;
}

// sshd's integers: decimal, 0..INT_MAX, with its three messages.
Result<int> parse_integer(const ServerLineContext& line, const std::string& v, int min) {
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') return fatal(line.keyword + " integer value invalid.");
  if (errno == ERANGE || value > INT_MAX) return fatal(line.keyword + " integer value too large.");
  if (value < min) return fatal(line.keyword + " integer value too small.");
  return static_cast<int>(value);
}

}  // namespace

// ---- generic ------------------------------------------------------------------------

Status srv_parse_flag(const ServerOptionSpec& spec, ServerLineContext& line) {
  const std::string& v = only(line);
  bool value;
  if (iequals(v, "yes")) {
    value = true;
  } else if (iequals(v, "no")) {
    value = false;
  } else {
    return unsupported_value(v);
  }
  if (line.store()) field<bool>(spec, line.cfg) = value;
  return {};
}

Status srv_parse_choice(const ServerOptionSpec& spec, ServerLineContext& line) {
  for (const Choice& c : spec.choices->parse) {
    if (iequals(c.name, only(line))) {
      if (line.store()) field<int>(spec, line.cfg) = c.value;
      return {};
    }
  }
  return unsupported_value(only(line));
}

Status srv_parse_int(const ServerOptionSpec& spec, ServerLineContext& line) {
  int value = SSH_TRY(parse_integer(line, only(line), spec.min));
  if (line.store()) field<int>(spec, line.cfg) = value;
  return {};
}

Status srv_parse_time(const ServerOptionSpec& spec, ServerLineContext& line) {
  int64_t value = parse_time(only(line));
  if (value < 0) return fatal("invalid time value.");
  if (line.store()) field<int>(spec, line.cfg) = static_cast<int>(value);
  return {};
}

Status srv_parse_string(const ServerOptionSpec& spec, ServerLineContext& line) {
  if (line.store()) {
    field<std::string>(spec, line.cfg) = spec.dump_empty == "none" ? none_to_empty(only(line)) : only(line);
  }
  return {};
}

Status srv_parse_rest(const ServerOptionSpec& spec, ServerLineContext& line) {
  if (line.store()) field<std::string>(spec, line.cfg) = none_to_empty(std::string(line.rest));
  return {};
}

Status srv_parse_list_once(const ServerOptionSpec& spec, ServerLineContext& line) {
  if (line.store()) field<std::vector<std::string>>(spec, line.cfg) = line.args;
  return {};
}

Status srv_parse_list_append(const ServerOptionSpec& spec, ServerLineContext& line) {
  if (!line.append()) return {};
  auto& list = field<std::vector<std::string>>(spec, line.cfg);
  if (line.first) list.clear();
  list.insert(list.end(), line.args.begin(), line.args.end());
  return {};
}

Status srv_parse_algorithms(const ServerOptionSpec& spec, ServerLineContext& line) {
  auto kind = static_cast<AlgorithmKind>(spec.min);
  Status valid = validate_algorithm_list(kind, only(line));
  if (!valid) {
    note_unsupported_kex(kind, only(line), line.notes);
    // sshd spells it "mac", ssh "MAC".
    if (kind == AlgorithmKind::mac) return fatal("Bad SSH2 mac spec '" + only(line) + "'.");
    return fatal(valid.error().context);
  }
  if (line.store()) field<std::string>(spec, line.cfg) = only(line);
  return {};
}

Status srv_parse_ignored(const ServerOptionSpec&, ServerLineContext&) {
  return {};
}

// ---- keyword-specific ---------------------------------------------------------------

Status srv_parse_port(const ServerOptionSpec&, ServerLineContext& line) {
  int port = parse_port(only(line));
  if (port < 0) return fatal("Badly formatted port number.");
  if (line.append()) {
    if (line.first) line.cfg.ports.clear();
    line.cfg.ports.push_back(port);
  }
  return {};
}

// ListenAddress host|host:port|[host]:port [rdomain name]. A bare IPv6 address has
// more than one colon and no port.
Status srv_parse_listen_address(const ServerOptionSpec&, ServerLineContext& line) {
  const std::string& v = line.args[0];
  if (line.args.size() == 3 && line.args[1] == "rdomain")
    return fatal("setting RDomain not supported on this platform.");
  if (line.args.size() != 1) return fatal("bad ListenAddress syntax");
  ListenSpec spec;
  std::string port_text;
  bool has_port = false;
  if (v.front() == '[') {
    size_t close = v.find(']');
    if (close == std::string::npos) return fatal("bad address:port usage");
    spec.host = v.substr(1, close - 1);
    if (close + 1 < v.size()) {
      if (v[close + 1] != ':') return fatal("bad address:port usage");
      port_text = v.substr(close + 2);
      has_port = true;
    }
  } else if (std::count(v.begin(), v.end(), ':') == 1) {
    spec.host = v.substr(0, v.find(':'));
    port_text = v.substr(v.find(':') + 1);
    has_port = true;
  } else {
    spec.host = v;
  }
  if (has_port) {
    spec.port = parse_port(port_text);
    if (spec.port <= 0) return fatal("bad port number");
  }
  if (line.append()) line.cfg.listen_specs.push_back(std::move(spec));
  return {};
}

Status srv_parse_log_level(const ServerOptionSpec&, ServerLineContext& line) {
  // The names are base/log's; LogLevelValue has the same order (asserted there).
  log::Level level;
  if (log::parse_level(only(line), level)) {
    if (line.store()) line.cfg.log_level = int(level);
    return {};
  }
  return fatal("unsupported log level '" + only(line) + "'");
}

Status srv_parse_syslog_facility(const ServerOptionSpec&, ServerLineContext& line) {
  int facility = 0;
  if (!log::parse_facility(only(line), facility)) return fatal("unsupported log facility '" + only(line) + "'");
  if (line.store()) line.cfg.syslog_facility = to_upper(only(line));
  return {};
}

// MaxStartups start[:rate:full]; a single number sets start and full.
Status srv_parse_max_startups(const ServerOptionSpec&, ServerLineContext& line) {
  const std::string& v = only(line);
  MaxStartups ms = line.cfg.max_startups;
  int n = 0;
  char tail = 0;
  if (std::sscanf(v.c_str(), "%d:%d:%d%c", &ms.begin, &ms.rate, &ms.full, &tail) == 3) {
    n = 3;
  } else if (std::sscanf(v.c_str(), "%d%c", &ms.begin, &tail) == 1) {
    ms.full = ms.begin;
    n = 1;
  }
  if (n == 0 || ms.begin > ms.full || ms.full < 1 || ms.begin < 1 || ms.rate > 100 || ms.rate < 1)
    return fatal("Invalid MaxStartups spec.");
  if (line.active) line.cfg.max_startups = ms;  // sshd: the last value wins
  return {};
}

Status srv_parse_per_source_max_startups(const ServerOptionSpec&, ServerLineContext& line) {
  int value = -1;
  if (only(line) != "none") value = SSH_TRY(parse_integer(line, only(line), 0));
  if (line.active) line.cfg.per_source_max_startups = value;  // sshd: the last value wins
  return {};
}

// PerSourceNetBlockSize v4[:v6]; without ":v6" stock 9.2 stores 0 for IPv6.
Status srv_parse_net_block_size(const ServerOptionSpec&, ServerLineContext& line) {
  int v4 = 0, v6 = 0;
  char tail = 0;
  int n = std::sscanf(only(line).c_str(), "%d:%d%c", &v4, &v6, &tail);
  if ((n != 1 && n != 2) || v4 < 0 || v4 > 32 || v6 < 0 || v6 > 128 ||
      (n == 1 && only(line).find(':') != std::string::npos))
    return fatal("Invalid PerSourceNetBlockSize spec.");
  if (line.active) {  // sshd: the last value wins
    line.cfg.per_source_masklen_ipv4 = v4;
    line.cfg.per_source_masklen_ipv6 = v6;
  }
  return {};
}

Status srv_parse_permit_tunnel(const ServerOptionSpec& spec, ServerLineContext& line) {
  for (const Choice& c : spec.choices->parse) {
    if (c.name == only(line)) {
      if (line.store()) line.cfg.permit_tunnel = c.value;
      return {};
    }
  }
  return fatal("bad PermitTunnel argument " + only(line));
}

Status srv_parse_fingerprint_hash(const ServerOptionSpec& spec, ServerLineContext& line) {
  for (const Choice& c : spec.choices->parse) {
    if (iequals(c.name, only(line))) {
      if (line.active) line.cfg.fingerprint_hash = c.value;  // sshd: the last value wins
      return {};
    }
  }
  return fatal("Invalid FingerprintHash algorithm \"" + only(line) + "\".");
}

Status srv_parse_accept_env(const ServerOptionSpec& spec, ServerLineContext& line) {
  for (const auto& arg : line.args) {
    if (arg.find('=') != std::string::npos) return fatal("Invalid environment name.");
  }
  return srv_parse_list_append(spec, line);
}

Status srv_parse_set_env(const ServerOptionSpec& spec, ServerLineContext& line) {
  for (const auto& arg : line.args) {
    if (arg.find('=') == std::string::npos) return fatal("Invalid environment.");
  }
  return srv_parse_list_once(spec, line);
}

// Subsystem name command [args]; a name may be defined once.
Status srv_parse_subsystem(const ServerOptionSpec&, ServerLineContext& line) {
  if (line.args.size() < 2) return fatal("Missing subsystem command.");
  if (!line.append()) return {};
  auto& subs = line.cfg.subsystems;
  if (line.first) subs.clear();
  for (const auto& s : subs) {
    if (s.name == line.args[0]) return fatal("Subsystem '" + s.name + "' already defined.");
  }
  Subsystem sub{line.args[0], line.args[1]};
  for (size_t i = 2; i < line.args.size(); ++i) sub.command += " " + line.args[i];
  subs.push_back(std::move(sub));
  return {};
}

// AllowUsers/DenyUsers user[@host] patterns: the host part may be an address list.
Status srv_parse_user_patterns(const ServerOptionSpec& spec, ServerLineContext& line) {
  for (const auto& arg : line.args) {
    size_t at = arg.rfind('@');
    if (at != std::string::npos && match_address_list({}, arg.substr(at + 1)) == -2)
      return fatal("invalid " + std::string(spec.keyword) + " pattern: \"" + arg + "\"");
  }
  return srv_parse_list_append(spec, line);
}

// PermitOpen host:port...|any|none; PermitListen also takes a bare port ("*:port").
Status srv_parse_permit_open(const ServerOptionSpec& spec, ServerLineContext& line) {
  bool listen = spec.keyword == "PermitListen";
  std::vector<std::string> out;
  const std::string& first = line.args[0];
  if (first == "any" || first == "none") {
    if (line.args.size() > 1) return extra_args(line);
    out.push_back(first);
  } else {
    for (const auto& arg : line.args) {
      std::string entry = arg;
      if (listen && entry.find(':') == std::string::npos) entry = "*:" + entry;
      size_t colon = entry.rfind(':');
      std::string host = colon == std::string::npos ? std::string() : entry.substr(0, colon);
      std::string port = colon == std::string::npos ? std::string() : entry.substr(colon + 1);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
      if (host.empty() || (port != "*" && parse_port(port) < 0))
        return fatal(line.keyword + " bad port number");
      out.push_back(entry);
    }
  }
  if (line.store()) field<std::vector<std::string>>(spec, line.cfg) = std::move(out);
  return {};
}

Status srv_parse_permit_user_env(const ServerOptionSpec&, ServerLineContext& line) {
  if (line.store()) line.cfg.permit_user_environment = only(line);
  return {};
}

Status srv_parse_ip_qos(const ServerOptionSpec&, ServerLineContext& line) {
  int a = ip_qos_value(line.args[0]);
  if (a < 0) return fatal("Bad IPQoS value: " + line.args[0]);
  int b = a;
  if (line.args.size() > 1) {
    b = ip_qos_value(line.args[1]);
    if (b < 0) return fatal("Bad IPQoS value: " + line.args[1]);
  }
  if (line.args.size() > 2) return extra_args(line);
  if (line.active) {  // sshd: the last value wins
    line.cfg.ip_qos_interactive = a;
    line.cfg.ip_qos_bulk = b;
  }
  return {};
}

// RekeyLimit <size|default> [<time|none|default>].
Status srv_parse_rekey_limit(const ServerOptionSpec&, ServerLineContext& line) {
  int64_t bytes = 0;
  if (line.args[0] != "default") {
    auto size = parse_size(line.args[0]);
    if (!size) return fatal("Bad RekeyLimit number '" + line.args[0] + "': Invalid argument");
    bytes = *size;
    if (bytes != 0 && bytes < 16) return fatal("RekeyLimit too small");
  }
  int64_t seconds = 0;
  if (line.args.size() > 1 && line.args[1] != "default" && line.args[1] != "none") {
    seconds = parse_time(line.args[1]);
    if (seconds < 0) return fatal("invalid time value.");
  }
  if (line.args.size() > 2) return extra_args(line);
  if (line.store()) {
    line.cfg.rekey_limit_bytes = bytes;
    line.cfg.rekey_limit_seconds = static_cast<int>(seconds);
  }
  return {};
}

Status srv_parse_bind_mask(const ServerOptionSpec&, ServerLineContext& line) {
  const std::string& v = only(line);
  char* end = nullptr;
  long mask = std::strtol(v.c_str(), &end, 8);
  if (v.empty() || *end != '\0' || mask < 0 || mask > 0777) return fatal("Invalid StreamLocalBindMask.");
  if (line.active) line.cfg.stream_local_bind_mask = static_cast<int>(mask);  // sshd: the last value wins
  return {};
}

// ChannelTimeout type=interval ... (or none).
Status srv_parse_channel_timeout(const ServerOptionSpec& spec, ServerLineContext& line) {
  for (const auto& arg : line.args) {
    if (arg == "none" && line.args.size() == 1) break;
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || parse_time(arg.substr(eq + 1)) < 0)
      return fatal("invalid channel timeout " + arg);
  }
  return srv_parse_list_once(spec, line);
}

Status srv_parse_unused_timeout(const ServerOptionSpec&, ServerLineContext& line) {
  int64_t value = 0;
  if (only(line) != "none") {
    value = parse_time(only(line));
    if (value < 0) return fatal("invalid time value.");
  }
  if (line.store()) line.cfg.unused_connection_timeout = static_cast<int>(value);
  return {};
}

// AuthenticationMethods any | list... where each list is method[,method...] and a
// method is one of RFC 4252's names (keyboard-interactive may name a device).
Status srv_parse_auth_methods(const ServerOptionSpec&, ServerLineContext& line) {
  static constexpr std::string_view kMethods[] = {
      "publickey", "password", "hostbased", "gssapi-with-mic", "keyboard-interactive", "none"};
  bool any = std::find(line.args.begin(), line.args.end(), "any") != line.args.end();
  if (any && line.args.size() > 1) return fatal("\"any\" must appear alone in AuthenticationMethods");
  for (const auto& list : line.args) {
    if (any) break;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t comma = std::min(list.find(',', pos), list.size());
      std::string method = list.substr(pos, comma - pos);
      std::string base = method.substr(0, method.find(':'));
      bool known = std::find(std::begin(kMethods), std::end(kMethods), base) != std::end(kMethods);
      if (!known || (base != method && base != "keyboard-interactive")) {
        if (line.notes) line.notes->push_back("Unknown authentication method \"" + method + "\" in list");
        return fatal("invalid AuthenticationMethods method list.");
      }
      pos = comma + 1;
    }
  }
  if (line.store()) line.cfg.authentication_methods = any ? std::vector<std::string>{} : line.args;
  return {};
}

Status srv_parse_pubkey_auth_options(const ServerOptionSpec&, ServerLineContext& line) {
  bool touch = false, verify = false;
  for (const auto& arg : line.args) {
    if (arg == "none") continue;
    if (arg == "touch-required") {
      touch = true;
    } else if (arg == "verify-required") {
      verify = true;
    } else {
      return counted("unsupported PubkeyAuthOptions option " + arg);
    }
  }
  if (line.store()) {
    line.cfg.pubkey_auth_touch_required = touch;
    line.cfg.pubkey_auth_verify_required = verify;
  }
  return {};
}

// Debian's GSSAPI key exchange: validated and stored, never used.
Status srv_parse_gssapi_kex(const ServerOptionSpec&, ServerLineContext& line) {
  static constexpr std::string_view kGss =
      "gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,"
      "gss-group1-sha1-,gss-group14-sha1-,gss-gex-sha1-";
  const std::string& v = only(line);
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t comma = std::min(v.find(',', pos), v.size());
    std::string name = v.substr(pos, comma - pos);
    if (name.empty() || match_pattern_list(name, kGss, false) != 1) {
      if (line.notes) line.notes->push_back("Unsupported KEX algorithm \"" + name + "\"");
      return fatal("Bad GSSAPI KexAlgorithms '" + v + "'.");
    }
    pos = comma + 1;
  }
  if (line.store()) line.cfg.gssapi_kex_algorithms = v;
  return {};
}

Status srv_parse_rdomain(const ServerOptionSpec&, ServerLineContext&) {
  return fatal("setting RDomain not supported on this platform.");
}

}  // namespace ssh::config
