#include "config/option_table.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/option_handlers.h"
#include "config/option_values.h"

namespace ssh::config {
namespace {

TEST(OptionTable, KeywordsUniqueAndAliasesResolve) {
  std::set<std::string> seen;
  for (const auto& row : client_option_table()) {
    EXPECT_TRUE(seen.insert(to_lower(row.keyword)).second) << row.keyword;
    if (!row.alias_of.empty()) {
      int target = find_client_option(row.alias_of);
      ASSERT_GE(target, 0) << row.keyword;
      EXPECT_TRUE(client_option_table()[target].alias_of.empty());
    } else {
      EXPECT_NE(row.parse, nullptr) << row.keyword;
    }
  }
  EXPECT_EQ(find_client_option("pubkeyacceptedkeytypes"),
            find_client_option("PubkeyAcceptedAlgorithms"));
  EXPECT_EQ(find_client_option("nonsense"), -1);
  EXPECT_EQ(find_client_option("Host"), -1);  // handled by the grammar
}

TEST(OptionTable, DumpNamesAreLowerCase) {
  for (const auto& row : client_option_table()) {
    if (row.dump == nullptr) continue;
    std::string name(row.dump_name);
    // The one mixed-case name stock ssh -G prints.
    if (name == "canonicalizePermittedcnames") continue;
    EXPECT_EQ(name, to_lower(name)) << row.keyword;
  }
}

TEST(OptionTable, ChoiceDumpNamesCoverParsedValues) {
  for (const auto& row : client_option_table()) {
    if (row.choices == nullptr) continue;
    for (const auto& c : row.choices->parse) {
      EXPECT_LT(static_cast<size_t>(c.value), row.choices->dump.size()) << row.keyword;
    }
  }
}

// Issue 9 "nothing silent": every keyword of the table is either tested as working (a
// regress suite that uses it, named here and checked to mention it), a modifier of a
// feature that is refused when turned on, marked unsupported in the table, or one of
// OpenSSH's retired keywords. A new row without an entry here fails this test.
struct Evidence {
  const char* file;    // under regress/; nullptr for a modifier
  const char* needle;  // what that file must contain (the keyword or its flag)
  const char* modifies = nullptr;  // the refused feature this keyword only adjusts
};

const std::map<std::string, Evidence>& evidence() {
  static const std::map<std::string, Evidence> kEvidence = {
      {"addressfamily", {"client_config_test.py", "-4"}},
      {"batchmode", {"client_auth_test.py", "BatchMode"}},
      {"bindaddress", {"client_options_test.py", "\"-b\""}},
      {"bindinterface", {"client_options_test.py", "\"-B\""}},
      {"ciphers", {"client_algorithms_test.py", "Ciphers"}},
      {"clearallforwardings", {"client_options_test.py", "ClearAllForwardings"}},
      {"compression", {"client_algorithms_test.py", "compression: zlib"}},
      {"connectionattempts", {"client_options_test.py", "ConnectionAttempts"}},
      {"connecttimeout", {"client_config_test.py", "ConnectTimeout"}},
      {"escapechar", {"client_pty_test.py", "EscapeChar"}},
      {"exitonforwardfailure", {"client_forward_test.py", "ExitOnForwardFailure"}},
      {"forkafterauthentication", {"client_forward_test.py", "\"-f\""}},
      {"gatewayports", {"client_options_test.py", "\"-g\""}},
      {"globalknownhostsfile", {"client_hostkey_test.py", "GlobalKnownHostsFile"}},
      {"hashknownhosts", {"client_hostkey_test.py", "HashKnownHosts"}},
      {"hostkeyalgorithms", {"client_algorithms_test.py", "HostKeyAlgorithms"}},
      {"hostkeyalias", {"client_hostkey_test.py", "HostKeyAlias"}},
      {"hostname", {"client_config_test.py", "HostName"}},
      {"identitiesonly", {"client_auth_test.py", "IdentitiesOnly"}},
      {"identityagent", {"client_auth_test.py", "IdentityAgent"}},
      {"identityfile", {"client_config_test.py", "IdentityFile"}},
      {"ignoreunknown", {"client_options_test.py", "IgnoreUnknown"}},
      {"ipqos", {"client_options_test.py", "IPQoS"}},
      {"kbdinteractiveauthentication", {"client_pty_test.py", "KbdInteractiveAuthentication"}},
      {"kbdinteractivedevices", {"unittests/auth/client_auth_test.cpp", "kbdint_devices"}},
      {"kexalgorithms", {"client_algorithms_test.py", "KexAlgorithms"}},
      {"localforward", {"client_forward_test.py", "\"-L\""}},
      {"loglevel", {"client_pty_test.py", "LogLevel"}},
      {"macs", {"client_algorithms_test.py", "\"-m\""}},
      {"numberofpasswordprompts", {"client_options_test.py", "NumberOfPasswordPrompts"}},
      {"passwordauthentication", {"client_options_test.py", "PasswordAuthentication"}},
      {"port", {"client_config_test.py", "Port"}},
      {"preferredauthentications", {"client_auth_test.py", "PreferredAuthentications"}},
      {"proxycommand", {"client_config_test.py", "ProxyCommand"}},
      {"pubkeyacceptedalgorithms", {"client_options_test.py", "PubkeyAcceptedAlgorithms"}},
      {"pubkeyauthentication", {"client_auth_test.py", "PubkeyAuthentication"}},
      {"rekeylimit", {"rekey_limit_test.py", "RekeyLimit"}},
      {"remotecommand", {"client_options_test.py", "RemoteCommand"}},
      {"remoteforward", {"client_forward_test.py", "\"-R\""}},
      {"requesttty", {"client_options_test.py", "RequestTTY"}},
      {"requiredrsasize", {"client_options_test.py", "RequiredRSASize"}},
      {"revokedhostkeys", {"client_options_test.py", "RevokedHostKeys"}},
      {"resume", {"continuation_test.py", "Resume=yes"}},
      {"resumetimeout", {"continuation_test.py", "ResumeTimeout"}},
      {"sendenv", {"client_session_env_test.py", "SendEnv"}},
      {"serveralivecountmax", {"client_config_test.py", "ServerAliveCountMax"}},
      {"serveraliveinterval", {"client_config_test.py", "ServerAliveInterval"}},
      {"sessiontype", {"client_forward_test.py", "\"-N\""}},
      {"setenv", {"client_session_env_test.py", "SetEnv"}},
      {"stdinnull", {"client_exec_test.py", "\"-n\""}},
      {"stricthostkeychecking", {"client_hostkey_test.py", "StrictHostKeyChecking"}},
      {"syslogfacility", {"client_options_test.py", "SyslogFacility"}},
      {"tcpkeepalive", {"client_options_test.py", "TCPKeepAlive"}},
      {"user", {"client_config_test.py", "\"-l\""}},
      {"userknownhostsfile", {"client_hostkey_test.py", "UserKnownHostsFile"}},
      {"visualhostkey", {"client_options_test.py", "VisualHostKey"}},
      // Modifiers: no effect of their own while the feature they adjust is refused.
      {"canonicaldomains", {nullptr, nullptr, "CanonicalizeHostname"}},
      {"canonicalizefallbacklocal", {nullptr, nullptr, "CanonicalizeHostname"}},
      {"canonicalizemaxdots", {nullptr, nullptr, "CanonicalizeHostname"}},
      {"canonicalizepermittedcnames", {nullptr, nullptr, "CanonicalizeHostname"}},
      {"casignaturealgorithms", {nullptr, nullptr, "CertificateFile"}},
      {"enablesshkeysign", {nullptr, nullptr, "HostbasedAuthentication"}},
      {"hostbasedacceptedalgorithms", {nullptr, nullptr, "HostbasedAuthentication"}},
      {"forwardx11timeout", {nullptr, nullptr, "ForwardX11"}},
      {"forwardx11trusted", {nullptr, nullptr, "ForwardX11"}},
      {"xauthlocation", {nullptr, nullptr, "ForwardX11"}},
      {"localcommand", {nullptr, nullptr, "PermitLocalCommand"}},
      {"permitremoteopen", {nullptr, nullptr, "DynamicForward"}},  // -R as a SOCKS proxy
      {"tunneldevice", {nullptr, nullptr, "Tunnel"}},
      // Unix-socket forwarding is refused inside LocalForward/RemoteForward.
      {"streamlocalbindmask", {nullptr, nullptr, "LocalForward"}},
      {"streamlocalbindunlink", {nullptr, nullptr, "LocalForward"}},
  };
  return kEvidence;
}

std::string read_regress_file(const std::string& name) {
  const char* root = std::getenv("SSHC_SOURCE_ROOT");
  if (root == nullptr) return {};
  std::ifstream in(std::string(root) + "/regress/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool retired(const OptionSpec& row) {
  return row.parse == parse_deprecated || row.parse == parse_unsupported;
}

TEST(OptionTable, EveryKeywordTestedOrMarkedUnsupported) {
  if (std::getenv("SSHC_SOURCE_ROOT") == nullptr) GTEST_SKIP() << "run through meson test";
  for (const auto& row : client_option_table()) {
    std::string kw = to_lower(row.keyword);
    if (!row.alias_of.empty() || retired(row) || row.support != Support::implemented) continue;
    auto it = evidence().find(kw);
    if (it == evidence().end()) {
      ADD_FAILURE() << row.keyword << ": neither tested as working nor marked unsupported";
      continue;
    }
    const Evidence& e = it->second;
    if (e.modifies != nullptr) {
      int target = find_client_option(e.modifies);
      ASSERT_GE(target, 0) << e.modifies;
      // LocalForward stands for its Unix-socket form, refused by its parser.
      if (std::string(e.modifies) != "LocalForward") {
        EXPECT_EQ(client_option_table()[size_t(target)].support, Support::missing) << row.keyword;
      }
      continue;
    }
    EXPECT_NE(read_regress_file(e.file).find(e.needle), std::string::npos)
        << row.keyword << ": " << e.file << " does not contain " << e.needle;
  }
  // No stale entries: each names an implemented row.
  for (const auto& [kw, e] : evidence()) {
    int row = find_client_option(kw);
    ASSERT_GE(row, 0) << kw;
    EXPECT_EQ(client_option_table()[size_t(row)].support, Support::implemented) << kw;
  }
}

// Each refused keyword is exercised end to end in client_options_test.py or the
// oracle test, where it is refused with 'Unsupported option "kw"'.
TEST(OptionTable, MissingRowsLeaveTheirOffValuesAlone) {
  for (const auto& row : client_option_table()) {
    if (row.support == Support::implemented) continue;
    for (std::string_view off : row.off) {
      EXPECT_TRUE(leaves_feature_off(row, {std::string(off)})) << row.keyword;
      EXPECT_TRUE(leaves_feature_off(row, {to_upper(off)})) << row.keyword;
    }
    EXPECT_FALSE(leaves_feature_off(row, {"yes-please"})) << row.keyword;
    EXPECT_FALSE(leaves_feature_off(row, {})) << row.keyword;
  }
}

}  // namespace
}  // namespace ssh::config
