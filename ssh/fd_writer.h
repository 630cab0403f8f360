// Queued, non-blocking output to a local fd (stdout, stderr, a forwarded socket). Reports
// how much reached the fd so the channel window is re-granted only for bytes that left.
#pragma once

#include <deque>
#include <functional>

#include "base/bytes.h"
#include "base/event_loop.h"

namespace ssh::client {

// While it lives, fd is O_NONBLOCK unless it is a terminal; the flags are put back after.
// A blocking stdout would stall the whole event loop (keepalives, resumption) whenever
// the reader lags; OpenSSH switches its stdio the same way.
class NonblockingScope {
 public:
  explicit NonblockingScope(int fd);
  ~NonblockingScope();
  NonblockingScope(const NonblockingScope&) = delete;
  NonblockingScope& operator=(const NonblockingScope&) = delete;

 private:
  int fd_;
  int saved_flags_ = -1;  // -1: untouched
};

class FdWriter {
 public:
  using WrittenFn = std::function<void(size_t n)>;
  FdWriter(EventLoop& loop, int fd, WrittenFn on_written);
  ~FdWriter();
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  void write(ByteView data);
  // Who hears about written bytes (the channel, to re-grant its window); may be reset.
  void set_on_written(WrittenFn fn) { on_written_ = std::move(fn); }
  // Called whenever the queue has just become empty.
  void on_drained(std::function<void()> fn) { on_drained_ = std::move(fn); }
  size_t pending() const { return pending_; }
  bool failed() const { return failed_; }
  int fd() const { return fd_; }

 private:
  void flush();
  void watch(bool on);

  EventLoop& loop_;
  int fd_;
  void written(size_t n) {
    if (on_written_) on_written_(n);
  }

  WrittenFn on_written_;
  std::function<void()> on_drained_;
  std::deque<Bytes> queue_;
  size_t head_offset_ = 0;
  size_t pending_ = 0;
  bool watching_ = false;
  bool pollable_ = true;
  bool failed_ = false;
};

}  // namespace ssh::client
