// The platform-independent half of the sandbox: chroot and privilege drop.
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>

#include "sshd/sandbox.h"

namespace ssh::sshd {

namespace {
std::unexpected<Error> sys_fail(const std::string& what) {
  return fail(ErrorCode::internal, what + ": " + strerror(errno));
}
}  // namespace

Status enter_preauth_sandbox(const SandboxOptions& options) {
  struct passwd pw_buf;
  struct passwd* pw = nullptr;
  char buf[4096];
  if (getpwnam_r(options.user.c_str(), &pw_buf, buf, sizeof buf, &pw) != 0 || pw == nullptr) {
    return fail(ErrorCode::config, "Privilege separation user " + options.user + " does not exist");
  }
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  // No core files and no ptrace of a process that holds session keys.
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  if (prctl(PR_SET_DUMPABLE, 0) != 0) return sys_fail("prctl(PR_SET_DUMPABLE)");
  if (geteuid() == 0) {
    if (chroot(options.chroot_dir.c_str()) != 0) return sys_fail("chroot(\"" + options.chroot_dir + "\")");
    if (chdir("/") != 0) return sys_fail("chdir(\"/\")");
    if (setgroups(1, &gid) != 0) return sys_fail("setgroups");
    if (setresgid(gid, gid, gid) != 0) return sys_fail("setresgid");
    if (setresuid(uid, uid, uid) != 0) return sys_fail("setresuid");
    // The drop must be permanent.
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
      return fail(ErrorCode::internal, "was able to restore root privileges");
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sys_fail("prctl(PR_SET_NO_NEW_PRIVS)");
  return install_syscall_filter();
}

}  // namespace ssh::sshd
