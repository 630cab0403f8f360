// The environment of a session's child, built the way OpenSSH's sshd does without PAM
// (sshd(8) ENVIRONMENT): the account basics, the client's accepted "env" requests, the
// connection and terminal variables, then the administrator's SetEnv, then
// SSH_ORIGINAL_COMMAND. Pure functions: nothing here touches the process.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sshd/session_config.h"

namespace ssh::sshd {

// An ordered list of unique names; set() replaces a value in place, as OpenSSH's
// child_set_env does, so the first position of a name is kept.
class ChildEnv {
 public:
  void set(std::string_view name, std::string_view value);
  std::optional<std::string> get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  // "NAME=VALUE" strings for execve.
  std::vector<std::string> to_strings() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// At most this many accepted client "env" requests per session (OpenSSH's limit).
inline constexpr size_t kMaxClientEnv = 128;

// A client "env" name is taken only when it is a plausible variable name (non-empty, no
// '=' or NUL) and matches one of the AcceptEnv patterns.
bool env_name_accepted(std::string_view name, const std::vector<std::string>& accept_env);

// The default PATH for uid (the superuser path for uid 0).
const std::string& default_path(const SessionConfig& config, uid_t uid);

struct ChildEnvInput {
  const SessionConfig& config;
  const SessionContext& context;
  // Accepted client "env" requests, in arrival order (a repeated name replaced).
  const std::vector<std::pair<std::string, std::string>>& client_env;
  std::string tty;                              // pty slave path ("/dev/pts/3"), empty without a pty
  std::string term;                             // pty-req terminal type, empty: no TERM
  std::optional<std::string> original_command;  // set when a forced command replaced it
};

ChildEnv build_child_env(const ChildEnvInput& in);

// SSH_CONNECTION's value: "client_addr client_port server_addr server_port".
std::string connection_text(const ConnectionInfo& c);

// A resumable session's state directory (sshd/session_state_dir.h).
inline constexpr const char* kSessionDirVariable = "SSHC_SESSION_DIR";

}  // namespace ssh::sshd
