// Mux: construction, the outgoing API and the choke point. Incoming messages are in
// mux_dispatch.cpp.
#include "connection/mux.h"

#include "base/log.h"

namespace ssh::connection {

OpenDecision OpenDecision::accept(std::unique_ptr<ChannelHandler> h, ChannelOptions o) {
  OpenDecision d;
  d.kind = Kind::accept;
  d.handler = std::move(h);
  d.options = o;
  return d;
}

OpenDecision OpenDecision::reject(OpenFailureReason r, std::string description) {
  OpenDecision d;
  d.kind = Kind::reject;
  d.reason = r;
  d.description = std::move(description);
  return d;
}

OpenDecision OpenDecision::defer() {
  OpenDecision d;
  d.kind = Kind::defer;
  return d;
}

OpenDecision MuxHandler::on_channel_open(const IncomingOpen&) {
  return OpenDecision::reject(OpenFailureReason::unknown_channel_type, "unknown channel type");
}

GlobalReply MuxHandler::on_global_request(std::string_view, bool, ByteView) {
  return {};
}

Mux::Mux(PayloadSink& sink, MuxHandler& handler, MuxConfig config)
    : sink_(&sink), handler_(handler), config_(config), table_(config.max_channels) {}

Mux::~Mux() = default;

// The single choke point: every connection-layer payload we send passes here.
void Mux::emit(Bytes&& payload) {
  sink_->send_payload(std::move(payload));
}

ChannelHandler* Mux::handler(ChannelId id) const {
  const Channel* c = table_.find(id);
  return c ? c->handler.get() : nullptr;
}

void Mux::attach(Channel& c, std::unique_ptr<ChannelHandler> handler) {
  handler->mux_ = this;
  handler->id_ = c.local_id();
  c.handler = std::move(handler);
}

void Mux::apply_options(Channel& c, const ChannelOptions& o) {
  c.set_local(o.window_size ? o.window_size : config_.window_size,
              o.max_packet ? o.max_packet : config_.max_packet, o.manual_consume);
}

Result<ChannelId> Mux::open_channel(std::string_view type, ByteView type_data,
                                    std::unique_ptr<ChannelHandler> handler, ChannelOptions options) {
  if (!handler) return fail(ErrorCode::internal, "open_channel without a handler");
  Channel* c = SSH_TRY(table_.allocate(std::string(type), config_.window_size, config_.max_packet, false));
  apply_options(*c, options);
  attach(*c, std::move(handler));
  LOG_DEBUG2("channel %u: new %.*s", c->local_id(), int(type.size()), type.data());
  emit(encode(ChannelOpen{type, c->local_id(), c->local_window_size(), c->local_max_packet(), type_data}));
  return c->local_id();
}

Status Mux::confirm_open(ChannelId id, std::unique_ptr<ChannelHandler> handler, ChannelOptions options,
                         ByteView type_data) {
  Channel* c = table_.find(id);
  if (!c || c->state() != ChannelState::pending_accept) {
    return fail(ErrorCode::internal, "confirm_open on a channel not awaiting confirmation");
  }
  if (!handler) return fail(ErrorCode::internal, "confirm_open without a handler");
  apply_options(*c, options);
  attach(*c, std::move(handler));
  c->set_open(c->remote_id(), uint32_t(c->remote_window()), c->remote_max_packet());
  LOG_DEBUG2("channel %u: confirmed %s for peer channel %u", id, c->type().c_str(), c->remote_id());
  emit(encode(
      ChannelOpenConfirmation{c->remote_id(), id, c->local_window_size(), c->local_max_packet(), type_data}));
  c->handler->on_open_confirmed({});
  return {};
}

Status Mux::reject_open(ChannelId id, OpenFailureReason reason, std::string_view description) {
  Channel* c = table_.find(id);
  if (!c || c->state() != ChannelState::pending_accept) {
    return fail(ErrorCode::internal, "reject_open on a channel not awaiting confirmation");
  }
  LOG_DEBUG2("channel %u: refused %s: %s", id, c->type().c_str(), to_string(reason));
  emit(encode(ChannelOpenFailure{c->remote_id(), reason, description, ""}));
  table_.release(id);
  return {};
}

Result<size_t> Mux::send_data(ChannelId id, ByteView data, uint32_t ext_code) {
  Channel* c = table_.find(id);
  if (!c) return fail(ErrorCode::internal, "send_data on unknown channel");
  if (c->eof_sent || c->close_sent || c->close_requested) {
    return fail(ErrorCode::internal, "send_data after EOF or close");
  }
  size_t n = sink_->accepting_data() ? c->sendable(data.size()) : 0;
  size_t chunk = c->chunk_size();
  for (size_t off = 0; off < n;) {
    size_t len = std::min(chunk, n - off);
    ByteView part = data.subspan(off, len);
    if (ext_code == 0) {
      emit(encode(ChannelData{c->remote_id(), part}));
    } else {
      emit(encode(ChannelExtendedData{c->remote_id(), ext_code, part}));
    }
    c->spend(len);
    off += len;
  }
  if (n < data.size()) c->send_blocked = true;
  return n;
}

size_t Mux::send_window(ChannelId id) const {
  const Channel* c = table_.find(id);
  return c && sink_->accepting_data() ? c->sendable(SIZE_MAX) : 0;
}

void Mux::resume_output() {
  for (ChannelId id : table_.ids()) {
    if (!sink_->accepting_data()) return;
    if (Channel* c = table_.find(id)) wake_sender(*c);  // a handler may close others
  }
}

void Mux::wake_sender(Channel& c) {
  if (c.handler && c.send_blocked && !c.eof_sent && !c.close_sent && c.sendable(1) > 0) {
    c.send_blocked = false;
    c.handler->on_window_available();
  }
}

Status Mux::consume(ChannelId id, size_t n) {
  Channel* c = table_.find(id);
  if (!c || !c->manual_consume()) return fail(ErrorCode::internal, "consume on wrong channel");
  return consume_and_adjust(id, n);
}

Status Mux::consume_and_adjust(ChannelId id, size_t n) {
  Channel* c = table_.find(id);
  if (!c) return {};
  std::optional<uint32_t> adjust = SSH_TRY(c->consume(n));
  // After our CLOSE nothing may be sent; after the peer's EOF more data cannot come.
  if (adjust && !c->close_sent && !c->eof_received) {
    emit(encode(ChannelWindowAdjust{c->remote_id(), *adjust}));
  }
  return {};
}

Status Mux::send_eof(ChannelId id) {
  Channel* c = table_.find(id);
  if (!c || c->state() != ChannelState::open) {
    return fail(ErrorCode::internal, "send_eof on a channel that is not open");
  }
  if (c->eof_sent || c->close_sent) return {};
  c->eof_sent = true;
  emit(encode(ChannelEof{c->remote_id()}));
  return {};
}

Status Mux::close(ChannelId id) {
  Channel* c = table_.find(id);
  if (!c) return fail(ErrorCode::internal, "close on unknown channel");
  switch (c->state()) {
    case ChannelState::pending_accept:
      return fail(ErrorCode::internal, "close on a channel awaiting confirmation");
    case ChannelState::opening:
      c->close_requested = true;  // sent once the peer confirms (RFC 4254 §5.3)
      return {};
    case ChannelState::open: break;
  }
  if (c->close_sent) return {};
  c->close_sent = true;
  LOG_DEBUG2("channel %u: send close", id);
  emit(encode(ChannelClose{c->remote_id()}));
  return {};
}

Status Mux::send_request(ChannelId id, std::string_view type, ByteView data, ReplyCallback on_reply) {
  Channel* c = table_.find(id);
  if (!c || c->state() != ChannelState::open || c->close_sent) {
    return fail(ErrorCode::internal, "channel request on a channel that is not open");
  }
  bool want_reply = static_cast<bool>(on_reply);
  if (want_reply) {
    if (c->pending_replies.size() >= config_.max_pending_requests) {
      return fail(ErrorCode::limit, "too many outstanding channel requests");
    }
    c->pending_replies.push_back(std::move(on_reply));
  }
  emit(encode(ChannelRequest{c->remote_id(), type, want_reply, data}));
  return {};
}

Status Mux::send_global_request(std::string_view name, ByteView data, GlobalReplyCallback on_reply) {
  bool want_reply = static_cast<bool>(on_reply);
  if (want_reply) {
    if (pending_global_.size() >= config_.max_pending_requests) {
      return fail(ErrorCode::limit, "too many outstanding global requests");
    }
    pending_global_.push_back(std::move(on_reply));
  }
  emit(encode(GlobalRequest{name, want_reply, data}));
  return {};
}

// Both CLOSE messages have passed: free the id first so the owner's callbacks see a
// consistent table, then fail unanswered requests and tell the owner.
void Mux::finalize(ChannelId id) {
  std::unique_ptr<Channel> c = table_.release(id);
  if (!c) return;
  LOG_DEBUG2("channel %u: free", id);
  while (!c->pending_replies.empty()) {
    ReplyCallback cb = std::move(c->pending_replies.front());
    c->pending_replies.pop_front();
    if (cb) cb(false);
  }
  if (c->handler) c->handler->on_close();
}

}  // namespace ssh::connection
