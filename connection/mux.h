// The channel multiplexer of RFC 4254, sans-I/O and usable by both roles. It consumes
// decoded connection-layer payloads (handle) and produces payloads through one
// PayloadSink: every outgoing connection-layer message passes through Mux::emit, the
// single choke point the continuation layer counts and buffers.
//
// Flow control: send_data() sends only what the peer's window allows, split at the
// packet size, and returns how much it took; the owner keeps the rest and retries on
// ChannelHandler::on_window_available(). Incoming data beyond our window, messages for
// unknown or closed channels and unmatched replies are protocol errors returned from
// handle(); the caller then disconnects.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "connection/channel.h"
#include "connection/channel_table.h"
#include "connection/messages.h"

namespace ssh::connection {

// Where outgoing payloads go (the transport, or the continuation layer in front of it).
class PayloadSink {
 public:
  virtual ~PayloadSink() = default;
  virtual void send_payload(Bytes&& payload) = 0;
  // Back-pressure from the sink (the continuation layer's full replay buffer,
  // PROTOCOL.continuation §5.2): while false, send_data() takes nothing; control
  // messages still flow. When it turns true again the owner calls Mux::resume_output().
  virtual bool accepting_data() const { return true; }
};

struct MuxConfig {
  // OpenSSH's client defaults (CHAN_SES_WINDOW_DEFAULT / CHAN_SES_PACKET_DEFAULT); larger
  // values pay off when both ends are ours.
  uint32_t window_size = 2 * 1024 * 1024;
  uint32_t max_packet = 32 * 1024;
  size_t max_channels = 1024;
  // Outstanding want-reply requests we may have: per channel, and for global requests.
  size_t max_pending_requests = 64;
};

// Called once with the peer's answer to a global request sent with want_reply; `data`
// is the response-specific data of REQUEST_SUCCESS (empty on failure).
using GlobalReplyCallback = std::function<void(bool success, ByteView data)>;

struct GlobalReply {
  bool success = false;
  Bytes data;  // REQUEST_SUCCESS data, e.g. encode_tcpip_forward_reply(port)
};

// A CHANNEL_OPEN from the peer. Views are valid only during the call.
struct IncomingOpen {
  ChannelId local_id = 0;  // already reserved for this channel
  std::string_view type;
  ByteView data;
  uint32_t peer_window = 0;
  uint32_t peer_max_packet = 0;
};

struct OpenDecision {
  enum class Kind : uint8_t { accept, reject, defer };
  Kind kind = Kind::reject;
  std::unique_ptr<ChannelHandler> handler;                                    // accept
  ChannelOptions options;                                                     // accept
  OpenFailureReason reason = OpenFailureReason::administratively_prohibited;  // reject
  std::string description;                                                    // reject

  static OpenDecision accept(std::unique_ptr<ChannelHandler> h, ChannelOptions o = {});
  static OpenDecision reject(OpenFailureReason r, std::string description);
  // The owner answers later with Mux::confirm_open / Mux::reject_open on local_id (e.g.
  // after a non-blocking connect for direct-tcpip or forwarded-tcpip).
  static OpenDecision defer();
};

// Connection-wide hooks of the Mux's user (the client or server driver).
class MuxHandler {
 public:
  virtual ~MuxHandler() = default;
  // Default: refuse with unknown_channel_type.
  virtual OpenDecision on_channel_open(const IncomingOpen& open);
  // Default: failure. The reply is sent only if want_reply, in order (synchronously).
  virtual GlobalReply on_global_request(std::string_view name, bool want_reply, ByteView data);
};

class Mux {
 public:
  Mux(PayloadSink& sink, MuxHandler& handler, MuxConfig config = {});
  ~Mux();
  Mux(const Mux&) = delete;
  Mux& operator=(const Mux&) = delete;

  // One connection-layer payload (byte 0 in 80..100, see is_connection_message).
  Status handle(ByteView payload);

  // --- channels we open ---
  // Sends CHANNEL_OPEN; the handler hears on_open_confirmed or on_open_failed.
  Result<ChannelId> open_channel(std::string_view type, ByteView type_data,
                                 std::unique_ptr<ChannelHandler> handler, ChannelOptions options = {});

  // --- answering a deferred peer open (OpenDecision::defer) ---
  Status confirm_open(ChannelId id, std::unique_ptr<ChannelHandler> handler, ChannelOptions options = {},
                      ByteView type_data = {});
  Status reject_open(ChannelId id, OpenFailureReason reason, std::string_view description);

  // --- per-channel output ---
  // Sends as much of `data` as the peer's window allows (0 while the channel is still
  // opening); ext_code 0 sends CHANNEL_DATA, otherwise CHANNEL_EXTENDED_DATA. Sending
  // after our EOF or CLOSE is an internal error.
  Result<size_t> send_data(ChannelId id, ByteView data, uint32_t ext_code = 0);
  // Bytes send_data would accept right now.
  size_t send_window(ChannelId id) const;
  // ChannelOptions::manual_consume: the owner has written n received bytes onward.
  Status consume(ChannelId id, size_t n);
  // Idempotent. EOF must follow the open; close() may come at any time (while opening it
  // is sent once the peer confirms).
  Status send_eof(ChannelId id);
  Status close(ChannelId id);
  // A non-empty on_reply sets want_reply; replies are matched in order per channel.
  Status send_request(ChannelId id, std::string_view type, ByteView data, ReplyCallback on_reply = {});

  // --- global requests (RFC 4254 §4), replies matched in order ---
  Status send_global_request(std::string_view name, ByteView data, GlobalReplyCallback on_reply = {});

  // --- inspection ---
  ChannelHandler* handler(ChannelId id) const;
  const Channel* channel(ChannelId id) const { return table_.find(id); }
  size_t channel_count() const { return table_.size(); }
  std::vector<ChannelId> channel_ids() const { return table_.ids(); }
  size_t pending_global_requests() const { return pending_global_.size(); }
  const MuxConfig& config() const { return config_; }

  // The sink accepts data again: channels whose send_data() came up short hear
  // on_window_available() where their window allows.
  void resume_output();

  // Puts another sink in front (e.g. the continuation layer after setup).
  void set_sink(PayloadSink& sink) { sink_ = &sink; }

 private:
  void emit(Bytes&& payload);
  Result<Channel*> find_open(uint32_t id, const char* what);
  void attach(Channel& c, std::unique_ptr<ChannelHandler> handler);
  void apply_options(Channel& c, const ChannelOptions& options);
  Status consume_and_adjust(ChannelId id, size_t n);
  void finalize(ChannelId id);
  void wake_sender(Channel& c);

  Status on_global_request(ByteView payload);
  Status on_global_reply(ByteView payload, bool success);
  Status on_channel_open(ByteView payload);
  Status on_open_confirmation(ByteView payload);
  Status on_open_failure(ByteView payload);
  Status on_window_adjust(ByteView payload);
  Status on_data(uint32_t recipient, uint32_t ext_code, ByteView data);
  Status on_eof(ByteView payload);
  Status on_close(ByteView payload);
  Status on_channel_request(ByteView payload);
  Status on_channel_reply(uint32_t recipient, bool success);

  PayloadSink* sink_;
  MuxHandler& handler_;
  MuxConfig config_;
  ChannelTable table_;
  std::deque<GlobalReplyCallback> pending_global_;
};

}  // namespace ssh::connection
