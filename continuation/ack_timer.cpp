#include "continuation/ack_timer.h"

namespace ssh::continuation {

AckTimer::~AckTimer() {
  if (timer_) loop_.cancel_timer(*timer_);
}

Status AckTimer::note_received() {
  if (continuation_.ack_due_now()) return continuation_.send_ack();
  if (!continuation_.ack_pending() || timer_) return {};
  timer_ = loop_.add_timer(Millis(kAckDelayMs), [this] {
    timer_.reset();
    if (!continuation_.ack_pending()) return;
    if (auto s = continuation_.send_ack(); !s && on_error_) on_error_(s.error());
  });
  return {};
}

Status receive_counted(Continuation& continuation, AckTimer& acks, connection::Mux& mux, ByteView payload,
                       const std::function<Status(ByteView)>& deliver) {
  auto inbound = SSH_TRY(continuation.on_receive(payload));
  if (inbound == Continuation::Inbound::consumed) {
    if (continuation.accepting_data()) mux.resume_output();
    return {};
  }
  SSH_TRY(deliver(payload));
  return acks.note_received();
}

}  // namespace ssh::continuation
