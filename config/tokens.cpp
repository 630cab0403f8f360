#include "config/tokens.h"

#include <pwd.h>

#include <vector>

namespace ssh::config {

Result<std::string> expand_tokens(std::string_view text, const TokenMap& tokens) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 >= text.size()) return fail(ErrorCode::config, "percent_expand: invalid format");
    char key = text[++i];
    if (key == '%') {
      out.push_back('%');
      continue;
    }
    auto it = tokens.find(key);
    if (it == tokens.end())
      return fail(ErrorCode::config, std::string("percent_expand: unknown key %") + key);
    out += it->second;
  }
  return out;
}

Result<std::string> expand_tilde(std::string_view path, const std::string& home) {
  if (path.empty() || path.front() != '~') return std::string(path);
  size_t slash = path.find('/');
  std::string_view name = path.substr(1, slash == std::string_view::npos ? path.size() - 1 : slash - 1);
  std::string_view tail = slash == std::string_view::npos ? "" : path.substr(slash);
  if (name.empty()) return home + std::string(tail);
  std::string user(name);
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
    return fail(ErrorCode::config, "tilde_expand: No such user " + user);
  return std::string(found->pw_dir) + std::string(tail);
}

TokenMap hostname_tokens(std::string_view host) {
  return TokenMap{{'h', std::string(host)}};
}

TokenMap connection_tokens(const ClientConfig& cfg, const LocalContext& local) {
  std::string host = cfg.host_name.empty() ? cfg.host : cfg.host_name;
  std::string user = cfg.user.empty() ? local.user : cfg.user;
  std::string port = std::to_string(cfg.port);
  TokenMap map{
      {'d', local.home},
      {'h', host},
      {'i', local.uid},
      {'k', cfg.host_key_alias.empty() ? cfg.host : cfg.host_key_alias},
      {'L', local.host_short},
      {'l', local.host_fqdn},
      {'n', cfg.host},
      {'p', port},
      {'r', user},
      {'u', local.user},
  };
  // %C: hash of %l%h%p%r (ssh_config(5) TOKENS); without a hasher it stays unknown.
  if (local.sha1_hex) map['C'] = local.sha1_hex(local.host_fqdn + host + port + user);
  return map;
}

TokenMap proxy_tokens(const ClientConfig& cfg) {
  return TokenMap{{'h', cfg.host_name.empty() ? cfg.host : cfg.host_name},
                  {'n', cfg.host},
                  {'p', std::to_string(cfg.port)},
                  {'r', cfg.user}};
}

Result<std::string> expand_path(std::string_view path, const TokenMap& tokens, const std::string& home) {
  std::string tilde = SSH_TRY(expand_tilde(path, home));
  return expand_tokens(tilde, tokens);
}

}  // namespace ssh::config
