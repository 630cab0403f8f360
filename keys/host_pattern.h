// OpenSSH's host pattern language (ssh_config(5) PATTERNS, sshd(8) known_hosts and
// authorized_keys from=): '*' and '?' wildcards, comma-separated lists, '!' negation.
#pragma once

#include <string_view>

namespace ssh::keys {

// Glob match of the whole string; '*' matches any run (also empty), '?' one character.
// Case-sensitive: callers lowercase host names first.
bool match_glob(std::string_view text, std::string_view pattern);

enum class ListMatch { no_match, match, negated };
// A comma-separated list matched case-insensitively. Any matching '!pattern' wins
// (negated) whatever else matches, otherwise one positive match is enough.
ListMatch match_pattern_list(std::string_view text, std::string_view patterns);

}  // namespace ssh::keys
