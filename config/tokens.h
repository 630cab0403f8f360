// %-token and ~ expansion (ssh_config(5) TOKENS). Which tokens a keyword accepts is
// the caller's choice: pass a map holding only those.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/client_config.h"

namespace ssh::config {

using TokenMap = std::map<char, std::string>;

// Replaces %x by map[x] and %% by %. Unknown or trailing '%': error
// "percent_expand: unknown key %x" (OpenSSH's text).
Result<std::string> expand_tokens(std::string_view text, const TokenMap& tokens);

// "~" and "~/..." use `home`; "~user/..." looks the user up. Other paths unchanged.
Result<std::string> expand_tilde(std::string_view path, const std::string& home);

// The connection tokens %C %d %h %i %k %L %l %n %p %r %u (plus %%) for a
// configuration in its current state: unset user/port fall back to the defaults.
TokenMap connection_tokens(const ClientConfig& cfg, const LocalContext& local);

// Subsets named in ssh_config(5) TOKENS.
TokenMap hostname_tokens(std::string_view host);  // %h
TokenMap proxy_tokens(const ClientConfig& cfg);   // %h %n %p %r

// ~ then tokens, as OpenSSH does for paths (ControlPath, UserKnownHostsFile, ...).
Result<std::string> expand_path(std::string_view path, const TokenMap& tokens, const std::string& home);

}  // namespace ssh::config
