// The server option table (sshd_config(5), OpenSSH 9.2 as Debian ships it). Rows that
// print are in the order stock `sshd -T` prints them; parse-only rows (aliases,
// retired keywords) follow. `in_match` marks the keywords sshd accepts in a Match
// block (checked against the stock binary by sshd_oracle_test).
#include "config/server_option_table.h"

#include "config/algorithm_defaults.h"
#include "config/option_values.h"
#include "config/server_option_handlers.h"

namespace ssh::config {
namespace {

using S = ServerConfig;

// ---- value names -------------------------------------------------------------------
constexpr Choice kAfParse[] = {{"any", kAfAny}, {"inet", kAfInet}, {"inet6", kAfInet6}};
constexpr std::string_view kAfDump[] = {"any", "inet", "inet6"};
constexpr ChoiceSet kAddressFamily{kAfParse, kAfDump};

constexpr Choice kRootParse[] = {{"no", kRootNo},
                                 {"prohibit-password", kRootProhibitPassword},
                                 {"without-password", kRootProhibitPassword},
                                 {"forced-commands-only", kRootForcedCommandsOnly},
                                 {"yes", kRootYes}};
constexpr std::string_view kRootDump[] = {"no", "without-password", "forced-commands-only", "yes"};
constexpr ChoiceSet kPermitRoot{kRootParse, kRootDump};

constexpr Choice kFwdParse[] = {{"no", kForwardNo},
                                {"local", kForwardLocal},
                                {"remote", kForwardRemote},
                                {"yes", kForwardAll},
                                {"all", kForwardAll}};
constexpr std::string_view kFwdDump[] = {"no", "local", "remote", "yes"};
constexpr ChoiceSet kForward{kFwdParse, kFwdDump};

constexpr Choice kGwParse[] = {
    {"no", kGatewayNo}, {"yes", kGatewayYes}, {"clientspecified", kGatewayClientSpecified}};
constexpr std::string_view kGwDump[] = {"no", "yes", "clientspecified"};
constexpr ChoiceSet kGateway{kGwParse, kGwDump};

constexpr Choice kTunParse[] = {
    {"no", kTunNo}, {"point-to-point", kTunPointToPoint}, {"ethernet", kTunEthernet}, {"yes", kTunYes}};
constexpr std::string_view kTunDump[] = {"no", "point-to-point", "ethernet", "yes"};
constexpr ChoiceSet kTunnel{kTunParse, kTunDump};

constexpr Choice kRhostsParse[] = {
    {"no", kRhostsNo}, {"yes", kRhostsYes}, {"shosts-only", kRhostsShostsOnly}};
constexpr std::string_view kRhostsDump[] = {"no", "yes", "shosts-only"};
constexpr ChoiceSet kRhosts{kRhostsParse, kRhostsDump};

// Compression: "delayed" is the same as yes since OpenSSH 7.4.
constexpr Choice kCompParse[] = {{"no", 0}, {"yes", 1}, {"delayed", 1}};
constexpr std::string_view kCompDump[] = {"no", "yes"};
constexpr ChoiceSet kCompression{kCompParse, kCompDump};

// FingerprintHash takes any digest name; kFpMd5/kFpSha256 keep the client's values.
constexpr Choice kFpParse[] = {
    {"md5", kFpMd5}, {"sha256", kFpSha256}, {"sha1", 2}, {"sha384", 3}, {"sha512", 4}};
constexpr std::string_view kFpDump[] = {"MD5", "SHA256", "SHA1", "SHA384", "SHA512"};
constexpr ChoiceSet kFingerprint{kFpParse, kFpDump};

// ---- row builders ------------------------------------------------------------------
constexpr ServerOptionSpec flag(std::string_view kw, bool S::*f, bool match) {
  return {kw, {}, {}, Arity::one, srv_parse_flag, srv_dump_flag, f, match};
}
constexpr ServerOptionSpec choice(std::string_view kw, int S::*f, const ChoiceSet& set, bool match) {
  return {kw, {}, {}, Arity::one, srv_parse_choice, srv_dump_choice, f, match, &set};
}
constexpr ServerOptionSpec integer(std::string_view kw, int S::*f, bool match) {
  return {kw, {}, {}, Arity::one, srv_parse_int, srv_dump_int, f, match, nullptr, 0, 0};
}
constexpr ServerOptionSpec seconds(std::string_view kw, int S::*f, bool match) {
  return {kw, {}, {}, Arity::one, srv_parse_time, srv_dump_int, f, match};
}
// A string printed as "none" when empty ("none" in the file stores empty).
constexpr ServerOptionSpec text(std::string_view kw, std::string S::*f, bool match,
                                std::string_view empty = "none") {
  return {kw, {}, {}, Arity::one, srv_parse_string, srv_dump_string, f, match, nullptr, 0, 0, empty};
}
constexpr ServerOptionSpec command(std::string_view kw, std::string S::*f, bool match) {
  return {kw, {}, {}, Arity::rest, srv_parse_rest, srv_dump_string, f, match, nullptr, 0, 0, "none"};
}
constexpr ServerOptionSpec algos(std::string_view kw, std::string S::*f, AlgorithmKind kind, bool match) {
  return {kw,
          {},
          {},
          Arity::one,
          srv_parse_algorithms,
          srv_dump_algorithms,
          f,
          match,
          nullptr,
          static_cast<int>(kind)};
}
constexpr ServerOptionSpec lines(std::string_view kw, std::vector<std::string> S::*f, bool match,
                                 ServerParseFn parse = srv_parse_list_append) {
  return {kw, {}, {}, Arity::many, parse, srv_dump_list_lines, f, match};
}
constexpr ServerOptionSpec oneline(std::string_view kw, std::vector<std::string> S::*f, bool match,
                                   std::string_view empty = {}, ServerParseFn parse = srv_parse_list_once) {
  return {kw, {}, {}, Arity::many, parse, srv_dump_list_oneline, f, match, nullptr, 0, 0, empty};
}
constexpr ServerOptionSpec special(std::string_view kw, Arity arity, ServerParseFn parse, ServerDumpFn dump,
                                   bool match) {
  return {kw, {}, {}, arity, parse, dump, {}, match};
}
constexpr ServerOptionSpec alias(std::string_view kw, std::string_view target, bool match) {
  return {kw, target, {}, Arity::special, nullptr, nullptr, {}, match};
}
constexpr ServerOptionSpec retired(std::string_view kw, Retired how, bool match) {
  return {kw, {}, {}, Arity::many, srv_parse_ignored, nullptr, {}, match, nullptr, 0, 0, {}, how};
}

constexpr bool G = false;  // global only
constexpr bool M = true;   // allowed in Match

constexpr ServerOptionSpec kServerTable[] = {
    special("Port", Arity::one, srv_parse_port, srv_dump_ports, G),
    choice("AddressFamily", &S::address_family, kAddressFamily, G),
    special("ListenAddress", Arity::many, srv_parse_listen_address, srv_dump_listen, G),
    flag("UsePAM", &S::use_pam, G),
    seconds("LoginGraceTime", &S::login_grace_time, G),
    integer("X11DisplayOffset", &S::x11_display_offset, M),
    integer("MaxAuthTries", &S::max_auth_tries, M),
    integer("MaxSessions", &S::max_sessions, M),
    seconds("ClientAliveInterval", &S::client_alive_interval, M),
    integer("ClientAliveCountMax", &S::client_alive_count_max, M),
    integer("RequiredRSASize", &S::required_rsa_size, M),
    special("StreamLocalBindMask", Arity::one, srv_parse_bind_mask, srv_dump_bind_mask, M),
    special("UnusedConnectionTimeout", Arity::one, srv_parse_unused_timeout, srv_dump_unused_timeout, M),
    choice("PermitRootLogin", &S::permit_root_login, kPermitRoot, M),
    choice("IgnoreRhosts", &S::ignore_rhosts, kRhosts, M),
    flag("IgnoreUserKnownHosts", &S::ignore_user_known_hosts, G),
    flag("HostbasedAuthentication", &S::hostbased_authentication, M),
    flag("HostbasedUsesNameFromPacketOnly", &S::hostbased_uses_name_from_packet_only, M),
    flag("PubkeyAuthentication", &S::pubkey_authentication, M),
    flag("KerberosAuthentication", &S::kerberos_authentication, M),
    flag("KerberosOrLocalPasswd", &S::kerberos_or_local_passwd, G),
    flag("KerberosTicketCleanup", &S::kerberos_ticket_cleanup, G),
    flag("GSSAPIAuthentication", &S::gssapi_authentication, M),
    flag("GSSAPICleanupCredentials", &S::gssapi_cleanup_credentials, G),
    flag("GSSAPIKeyExchange", &S::gssapi_key_exchange, G),
    flag("GSSAPIStrictAcceptorCheck", &S::gssapi_strict_acceptor_check, G),
    flag("GSSAPIStoreCredentialsOnRekey", &S::gssapi_store_credentials_on_rekey, G),
    special("GSSAPIKexAlgorithms", Arity::one, srv_parse_gssapi_kex, srv_dump_gssapi_kex, G),
    flag("PasswordAuthentication", &S::password_authentication, M),
    flag("KbdInteractiveAuthentication", &S::kbd_interactive_authentication, M),
    flag("PrintMotd", &S::print_motd, G),
    flag("PrintLastLog", &S::print_last_log, G),
    flag("X11Forwarding", &S::x11_forwarding, M),
    flag("X11UseLocalhost", &S::x11_use_localhost, M),
    flag("PermitTTY", &S::permit_tty, M),
    flag("PermitUserRC", &S::permit_user_rc, M),
    flag("StrictModes", &S::strict_modes, G),
    flag("TCPKeepAlive", &S::tcp_keep_alive, G),
    flag("PermitEmptyPasswords", &S::permit_empty_passwords, M),
    choice("Compression", &S::compression, kCompression, G),
    choice("GatewayPorts", &S::gateway_ports, kGateway, M),
    flag("UseDNS", &S::use_dns, G),
    choice("AllowTcpForwarding", &S::allow_tcp_forwarding, kForward, M),
    flag("AllowAgentForwarding", &S::allow_agent_forwarding, M),
    flag("DisableForwarding", &S::disable_forwarding, M),
    choice("AllowStreamLocalForwarding", &S::allow_stream_local_forwarding, kForward, M),
    flag("StreamLocalBindUnlink", &S::stream_local_bind_unlink, M),
    {"FingerprintHash",
     {},
     {},
     Arity::one,
     srv_parse_fingerprint_hash,
     srv_dump_choice,
     &S::fingerprint_hash,
     G,
     &kFingerprint},
    flag("ExposeAuthInfo", &S::expose_auth_info, M),
    text("PidFile", &S::pid_file, G),
    text("ModuliFile", &S::moduli_file, G, {}),
    text("XAuthLocation", &S::xauth_location, G),
    algos("Ciphers", &S::ciphers, AlgorithmKind::cipher, G),
    algos("MACs", &S::macs, AlgorithmKind::mac, G),
    text("Banner", &S::banner, M),
    command("ForceCommand", &S::force_command, M),
    text("ChrootDirectory", &S::chroot_directory, M),
    text("TrustedUserCAKeys", &S::trusted_user_ca_keys, M),
    text("RevokedKeys", &S::revoked_keys, M),
    text("SecurityKeyProvider", &S::security_key_provider, G),
    text("AuthorizedPrincipalsFile", &S::authorized_principals_file, M),
    command("VersionAddendum", &S::version_addendum, G),
    command("AuthorizedKeysCommand", &S::authorized_keys_command, M),
    text("AuthorizedKeysCommandUser", &S::authorized_keys_command_user, M),
    command("AuthorizedPrincipalsCommand", &S::authorized_principals_command, M),
    text("AuthorizedPrincipalsCommandUser", &S::authorized_principals_command_user, M),
    text("HostKeyAgent", &S::host_key_agent, G),
    algos("KexAlgorithms", &S::kex_algorithms, AlgorithmKind::kex, G),
    algos("CASignatureAlgorithms", &S::ca_signature_algorithms, AlgorithmKind::ca_signature, M),
    algos("HostbasedAcceptedAlgorithms", &S::hostbased_accepted_algorithms, AlgorithmKind::hostbased, M),
    algos("HostKeyAlgorithms", &S::host_key_algorithms, AlgorithmKind::host_key, G),
    algos("PubkeyAcceptedAlgorithms", &S::pubkey_accepted_algorithms, AlgorithmKind::pubkey, M),
    special("LogLevel", Arity::one, srv_parse_log_level, srv_dump_log_level, M),
    {"SyslogFacility",
     {},
     {},
     Arity::one,
     srv_parse_syslog_facility,
     srv_dump_string,
     &S::syslog_facility,
     G},
    oneline("AuthorizedKeysFile", &S::authorized_keys_files, M),
    lines("HostKey", &S::host_keys, G),
    lines("HostCertificate", &S::host_certificates, G),
    lines("AllowUsers", &S::allow_users, M, srv_parse_user_patterns),
    lines("DenyUsers", &S::deny_users, M, srv_parse_user_patterns),
    lines("AllowGroups", &S::allow_groups, M),
    lines("DenyGroups", &S::deny_groups, M),
    lines("AcceptEnv", &S::accept_env, M, srv_parse_accept_env),
    {"SetEnv", {}, {}, Arity::many, srv_parse_set_env, srv_dump_list_lines, &S::set_env, M},
    oneline("AuthenticationMethods", &S::authentication_methods, M, "any", srv_parse_auth_methods),
    oneline("LogVerbose", &S::log_verbose, M),
    oneline("ChannelTimeout", &S::channel_timeouts, M, {}, srv_parse_channel_timeout),
    special("Subsystem", Arity::many, srv_parse_subsystem, srv_dump_subsystems, G),
    special("MaxStartups", Arity::one, srv_parse_max_startups, srv_dump_max_startups, G),
    special("PerSourceMaxStartups", Arity::one, srv_parse_per_source_max_startups,
            srv_dump_per_source_max_startups, G),
    special("PerSourceNetBlockSize", Arity::one, srv_parse_net_block_size, srv_dump_net_block_size, G),
    {"PermitTunnel",
     {},
     {},
     Arity::one,
     srv_parse_permit_tunnel,
     srv_dump_choice,
     &S::permit_tunnel,
     M,
     &kTunnel},
    special("IPQoS", Arity::many, srv_parse_ip_qos, srv_dump_ip_qos, M),
    special("RekeyLimit", Arity::many, srv_parse_rekey_limit, srv_dump_rekey_limit, M),
    oneline("PermitOpen", &S::permit_open, M, "any", srv_parse_permit_open),
    oneline("PermitListen", &S::permit_listen, M, "any", srv_parse_permit_open),
    {"PermitUserEnvironment",
     {},
     {},
     Arity::one,
     srv_parse_permit_user_env,
     srv_dump_string,
     &S::permit_user_environment,
     G},
    special("PubkeyAuthOptions", Arity::many, srv_parse_pubkey_auth_options, srv_dump_pubkey_auth_options, M),

    // Our own keywords (PROTOCOL.continuation); printed last.
    flag("Resume", &S::resume, M),
    seconds("ResumeTimeout", &S::resume_timeout, M),
    integer("MaxSuspendedSessions", &S::max_suspended_sessions, M),
    integer("MaxSuspendedSessionsTotal", &S::max_suspended_sessions_total, G),

    // Parse-only.
    {"DebianBanner", {}, {}, Arity::one, srv_parse_flag, nullptr, &S::debian_banner, G},
    special("RDomain", Arity::one, srv_parse_rdomain, nullptr, M),
    alias("ChallengeResponseAuthentication", "KbdInteractiveAuthentication", M),
    alias("SkeyAuthentication", "KbdInteractiveAuthentication", M),
    alias("DSAAuthentication", "PubkeyAuthentication", G),
    alias("KeepAlive", "TCPKeepAlive", G),
    alias("HostDSAKey", "HostKey", G),
    alias("PubkeyAcceptedKeyTypes", "PubkeyAcceptedAlgorithms", M),
    alias("HostbasedAcceptedKeyTypes", "HostbasedAcceptedAlgorithms", M),
    retired("Protocol", Retired::ignored, G),
    retired("UsePrivilegeSeparation", Retired::deprecated, G),
    retired("ServerKeyBits", Retired::deprecated, G),
    retired("KeyRegenerationInterval", Retired::deprecated, G),
    retired("RSAAuthentication", Retired::deprecated, M),
    retired("RhostsRSAAuthentication", Retired::deprecated, M),
    retired("RhostsAuthentication", Retired::deprecated, G),
    retired("UseLogin", Retired::deprecated, G),
    retired("PAMAuthenticationViaKbdInt", Retired::deprecated, G),
    retired("AuthorizedKeysFile2", Retired::deprecated, M),
    retired("VerifyReverseMapping", Retired::deprecated, G),
    retired("ReverseMappingCheck", Retired::deprecated, G),
    retired("CheckMail", Retired::deprecated, G),
    retired("PermitBlacklistedKeys", Retired::deprecated, G),
    retired("KerberosGetAFSToken", Retired::unsupported, G),
    retired("KerberosTgtPassing", Retired::unsupported, G),
    retired("AFSTokenPassing", Retired::unsupported, G),
};

static_assert(std::size(kServerTable) <= kMaxServerOptionRows);

}  // namespace

std::span<const ServerOptionSpec> server_option_table() {
  return kServerTable;
}

int find_server_option(std::string_view keyword, bool* in_match) {
  for (size_t i = 0; i < std::size(kServerTable); ++i) {
    if (!iequals(kServerTable[i].keyword, keyword)) continue;
    if (in_match != nullptr) *in_match = kServerTable[i].in_match;
    if (kServerTable[i].alias_of.empty()) return static_cast<int>(i);
    return find_server_option(kServerTable[i].alias_of, nullptr);
  }
  return -1;
}

bool ServerConfig::is_set(std::string_view keyword) const {
  int row = find_server_option(keyword);
  return row >= 0 && set_rows.test(static_cast<size_t>(row));
}

}  // namespace ssh::config
