// Reaps the session process's children through the loop's signalfd (SIGCHLD). It waits
// only for the pids it was given, so other owners of children in the process are left
// alone. One per process: the EventLoop keeps one callback per signal and this takes
// SIGCHLD.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>

#include "base/event_loop.h"
#include "base/result.h"

namespace ssh::sshd {

class ChildReaper {
 public:
  // Called once with the waitpid() status.
  using ExitCallback = std::function<void(int wait_status)>;

  // Takes SIGCHLD on the loop (blocked and read from the signalfd from now on).
  static Result<std::unique_ptr<ChildReaper>> create(EventLoop& loop);
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;
  // Children still running stay unreaped; the kernel hands them to init when we exit.
  ~ChildReaper() = default;

  // Register right after fork(): SIGCHLD is blocked, so an early exit is still seen.
  void watch(pid_t pid, ExitCallback on_exit);
  // The owner goes away: keep reaping the pid, tell nobody.
  void forget(pid_t pid);
  // Children registered and not yet reaped.
  size_t pending() const { return children_.size(); }
  bool watching(pid_t pid) const { return children_.count(pid) != 0; }
  // Polls every registered pid (also what SIGCHLD triggers); returns how many exited.
  size_t reap();

 private:
  ChildReaper() = default;
  std::map<pid_t, ExitCallback> children_;
};

}  // namespace ssh::sshd
