#include "base/child_process.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace ssh {

void ChildProcess::terminate() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  wait();
}

int ChildProcess::wait() {
  int status = 0;
  if (pid_ <= 0) return status;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return status;
}

bool ChildProcess::try_wait(int& status) {
  if (pid_ <= 0) return true;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    pid_ = -1;
    return true;
  }
  return false;
}

Result<ChildProcess> spawn_shell(const std::string& command, int stdin_fd, int stdout_fd) {
  pid_t pid = fork();
  if (pid < 0) return fail(ErrorCode::io, std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    if (stdin_fd >= 0 && dup2(stdin_fd, STDIN_FILENO) < 0) _exit(127);
    if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the loop may have blocked signals
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return ChildProcess(pid);
}

}  // namespace ssh
