// Parse and dump functions that option table rows point at. Generic ones use the row's
// field and choices; the special ones own one keyword's syntax each.
#pragma once

#include "config/option_table.h"

namespace ssh::config {

// Generic parsers.
Status parse_flag(const OptionSpec&, LineContext&);
Status parse_choice(const OptionSpec&, LineContext&);
Status parse_int(const OptionSpec&, LineContext&);
Status parse_time_value(const OptionSpec&, LineContext&);
Status parse_string(const OptionSpec&, LineContext&);
Status parse_command(const OptionSpec&, LineContext&);
Status parse_list_once(const OptionSpec&, LineContext&);
Status parse_list_append_unique(const OptionSpec&, LineContext&);
Status parse_algorithms(const OptionSpec&, LineContext&);

// Keyword-specific parsers.
Status parse_log_level(const OptionSpec&, LineContext&);
Status parse_syslog_facility(const OptionSpec&, LineContext&);
Status parse_escape(const OptionSpec&, LineContext&);
Status parse_rekey_limit(const OptionSpec&, LineContext&);
Status parse_local_forward(const OptionSpec&, LineContext&);
Status parse_remote_forward(const OptionSpec&, LineContext&);
Status parse_dynamic_forward(const OptionSpec&, LineContext&);
Status parse_add_keys_to_agent(const OptionSpec&, LineContext&);
Status parse_forward_agent(const OptionSpec&, LineContext&);
Status parse_connect_timeout(const OptionSpec&, LineContext&);
Status parse_control_persist(const OptionSpec&, LineContext&);
Status parse_send_env(const OptionSpec&, LineContext&);
Status parse_set_env(const OptionSpec&, LineContext&);
Status parse_proxy_jump(const OptionSpec&, LineContext&);
Status parse_proxy_command(const OptionSpec&, LineContext&);
Status parse_port_number(const OptionSpec&, LineContext&);
Status parse_bind_mask(const OptionSpec&, LineContext&);
Status parse_ip_qos(const OptionSpec&, LineContext&);
Status parse_ignored(const OptionSpec&, LineContext&);      // accepted, no effect
Status parse_deprecated(const OptionSpec&, LineContext&);   // silently ignored
Status parse_unsupported(const OptionSpec&, LineContext&);  // warns, ignored

// Generic dumpers.
void dump_flag(const OptionSpec&, const ClientConfig&, std::string&);
void dump_choice(const OptionSpec&, const ClientConfig&, std::string&);
void dump_int(const OptionSpec&, const ClientConfig&, std::string&);
void dump_string(const OptionSpec&, const ClientConfig&, std::string&);  // if set or dump_empty
void dump_list_lines(const OptionSpec&, const ClientConfig&, std::string&);
void dump_list_oneline(const OptionSpec&, const ClientConfig&, std::string&);
void dump_algorithms(const OptionSpec&, const ClientConfig&, std::string&);

// Keyword-specific dumpers.
void dump_log_level(const OptionSpec&, const ClientConfig&, std::string&);
void dump_escape(const OptionSpec&, const ClientConfig&, std::string&);
void dump_rekey_limit(const OptionSpec&, const ClientConfig&, std::string&);
void dump_local_forwards(const OptionSpec&, const ClientConfig&, std::string&);
void dump_remote_forwards(const OptionSpec&, const ClientConfig&, std::string&);
void dump_dynamic_forwards(const OptionSpec&, const ClientConfig&, std::string&);
void dump_add_keys_to_agent(const OptionSpec&, const ClientConfig&, std::string&);
void dump_forward_agent(const OptionSpec&, const ClientConfig&, std::string&);
void dump_connect_timeout(const OptionSpec&, const ClientConfig&, std::string&);
void dump_control_persist(const OptionSpec&, const ClientConfig&, std::string&);
void dump_bind_mask(const OptionSpec&, const ClientConfig&, std::string&);
void dump_proxy(const OptionSpec&, const ClientConfig&, std::string&);

}  // namespace ssh::config
