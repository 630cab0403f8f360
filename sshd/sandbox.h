// The pre-authentication sandbox: what the process that parses untrusted input before
// login may still do. One implementation per platform (sandbox_seccomp.cpp on Linux,
// sandbox_none.cpp where no syscall filter exists), chosen at build time.
#pragma once

#include <string>

#include "base/result.h"

namespace ssh::sshd {

struct SandboxOptions {
  std::string chroot_dir;  // empty directory owned by root, not writable by others
  std::string user;        // unprivileged account, e.g. "sshd"
};

// Drops everything in order: chroot, groups, gid, uid (checked to be irreversible),
// no_new_privs, core dumps and ptrace off, then the syscall filter. Called in the
// pre-auth child after its last file has been opened; on error the child must exit.
Status enter_preauth_sandbox(const SandboxOptions& options);

// Only the syscall filter (for tests of the allowlist itself).
Status install_syscall_filter();

const char* sandbox_name();

}  // namespace ssh::sshd
