#include "ssh/fd_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

namespace ssh::client {

NonblockingScope::NonblockingScope(int fd) : fd_(fd) {
  if (isatty(fd)) return;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || (flags & O_NONBLOCK)) return;
  if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0) saved_flags_ = flags;
}

NonblockingScope::~NonblockingScope() {
  if (saved_flags_ >= 0) fcntl(fd_, F_SETFL, saved_flags_);
}

FdWriter::FdWriter(EventLoop& loop, int fd, WrittenFn on_written)
    : loop_(loop), fd_(fd), on_written_(std::move(on_written)) {}

FdWriter::~FdWriter() {
  watch(false);
}

void FdWriter::write(ByteView data) {
  if (failed_) {
    written(data.size());  // the reader is gone: discard, but keep the window moving
    return;
  }
  size_t done = 0;
  if (queue_.empty()) {
    while (done < data.size()) {
      ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n > 0) {
        done += size_t(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        if (n < 0 && errno != EAGAIN) failed_ = true;
        break;
      }
    }
    if (done > 0) written(done);
    if (failed_) {
      written(data.size() - done);
      return;
    }
  }
  if (done < data.size()) {
    queue_.emplace_back(data.begin() + long(done), data.end());
    pending_ += data.size() - done;
    watch(true);
  }
}

void FdWriter::flush() {
  size_t done = 0;
  while (!queue_.empty()) {
    Bytes& head = queue_.front();
    ssize_t n = ::write(fd_, head.data() + head_offset_, head.size() - head_offset_);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN) {
        failed_ = true;
        done += pending_;
        queue_.clear();
        pending_ = 0;
      }
      break;
    }
    done += size_t(n);
    pending_ -= size_t(n);
    head_offset_ += size_t(n);
    if (head_offset_ == head.size()) {
      queue_.pop_front();
      head_offset_ = 0;
    }
  }
  if (queue_.empty()) watch(false);
  if (done > 0) written(done);
  if (queue_.empty() && on_drained_) on_drained_();
}

void FdWriter::watch(bool on) {
  if (on == watching_ || !pollable_) return;
  if (on) {
    if (!loop_.watch(fd_, EPOLLOUT, [this](uint32_t) { flush(); })) {
      pollable_ = false;  // regular files never block; retry on the next write
      return;
    }
  } else {
    loop_.unwatch(fd_);
  }
  watching_ = on;
}

}  // namespace ssh::client
