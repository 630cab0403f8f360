// The resolved client configuration (ssh_config(5), OpenSSH 9.2 semantics) and the
// functions that build it from -o options and config files, and print it as `ssh -G`.
//
// Every keyword is described by one row of the client option table
// (config/option_table.cpp): the row names the field below, how its arguments parse,
// and how `ssh -G` prints it. Fields hold OpenSSH's defaults once load_client_config()
// has finished; `is_set()` tells whether a keyword was given explicitly.
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ssh::config {

inline constexpr size_t kMaxOptionRows = 192;

// One LocalForward/RemoteForward/DynamicForward. A side is either host+port or a Unix
// socket path. A dynamic (SOCKS) forward has no connect side; a remote dynamic forward
// is stored as OpenSSH does, with connect host "socks" and port 0.
struct Forward {
  std::string listen_host;  // empty: default bind address
  int listen_port = 0;
  std::string listen_path;
  std::string connect_host;
  int connect_port = 0;
  std::string connect_path;
  bool operator==(const Forward&) const = default;
};

// Values of the multi-state keywords. The integers are what the option table stores.
enum AddressFamily : int { kAfAny = 0, kAfInet = 1, kAfInet6 = 2 };
enum StrictHostKeyChecking : int { kShkNo = 0, kShkYes = 1, kShkAsk = 2, kShkAcceptNew = 3 };
enum RequestTty : int { kTtyNo = 0, kTtyYes = 1, kTtyForce = 2, kTtyAuto = 3 };
enum ControlMaster : int { kCmNo = 0, kCmYes = 1, kCmAsk = 2, kCmAuto = 3, kCmAutoAsk = 4 };
enum PubkeyAuth : int { kPkNo = 0, kPkYes = 1, kPkUnbound = 2, kPkHostBound = 3 };
enum YesNoAsk : int { kNo = 0, kYes = 1, kAsk = 2 };
enum SessionType : int { kSessionNone = 0, kSessionSubsystem = 1, kSessionDefault = 2 };
enum TunnelMode : int { kTunnelNo = 0, kTunnelPointToPoint = 1, kTunnelEthernet = 2 };
enum CanonicalizeHostname : int { kCanonNo = 0, kCanonYes = 1, kCanonAlways = 2 };
enum FingerprintHash : int { kFpMd5 = 0, kFpSha256 = 1 };
enum AddKeysToAgent : int { kAkNo = 0, kAkYes = 1, kAkAsk = 2, kAkConfirm = 3 };
enum LogLevelValue : int {  // same order as base/log.h Level
  kLogQuiet = 0,
  kLogFatal,
  kLogError,
  kLogInfo,
  kLogVerbose,
  kLogDebug1,
  kLogDebug2,
  kLogDebug3
};
inline constexpr int kEscapeNone = -2;  // EscapeChar none

struct ClientConfig {
  // Target. `host` is the name given on the command line (%n); `host_name` the
  // resolved HostName (%h, lower-cased, %h/%% expanded).
  std::string host;
  std::string host_name;
  int port = 22;
  std::string user;

  // yes/no keywords.
  bool batch_mode = false;
  bool canonicalize_fallback_local = true;
  bool check_host_ip = false;
  bool compression = false;
  bool enable_ssh_keysign = false;
  bool clear_all_forwardings = false;
  bool exit_on_forward_failure = false;
  bool forward_x11 = false;
  bool forward_x11_trusted = true;  // Debian's default, as stock Debian ssh -G shows
  bool gateway_ports = false;
  bool hash_known_hosts = false;
  bool hostbased_authentication = false;
  bool identities_only = false;
  bool kbd_interactive_authentication = true;
  bool no_host_authentication_for_localhost = false;
  bool password_authentication = true;
  bool permit_local_command = false;
  bool proxy_use_fdpass = false;
  bool stdin_null = false;
  bool fork_after_authentication = false;
  bool stream_local_bind_unlink = false;
  bool tcp_keep_alive = true;
  bool visual_host_key = false;
  bool enable_escape_commandline = false;
  // Our extension (PROTOCOL.continuation): offer session continuations to the server.
  // Against a peer without the extension the session is plain SSH. Default no.
  bool resume = false;

  // Multi-state keywords (values from the enums above).
  int address_family = kAfAny;
  int canonicalize_hostname = kCanonNo;
  int control_master = kCmNo;
  int fingerprint_hash = kFpSha256;
  int pubkey_authentication = kPkYes;
  int request_tty = kTtyAuto;
  int session_type = kSessionDefault;
  int strict_host_key_checking = kShkAsk;
  int tunnel = kTunnelNo;
  int verify_host_key_dns = kNo;
  int update_host_keys = kNo;  // OpenSSH: yes; off here until hostkeys-00 is implemented
  int log_level = kLogInfo;

  // Numbers; times are in seconds.
  int canonicalize_max_dots = 1;
  int connection_attempts = 1;
  int forward_x11_timeout = 1200;
  int number_of_password_prompts = 3;
  int server_alive_count_max = 3;
  int server_alive_interval = 0;
  int required_rsa_size = 1024;
  int connect_timeout = -1;  // -1: none (system TCP timeout)
  // Our extension: how long we ask the server to keep a suspended session, in seconds.
  // 0 means "use the server's own limit".
  int resume_timeout = 0;
  int stream_local_bind_mask = 0177;
  int escape_char = '~';          // kEscapeNone for none
  int64_t rekey_limit_bytes = 0;  // 0: cipher default
  int rekey_limit_seconds = 0;    // 0: none
  int add_keys_to_agent = kAkNo;
  int add_keys_to_agent_lifetime = 0;  // seconds, 0: none
  int control_persist = -1;            // -1 no, 0 yes (forever), >0 seconds

  // Strings; empty means unset unless a default is shown.
  std::string bind_address;
  std::string bind_interface;
  std::string control_path;  // tokens and ~ expanded
  std::string host_key_alias;
  std::string identity_agent;  // tokens and ~ expanded ("none", "SSH_AUTH_SOCK" kept)
  std::string ignore_unknown;
  std::string kbd_interactive_devices;  // empty: the server's choice
  std::string local_command;   // raw: expand with expand_tokens() when run
  std::string remote_command;  // tokens expanded
  std::string pkcs11_provider;
  std::string security_key_provider = "internal";
  std::string preferred_authentications;
  std::string revoked_host_keys;
  std::string xauth_location = "/usr/bin/xauth";
  std::string known_hosts_command;
  std::string proxy_command;  // raw: expand %h %n %p %r when run
  std::string proxy_jump;
  std::string tunnel_device = "any:any";
  std::string ip_qos = "lowdelay throughput";
  std::string syslog_facility = "USER";
  bool forward_agent = false;
  std::string forward_agent_socket;  // ForwardAgent <path|$VAR>, ~ expanded

  // Algorithm lists as written (with their +,-,^ prefix); empty: default. The
  // transport applies the edits; default_algorithms() gives our defaults.
  std::string ciphers;
  std::string macs;
  std::string kex_algorithms;
  std::string host_key_algorithms;
  std::string pubkey_accepted_algorithms;
  std::string hostbased_accepted_algorithms;
  std::string ca_signature_algorithms;

  // Lists.
  std::vector<std::string> identity_files;          // raw; expand when loading
  std::vector<std::string> certificate_files;       // raw; expand when loading
  std::vector<std::string> user_known_hosts_files;  // expanded
  std::vector<std::string> global_known_hosts_files;
  std::vector<std::string> canonical_domains;
  std::vector<std::string> canonicalize_permitted_cnames;
  std::vector<std::string> send_env;  // patterns
  std::vector<std::string> set_env;   // NAME=VALUE
  std::vector<std::string> log_verbose;
  std::vector<std::string> permit_remote_open;
  std::vector<Forward> local_forwards;
  std::vector<Forward> remote_forwards;
  std::vector<Forward> dynamic_forwards;

  // Non-fatal messages met while parsing ("Unsupported option ..."); main logs them.
  std::vector<std::string> warnings;

  // Whether the keyword (canonical or alias spelling) was given explicitly.
  bool is_set(std::string_view keyword) const;
  std::bitset<kMaxOptionRows> set_rows;  // by option table row; see option_table.h
};

// Facts about the local side, used for %-tokens, ~ and Match localuser. main fills it
// from getpwuid()/gethostname() (local_context_from_system()); tests use fixed values.
struct LocalContext {
  std::string user;        // %u
  std::string home;        // %d and ~
  std::string uid;         // %i
  std::string host_fqdn;   // %l
  std::string host_short;  // %L
  // %C needs SHA-1 (hex) of %l%h%p%r; injected so config/ depends only on base/.
  std::function<std::string(std::string_view)> sha1_hex;
  // Match exec: runs the command with /bin/sh -c, returns its exit status. Defaults
  // to run_shell_command() when empty.
  std::function<int(const std::string&)> run_command;
};

Result<LocalContext> local_context_from_system();

// Where configuration comes from, in OpenSSH's order: -o options, then the -F file or
// the user's file, then the system file (the latter only without -F).
struct ConfigSources {
  std::vector<std::string> command_line;   // each -o argument, in order
  std::optional<std::string> config_file;  // -F; "none" reads no file at all
  std::string user_file;                   // default: <home>/.ssh/config
  std::string system_file = "/etc/ssh/ssh_config";
  std::string system_dir = "/etc/ssh";  // base of relative Includes in system files
};

// Parses everything and applies defaults and token expansion. On failure the error's
// context holds the diagnostic lines exactly as ssh prints them (one per line).
Result<ClientConfig> load_client_config(std::string_view host_arg, const ConfigSources& sources,
                                        const LocalContext& local);

// `ssh -G` output (ends with a newline).
std::string dump_client_config(const ClientConfig& config);

}  // namespace ssh::config
