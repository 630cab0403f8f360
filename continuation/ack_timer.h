// PROTOCOL.continuation §5.3 on an event loop: after each counted message the owner has
// delivered it calls note_received(); the acknowledgement goes out at once when more
// than a quarter of the peer's replay limit is unacknowledged, else after kAckDelayMs.
#pragma once

#include <functional>
#include <optional>

#include "base/event_loop.h"
#include "continuation/continuation.h"

namespace ssh::continuation {

class AckTimer {
 public:
  using ErrorFn = std::function<void(const Error&)>;
  AckTimer(EventLoop& loop, Continuation& continuation, ErrorFn on_error)
      : loop_(loop), continuation_(continuation), on_error_(std::move(on_error)) {}
  ~AckTimer();
  AckTimer(const AckTimer&) = delete;
  AckTimer& operator=(const AckTimer&) = delete;

  Status note_received();

 private:
  EventLoop& loop_;
  Continuation& continuation_;
  ErrorFn on_error_;
  std::optional<EventLoop::TimerId> timer_;
};

// One received message numbered 80..127 on an established continuation (§4, §5): an
// acknowledgement is applied (and the Mux's blocked senders woken when it freed room);
// anything else is counted, handed to deliver, and acknowledged in time.
Status receive_counted(Continuation& continuation, AckTimer& acks, connection::Mux& mux, ByteView payload,
                       const std::function<Status(ByteView)>& deliver);

}  // namespace ssh::continuation
