#include "sshd/child_reaper.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstring>
#include <utility>
#include <vector>

#include "base/log.h"

namespace ssh::sshd {

Result<std::unique_ptr<ChildReaper>> ChildReaper::create(EventLoop& loop) {
  std::unique_ptr<ChildReaper> r(new ChildReaper());
  ChildReaper* raw = r.get();
  // The loop outlives nothing it calls back into: the owner destroys the loop last or
  // replaces the SIGCHLD callback before destroying the reaper.
  SSH_TRY(loop.watch_signal(SIGCHLD, [raw] { raw->reap(); }));
  return r;
}

void ChildReaper::watch(pid_t pid, ExitCallback on_exit) {
  children_[pid] = std::move(on_exit);
}

void ChildReaper::forget(pid_t pid) {
  auto it = children_.find(pid);
  if (it != children_.end()) it->second = nullptr;
}

size_t ChildReaper::reap() {
  // signalfd merges pending SIGCHLDs, so every pid is polled. Callbacks run after the
  // scan: they may register or forget children.
  std::vector<std::pair<ExitCallback, int>> exited;
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    pid_t r = waitpid(it->first, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) {
      ++it;
      continue;
    }
    if (r < 0) {
      // ECHILD: someone else reaped it; nothing more will come.
      LOG_DEBUG1("waitpid %d: %s", int(it->first), strerror(errno));
      status = 0;
    } else {
      LOG_DEBUG2("child %d exited, status 0x%x", int(it->first), status);
    }
    exited.emplace_back(std::move(it->second), status);
    it = children_.erase(it);
  }
  for (auto& [cb, status] : exited) {
    if (cb) cb(status);
  }
  return exited.size();
}

}  // namespace ssh::sshd
