#include "transport/transport_link.h"

#include <errno.h>
#include <unistd.h>

#include <cstring>

namespace ssh::transport {

namespace {
constexpr size_t kReadSize = 256 * 1024;
constexpr int kReadRounds = 4;  // then let other fds have a turn
}  // namespace

TransportLink::TransportLink(EventLoop& loop, int in_fd, int out_fd,
                             std::unique_ptr<TransportSession> session, MessageFn on_message,
                             ErrorFn on_error)
    : loop_(loop),
      in_fd_(in_fd),
      out_fd_(out_fd),
      session_(std::move(session)),
      on_message_(std::move(on_message)),
      on_error_(std::move(on_error)) {}

TransportLink::~TransportLink() {
  stop();
}

Status TransportLink::start() {
  stopped_ = false;
  buffer_.resize(kReadSize);
  set_nonblocking(in_fd_, true);
  set_nonblocking(out_fd_, true);
  if (in_fd_ == out_fd_) {
    SSH_TRY(loop_.watch(in_fd_, EPOLLIN, [this](uint32_t ev) {
      if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable();
      if ((ev & EPOLLOUT) && !failed_) on_writable();
    }));
  } else {
    SSH_TRY(loop_.watch(in_fd_, EPOLLIN, [this](uint32_t) { on_readable(); }));
    SSH_TRY(loop_.watch(out_fd_, 0, [this](uint32_t) { on_writable(); }));
  }
  watching_ = true;
  SSH_TRY(flush());
  arm_timer();
  return {};
}

void TransportLink::stop() {
  stopped_ = true;
  if (timer_) loop_.cancel_timer(*timer_);
  timer_.reset();
  if (!watching_) return;
  loop_.unwatch(in_fd_);
  if (out_fd_ != in_fd_) loop_.unwatch(out_fd_);
  watching_ = false;
}

Status TransportLink::send(ByteView payload) {
  SSH_TRY(session_->send(payload));
  return flush();
}

Status TransportLink::inject(ByteView bytes) {
  SSH_TRY(session_->feed(bytes));
  SSH_TRY(deliver());
  return flush();
}

void TransportLink::on_readable() {
  if (failed_) return;
  Status s = read_input();
  if (s) s = flush();
  if (!s) fail_with(s.error());
}

void TransportLink::on_writable() {
  if (auto s = flush(); !s) fail_with(s.error());
}

Status TransportLink::read_input() {
  for (int round = 0; round < kReadRounds && !failed_ && !stopped_; ++round) {
    ssize_t n = ::read(in_fd_, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0)
      return fail(ErrorCode::io, std::string("read: ") + strerror(errno), DisconnectReason::connection_lost);
    if (n == 0) return fail(ErrorCode::closed, "connection closed", DisconnectReason::connection_lost);
    SSH_TRY(session_->feed(ByteView(buffer_.data(), size_t(n))));
    SSH_TRY(deliver());
    if (size_t(n) < buffer_.size()) break;
  }
  arm_timer();
  return {};
}

Status TransportLink::deliver() {
  while (!failed_ && !stopped_) {
    auto next = SSH_TRY(session_->next_message());
    if (!next) break;
    SSH_TRY(on_message_(*next));
  }
  return {};
}

Status TransportLink::flush() {
  // A stopped link writes nothing more: its session may have been exported, and the
  // importing process now owns the pending bytes.
  if (stopped_) return {};
  while (session_->has_output()) {
    ByteView out = session_->pending_output();
    ssize_t n = ::write(out_fd_, out.data(), out.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0)
      return fail(ErrorCode::io, std::string("write: ") + strerror(errno), DisconnectReason::connection_lost);
    session_->consume_output(size_t(n));
  }
  SSH_TRY(update_interest());
  if (!session_->has_output() && on_drained_) on_drained_();
  return {};
}

Status TransportLink::update_interest() {
  bool want = session_->has_output();
  if (!watching_ || want == want_write_) return {};
  want_write_ = want;
  if (in_fd_ == out_fd_) return loop_.set_events(in_fd_, EPOLLIN | (want ? uint32_t(EPOLLOUT) : 0u));
  return loop_.set_events(out_fd_, want ? uint32_t(EPOLLOUT) : 0u);
}

void TransportLink::arm_timer() {
  if (timer_) loop_.cancel_timer(*timer_);
  timer_.reset();
  auto deadline = session_->next_deadline();
  if (!deadline || failed_) return;
  auto delay = std::max(std::chrono::ceil<Millis>(*deadline - Clock::now()), Millis(0));
  timer_ = loop_.add_timer(delay, [this] {
    timer_.reset();
    Status s = session_->on_timer(Clock::now());
    if (s) s = flush();
    if (!s) {
      fail_with(s.error());
      return;
    }
    arm_timer();
  });
}

void TransportLink::fail_with(const Error& e) {
  if (failed_) return;
  failed_ = true;
  // One best-effort write of whatever the transport queued (usually a DISCONNECT).
  if (session_->has_output() && !stopped_) {
    ByteView out = session_->pending_output();
    ssize_t ignored = ::write(out_fd_, out.data(), out.size());
    (void)ignored;
  }
  stop();
  on_error_(e);
}

}  // namespace ssh::transport
