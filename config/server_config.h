// The server configuration (sshd_config(5), OpenSSH 9.2 keywords and defaults), the
// functions that build it from -o options and config files, apply Match blocks for one
// connection, and print it as `sshd -T`.
//
// Every keyword is one row of the server option table (config/server_option_table.cpp):
// the row names the field below, how its arguments parse, whether it may appear in a
// Match block and how `sshd -T` prints it. Fields hold OpenSSH's defaults once
// load_server_config() has finished.
//
// Values written as "none" in the file (Banner, ChrootDirectory, ForceCommand, PidFile,
// AuthorizedKeysCommand, ...) are stored as empty strings; -T prints them as "none".
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/client_config.h"  // AddressFamily, FingerprintHash, LogLevelValue
#include "config/option_values.h"  // SplitLine

namespace ssh::config {

inline constexpr size_t kMaxServerOptionRows = 160;

// Multi-state keywords; the integers are what the option table stores.
enum PermitRootLogin : int {
  kRootNo = 0,
  kRootProhibitPassword = 1,
  kRootForcedCommandsOnly = 2,
  kRootYes = 3
};
// AllowTcpForwarding / AllowStreamLocalForwarding.
enum ForwardPolicy : int { kForwardNo = 0, kForwardLocal = 1, kForwardRemote = 2, kForwardAll = 3 };
enum GatewayPorts : int { kGatewayNo = 0, kGatewayYes = 1, kGatewayClientSpecified = 2 };
// PermitTunnel: "yes" is point-to-point and ethernet together.
enum PermitTunnel : int { kTunNo = 0, kTunPointToPoint = 1, kTunEthernet = 2, kTunYes = 3 };
enum IgnoreRhosts : int { kRhostsNo = 0, kRhostsYes = 1, kRhostsShostsOnly = 2 };

struct Subsystem {
  std::string name;
  std::string command;  // arguments re-joined with single spaces, as sshd -T shows them
  bool operator==(const Subsystem&) const = default;
};

// One socket to listen on, after name resolution: a numeric address and a port.
struct ListenAddress {
  std::string host;  // numeric, without brackets
  int port = 0;
  bool operator==(const ListenAddress&) const = default;
};

// A ListenAddress line as written; port 0 means "every Port".
struct ListenSpec {
  std::string host;
  int port = 0;
};

struct MaxStartups {
  int begin = 10;  // start dropping unauthenticated connections at this many
  int rate = 30;   // percent, rising linearly to `full`
  int full = 100;
};

// Match blocks kept for evaluation per connection. Lines are stored split, with their
// origin, in file order (Includes expanded in place). A line belongs to a block (the
// Match line before it in its file, or for a file's leading lines, the block that was
// current at the Include). A block is active when its criteria match and so is every
// enclosing block.
struct MatchBlock {
  std::vector<std::string> criteria;  // the Match line's arguments
  std::string file;
  int line = 0;
  int parent = -1;  // enclosing block (Include inside a Match), -1 for none
};

struct MatchLine {
  std::string file;
  int line = 0;
  int block = -1;
  SplitLine text;
};

struct MatchRules {
  std::vector<MatchBlock> blocks;
  std::vector<MatchLine> lines;  // only lines inside some Match block
};

struct ServerConfig {
  // Listening and process.
  std::vector<int> ports;  // Port; default {22}
  int address_family = kAfAny;
  std::vector<ListenSpec> listen_specs;         // ListenAddress as written
  std::vector<ListenAddress> listen_addresses;  // resolved by load_server_config()
  std::vector<std::string> host_keys;           // HostKey; default the three /etc/ssh keys
  std::vector<std::string> host_certificates;
  std::string host_key_agent;
  std::string pid_file = "/run/sshd.pid";
  std::string moduli_file = "/etc/ssh/moduli";
  std::string xauth_location = "/usr/bin/xauth";
  std::string version_addendum;
  std::string security_key_provider = "internal";
  int log_level = kLogInfo;
  std::string syslog_facility = "AUTH";
  std::vector<std::string> log_verbose;
  int login_grace_time = 120;
  MaxStartups max_startups;
  int per_source_max_startups = -1;  // -1: none
  int per_source_masklen_ipv4 = 32;
  int per_source_masklen_ipv6 = 128;
  bool use_pam = false;
  bool use_dns = false;
  bool tcp_keep_alive = true;
  bool strict_modes = true;
  bool print_motd = true;
  bool print_last_log = true;
  int compression = 1;        // 0 no, 1 yes ("delayed" is yes, as in OpenSSH)
  bool debian_banner = true;  // Debian: the OS name in the version string
  int fingerprint_hash = kFpSha256;
  int required_rsa_size = 1024;

  // Authentication.
  int max_auth_tries = 6;
  int max_sessions = 10;
  int permit_root_login = kRootProhibitPassword;
  bool pubkey_authentication = true;
  bool password_authentication = true;
  bool kbd_interactive_authentication = true;
  bool permit_empty_passwords = false;
  bool hostbased_authentication = false;
  bool hostbased_uses_name_from_packet_only = false;
  int ignore_rhosts = kRhostsYes;
  bool ignore_user_known_hosts = false;
  bool pubkey_auth_touch_required = false;  // PubkeyAuthOptions
  bool pubkey_auth_verify_required = false;
  bool expose_auth_info = false;
  std::vector<std::string> authorized_keys_files;  // tokens kept raw; ["none"] disables
  std::string authorized_keys_command;             // raw rest of line, tokens unexpanded
  std::string authorized_keys_command_user;
  std::string authorized_principals_file;
  std::string authorized_principals_command;
  std::string authorized_principals_command_user;
  std::string trusted_user_ca_keys;
  std::string revoked_keys;
  std::vector<std::string> authentication_methods;  // empty: any
  std::vector<std::string> allow_users, deny_users, allow_groups, deny_groups;
  std::string banner;
  // Stored for compatibility; we implement neither Kerberos nor GSSAPI.
  bool kerberos_authentication = false;
  bool kerberos_or_local_passwd = true;
  bool kerberos_ticket_cleanup = true;
  bool gssapi_authentication = false;
  bool gssapi_cleanup_credentials = true;
  bool gssapi_key_exchange = false;
  bool gssapi_strict_acceptor_check = true;
  bool gssapi_store_credentials_on_rekey = false;
  std::string gssapi_kex_algorithms;  // empty: OpenSSH's (Debian's) default

  // Session.
  int client_alive_interval = 0;
  int client_alive_count_max = 3;
  int unused_connection_timeout = 0;           // 0: none
  std::vector<std::string> channel_timeouts;   // type=interval, validated
  std::vector<std::string> accept_env;         // patterns
  std::vector<std::string> set_env;            // NAME=VALUE
  std::string permit_user_environment = "no";  // "no", "yes" or a pattern list
  std::string force_command;                   // raw rest of line
  std::string chroot_directory;                // tokens kept raw
  std::vector<Subsystem> subsystems;
  bool permit_tty = true;
  bool permit_user_rc = true;
  int permit_tunnel = kTunNo;
  bool x11_forwarding = false;  // stored; no X11 forwarding yet
  int x11_display_offset = 10;
  bool x11_use_localhost = true;
  int ip_qos_interactive = 0x10;  // lowdelay
  int ip_qos_bulk = 0x08;         // throughput

  // Forwarding.
  int allow_tcp_forwarding = kForwardAll;
  int allow_stream_local_forwarding = kForwardAll;
  bool allow_agent_forwarding = true;
  bool disable_forwarding = false;
  int gateway_ports = kGatewayNo;
  std::vector<std::string> permit_open;    // empty: any; ["none"]: none
  std::vector<std::string> permit_listen;  // "port" alone stored as "*:port"
  int stream_local_bind_mask = 0177;
  bool stream_local_bind_unlink = false;

  // Transport. Algorithm lists as written (+,-,^ edits); empty: default.
  std::string ciphers;
  std::string macs;
  std::string kex_algorithms;
  std::string host_key_algorithms;
  std::string pubkey_accepted_algorithms;
  std::string hostbased_accepted_algorithms;
  std::string ca_signature_algorithms;
  int64_t rekey_limit_bytes = 0;  // 0: cipher default
  int rekey_limit_seconds = 0;    // 0: none

  // Our extension (PROTOCOL.continuation): accept session continuations, and keep a
  // suspended session this long before ending it. 12 hours outlasts a night of laptop
  // sleep.
  bool resume = true;
  int resume_timeout = 43200;
  // Suspended sessions kept per user (Match applies) and by the whole daemon instance;
  // beyond either, the user's oldest suspended session ends (PROTOCOL.continuation §9).
  int max_suspended_sessions = 10;
  int max_suspended_sessions_total = 1000;

  // Non-fatal lines sshd prints while parsing ("Deprecated option ..."); main logs them.
  std::vector<std::string> warnings;
  // Lines that set a keyword this sshd accepts but does not enforce yet (ChrootDirectory,
  // AuthorizedKeysCommand, TrustedUserCAKeys, HostCertificate, PermitUserEnvironment),
  // globally or in any Match block, as "<file> line <n>: ..." messages. sshd refuses to
  // run (and -t/-T fail) while there are any.
  std::vector<std::string> unenforced;
  // The Match blocks, for apply_match().
  MatchRules match_rules;

  // Whether the keyword was given explicitly (outside Match, or in a Match block that
  // applied while loading, i.e. "Match All").
  bool is_set(std::string_view keyword) const;
  std::bitset<kMaxServerOptionRows> set_rows;
};

// Where configuration comes from. sshd applies -o options before the file (the first
// value wins), and -p ports replace every Port line read after them.
struct ServerSources {
  std::vector<std::string> command_line;  // each -o argument, in order
  std::vector<int> command_line_ports;    // -p
  std::string config_file = "/etc/ssh/sshd_config";
  std::string config_dir = "/etc/ssh";  // base of relative Include paths
};

// The facts about one connection that Match blocks test (sshd -T -C user=...,host=...).
// Unset strings never match; Match LocalPort without a local port is an error.
struct ConnectionInfo {
  std::string user;
  std::string host;     // the client's name (its address unless UseDNS)
  std::string address;  // client address
  std::string local_address;
  int local_port = -1;
  std::string rdomain;
  // Group names of `user` for Match Group; empty function: the system's group
  // database (getgrouplist). Returns nullopt when the user does not exist.
  std::function<std::optional<std::vector<std::string>>(const std::string&)> groups;
};

// Parses a -C argument: comma-separated user=, host=, addr=, laddr=, lport=, rdomain=.
// Errors carry sshd's wording ("Invalid test mode specification x").
Result<ConnectionInfo> parse_connection_spec(std::string_view spec);

// Parses everything, applies defaults and resolves ListenAddress. On failure the
// error's context holds the diagnostic lines exactly as sshd prints them (one per line).
Result<ServerConfig> load_server_config(const ServerSources& sources);

// Parses configuration text as if it were the file `name` (tests; no -o options).
Result<ServerConfig> load_server_config_text(std::string_view text, std::string_view name,
                                             const ServerSources& sources = {});

// The effective configuration for one connection: the loaded configuration with every
// matching Match block applied (values in Match blocks override global ones; among
// Match blocks the first value wins; list keywords given in Match blocks replace the
// global list). Errors as sshd prints them (bad Address lists, missing local port).
Result<ServerConfig> apply_match(const ServerConfig& base, const ConnectionInfo& conn);

// `sshd -T` output (ends with a newline).
std::string dump_server_config(const ServerConfig& config);

}  // namespace ssh::config
