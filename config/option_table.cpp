// The client option table (ssh_config(5), OpenSSH 9.2). Rows that print are in the
// order stock `ssh -G` prints them; parse-only rows (header fields, aliases, ignored
// and retired keywords) follow.
#include "config/option_table.h"

#include "config/algorithm_defaults.h"
#include "config/option_handlers.h"
#include "config/option_values.h"

namespace ssh::config {
namespace {

using C = ClientConfig;

// ---- value names -------------------------------------------------------------------
constexpr Choice kAfParse[] = {{"any", kAfAny}, {"inet", kAfInet}, {"inet6", kAfInet6}};
constexpr std::string_view kAfDump[] = {"any", "inet", "inet6"};
constexpr ChoiceSet kAddressFamily{kAfParse, kAfDump};

constexpr Choice kCanonParse[] = {
    {"no", kCanonNo}, {"false", kCanonNo}, {"yes", kCanonYes}, {"true", kCanonYes}, {"always", kCanonAlways}};
constexpr std::string_view kCanonDump[] = {"false", "true", "always"};
constexpr ChoiceSet kCanonicalize{kCanonParse, kCanonDump};

constexpr Choice kCmParse[] = {{"no", kCmNo},   {"false", kCmNo},  {"yes", kCmYes},        {"true", kCmYes},
                               {"ask", kCmAsk}, {"auto", kCmAuto}, {"autoask", kCmAutoAsk}};
constexpr std::string_view kCmDump[] = {"false", "true", "ask", "auto", "autoask"};
constexpr ChoiceSet kControlMaster{kCmParse, kCmDump};

constexpr Choice kFpParse[] = {{"md5", kFpMd5}, {"sha256", kFpSha256}};
constexpr std::string_view kFpDump[] = {"MD5", "SHA256"};
constexpr ChoiceSet kFingerprint{kFpParse, kFpDump};

constexpr Choice kPkParse[] = {{"no", kPkNo},    {"false", kPkNo},        {"yes", kPkYes},
                               {"true", kPkYes}, {"unbound", kPkUnbound}, {"host-bound", kPkHostBound}};
constexpr std::string_view kPkDump[] = {"false", "true", "unbound", "host-bound"};
constexpr ChoiceSet kPubkey{kPkParse, kPkDump};

constexpr Choice kTtyParse[] = {{"no", kTtyNo},    {"false", kTtyNo},    {"yes", kTtyYes},
                                {"true", kTtyYes}, {"force", kTtyForce}, {"auto", kTtyAuto}};
constexpr std::string_view kTtyDump[] = {"false", "true", "force", "auto"};
constexpr ChoiceSet kRequestTty{kTtyParse, kTtyDump};

constexpr Choice kSessionParse[] = {
    {"none", kSessionNone}, {"subsystem", kSessionSubsystem}, {"default", kSessionDefault}};
constexpr std::string_view kSessionDump[] = {"none", "subsystem", "default"};
constexpr ChoiceSet kSession{kSessionParse, kSessionDump};

constexpr Choice kShkParse[] = {{"no", kShkNo},
                                {"off", kShkNo},
                                {"false", kShkNo},
                                {"yes", kShkYes},
                                {"true", kShkYes},
                                {"ask", kShkAsk},
                                {"accept-new", kShkAcceptNew}};
constexpr std::string_view kShkDump[] = {"false", "true", "ask", "accept-new"};
constexpr ChoiceSet kStrict{kShkParse, kShkDump};

constexpr Choice kTunParse[] = {{"no", kTunnelNo},
                                {"false", kTunnelNo},
                                {"yes", kTunnelPointToPoint},
                                {"true", kTunnelPointToPoint},
                                {"point-to-point", kTunnelPointToPoint},
                                {"ethernet", kTunnelEthernet}};
constexpr std::string_view kTunDump[] = {"false", "point-to-point", "ethernet"};
constexpr ChoiceSet kTunnel{kTunParse, kTunDump};

constexpr Choice kYnaParse[] = {{"no", kNo}, {"false", kNo}, {"yes", kYes}, {"true", kYes}, {"ask", kAsk}};
constexpr std::string_view kYnaDump[] = {"false", "true", "ask"};
constexpr ChoiceSet kYesNoAsk{kYnaParse, kYnaDump};

// ---- row builders ------------------------------------------------------------------
constexpr OptionSpec flag(std::string_view kw, std::string_view name, bool C::*f) {
  return {kw, {}, name, Arity::one, parse_flag, dump_flag, f};
}
constexpr OptionSpec choice(std::string_view kw, std::string_view name, int C::*f, const ChoiceSet& set) {
  return {kw, {}, name, Arity::one, parse_choice, dump_choice, f, &set};
}
constexpr OptionSpec integer(std::string_view kw, std::string_view name, int C::*f, int min, int max) {
  return {kw, {}, name, Arity::one, parse_int, dump_int, f, nullptr, min, max};
}
constexpr OptionSpec seconds(std::string_view kw, std::string_view name, int C::*f) {
  return {kw, {}, name, Arity::one, parse_time_value, dump_int, f};
}
constexpr OptionSpec text(std::string_view kw, std::string_view name, std::string C::*f,
                          std::string_view empty = {}) {
  return {kw, {}, name, Arity::one, parse_string, dump_string, f, nullptr, 0, 0, empty};
}
constexpr OptionSpec command(std::string_view kw, std::string_view name, std::string C::*f) {
  return {kw, {}, name, Arity::rest, parse_command, dump_string, f};
}
constexpr OptionSpec algos(std::string_view kw, std::string_view name, std::string C::*f,
                           AlgorithmKind kind) {
  return {kw, {}, name, Arity::one, parse_algorithms, dump_algorithms, f, nullptr, static_cast<int>(kind)};
}
constexpr OptionSpec list_once(std::string_view kw, std::string_view name, std::vector<std::string> C::*f,
                               std::string_view empty = {}) {
  return {kw, {}, name, Arity::many, parse_list_once, dump_list_oneline, f, nullptr, 0, 0, empty};
}
constexpr OptionSpec path_list(std::string_view kw, std::string_view name, std::vector<std::string> C::*f) {
  return {kw, {}, name, Arity::one, parse_list_append_unique, dump_list_lines, f};
}
constexpr OptionSpec special(std::string_view kw, std::string_view name, Arity arity, ParseFn parse,
                             DumpFn dump) {
  return {kw, {}, name, arity, parse, dump, {}};
}
constexpr OptionSpec alias(std::string_view kw, std::string_view target) {
  return {kw, target, {}, Arity::special, nullptr, nullptr, {}};
}
constexpr OptionSpec retired(std::string_view kw, ParseFn how) {
  return {kw, {}, {}, Arity::special, how, nullptr, {}};
}
// A keyword with no value of its own to keep (OpenSSH 10 additions we do not implement).
constexpr OptionSpec unheld(std::string_view kw) {
  return {kw, {}, {}, Arity::one, parse_ignored, nullptr, {}};
}

// The values that leave a feature off (Support, option_table.h).
constexpr std::string_view kOffFlag[] = {"no", "false"};
constexpr std::string_view kOffNone[] = {"none"};
constexpr std::string_view kOffSha256[] = {"sha256"};
constexpr std::string_view kOffInternal[] = {"internal"};

constexpr OptionSpec missing(OptionSpec row, std::span<const std::string_view> off = {}) {
  row.support = Support::missing;
  row.off = off;
  return row;
}
constexpr OptionSpec compiled_out(OptionSpec row, std::span<const std::string_view> off = {}) {
  row.support = Support::compiled_out;
  row.off = off;
  return row;
}

constexpr OptionSpec kClientTable[] = {
    choice("AddressFamily", "addressfamily", &C::address_family, kAddressFamily),
    flag("BatchMode", "batchmode", &C::batch_mode),
    flag("CanonicalizeFallbackLocal", "canonicalizefallbacklocal", &C::canonicalize_fallback_local),
    missing(choice("CanonicalizeHostname", "canonicalizehostname", &C::canonicalize_hostname, kCanonicalize), kOffFlag),
    missing(flag("CheckHostIP", "checkhostip", &C::check_host_ip), kOffFlag),
    flag("Compression", "compression", &C::compression),
    missing(choice("ControlMaster", "controlmaster", &C::control_master, kControlMaster), kOffFlag),
    flag("EnableSSHKeysign", "enablesshkeysign", &C::enable_ssh_keysign),
    flag("ClearAllForwardings", "clearallforwardings", &C::clear_all_forwardings),
    flag("ExitOnForwardFailure", "exitonforwardfailure", &C::exit_on_forward_failure),
    missing(choice("FingerprintHash", "fingerprinthash", &C::fingerprint_hash, kFingerprint), kOffSha256),
    missing(flag("ForwardX11", "forwardx11", &C::forward_x11), kOffFlag),
    flag("ForwardX11Trusted", "forwardx11trusted", &C::forward_x11_trusted),
    flag("GatewayPorts", "gatewayports", &C::gateway_ports),
    flag("HashKnownHosts", "hashknownhosts", &C::hash_known_hosts),
    missing(flag("HostbasedAuthentication", "hostbasedauthentication", &C::hostbased_authentication), kOffFlag),
    flag("IdentitiesOnly", "identitiesonly", &C::identities_only),
    flag("KbdInteractiveAuthentication", "kbdinteractiveauthentication", &C::kbd_interactive_authentication),
    missing(flag("NoHostAuthenticationForLocalhost", "nohostauthenticationforlocalhost",
         &C::no_host_authentication_for_localhost), kOffFlag),
    flag("PasswordAuthentication", "passwordauthentication", &C::password_authentication),
    missing(flag("PermitLocalCommand", "permitlocalcommand", &C::permit_local_command), kOffFlag),
    missing(flag("ProxyUseFdpass", "proxyusefdpass", &C::proxy_use_fdpass), kOffFlag),
    choice("PubkeyAuthentication", "pubkeyauthentication", &C::pubkey_authentication, kPubkey),
    choice("RequestTTY", "requesttty", &C::request_tty, kRequestTty),
    choice("SessionType", "sessiontype", &C::session_type, kSession),
    flag("StdinNull", "stdinnull", &C::stdin_null),
    flag("ForkAfterAuthentication", "forkafterauthentication", &C::fork_after_authentication),
    flag("StreamLocalBindUnlink", "streamlocalbindunlink", &C::stream_local_bind_unlink),
    choice("StrictHostKeyChecking", "stricthostkeychecking", &C::strict_host_key_checking, kStrict),
    flag("TCPKeepAlive", "tcpkeepalive", &C::tcp_keep_alive),
    missing(choice("Tunnel", "tunnel", &C::tunnel, kTunnel), kOffFlag),
    missing(choice("VerifyHostKeyDNS", "verifyhostkeydns", &C::verify_host_key_dns, kYesNoAsk), kOffFlag),
    flag("VisualHostKey", "visualhostkey", &C::visual_host_key),
    missing(choice("UpdateHostKeys", "updatehostkeys", &C::update_host_keys, kYesNoAsk), kOffFlag),
    missing(flag("EnableEscapeCommandline", "enableescapecommandline", &C::enable_escape_commandline), kOffFlag),

    integer("CanonicalizeMaxDots", "canonicalizemaxdots", &C::canonicalize_max_dots, 0, 1 << 30),
    integer("ConnectionAttempts", "connectionattempts", &C::connection_attempts, -1 << 30, 1 << 30),
    seconds("ForwardX11Timeout", "forwardx11timeout", &C::forward_x11_timeout),
    integer("NumberOfPasswordPrompts", "numberofpasswordprompts", &C::number_of_password_prompts, 0, 1 << 30),
    integer("ServerAliveCountMax", "serveralivecountmax", &C::server_alive_count_max, 0, 1 << 30),
    seconds("ServerAliveInterval", "serveraliveinterval", &C::server_alive_interval),
    integer("RequiredRSASize", "requiredrsasize", &C::required_rsa_size, 0, 1 << 30),

    text("BindAddress", "bindaddress", &C::bind_address),
    text("BindInterface", "bindinterface", &C::bind_interface),
    algos("Ciphers", "ciphers", &C::ciphers, AlgorithmKind::cipher),
    missing(text("ControlPath", "controlpath", &C::control_path), kOffNone),
    algos("HostKeyAlgorithms", "hostkeyalgorithms", &C::host_key_algorithms, AlgorithmKind::host_key),
    algos("HostbasedAcceptedAlgorithms", "hostbasedacceptedalgorithms", &C::hostbased_accepted_algorithms,
          AlgorithmKind::hostbased),
    text("HostKeyAlias", "hostkeyalias", &C::host_key_alias),
    text("IdentityAgent", "identityagent", &C::identity_agent),
    text("IgnoreUnknown", "ignoreunknown", &C::ignore_unknown),
    text("KbdInteractiveDevices", "kbdinteractivedevices", &C::kbd_interactive_devices),
    algos("KexAlgorithms", "kexalgorithms", &C::kex_algorithms, AlgorithmKind::kex),
    algos("CASignatureAlgorithms", "casignaturealgorithms", &C::ca_signature_algorithms,
          AlgorithmKind::ca_signature),
    command("LocalCommand", "localcommand", &C::local_command),
    command("RemoteCommand", "remotecommand", &C::remote_command),
    special("LogLevel", "loglevel", Arity::one, parse_log_level, dump_log_level),
    algos("MACs", "macs", &C::macs, AlgorithmKind::mac),
    compiled_out(text("PKCS11Provider", "pkcs11provider", &C::pkcs11_provider), kOffNone),
    compiled_out(text("SecurityKeyProvider", "securitykeyprovider", &C::security_key_provider), kOffInternal),
    text("PreferredAuthentications", "preferredauthentications", &C::preferred_authentications),
    algos("PubkeyAcceptedAlgorithms", "pubkeyacceptedalgorithms", &C::pubkey_accepted_algorithms,
          AlgorithmKind::pubkey),
    text("RevokedHostKeys", "revokedhostkeys", &C::revoked_host_keys),
    text("XAuthLocation", "xauthlocation", &C::xauth_location),
    missing(command("KnownHostsCommand", "knownhostscommand", &C::known_hosts_command), kOffNone),

    missing(special("DynamicForward", "dynamicforward", Arity::special, parse_dynamic_forward, dump_dynamic_forwards)),
    special("LocalForward", "localforward", Arity::special, parse_local_forward, dump_local_forwards),
    special("RemoteForward", "remoteforward", Arity::special, parse_remote_forward, dump_remote_forwards),

    path_list("IdentityFile", "identityfile", &C::identity_files),
    list_once("CanonicalDomains", "canonicaldomains", &C::canonical_domains, "none"),
    missing(path_list("CertificateFile", "certificatefile", &C::certificate_files), kOffNone),
    list_once("GlobalKnownHostsFile", "globalknownhostsfile", &C::global_known_hosts_files),
    list_once("UserKnownHostsFile", "userknownhostsfile", &C::user_known_hosts_files),
    {"SendEnv", {}, "sendenv", Arity::many, parse_send_env, dump_list_lines, &C::send_env},
    {"SetEnv", {}, "setenv", Arity::many, parse_set_env, dump_list_lines, &C::set_env},
    missing(list_once("LogVerbose", "logverbose", &C::log_verbose, "none"), kOffNone),
    list_once("PermitRemoteOpen", "permitremoteopen", &C::permit_remote_open, "any"),

    missing(special("AddKeysToAgent", "addkeystoagent", Arity::many, parse_add_keys_to_agent, dump_add_keys_to_agent), kOffFlag),
    missing(special("ForwardAgent", "forwardagent", Arity::one, parse_forward_agent, dump_forward_agent), kOffFlag),
    special("ConnectTimeout", "connecttimeout", Arity::one, parse_connect_timeout, dump_connect_timeout),
    text("TunnelDevice", "tunneldevice", &C::tunnel_device),
    list_once("CanonicalizePermittedCNAMEs", "canonicalizePermittedcnames", &C::canonicalize_permitted_cnames,
              "none"),
    missing(special("ControlPersist", "controlpersist", Arity::one, parse_control_persist, dump_control_persist), kOffFlag),
    special("EscapeChar", "escapechar", Arity::one, parse_escape, dump_escape),
    {"IPQoS", {}, "ipqos", Arity::many, parse_ip_qos, dump_string, &C::ip_qos},
    special("RekeyLimit", "rekeylimit", Arity::special, parse_rekey_limit, dump_rekey_limit),
    special("StreamLocalBindMask", "streamlocalbindmask", Arity::one, parse_bind_mask, dump_bind_mask),
    {"SyslogFacility", {}, "syslogfacility", Arity::one, parse_syslog_facility, dump_string, &C::syslog_facility},
    missing(special("ProxyJump", "proxyjump", Arity::one, parse_proxy_jump, dump_proxy), kOffNone),

    // Our own keywords (PROTOCOL.continuation); printed last.
    flag("Resume", "resume", &C::resume),
    seconds("ResumeTimeout", "resumetimeout", &C::resume_timeout),

    // Printed in the -G header or by another row.
    {"User", {}, {}, Arity::one, parse_string, nullptr, &C::user},
    {"HostName", {}, {}, Arity::one, parse_string, nullptr, &C::host_name},
    special("Port", {}, Arity::one, parse_port_number, nullptr),
    special("ProxyCommand", {}, Arity::rest, parse_proxy_command, nullptr),

    // Other spellings (ssh_config(5) and OpenSSH's readconf keyword list).
    alias("PubkeyAcceptedKeyTypes", "PubkeyAcceptedAlgorithms"),
    alias("HostbasedKeyTypes", "HostbasedAcceptedAlgorithms"),
    alias("ChallengeResponseAuthentication", "KbdInteractiveAuthentication"),
    alias("SkeyAuthentication", "KbdInteractiveAuthentication"),
    alias("TISAuthentication", "KbdInteractiveAuthentication"),
    alias("DSAAuthentication", "PubkeyAuthentication"),
    alias("ProtocolKeepAlives", "ServerAliveInterval"),
    alias("SetupTimeOut", "ConnectTimeout"),

    // As OpenSSH built without GSSAPI: "Unsupported option" when turned on (Debian's
    // ssh_config turns GSSAPIAuthentication on).
    compiled_out(retired("GSSAPIAuthentication", parse_ignored), kOffFlag),
    compiled_out(retired("GSSAPIKeyExchange", parse_ignored), kOffFlag),
    compiled_out(retired("GSSAPIClientIdentity", parse_ignored)),
    compiled_out(retired("GSSAPIServerIdentity", parse_ignored)),
    compiled_out(retired("GSSAPIDelegateCredentials", parse_ignored), kOffFlag),
    compiled_out(retired("GSSAPIRenewalForcesRekey", parse_ignored), kOffFlag),
    compiled_out(retired("GSSAPITrustDns", parse_ignored), kOffFlag),
    compiled_out(retired("GSSAPIKexAlgorithms", parse_ignored)),
    // Client keywords OpenSSH added after 9.2, not implemented yet.
    missing(unheld("ChannelTimeout"), kOffNone),
    missing(unheld("ObscureKeystrokeTiming"), kOffFlag),
    missing(unheld("RefuseConnection"), kOffFlag),
    missing(unheld("Tag")),
    missing(unheld("WarnWeakCrypto"), kOffFlag),
    // Debian's long-gone key blacklist: no effect in Debian's own ssh either.
    retired("UseBlacklistedKeys", parse_deprecated),
    // Deprecated in OpenSSH: silently ignored.
    retired("Protocol", parse_deprecated),
    retired("Cipher", parse_deprecated),
    retired("FallBackToRsh", parse_deprecated),
    retired("GlobalKnownHostsFile2", parse_deprecated),
    retired("RhostsAuthentication", parse_deprecated),
    retired("UserKnownHostsFile2", parse_deprecated),
    retired("UseRoaming", parse_deprecated),
    retired("UseRsh", parse_deprecated),
    retired("UsePrivilegedPort", parse_deprecated),
    retired("SmartcardDevice", parse_deprecated),
    // Removed from OpenSSH: a warning, then ignored.
    retired("CompressionLevel", parse_unsupported),
    retired("RSAAuthentication", parse_unsupported),
    retired("RhostsRSAAuthentication", parse_unsupported),
    retired("AFSTokenPassing", parse_unsupported),
    retired("KerberosAuthentication", parse_unsupported),
    retired("KerberosTGTPassing", parse_unsupported),
};

static_assert(std::size(kClientTable) <= kMaxOptionRows);

}  // namespace

std::span<const OptionSpec> client_option_table() {
  return kClientTable;
}

int find_client_option(std::string_view keyword) {
  for (size_t i = 0; i < std::size(kClientTable); ++i) {
    if (!iequals(kClientTable[i].keyword, keyword)) continue;
    if (kClientTable[i].alias_of.empty()) return static_cast<int>(i);
    return find_client_option(kClientTable[i].alias_of);
  }
  return -1;
}

bool leaves_feature_off(const OptionSpec& spec, const std::vector<std::string>& args) {
  if (spec.support == Support::implemented) return true;
  if (args.size() != 1) return false;
  for (std::string_view off : spec.off) {
    if (iequals(args[0], off)) return true;
  }
  return false;
}

bool is_block_keyword(std::string_view lower_keyword) {
  return lower_keyword == "host" || lower_keyword == "match" || lower_keyword == "include";
}

bool ClientConfig::is_set(std::string_view keyword) const {
  int row = find_client_option(keyword);
  return row >= 0 && set_rows.test(static_cast<size_t>(row));
}

}  // namespace ssh::config
