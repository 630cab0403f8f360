#include "ssh/forward_channel.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "base/log.h"

namespace ssh::client {

namespace {

constexpr size_t kReadChunk = 32 * 1024;

// What is left to write when the peer closes the channel first: the handler dies with
// the channel, so the tail is handed to the loop, which drops it once written (or on a
// write error, or with the loop itself). Shared between the loop's callback copies only.
struct Drain {
  UniqueFd fd;
  std::deque<Bytes> queue;
  size_t offset = 0;
};

// True when the queue is empty or the fd failed; otherwise EAGAIN stopped it.
bool write_queue(int fd, std::deque<Bytes>& queue, size_t& offset, bool& failed) {
  failed = false;
  while (!queue.empty()) {
    Bytes& head = queue.front();
    ssize_t n = ::send(fd, head.data() + offset, head.size() - offset, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = errno != EAGAIN && errno != EWOULDBLOCK;
      return failed;
    }
    offset += size_t(n);
    if (offset == head.size()) {
      queue.pop_front();
      offset = 0;
    }
  }
  return true;
}

void drain_in_background(EventLoop& loop, UniqueFd fd, std::deque<Bytes> queue, size_t offset) {
  auto drain = std::make_shared<Drain>(Drain{std::move(fd), std::move(queue), offset});
  bool failed = false;
  if (write_queue(drain->fd.get(), drain->queue, drain->offset, failed)) return;
  int raw = drain->fd.get();
  auto watched = loop.watch(raw, EPOLLOUT, [&loop, drain, raw](uint32_t) {
    bool failed_now = false;
    if (write_queue(raw, drain->queue, drain->offset, failed_now)) loop.unwatch(raw);  // frees drain
  });
  (void)watched;  // a failed watch drops the tail with `drain`
}

}  // namespace

ForwardChannel::ForwardChannel(EventLoop& loop, UniqueFd fd) : loop_(loop), fd_(std::move(fd)) {}

ForwardChannel::~ForwardChannel() {
  if (watched_) loop_.unwatch(fd_.get());
}

connection::ChannelOptions ForwardChannel::channel_options() {
  connection::ChannelOptions o;
  o.manual_consume = true;
  return o;
}

void ForwardChannel::on_open_confirmed(ByteView) {
  open_ = true;
  update_interest();
}

// OpenSSH's client prints this for a refused direct-tcpip open (channels.c wording).
void ForwardChannel::on_open_failed(uint32_t reason, std::string_view description) {
  LOG_ERROR("channel %u: open failed: %s%s%.*s", channel_id(),
            connection::to_string(connection::OpenFailureReason(reason)), description.empty() ? "" : ": ",
            int(description.size()), description.data());
}

void ForwardChannel::on_data(uint32_t ext_code, ByteView data) {
  if (ext_code != 0 || closing_ || write_done_) {
    (void)mux().consume(channel_id(), data.size());
    return;
  }
  output_.emplace_back(data.begin(), data.end());
  flush_output();
}

void ForwardChannel::on_eof() {
  peer_eof_ = true;
  flush_output();
}

void ForwardChannel::on_close() {
  if (watched_) {
    loop_.unwatch(fd_.get());
    watched_ = false;
  }
  if (!output_.empty() && !closing_)
    drain_in_background(loop_, std::move(fd_), std::move(output_), head_offset_);
}

void ForwardChannel::on_window_available() {
  send_input();
  update_interest();
}

void ForwardChannel::on_events(uint32_t events) {
  bool reading = interest_ & EPOLLIN;
  bool writing = interest_ & EPOLLOUT;
  bool trouble = events & (EPOLLERR | EPOLLHUP);
  if (writing && (events & EPOLLOUT || trouble)) flush_output();
  if (closing_) return;
  if (reading && (events & EPOLLIN || trouble)) read_socket();
}

// One read per readiness (level-triggered); the data goes out as far as the window allows
// and the rest waits in input_ with reading paused.
void ForwardChannel::read_socket() {
  if (!open_ || read_done_ || !input_.empty() || closing_) return;
  uint8_t buf[kReadChunk];
  ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n < 0) {
    LOG_DEBUG2("channel %u: read failed: %s", channel_id(), strerror(errno));
    socket_failed();
    return;
  }
  if (n == 0) {
    read_done_ = true;
  } else {
    input_.assign(buf, buf + n);
  }
  send_input();
  update_interest();
}

void ForwardChannel::send_input() {
  if (closing_ || !open_) return;
  if (!input_.empty()) {
    auto sent = mux().send_data(channel_id(), input_);
    if (!sent) {
      socket_failed();
      return;
    }
    erase_front(input_, *sent);
  }
  if (input_.empty() && read_done_ && !eof_sent_) {
    eof_sent_ = true;
    (void)mux().send_eof(channel_id());
    maybe_close();
  }
}

void ForwardChannel::flush_output() {
  if (closing_ || !fd_) return;
  size_t before = 0;
  for (const auto& b : output_) before += b.size();
  before -= head_offset_;
  bool failed = false;
  write_queue(fd_.get(), output_, head_offset_, failed);
  size_t after = 0;
  for (const auto& b : output_) after += b.size();
  after -= output_.empty() ? 0 : head_offset_;
  if (failed) {
    LOG_DEBUG2("channel %u: write failed: %s", channel_id(), strerror(errno));
    socket_failed();
    return;
  }
  if (before > after) (void)mux().consume(channel_id(), before - after);
  if (output_.empty() && peer_eof_ && !write_done_) {
    write_done_ = true;
    ::shutdown(fd_.get(), SHUT_WR);
    maybe_close();
  }
  update_interest();
}

// Watching with no interest would still wake us for EPOLLHUP in a loop, so the fd is
// only registered while we want something from it.
void ForwardChannel::update_interest() {
  if (closing_ || !fd_) return;
  uint32_t want = 0;
  if (open_ && !read_done_ && input_.empty()) want |= EPOLLIN;
  if (!output_.empty()) want |= EPOLLOUT;
  if (want == interest_ && (watched_ || want == 0)) return;
  interest_ = want;
  if (want == 0) {
    if (watched_) loop_.unwatch(fd_.get());
    watched_ = false;
    return;
  }
  if (watched_) {
    (void)loop_.set_events(fd_.get(), want);
    return;
  }
  if (loop_.watch(fd_.get(), want, [this](uint32_t ev) { on_events(ev); })) {
    watched_ = true;
  } else {
    socket_failed();
  }
}

void ForwardChannel::socket_failed() {
  if (closing_) return;
  closing_ = true;
  if (watched_) loop_.unwatch(fd_.get());
  watched_ = false;
  fd_.reset();
  // The window is re-granted for what will never be written, though after CLOSE no
  // adjust goes out; the channel is gone soon anyway.
  output_.clear();
  (void)mux().close(channel_id());
}

void ForwardChannel::maybe_close() {
  if (eof_sent_ && write_done_ && !closing_) {
    closing_ = true;
    if (watched_) loop_.unwatch(fd_.get());
    watched_ = false;
    fd_.reset();
    (void)mux().close(channel_id());
  }
}

}  // namespace ssh::client
