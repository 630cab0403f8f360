// seccomp-bpf allowlist for the pre-auth child (Linux, libseccomp). The child only
// computes, talks to its socket and its monitor, and waits in epoll; anything else kills
// it, except a few calls libraries try harmlessly (open, socket), which fail with EACCES.
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/mman.h>

#include <memory>

#include "sshd/sandbox.h"

namespace ssh::sshd {

namespace {

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

constexpr int kAllowed[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),
    SCMP_SYS(close),
    SCMP_SYS(shutdown),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(nanosleep),
    SCMP_SYS(getrandom),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(brk),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(futex),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
};

#ifdef SSHC_SANITIZER_BUILD
// ASan/UBSan probe memory through a pipe and run on an alternate signal stack. Only
// sanitizer builds (test builds, never installed) let these through.
constexpr int kSanitizerRuntime[] = {SCMP_SYS(pipe2), SCMP_SYS(sigaltstack), SCMP_SYS(sched_yield)};
#endif

constexpr int kRefused[] = {
    SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(socket), SCMP_SYS(stat), SCMP_SYS(lstat),
};

}  // namespace

const char* sandbox_name() {
  return "seccomp";
}

Status install_syscall_filter() {
  Filter ctx(seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (!ctx) return fail(ErrorCode::internal, "seccomp_init failed");
  for (int sys : kAllowed) {
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, sys, 0) != 0) {
      return fail(ErrorCode::internal, "seccomp_rule_add failed");
    }
  }
#ifdef SSHC_SANITIZER_BUILD
  for (int sys : kSanitizerRuntime) {
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, sys, 0) != 0) {
      return fail(ErrorCode::internal, "seccomp_rule_add failed");
    }
  }
#endif
  for (int sys : kRefused) {
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EACCES), sys, 0) != 0) {
      return fail(ErrorCode::internal, "seccomp_rule_add failed");
    }
  }
  // Only flag changes (non-blocking mode) on descriptors the child already holds.
  for (int cmd : {F_GETFL, F_SETFL, F_GETFD, F_SETFD}) {
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                         SCMP_A1(SCMP_CMP_EQ, unsigned(cmd))) != 0) {
      return fail(ErrorCode::internal, "seccomp_rule_add(fcntl) failed");
    }
  }
  // Memory for buffers, never executable.
  if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0 ||
      seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0) {
    return fail(ErrorCode::internal, "seccomp_rule_add(mmap) failed");
  }
  if (seccomp_load(ctx.get()) != 0) return fail(ErrorCode::internal, "seccomp_load failed");
  return {};
}

}  // namespace ssh::sshd
