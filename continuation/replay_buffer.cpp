#include "continuation/replay_buffer.h"

#include <limits>

namespace ssh::continuation {

namespace {

// §5.4 / §11.6: a peer's count is checked against both counters before it is used to
// derive any index into the buffer. The contexts are the ones verify_resume() and the
// log lines use.
Status check_count(uint64_t count, uint64_t acknowledged, uint64_t sent) {
  if (count > sent) return fail(ErrorCode::protocol, "count beyond what was sent");
  if (count < acknowledged) return fail(ErrorCode::protocol, "count behind what was acknowledged");
  return {};
}

}  // namespace

Status ReplayBuffer::push(ByteView payload) {
  return push(Bytes(payload.begin(), payload.end()));
}

Status ReplayBuffer::push(Bytes&& payload) {
  // §4.2: counters never wrap; the session ends instead.
  if (sent_ == std::numeric_limits<uint64_t>::max()) {
    return fail(ErrorCode::limit, "continuation sent counter would overflow",
                DisconnectReason::by_application);
  }
  held_bytes_ += payload.size();
  messages_.emplace_back(std::move(payload));
  ++sent_;
  return {};
}

Status ReplayBuffer::acknowledge(uint64_t count) {
  SSH_TRY(check_count(count, acknowledged_, sent_));
  // Invariant: messages_.size() == sent_ - acknowledged_, so after the check the number
  // to free is at most what is held.
  uint64_t to_free = count - acknowledged_;
  for (uint64_t i = 0; i < to_free; ++i) {
    held_bytes_ -= messages_.front().size();
    messages_.pop_front();
  }
  acknowledged_ = count;
  return {};
}

Status ReplayBuffer::replay_after(uint64_t count, const std::function<void(ByteView)>& fn) {
  // §7.4: the peer's received count acts as an acknowledgement (checked as in §5.4);
  // what is still held afterwards is exactly messages count+1 .. sent.
  SSH_TRY(acknowledge(count));
  for (const SecretBytes& m : messages_) fn(m.view());
  return {};
}

}  // namespace ssh::continuation
