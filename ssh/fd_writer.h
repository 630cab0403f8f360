// Queued, non-blocking output to a local fd (stdout, stderr, a forwarded socket). Reports
// how much reached the fd so the channel window is re-granted only for bytes that left.
#pragma once

#include <deque>
#include <functional>

#include "base/bytes.h"
#include "base/event_loop.h"

namespace ssh::client {

class FdWriter {
 public:
  using WrittenFn = std::function<void(size_t n)>;
  FdWriter(EventLoop& loop, int fd, WrittenFn on_written);
  ~FdWriter();
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  void write(ByteView data);
  size_t pending() const { return pending_; }
  bool failed() const { return failed_; }
  int fd() const { return fd_; }

 private:
  void flush();
  void watch(bool on);

  EventLoop& loop_;
  int fd_;
  WrittenFn on_written_;
  std::deque<Bytes> queue_;
  size_t head_offset_ = 0;
  size_t pending_ = 0;
  bool watching_ = false;
  bool pollable_ = true;
  bool failed_ = false;
};

}  // namespace ssh::client
