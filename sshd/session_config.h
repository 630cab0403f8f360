// What the post-authentication session process needs to run "session" channels: the
// sshd_config options that shape sessions (SessionConfig, filled by the lead from
// sshd_config), the authenticated user and the connection's addresses (SessionContext).
// Plain values, immutable once the session process runs.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace ssh::sshd {

// sshd_config(5) defaults are noted per field.
struct SessionConfig {
  // AcceptEnv: patterns ('*', '?') a client "env" name must match. Default: none.
  std::vector<std::string> accept_env;
  // SetEnv: NAME=VALUE pairs in file order; they override everything else.
  std::vector<std::pair<std::string, std::string>> set_env;
  // ForceCommand: replaces any shell/exec/subsystem; the client's command goes to
  // SSH_ORIGINAL_COMMAND. nullopt = "none".
  std::optional<std::string> force_command;
  // Subsystem name -> command line, run with the user's shell -c.
  std::map<std::string, std::string> subsystems;
  bool print_motd = true;  // PrintMotd (Debian's sshd_config sets "no": pam_motd does it)
  std::string motd_path = "/etc/motd";
  size_t max_sessions = 10;  // MaxSessions: open "session" channels per connection
  bool permit_tty = true;    // PermitTTY
  // PATH for users and for uid 0: Debian's compiled-in values (checked by logging in to
  // the stock sshd with UsePAM no; the root value is also /etc/login.defs ENV_SUPATH).
  std::string user_path = "/usr/local/bin:/usr/bin:/bin:/usr/games";
  std::string superuser_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  // Copied into every child when set (OpenSSH passes sshd's own TZ on).
  std::optional<std::string> tz;
};

// The authenticated account (from getpwnam at authentication time).
struct UserInfo {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  std::string shell;  // empty: /bin/sh, as login(1)

  static Result<UserInfo> from_name(const std::string& name);
  static Result<UserInfo> from_uid(uid_t uid);
  // The shell to run: pw_shell, or /bin/sh when the entry has none.
  std::string shell_or_default() const;
};

// Addresses as text, e.g. "192.0.2.1" or "2001:db8::1", for SSH_CLIENT / SSH_CONNECTION.
struct ConnectionInfo {
  std::string client_address;
  uint16_t client_port = 0;
  std::string server_address;
  uint16_t server_port = 0;
};

struct SessionContext {
  UserInfo user;
  ConnectionInfo connection;
  // authorized_keys options of the key that authenticated (sshd(8) AUTHORIZED_KEYS FILE
  // FORMAT): command="..." and no-pty. ForceCommand wins over command=.
  std::optional<std::string> key_forced_command;
  bool key_permit_pty = true;
  // $SSHC_SESSION_DIR of a resumable session (sshd/session_state_dir.h); empty: none.
  std::string state_dir;
};

}  // namespace ssh::sshd
