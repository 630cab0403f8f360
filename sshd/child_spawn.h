// Starts a session's child (sshd(8) LOGIN PROCESS, without the privileged parts: this
// process already runs as the user). The child gets a new session, the pty as its
// controlling terminal or three pipes, default signal dispositions and an empty signal
// mask, no other fds, the environment it is given, and the home directory as its cwd;
// then it execs the user's shell, as a login shell ("-sh") or with "-c command".
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace ssh::sshd {

struct SpawnRequest {
  std::string shell;                   // absolute path
  std::optional<std::string> command;  // nullopt: interactive login shell
  std::vector<std::string> env;        // "NAME=VALUE"
  std::string home;                    // chdir target; "/" when it fails
  int pty_slave = -1;                  // >= 0: becomes fds 0-2 and the controlling tty
  std::string banner;                  // written to stdout before exec (the motd)
};

struct SpawnedChild {
  pid_t pid = -1;
  // Without a pty: our ends of the child's stdin/stdout/stderr pipes, non-blocking and
  // close-on-exec. With a pty all three stay empty (the caller owns the master).
  UniqueFd stdin_fd;
  UniqueFd stdout_fd;
  UniqueFd stderr_fd;
};

// The argv OpenSSH's sshd builds: {"-" + basename(shell)} for a login shell,
// {basename(shell), "-c", command} for a command.
std::vector<std::string> shell_argv(const std::string& shell, const std::optional<std::string>& command);

// Forks and execs. A failure after fork (exec, pty setup) shows up in the child's exit
// status 1 with a message on its stderr, as with OpenSSH.
Result<SpawnedChild> spawn_session_child(const SpawnRequest& request);

}  // namespace ssh::sshd
