#include "connection/channel.h"

#include <algorithm>
#include <limits>

namespace ssh::connection {

Channel::Channel(ChannelId local_id, std::string type, uint32_t window_size, uint32_t max_packet,
                 bool manual_consume)
    : local_id_(local_id),
      type_(std::move(type)),
      local_window_size_(window_size),
      local_window_(window_size),
      local_max_packet_(max_packet),
      manual_consume_(manual_consume) {}

void Channel::set_open(uint32_t remote_id, uint32_t remote_window, uint32_t remote_max_packet) {
  remote_id_ = remote_id;
  remote_window_ = remote_window;
  remote_max_packet_ = remote_max_packet;
  state_ = ChannelState::open;
}

void Channel::set_pending_accept(uint32_t remote_id, uint32_t remote_window, uint32_t remote_max_packet) {
  set_open(remote_id, remote_window, remote_max_packet);
  state_ = ChannelState::pending_accept;
}

void Channel::set_local(uint32_t window_size, uint32_t max_packet, bool manual_consume) {
  local_window_size_ = window_size;
  local_window_ = window_size;
  local_max_packet_ = max_packet;
  manual_consume_ = manual_consume;
  local_unacked_ = 0;
  local_in_flight_ = 0;
}

// RFC 4254 §5.2: the peer may send no more than the window we granted.
Status Channel::receive(size_t n) {
  if (n > local_window_) return fail(ErrorCode::protocol, "channel data beyond window");
  local_window_ -= uint32_t(n);
  local_in_flight_ += uint32_t(n);
  return {};
}

Result<std::optional<uint32_t>> Channel::consume(size_t n) {
  if (n > local_in_flight_) return fail(ErrorCode::internal, "consumed more than received");
  local_in_flight_ -= uint32_t(n);
  local_unacked_ += uint32_t(n);
  // Re-grant in batches: once more than half the window waits, one WINDOW_ADJUST gives it
  // all back (the policy of OpenSSH's channel_check_window, simplified).
  if (local_unacked_ == 0 || local_unacked_ < local_window_size_ / 2) return std::nullopt;
  uint32_t adjust = local_unacked_;
  local_unacked_ = 0;
  local_window_ += adjust;
  return adjust;
}

size_t Channel::chunk_size() const {
  return std::min<size_t>(remote_max_packet_, local_max_packet_);
}

size_t Channel::sendable(size_t want) const {
  if (state_ != ChannelState::open || eof_sent || close_sent || chunk_size() == 0) return 0;
  return std::min<uint64_t>(want, remote_window_);
}

void Channel::spend(size_t n) {
  remote_window_ -= std::min<uint64_t>(n, remote_window_);
}

// RFC 4254 §5.2: the window may be at most 2^32 - 1 bytes.
Status Channel::grow_remote_window(uint32_t n) {
  if (remote_window_ + n > std::numeric_limits<uint32_t>::max()) {
    return fail(ErrorCode::protocol, "window adjust overflows the window");
  }
  remote_window_ += n;
  return {};
}

}  // namespace ssh::connection
