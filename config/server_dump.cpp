// `sshd -T`: the effective configuration, printed by walking the server option table
// (which is in stock OpenSSH 9.2's output order). Each line is the lower-cased keyword
// and the value as sshd shows it.
#include <cstdio>

#include "config/algorithm_defaults.h"
#include "config/option_values.h"
#include "config/server_option_handlers.h"

namespace ssh::config {
namespace {

template <class T>
const T& field(const ServerOptionSpec& spec, const ServerConfig& cfg) {
  return cfg.*std::get<T ServerConfig::*>(spec.field);
}

std::string name_of(const ServerOptionSpec& spec) {
  return spec.dump_name.empty() ? to_lower(spec.keyword) : std::string(spec.dump_name);
}

void line(std::string& out, const ServerOptionSpec& spec, std::string_view value) {
  out.append(name_of(spec)).append(" ").append(value).append("\n");
}

}  // namespace

void srv_dump_flag(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  line(out, spec, field<bool>(spec, cfg) ? "yes" : "no");
}

void srv_dump_choice(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  int value = field<int>(spec, cfg);
  auto names = spec.choices->dump;
  if (value >= 0 && static_cast<size_t>(value) < names.size()) line(out, spec, names[value]);
}

void srv_dump_int(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  line(out, spec, std::to_string(field<int>(spec, cfg)));
}

void srv_dump_string(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  const std::string& value = field<std::string>(spec, cfg);
  if (!value.empty()) {
    line(out, spec, value);
  } else if (!spec.dump_empty.empty()) {
    line(out, spec, spec.dump_empty);
  }
}

void srv_dump_list_lines(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  for (const auto& item : field<std::vector<std::string>>(spec, cfg)) line(out, spec, item);
}

void srv_dump_list_oneline(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  const auto& list = field<std::vector<std::string>>(spec, cfg);
  if (!list.empty()) {
    line(out, spec, join_words(list));
  } else if (!spec.dump_empty.empty()) {
    line(out, spec, spec.dump_empty);
  }
}

void srv_dump_algorithms(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  line(out, spec,
       resolve_algorithm_list(static_cast<AlgorithmKind>(spec.min), field<std::string>(spec, cfg)));
}

void srv_dump_ports(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  for (int port : cfg.ports) line(out, spec, std::to_string(port));
}

void srv_dump_listen(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  for (const auto& la : cfg.listen_addresses) {
    bool v6 = la.host.find(':') != std::string::npos;
    line(out, spec, (v6 ? "[" + la.host + "]" : la.host) + ":" + std::to_string(la.port));
  }
}

void srv_dump_log_level(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  // Like ssh -G: the first name of each level (QUIET shows as SILENT, DEBUG1 as DEBUG).
  static constexpr std::string_view kNames[] = {"SILENT",  "FATAL", "ERROR",  "INFO",
                                                "VERBOSE", "DEBUG", "DEBUG2", "DEBUG3"};
  if (cfg.log_level >= 0 && cfg.log_level < 8) line(out, spec, kNames[cfg.log_level]);
}

void srv_dump_max_startups(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  const MaxStartups& m = cfg.max_startups;
  line(out, spec, std::to_string(m.begin) + ":" + std::to_string(m.rate) + ":" + std::to_string(m.full));
}

void srv_dump_per_source_max_startups(const ServerOptionSpec& spec, const ServerConfig& cfg,
                                      std::string& out) {
  int v = cfg.per_source_max_startups;
  line(out, spec, v < 0 ? "none" : std::to_string(v));
}

void srv_dump_net_block_size(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  line(out, spec,
       std::to_string(cfg.per_source_masklen_ipv4) + ":" + std::to_string(cfg.per_source_masklen_ipv6));
}

void srv_dump_subsystems(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  for (const auto& s : cfg.subsystems) line(out, spec, s.name + " " + s.command);
}

void srv_dump_ip_qos(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  line(out, spec, ip_qos_name(cfg.ip_qos_interactive) + " " + ip_qos_name(cfg.ip_qos_bulk));
}

void srv_dump_rekey_limit(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  line(out, spec, std::to_string(cfg.rekey_limit_bytes) + " " + std::to_string(cfg.rekey_limit_seconds));
}

void srv_dump_bind_mask(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", static_cast<unsigned>(cfg.stream_local_bind_mask));
  line(out, spec, buf);
}

void srv_dump_unused_timeout(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  int v = cfg.unused_connection_timeout;
  line(out, spec, v <= 0 ? "none" : std::to_string(v));
}

void srv_dump_pubkey_auth_options(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  std::string v;
  if (cfg.pubkey_auth_touch_required) v = "touch-required";
  if (cfg.pubkey_auth_verify_required) v += std::string(v.empty() ? "" : " ") + "verify-required";
  line(out, spec, v.empty() ? "none" : v);
}

void srv_dump_gssapi_kex(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out) {
  // Debian's default list (sshd_config(5) GSSAPIKexAlgorithms).
  static constexpr std::string_view kDefault =
      "gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,"
      "gss-group14-sha1-,gss-gex-sha1-";
  line(out, spec, cfg.gssapi_kex_algorithms.empty() ? kDefault : cfg.gssapi_kex_algorithms);
}

std::string dump_server_config(const ServerConfig& cfg) {
  std::string out;
  for (const ServerOptionSpec& spec : server_option_table()) {
    if (spec.dump != nullptr && spec.alias_of.empty()) spec.dump(spec, cfg, out);
  }
  return out;
}

}  // namespace ssh::config
