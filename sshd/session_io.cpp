// SessionChannel: moving bytes between the channel and the child's fds, with the
// channel windows as the only buffers that matter (RFC 4254 §5.2).
#include <errno.h>
#include <unistd.h>

#include <cstring>

#include "base/log.h"
#include "connection/mux.h"
#include "sshd/session_channel.h"

namespace ssh::sshd {

// Level-triggered interest, recomputed after every change: read a stream only while
// nothing of it is held back, write stdin only while input waits. An fd with no
// interest is removed from the loop, so a hung-up pipe cannot spin it.
void SessionChannel::update_interest() {
  std::map<int, uint32_t> want;
  if (!dead_ && started_) {
    if (in_fd_ >= 0 && !input_closed_ && buffered_input() > 0) want[in_fd_] |= EPOLLOUT;
    for (const Output* o : {&out_, &err_}) {
      if (o->fd >= 0 && !o->eof && o->pending.empty()) want[o->fd] |= EPOLLIN;
    }
  }
  for (auto it = interest_.begin(); it != interest_.end();) {
    if (want.count(it->first) == 0) {
      s_.loop.unwatch(it->first);
      it = interest_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [fd, events] : want) {
    auto it = interest_.find(fd);
    Status st;
    if (it == interest_.end()) {
      st = s_.loop.watch(fd, events, [this, fd = fd](uint32_t ev) { on_fd_event(fd, ev); });
    } else if (it->second != events) {
      st = s_.loop.set_events(fd, events);
    }
    if (!st) {
      LOG_ERROR("session channel %u: %s", channel_id(), st.error().context.c_str());
      continue;
    }
    interest_[fd] = events;
  }
}

void SessionChannel::on_fd_event(int fd, uint32_t events) {
  if (dead_) return;
  if (fd == in_fd_ && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && buffered_input() > 0) {
    flush_input();
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    for (Output* o : {&out_, &err_}) {
      if (o->fd == fd && !o->eof && o->pending.empty()) read_output(*o);
    }
  }
  update_interest();
  maybe_finish();
}

void SessionChannel::read_output(Output& o) {
  uint8_t buf[kReadChunk];
  ssize_t n = read(o.fd, buf, sizeof buf);
  if (n > 0) {
    forward(o, ByteView(buf, size_t(n)));
    if (pty_ && !running_) arm_drain_timer();  // more may follow: restart the quiet time
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  // 0: the pipe's writers are all gone. EIO: the pty slave is closed everywhere.
  if (n < 0 && errno != EIO) {
    LOG_DEBUG1("session channel %u: read: %s", channel_id(), strerror(errno));
  }
  o.eof = true;
}

// Sends what the client's window takes and holds the rest; the stream is not read again
// until on_window_available() has flushed it.
void SessionChannel::forward(Output& o, ByteView data) {
  auto sent = mux().send_data(channel_id(), data, o.ext_code);
  if (!sent) {
    LOG_ERROR("session channel %u: %s", channel_id(), sent.error().context.c_str());
    o.eof = true;  // cannot send any more: stop reading
    return;
  }
  o.pending.assign(data.begin() + ptrdiff_t(*sent), data.end());
}

bool SessionChannel::flush_pending(Output& o) {
  if (o.pending.empty()) return true;
  Bytes rest = std::move(o.pending);
  o.pending.clear();
  forward(o, rest);
  return o.pending.empty();
}

void SessionChannel::on_window_available() {
  if (dead_ || finished_) return;
  // stdout first: its held-back bytes were read before stderr's could be.
  if (flush_pending(out_)) flush_pending(err_);
  update_interest();
  maybe_finish();
}

void SessionChannel::on_data(uint32_t ext_code, ByteView data) {
  if (dead_) return;
  // RFC 4254 §5.2: no extended data type is defined towards the server; drop it.
  if (ext_code != 0 || input_closed_) {
    consume(data.size());
    return;
  }
  input_.insert(input_.end(), data.begin(), data.end());
  if (started_) {
    flush_input();
    update_interest();
  }
}

// Writes waiting client data to the child; the client's window grows by what the child
// took, never by what we merely hold.
void SessionChannel::flush_input() {
  while (!input_closed_ && buffered_input() > 0) {
    ssize_t n = write(in_fd_, input_.data() + input_off_, buffered_input());
    if (n > 0) {
      input_off_ += size_t(n);
      consume(size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    // EPIPE/EIO: the child does not read stdin any more.
    LOG_DEBUG2("session channel %u: write to child: %s", channel_id(), strerror(errno));
    close_input();
    return;
  }
  if (buffered_input() == 0) {
    erase_front(input_, input_off_);  // keystrokes (sudo passwords too): wiped, not just cleared
    input_off_ = 0;
    if (input_eof_ && !pty_ && !input_closed_) close_input();
  } else if (input_off_ >= kReadChunk && input_off_ * 2 >= input_.size()) {
    erase_front(input_, input_off_);
    input_off_ = 0;
  }
}

// The child's stdin ends (client EOF, write error, child exit): held input is dropped
// and counted as consumed so the client is not stuck on a shut window.
void SessionChannel::close_input() {
  input_closed_ = true;
  size_t dropped = buffered_input();
  input_.clear();
  input_off_ = 0;
  if (dropped) consume(dropped);
  if (stdin_pipe_) {
    if (interest_.erase(stdin_pipe_.get())) s_.loop.unwatch(stdin_pipe_.get());
    stdin_pipe_.reset();
  }
  in_fd_ = -1;
  update_interest();
}

void SessionChannel::consume(size_t n) {
  if (dead_ || finished_ || n == 0) return;
  if (auto st = mux().consume(channel_id(), n); !st) {
    LOG_ERROR("session channel %u: %s", channel_id(), st.error().context.c_str());
  }
}

void SessionChannel::arm_drain_timer() {
  if (drain_timer_) s_.loop.cancel_timer(*drain_timer_);
  drain_timer_ = s_.loop.add_timer(kPtyDrainQuiet, [this] {
    drain_timer_.reset();
    on_drain_timer();
  });
}

// After the child's exit the pty master is read until it has nothing more to say.
void SessionChannel::on_drain_timer() {
  if (dead_ || finished_ || out_.eof) return;
  if (!out_.pending.empty()) {
    arm_drain_timer();  // waiting for the window, not for the child
    return;
  }
  uint8_t buf[kReadChunk];
  ssize_t n = read(out_.fd, buf, sizeof buf);
  if (n > 0) {
    forward(out_, ByteView(buf, size_t(n)));
    arm_drain_timer();
  } else if (!(n < 0 && errno == EINTR)) {
    out_.eof = true;  // quiet (EAGAIN), or the slave is gone (EIO)
  } else {
    arm_drain_timer();
  }
  update_interest();
  maybe_finish();
}

void SessionChannel::release_io() {
  for (const auto& [fd, events] : interest_) s_.loop.unwatch(fd);
  interest_.clear();
  if (drain_timer_) s_.loop.cancel_timer(*drain_timer_);
  drain_timer_.reset();
  stdin_pipe_.reset();
  stdout_pipe_.reset();
  stderr_pipe_.reset();
  pty_.reset();  // the slave side hangs up: SIGHUP to its session's foreground group
  in_fd_ = -1;
  out_ = Output{};
  err_ = Output{};
}

}  // namespace ssh::sshd
