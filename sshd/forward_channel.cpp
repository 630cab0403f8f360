#include "sshd/forward_channel.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "base/log.h"
#include "connection/mux.h"

namespace ssh::sshd {

namespace {
// Compact a drained-from-the-front buffer once this much of it is dead.
constexpr size_t kCompactAt = 64 * 1024;

void drop_front(Bytes& buf, size_t& pos) {
  if (pos == buf.size() || pos >= kCompactAt) {
    erase_front(buf, pos);
    pos = 0;
  }
}
}  // namespace

ForwardChannel::ForwardChannel(EventLoop& loop, UniqueFd sock, std::string label,
                               std::shared_ptr<size_t> live)
    : loop_(loop), sock_(std::move(sock)), label_(std::move(label)), live_(std::move(live)) {}

ForwardChannel::~ForwardChannel() {
  release_socket();
  if (live_ && *live_ > 0) --*live_;
}

void ForwardChannel::release_socket() {
  if (watched_) loop_.unwatch(sock_.get());
  watched_ = false;
  sock_.reset();
}

void ForwardChannel::on_open_confirmed(ByteView) {
  active_ = true;
  update_interest();
}

void ForwardChannel::on_data(uint32_t ext_code, ByteView data) {
  // RFC 4254 §5.2: extended data has no meaning on a TCP stream; count it as consumed.
  if (ext_code != 0 || closing_ || shut_wr_ || !sock_) {
    (void)mux().consume(channel_id(), data.size());
    return;
  }
  to_sock_.insert(to_sock_.end(), data.begin(), data.end());
  write_socket();
}

void ForwardChannel::on_eof() {
  chan_eof_ = true;
  LOG_DEBUG2("%s: channel %u: rcvd eof", label_.c_str(), channel_id());
  finish_directions();
}

void ForwardChannel::on_close() {
  closing_ = true;
  release_socket();
}

void ForwardChannel::on_window_available() {
  flush_to_peer();
}

void ForwardChannel::on_socket(uint32_t events) {
  if (closing_ || !sock_) return;
  if (events & EPOLLERR) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(sock_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    fail_channel("socket error", err ? err : EIO);
    return;
  }
  if (events & EPOLLOUT) write_socket();
  if (closing_ || !sock_) return;
  if (events & (EPOLLIN | EPOLLHUP)) read_socket();
}

// Reads at most one chunk, and only when the previous one has gone out: the peer's
// window, not the socket, decides how fast we read.
void ForwardChannel::read_socket() {
  if (sock_eof_ || to_peer_pos_ < to_peer_.size()) return update_interest();
  // A full chunk even when the window is shut: the send_data() that cannot take it
  // arms on_window_available().
  size_t want = kReadChunk;
  to_peer_.resize(want);
  to_peer_pos_ = 0;
  ssize_t n = ::read(sock_.get(), to_peer_.data(), want);
  if (n < 0) {
    to_peer_.clear();
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return update_interest();
    return fail_channel("read", errno);
  }
  to_peer_.resize(static_cast<size_t>(n));
  if (n == 0) {
    sock_eof_ = true;
    LOG_DEBUG2("%s: channel %u: socket eof", label_.c_str(), channel_id());
  }
  flush_to_peer();
}

void ForwardChannel::flush_to_peer() {
  if (closing_) return;
  if (to_peer_pos_ < to_peer_.size()) {
    auto n = mux().send_data(channel_id(), ByteView(to_peer_).subspan(to_peer_pos_));
    if (!n) return fail_channel("send", EIO);
    to_peer_pos_ += *n;
    drop_front(to_peer_, to_peer_pos_);
  }
  finish_directions();
}

void ForwardChannel::write_socket() {
  while (to_sock_pos_ < to_sock_.size()) {
    ssize_t n =
        ::send(sock_.get(), to_sock_.data() + to_sock_pos_, to_sock_.size() - to_sock_pos_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return fail_channel("write", errno);
    }
    to_sock_pos_ += static_cast<size_t>(n);
    if (auto s = mux().consume(channel_id(), static_cast<size_t>(n)); !s) return fail_channel("consume", EIO);
  }
  drop_front(to_sock_, to_sock_pos_);
  finish_directions();
}

// Propagates EOF in each direction once its buffer is empty, and closes the channel
// when both are done.
void ForwardChannel::finish_directions() {
  if (closing_ || !active_) return;
  if (sock_eof_ && !eof_sent_ && to_peer_pos_ == to_peer_.size()) {
    eof_sent_ = true;
    if (auto s = mux().send_eof(channel_id()); !s) return fail_channel("eof", EIO);
  }
  if (chan_eof_ && !shut_wr_ && to_sock_pos_ == to_sock_.size()) {
    shut_wr_ = true;
    ::shutdown(sock_.get(), SHUT_WR);
  }
  if (eof_sent_ && shut_wr_) {
    closing_ = true;
    release_socket();
    (void)mux().close(channel_id());
    return;
  }
  update_interest();
}

// Level-triggered interest: reading only while nothing read is still waiting for
// window, writing only while something waits for the socket. With no interest the fd
// is unregistered, so a hung-up socket cannot spin the loop with EPOLLHUP.
void ForwardChannel::update_interest() {
  if (closing_ || !sock_ || !active_) return;
  uint32_t want = 0;
  if (!sock_eof_ && to_peer_pos_ == to_peer_.size()) want |= EPOLLIN;
  if (to_sock_pos_ < to_sock_.size()) want |= EPOLLOUT;
  if (want == 0) {
    if (watched_) loop_.unwatch(sock_.get());
    watched_ = false;
  } else if (!watched_) {
    watched_ = true;
    if (!loop_.watch(sock_.get(), want, [this](uint32_t ev) { on_socket(ev); }))
      return fail_channel("watch", EIO);
  } else if (want != events_) {
    if (!loop_.set_events(sock_.get(), want)) return fail_channel("watch", EIO);
  }
  events_ = want;
}

void ForwardChannel::fail_channel(const char* what, int err) {
  if (closing_) return;
  LOG_DEBUG1("%s: channel %u: %s: %s", label_.c_str(), channel_id(), what, strerror(err));
  closing_ = true;
  release_socket();
  (void)mux().close(channel_id());
}

}  // namespace ssh::sshd
