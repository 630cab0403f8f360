// Connects a sans-I/O TransportSession to file descriptors on the event loop: reads and
// feeds input, hands each service-layer message to the owner, writes output as the
// socket accepts it, and runs the transport's timers. Input and output may be one socket
// or two pipes (sshd -i, ProxyCommand).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "base/event_loop.h"
#include "transport/transport_session.h"

namespace ssh::transport {

class TransportLink {
 public:
  // Called for each service-layer payload; an error ends the link.
  using MessageFn = std::function<Status(ByteView payload)>;
  // Called once when the link fails (peer closed, I/O error, protocol error); the
  // transport may hold a DISCONNECT that the link already tried to write.
  using ErrorFn = std::function<void(const Error& error)>;

  TransportLink(EventLoop& loop, int in_fd, int out_fd, std::unique_ptr<TransportSession> session,
                MessageFn on_message, ErrorFn on_error);
  ~TransportLink();
  TransportLink(const TransportLink&) = delete;
  TransportLink& operator=(const TransportLink&) = delete;

  Status start();
  // Queues a payload and writes what the socket takes now.
  Status send(ByteView payload);
  Status flush();
  // Stops watching the fds (they stay open: the owner holds them) and stops all I/O:
  // nothing more is read or written, even what the session still queues.
  void stop();
  // Feeds bytes that were read before the link existed (e.g. carried in an exported state).
  Status inject(ByteView bytes);

  TransportSession& session() { return *session_; }
  const TransportSession& session() const { return *session_; }
  bool output_pending() const { return session_->has_output(); }
  size_t output_bytes() const { return session_->pending_output().size(); }
  // Called when all queued output has been written.
  void on_drained(std::function<void()> fn) { on_drained_ = std::move(fn); }

 private:
  void on_readable();
  void on_writable();
  Status read_input();
  Status deliver();
  Status update_interest();
  void arm_timer();
  void fail_with(const Error& e);

  EventLoop& loop_;
  int in_fd_;
  int out_fd_;
  std::unique_ptr<TransportSession> session_;
  MessageFn on_message_;
  ErrorFn on_error_;
  std::function<void()> on_drained_;
  Bytes buffer_;
  bool watching_ = false;
  bool want_write_ = false;
  bool failed_ = false;
  bool stopped_ = false;
  std::optional<EventLoop::TimerId> timer_;
};

}  // namespace ssh::transport
