#include "sshd/child_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstring>

#include "base/log.h"

namespace ssh::sshd {

namespace {

std::unexpected<Error> sys_fail(const char* what) {
  return fail(ErrorCode::io, std::string(what) + ": " + strerror(errno));
}

// Only async-signal-safe calls from here on: the child of fork().
void child_write(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(size_t(n));
  }
}

void child_write_error(const char* what) {
  const char* err = strerror(errno);  // glibc: a static string for known errnos
  child_write(2, what);
  child_write(2, ": ");
  child_write(2, err);
  child_write(2, "\n");
}

void reset_signals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int s = 1; s < NSIG; ++s) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    sigaction(s, &dfl, nullptr);  // fails harmlessly for the reserved RT signals
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

void close_other_fds() {
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
  long max = sysconf(_SC_OPEN_MAX);
  for (long fd = 3; fd < (max > 0 ? max : 1024); ++fd) close(int(fd));
}

struct ChildFds {
  int started = -1;  // closed once the child leads its own session
  int pty_slave = -1;
  std::array<int, 3> pipes{-1, -1, -1};  // child ends for fds 0, 1, 2
};

// Moves the child's ends above 2 first, so that none of them is overwritten by another's
// dup2 and none is a target already (dup2 onto itself would keep close-on-exec).
bool setup_stdio(const ChildFds& fds) {
  std::array<int, 3> src = fds.pipes;
  if (fds.pty_slave >= 0) {
    if (ioctl(fds.pty_slave, TIOCSCTTY, 0) != 0) {
      child_write_error("TIOCSCTTY");
      return false;
    }
    src = {fds.pty_slave, fds.pty_slave, fds.pty_slave};
  }
  for (int& fd : src) {
    fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) return false;
  }
  for (int target = 0; target < 3; ++target) {
    if (dup2(src[size_t(target)], target) < 0) return false;
  }
  return true;
}

[[noreturn]] void run_child(const SpawnRequest& req, const ChildFds& fds, char* const* argv,
                            char* const* envp) {
  reset_signals();
  if (setsid() < 0) _exit(1);
  close(fds.started);
  if (!setup_stdio(fds)) _exit(1);
  close_other_fds();
  if (!req.banner.empty()) child_write(1, req.banner);
  if (chdir(req.home.c_str()) != 0) {
    // OpenSSH's wording (session.c do_child).
    child_write(2, "Could not chdir to home directory ");
    child_write(2, req.home);
    child_write(2, ": ");
    child_write(2, strerror(errno));
    child_write(2, "\n");
    if (chdir("/") != 0) _exit(1);
  }
  execve(req.shell.c_str(), argv, envp);
  child_write_error(req.shell.c_str());
  _exit(1);
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> make_pipe() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return sys_fail("pipe2");
  return Pipe{UniqueFd(p[0]), UniqueFd(p[1])};
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::vector<std::string> shell_argv(const std::string& shell, const std::optional<std::string>& command) {
  size_t slash = shell.rfind('/');
  std::string base = slash == std::string::npos ? shell : shell.substr(slash + 1);
  if (!command) return {"-" + base};
  return {base, "-c", *command};
}

Result<SpawnedChild> spawn_session_child(const SpawnRequest& req) {
  // Everything the child needs is built before fork: it only calls async-signal-safe
  // functions.
  std::vector<std::string> argv_strings = shell_argv(req.shell, req.command);
  std::vector<std::string> env_strings = req.env;
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> envp = c_strings(env_strings);

  SpawnedChild out;
  std::array<Pipe, 3> pipes;
  ChildFds fds;
  fds.pty_slave = req.pty_slave;
  if (req.pty_slave < 0) {
    for (size_t i = 0; i < 3; ++i) pipes[i] = SSH_TRY(make_pipe());
    fds.pipes = {pipes[0].read.get(), pipes[1].write.get(), pipes[2].write.get()};
  }
  Pipe started = SSH_TRY(make_pipe());
  fds.started = started.write.get();
  pid_t pid = fork();
  if (pid < 0) return sys_fail("fork");
  if (pid == 0) run_child(req, fds, argv.data(), envp.data());
  out.pid = pid;
  // Wait (briefly) until the child has its own session and default signal handling, so
  // that a "signal" request or a hangup right after this call reaches its process group.
  started.write.reset();
  char byte;
  while (read(started.read.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  if (req.pty_slave < 0) {
    out.stdin_fd = std::move(pipes[0].write);
    out.stdout_fd = std::move(pipes[1].read);
    out.stderr_fd = std::move(pipes[2].read);
    for (const UniqueFd* fd : {&out.stdin_fd, &out.stdout_fd, &out.stderr_fd}) {
      if (!set_nonblocking(fd->get())) LOG_ERROR("O_NONBLOCK: %s", strerror(errno));
    }
  }
  return out;
}

}  // namespace ssh::sshd
