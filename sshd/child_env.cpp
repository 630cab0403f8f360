#include "sshd/child_env.h"

#include "config/match.h"

namespace ssh::sshd {

void ChildEnv::set(std::string_view name, std::string_view value) {
  for (auto& [n, v] : entries_) {
    if (n == name) {
      v = value;
      return;
    }
  }
  entries_.emplace_back(name, value);
}

std::optional<std::string> ChildEnv::get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::vector<std::string> ChildEnv::to_strings() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [n, v] : entries_) out.push_back(n + "=" + v);
  return out;
}

bool env_name_accepted(std::string_view name, const std::vector<std::string>& accept_env) {
  if (name.empty() || name.find_first_of(std::string_view("=\0", 2)) != std::string_view::npos) {
    return false;
  }
  for (const std::string& pattern : accept_env) {
    if (config::match_pattern(name, pattern)) return true;
  }
  return false;
}

const std::string& default_path(const SessionConfig& config, uid_t uid) {
  return uid == 0 ? config.superuser_path : config.user_path;
}

namespace {

std::string client_text(const ConnectionInfo& c) {
  return c.client_address + " " + std::to_string(c.client_port) + " " + std::to_string(c.server_port);
}

}  // namespace

std::string connection_text(const ConnectionInfo& c) {
  return c.client_address + " " + std::to_string(c.client_port) + " " + c.server_address + " " +
         std::to_string(c.server_port);
}

ChildEnv build_child_env(const ChildEnvInput& in) {
  const UserInfo& user = in.context.user;
  ChildEnv env;
  // sshd(8) ENVIRONMENT: the basics first.
  env.set("USER", user.name);
  env.set("LOGNAME", user.name);
  env.set("HOME", user.home);
  env.set("PATH", default_path(in.config, user.uid));
  env.set("MAIL", "/var/mail/" + user.name);
  env.set("SHELL", user.shell_or_default());
  if (in.config.tz) env.set("TZ", *in.config.tz);
  // What the client asked for and AcceptEnv let through.
  for (const auto& [name, value] : in.client_env) env.set(name, value);
  // Connection facts override anything the client sent under those names.
  env.set("SSH_CLIENT", client_text(in.context.connection));
  env.set("SSH_CONNECTION", connection_text(in.context.connection));
  if (!in.context.state_dir.empty()) env.set(kSessionDirVariable, in.context.state_dir);
  if (!in.tty.empty()) env.set("SSH_TTY", in.tty);
  if (!in.term.empty()) env.set("TERM", in.term);
  // sshd_config(5) SetEnv: "override the default environment and any variables specified
  // by the user via AcceptEnv".
  for (const auto& [name, value] : in.config.set_env) env.set(name, value);
  if (in.original_command) env.set("SSH_ORIGINAL_COMMAND", *in.original_command);
  return env;
}

}  // namespace ssh::sshd
