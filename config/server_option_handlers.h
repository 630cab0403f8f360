// Parse and dump functions that server option table rows point at. Generic ones use the
// row's field and choices; the special ones own one keyword's syntax each. Messages are
// sshd's (OpenSSH 9.2), checked against the stock binary by sshd_oracle_test.
#pragma once

#include "config/server_option_table.h"

namespace ssh::config {

// Generic parsers.
Status srv_parse_flag(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_choice(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_int(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_time(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_string(const ServerOptionSpec&, ServerLineContext&);  // "none" -> ""
Status srv_parse_rest(const ServerOptionSpec&, ServerLineContext&);    // raw rest of line
Status srv_parse_list_once(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_list_append(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_algorithms(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_ignored(const ServerOptionSpec&, ServerLineContext&);

// Keyword-specific parsers.
Status srv_parse_port(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_listen_address(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_log_level(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_syslog_facility(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_max_startups(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_per_source_max_startups(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_net_block_size(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_permit_tunnel(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_fingerprint_hash(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_accept_env(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_set_env(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_subsystem(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_user_patterns(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_permit_open(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_permit_user_env(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_ip_qos(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_rekey_limit(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_bind_mask(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_channel_timeout(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_unused_timeout(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_auth_methods(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_pubkey_auth_options(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_gssapi_kex(const ServerOptionSpec&, ServerLineContext&);
Status srv_parse_rdomain(const ServerOptionSpec&, ServerLineContext&);

// Generic dumpers.
void srv_dump_flag(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_choice(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_int(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_string(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_list_lines(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_list_oneline(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_algorithms(const ServerOptionSpec&, const ServerConfig&, std::string&);

// Keyword-specific dumpers.
void srv_dump_ports(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_listen(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_log_level(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_max_startups(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_per_source_max_startups(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_net_block_size(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_subsystems(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_ip_qos(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_rekey_limit(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_bind_mask(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_unused_timeout(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_pubkey_auth_options(const ServerOptionSpec&, const ServerConfig&, std::string&);
void srv_dump_gssapi_kex(const ServerOptionSpec&, const ServerConfig&, std::string&);

// Address lists as Match Address and AllowUsers user@host take them: comma-separated
// CIDR blocks or wildcard patterns, '!' negates. 1 match, 0 none, -1 a negated entry
// matched, -2 the list is malformed (a bad CIDR block or an empty entry). An empty
// `address` only validates the list (0 or -2).
int match_address_list(std::string_view address, std::string_view list);

}  // namespace ssh::config
