// An owned child process: killed and reaped if still running when the owner goes away.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace ssh {

class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  ChildProcess& operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
      terminate();
      pid_ = std::exchange(o.pid_, -1);
    }
    return *this;
  }
  ~ChildProcess() { terminate(); }

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Sends SIGTERM and reaps.
  void terminate();
  // Blocks until the child exits; returns the wait status.
  int wait();
  // Non-blocking check: true and the status once the child has exited.
  bool try_wait(int& status);
  pid_t release() { return std::exchange(pid_, -1); }

 private:
  pid_t pid_ = -1;
};

// Runs `/bin/sh -c command` with the given fds as its stdin/stdout (-1: inherit).
Result<ChildProcess> spawn_shell(const std::string& command, int stdin_fd, int stdout_fd);

}  // namespace ssh
