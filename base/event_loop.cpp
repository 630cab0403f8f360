#include "base/event_loop.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace ssh {

namespace {
std::unexpected<Error> sys_fail(const char* what) {
  return fail(ErrorCode::io, std::string(what) + ": " + strerror(errno));
}
}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!loop->epoll_) return sys_fail("epoll_create1");
  return loop;
}

Status EventLoop::watch(int fd, uint32_t events, FdCallback cb) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  bool known = fds_.count(fd) != 0;
  if (epoll_ctl(epoll_.get(), known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
    return sys_fail("epoll_ctl");
  }
  fds_[fd] = std::make_shared<FdCallback>(std::move(cb));
  return {};
}

Status EventLoop::set_events(int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) return sys_fail("epoll_ctl");
  return {};
}

void EventLoop::unwatch(int fd) {
  if (fds_.erase(fd) != 0) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::add_timer(Millis delay, Callback cb) {
  TimerId id = next_timer_++;
  TimePoint due = Clock::now() + delay;
  timers_.emplace(std::make_pair(due, id), std::move(cb));
  timer_due_[id] = due;
  return id;
}

void EventLoop::cancel_timer(TimerId id) {
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  timers_.erase(std::make_pair(it->second, id));
  timer_due_.erase(it);
}

Status EventLoop::watch_signal(int signo, Callback cb) {
  if (signo <= 0 || signo >= 64) return fail(ErrorCode::internal, "bad signal number");
  signals_[signo] = std::move(cb);
  sigset_t set;
  sigemptyset(&set);
  signal_mask_ |= uint64_t{1} << signo;
  for (int s = 1; s < 64; ++s) {
    if (signal_mask_ & (uint64_t{1} << s)) sigaddset(&set, s);
  }
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return sys_fail("sigprocmask");
  int fd = signalfd(signalfd_ ? signalfd_.get() : -1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return sys_fail("signalfd");
  if (!signalfd_) {
    signalfd_.reset(fd);
    return watch(fd, EPOLLIN, [this](uint32_t) { on_signalfd(); });
  }
  return {};
}

void EventLoop::on_signalfd() {
  signalfd_siginfo info;
  while (read(signalfd_.get(), &info, sizeof info) == ssize_t(sizeof info)) {
    auto it = signals_.find(int(info.ssi_signo));
    if (it != signals_.end()) it->second();
  }
}

int EventLoop::next_timeout_ms(Millis cap) const {
  if (timers_.empty()) return cap.count() < 0 ? -1 : int(cap.count());
  auto until = std::chrono::ceil<Millis>(timers_.begin()->first.first - Clock::now());
  long ms = std::max<long>(0, until.count());
  if (cap.count() >= 0) ms = std::min<long>(ms, cap.count());
  return int(std::min<long>(ms, 1 << 30));
}

void EventLoop::fire_timers() {
  TimePoint now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_due_.erase(node.key().second);
    node.mapped()();
  }
}

Status EventLoop::run_once(Millis timeout) {
  epoll_event events[64];
  int n = epoll_wait(epoll_.get(), events, 64, next_timeout_ms(timeout));
  if (n < 0) {
    if (errno == EINTR) return {};
    return sys_fail("epoll_wait");
  }
  for (int i = 0; i < n && !stopped_; ++i) {
    auto it = fds_.find(events[i].data.fd);
    if (it == fds_.end()) continue;
    auto cb = it->second;  // keep alive while it runs
    (*cb)(events[i].events);
  }
  if (!stopped_) fire_timers();
  return {};
}

void EventLoop::abandon_after_fork() {
  ::close(epoll_.release());
  if (signalfd_) ::close(signalfd_.release());
  fds_.clear();
  timers_.clear();
  timer_due_.clear();
  signals_.clear();
  stopped_ = true;
}

Status EventLoop::run() {
  while (!stopped_) SSH_TRY(run_once(Millis(-1)));
  return {};
}

}  // namespace ssh
