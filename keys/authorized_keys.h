// authorized_keys files (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): each line is
// "[options] keytype base64 [comment]" with comma-separated options, some with
// double-quoted values (\" escapes a quote). Option names are case-insensitive.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "keys/key.h"

namespace ssh::keys {

struct AuthorizedKeyOptions {
  // Permissions: on unless "restrict" or a no-* option turned them off; "restrict"
  // followed by e.g. "pty" turns one back on.
  bool port_forwarding = true;
  bool agent_forwarding = true;
  bool x11_forwarding = true;
  bool pty = true;
  bool user_rc = true;
  bool restricted = false;  // "restrict" was given (also forbids tunnels)
  bool cert_authority = false;
  bool no_touch_required = false;
  bool verify_required = false;
  std::optional<std::string> command;     // command="..."
  std::optional<std::string> from;        // from="pattern-list"
  std::optional<std::string> principals;  // principals="a,b" (with cert-authority)
  std::vector<std::string> environment;   // "NAME=value", first per NAME wins
  std::vector<std::string> permitopen;    // "host:port" ("*" port allowed)
  std::vector<std::string> permitlisten;  // "[host:]port"
  std::optional<int64_t> expiry_time;     // seconds since the epoch (earliest kept)
  std::optional<uint32_t> tunnel;         // tunnel="n"
};

struct AuthorizedKey {
  AuthorizedKeyOptions options;
  PublicKey key;
  std::string comment;
  size_t line = 0;  // 1-based, 0 when parsed on its own
};

// Limits on what one file may make us hold.
constexpr size_t kMaxAuthorizedKeysLine = 64 * 1024;
constexpr size_t kMaxAuthorizedKeysFile = 16 * 1024 * 1024;

// Parses only the options part (the text before the key type).
Result<AuthorizedKeyOptions> parse_authorized_key_options(std::string_view options);
Result<AuthorizedKey> parse_authorized_key_line(std::string_view line);
// All valid lines; comments and blank lines are ignored, bad lines are skipped with a
// debug1 note naming path and line (sshd's behaviour).
std::vector<AuthorizedKey> parse_authorized_keys(std::string_view text, const std::string& path);
Result<std::vector<AuthorizedKey>> load_authorized_keys(const std::string& path);

// The first plain (not cert-authority) entry for key, or nullptr.
const AuthorizedKey* find_authorized_key(const std::vector<AuthorizedKey>& entries, const PublicKey& key);

// from= semantics (OpenSSH match_host_and_ip): patterns are matched against the client's
// host name and address; address patterns may be CIDR ("10.0.0.0/8", "2001:db8::/32").
// Any negated match refuses. host may be empty when not resolved.
bool from_option_allows(std::string_view patterns, std::string_view host, std::string_view ip);

// "YYYYMMDD[HHMM[SS]]" in local time, or UTC with a trailing 'Z'.
Result<int64_t> parse_expiry_time(std::string_view text);

}  // namespace ssh::keys
