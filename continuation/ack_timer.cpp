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

}  // namespace ssh::continuation
