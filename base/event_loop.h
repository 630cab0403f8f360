// One epoll loop per process: fd interest, timers and signals (through signalfd).
// Callbacks run on the loop; there are no threads.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace ssh {

class EventLoop {
 public:
  using FdCallback = std::function<void(uint32_t events)>;
  using Callback = std::function<void()>;
  using TimerId = uint64_t;

  static Result<std::unique_ptr<EventLoop>> create();

  // events: EPOLLIN, EPOLLOUT (EPOLLERR/EPOLLHUP are always reported).
  Status watch(int fd, uint32_t events, FdCallback cb);
  Status set_events(int fd, uint32_t events);
  void unwatch(int fd);

  TimerId add_timer(Millis delay, Callback cb);
  void cancel_timer(TimerId id);

  // Blocks the signal and delivers it through the loop.
  Status watch_signal(int signo, Callback cb);

  // Runs until stop(); returns an error only for loop failures.
  Status run();
  // One iteration waiting at most timeout (negative: until something happens).
  Status run_once(Millis timeout);
  void stop() { stopped_ = true; }
  // In a forked child: drops this loop without touching the epoll instance it shares
  // with the parent (an epoll_ctl here would change the parent's interest set too).
  void abandon_after_fork();
  bool stopped() const { return stopped_; }

 private:
  EventLoop() = default;
  int next_timeout_ms(Millis cap) const;
  void fire_timers();
  void on_signalfd();

  UniqueFd epoll_;
  UniqueFd signalfd_;
  uint64_t signal_mask_ = 0;
  std::unordered_map<int, std::shared_ptr<FdCallback>> fds_;  // shared: a callback may unwatch itself
  std::map<std::pair<TimePoint, TimerId>, Callback> timers_;
  std::unordered_map<TimerId, TimePoint> timer_due_;
  std::unordered_map<int, Callback> signals_;
  TimerId next_timer_ = 1;
  bool stopped_ = false;
};

}  // namespace ssh
