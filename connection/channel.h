// One channel (RFC 4254 §5): identifiers, both flow-control windows, the EOF/CLOSE flags,
// and the queue of our outstanding want-reply requests. Pure bookkeeping: the Mux does
// all sending and calls the owner's ChannelHandler.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::connection {

using ChannelId = uint32_t;  // our (local) channel number

class Mux;

// Called once with the peer's reply to a channel request sent with want_reply. Called
// with false when the channel closes before the reply arrives.
using ReplyCallback = std::function<void(bool success)>;

// What the owner of a channel implements. The Mux owns the handler (unique_ptr) and
// destroys it after on_close (or after on_open_failed); a raw pointer taken from
// Mux::handler() stays valid until then. Callbacks may call back into the Mux (send,
// close, open other channels); they must not destroy the Mux.
class ChannelHandler {
 public:
  virtual ~ChannelHandler() = default;

  // Set by the Mux before any callback; lets the owner address its own channel.
  ChannelId channel_id() const { return id_; }
  Mux& mux() const { return *mux_; }

  // Our CHANNEL_OPEN was confirmed; `data` is the type-specific trailer (usually empty).
  virtual void on_open_confirmed(ByteView data) { (void)data; }
  // Our CHANNEL_OPEN was refused; the handler is destroyed right after.
  virtual void on_open_failed(uint32_t reason, std::string_view description) {
    (void)reason;
    (void)description;
  }
  // Channel data; ext_code 0 is ordinary data, otherwise the extended data type code
  // (1 = stderr).
  virtual void on_data(uint32_t ext_code, ByteView data) = 0;
  virtual void on_eof() {}
  // Both sides have sent CLOSE; the id is already free. Last callback.
  virtual void on_close() {}
  // A peer channel request. The return value is the reply, sent only if want_reply.
  virtual bool on_request(std::string_view type, bool want_reply, ByteView data) {
    (void)type;
    (void)want_reply;
    (void)data;
    return false;
  }
  // The peer's window grew after a send_data() that did not fit completely.
  virtual void on_window_available() {}

 private:
  friend class Mux;
  Mux* mux_ = nullptr;
  ChannelId id_ = 0;
};

// Per-channel settings; zero means "use the Mux default".
struct ChannelOptions {
  uint32_t window_size = 0;  // our receive window
  uint32_t max_packet = 0;   // largest data packet we accept (and send)
  // false: data counts as consumed once on_data returns. true: the owner reports
  // consumption with Mux::consume(), so a slow sink holds the peer back.
  bool manual_consume = false;
};

enum class ChannelState : uint8_t {
  opening,         // we sent CHANNEL_OPEN, waiting for the peer's answer
  pending_accept,  // the peer opened, our owner has not yet confirmed or refused
  open,            // confirmed in either direction; closed channels are removed
};

class Channel {
 public:
  Channel(ChannelId local_id, std::string type, uint32_t window_size, uint32_t max_packet,
          bool manual_consume);

  ChannelId local_id() const { return local_id_; }
  uint32_t remote_id() const { return remote_id_; }
  const std::string& type() const { return type_; }
  ChannelState state() const { return state_; }

  // Moves to `open` with the peer's parameters (from its OPEN or OPEN_CONFIRMATION).
  void set_open(uint32_t remote_id, uint32_t remote_window, uint32_t remote_max_packet);
  void set_pending_accept(uint32_t remote_id, uint32_t remote_window, uint32_t remote_max_packet);

  // Replaces the local parameters; only before any data has been received.
  void set_local(uint32_t window_size, uint32_t max_packet, bool manual_consume);

  // --- our receive window (RFC 4254 §5.2) ---
  uint32_t local_window() const { return local_window_; }
  uint32_t local_window_size() const { return local_window_size_; }
  uint32_t local_max_packet() const { return local_max_packet_; }
  bool manual_consume() const { return manual_consume_; }
  // Incoming data of n bytes: a protocol error when it exceeds the window.
  Status receive(size_t n);
  // The owner consumed n bytes; returns the WINDOW_ADJUST amount to send once more than
  // half of the window is waiting to be re-granted.
  Result<std::optional<uint32_t>> consume(size_t n);

  // --- the peer's window ---
  uint64_t remote_window() const { return remote_window_; }
  uint32_t remote_max_packet() const { return remote_max_packet_; }
  // Bytes that may go out now, at most `want`.
  size_t sendable(size_t want) const;
  // Largest data chunk per message: the peer's max packet, capped by ours.
  size_t chunk_size() const;
  void spend(size_t n);
  // WINDOW_ADJUST from the peer: a protocol error when the window would pass 2^32-1.
  Status grow_remote_window(uint32_t n);

  // --- EOF/CLOSE (RFC 4254 §5.3) ---
  bool eof_sent = false;
  bool eof_received = false;
  bool close_sent = false;
  bool close_received = false;
  bool close_requested = false;  // close() while still opening: send CLOSE on confirmation
  bool send_blocked = false;     // a send_data() did not fit: owner awaits the window

  // Our want-reply requests, answered in order (RFC 4254 §5.4).
  std::deque<ReplyCallback> pending_replies;

  std::unique_ptr<ChannelHandler> handler;

 private:
  ChannelId local_id_;
  uint32_t remote_id_ = 0;
  std::string type_;
  ChannelState state_ = ChannelState::opening;
  uint32_t local_window_size_;
  uint32_t local_window_;
  uint32_t local_max_packet_;
  uint32_t local_unacked_ = 0;    // consumed but not yet re-granted
  uint32_t local_in_flight_ = 0;  // received but not yet consumed
  bool manual_consume_;
  uint64_t remote_window_ = 0;
  uint32_t remote_max_packet_ = 0;
};

}  // namespace ssh::connection
