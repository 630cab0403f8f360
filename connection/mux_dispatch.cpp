// Mux: incoming connection-layer messages (RFC 4254 §4, §5). Anything a peer may not
// send in the current state is a protocol error; nothing here trusts an id or a length.
#include "base/log.h"
#include "connection/mux.h"

namespace ssh::connection {

Status Mux::handle(ByteView payload) {
  if (payload.empty()) return fail(ErrorCode::parse, "empty payload");
  switch (static_cast<MsgType>(payload[0])) {
    case MsgType::global_request: return on_global_request(payload);
    case MsgType::request_success: return on_global_reply(payload, true);
    case MsgType::request_failure: return on_global_reply(payload, false);
    case MsgType::channel_open: return on_channel_open(payload);
    case MsgType::channel_open_confirmation: return on_open_confirmation(payload);
    case MsgType::channel_open_failure: return on_open_failure(payload);
    case MsgType::channel_window_adjust: return on_window_adjust(payload);
    case MsgType::channel_data: {
      ChannelData m = SSH_TRY(decode_channel_data(payload));
      return on_data(m.recipient_channel, 0, m.data);
    }
    case MsgType::channel_extended_data: {
      ChannelExtendedData m = SSH_TRY(decode_channel_extended_data(payload));
      // Code 0 would be indistinguishable from ordinary data for the owner.
      if (m.data_type_code == 0) return fail(ErrorCode::protocol, "extended data type 0");
      return on_data(m.recipient_channel, m.data_type_code, m.data);
    }
    case MsgType::channel_eof: return on_eof(payload);
    case MsgType::channel_close: return on_close(payload);
    case MsgType::channel_request: return on_channel_request(payload);
    case MsgType::channel_success: {
      ChannelSuccess m = SSH_TRY(decode_channel_success(payload));
      return on_channel_reply(m.recipient_channel, true);
    }
    case MsgType::channel_failure: {
      ChannelFailure m = SSH_TRY(decode_channel_failure(payload));
      return on_channel_reply(m.recipient_channel, false);
    }
  }
  return fail(ErrorCode::protocol, "not a connection-layer message");
}

// A channel the peer may address: known to it (open) and not yet closed by it. Our own
// CLOSE may be in flight, so messages after it are still accepted (and mostly dropped).
Result<Channel*> Mux::find_open(uint32_t id, const char* what) {
  Channel* c = table_.find(id);
  if (!c || c->state() != ChannelState::open || c->close_received) {
    return fail(ErrorCode::protocol, std::string(what) + " for unknown channel " + std::to_string(id));
  }
  return c;
}

Status Mux::on_global_request(ByteView payload) {
  GlobalRequest m = SSH_TRY(decode_global_request(payload));
  LOG_DEBUG2("global request %.*s want_reply %d", int(m.name.size()), m.name.data(), int(m.want_reply));
  GlobalReply reply = handler_.on_global_request(m.name, m.want_reply, m.data);
  if (!m.want_reply) return {};
  if (reply.success) {
    emit(encode(RequestSuccess{reply.data}));
  } else {
    emit(encode(RequestFailure{}));
  }
  return {};
}

Status Mux::on_global_reply(ByteView payload, bool success) {
  ByteView data;
  if (success) {
    data = SSH_TRY(decode_request_success(payload)).data;
  } else {
    SSH_TRY(decode_request_failure(payload));
  }
  if (pending_global_.empty()) return fail(ErrorCode::protocol, "unexpected global request reply");
  GlobalReplyCallback cb = std::move(pending_global_.front());
  pending_global_.pop_front();
  if (cb) cb(success, data);
  return {};
}

Status Mux::on_channel_open(ByteView payload) {
  ChannelOpen m = SSH_TRY(decode_channel_open(payload));
  auto allocated = table_.allocate(std::string(m.type), config_.window_size, config_.max_packet, false);
  if (!allocated) {
    LOG_VERBOSE("refusing channel open %.*s: too many channels", int(m.type.size()), m.type.data());
    emit(encode(
        ChannelOpenFailure{m.sender_channel, OpenFailureReason::resource_shortage, "too many channels", ""}));
    return {};
  }
  Channel* c = *allocated;
  ChannelId id = c->local_id();
  c->set_pending_accept(m.sender_channel, m.initial_window, m.max_packet);
  LOG_DEBUG2("channel %u: peer opens %.*s (peer channel %u)", id, int(m.type.size()), m.type.data(),
             m.sender_channel);
  OpenDecision d = handler_.on_channel_open(IncomingOpen{id, m.type, m.data, m.initial_window, m.max_packet});
  switch (d.kind) {
    case OpenDecision::Kind::accept:
      if (!d.handler) {
        SSH_TRY(reject_open(id, OpenFailureReason::resource_shortage, "internal error"));
        return fail(ErrorCode::internal, "accepted channel without a handler");
      }
      return confirm_open(id, std::move(d.handler), d.options);
    case OpenDecision::Kind::reject: return reject_open(id, d.reason, d.description);
    case OpenDecision::Kind::defer: return {};
  }
  return {};
}

Status Mux::on_open_confirmation(ByteView payload) {
  ChannelOpenConfirmation m = SSH_TRY(decode_channel_open_confirmation(payload));
  Channel* c = table_.find(m.recipient_channel);
  if (!c || c->state() != ChannelState::opening) {
    return fail(ErrorCode::protocol, "open confirmation for a channel we did not open");
  }
  c->set_open(m.sender_channel, m.initial_window, m.max_packet);
  LOG_DEBUG2("channel %u: open confirmed, peer channel %u window %u packet %u", m.recipient_channel,
             m.sender_channel, m.initial_window, m.max_packet);
  if (c->close_requested) {
    c->close_sent = true;
    emit(encode(ChannelClose{c->remote_id()}));
    return {};
  }
  c->handler->on_open_confirmed(m.data);
  return {};
}

Status Mux::on_open_failure(ByteView payload) {
  ChannelOpenFailure m = SSH_TRY(decode_channel_open_failure(payload));
  Channel* c = table_.find(m.recipient_channel);
  if (!c || c->state() != ChannelState::opening) {
    return fail(ErrorCode::protocol, "open failure for a channel we did not open");
  }
  LOG_DEBUG2("channel %u: open failed: %s", m.recipient_channel, to_string(m.reason));
  std::unique_ptr<Channel> gone = table_.release(m.recipient_channel);
  gone->handler->on_open_failed(static_cast<uint32_t>(m.reason), m.description);
  return {};
}

Status Mux::on_window_adjust(ByteView payload) {
  ChannelWindowAdjust m = SSH_TRY(decode_channel_window_adjust(payload));
  Channel* c = SSH_TRY(find_open(m.recipient_channel, "window adjust"));
  SSH_TRY(c->grow_remote_window(m.bytes_to_add));
  if (sink_->accepting_data()) wake_sender(*c);
  return {};
}

Status Mux::on_data(uint32_t recipient, uint32_t ext_code, ByteView data) {
  Channel* c = SSH_TRY(find_open(recipient, "data"));
  if (c->eof_received) return fail(ErrorCode::protocol, "channel data after EOF");
  // RFC 4254 §5.2: data beyond the window we granted is a protocol violation.
  SSH_TRY(c->receive(data.size()));
  if (data.size() > c->local_max_packet()) {
    // Lenient like OpenSSH: some peers count the packet header against the limit.
    LOG_DEBUG2("channel %u: data packet %zu over max packet %u", recipient, data.size(),
               c->local_max_packet());
  }
  if (c->close_sent) {
    // Our CLOSE is in flight: drop the data, no window adjust may follow it.
    SSH_TRY(c->consume(data.size()));
    return {};
  }
  ChannelId id = c->local_id();
  bool manual = c->manual_consume();
  c->handler->on_data(ext_code, data);
  if (manual) return {};
  return consume_and_adjust(id, data.size());
}

Status Mux::on_eof(ByteView payload) {
  ChannelEof m = SSH_TRY(decode_channel_eof(payload));
  Channel* c = SSH_TRY(find_open(m.recipient_channel, "EOF"));
  if (c->eof_received) {
    LOG_DEBUG2("channel %u: duplicate EOF ignored", m.recipient_channel);
    return {};
  }
  c->eof_received = true;
  LOG_DEBUG2("channel %u: rcvd eof", m.recipient_channel);
  if (!c->close_sent) c->handler->on_eof();
  return {};
}

// RFC 4254 §5.3: answer a CLOSE with our own unless already sent; the channel is then
// closed on both sides and its id is freed.
Status Mux::on_close(ByteView payload) {
  ChannelClose m = SSH_TRY(decode_channel_close(payload));
  Channel* c = SSH_TRY(find_open(m.recipient_channel, "close"));
  c->close_received = true;
  LOG_DEBUG2("channel %u: rcvd close", m.recipient_channel);
  if (!c->close_sent) {
    c->close_sent = true;
    emit(encode(ChannelClose{c->remote_id()}));
  }
  finalize(m.recipient_channel);
  return {};
}

Status Mux::on_channel_request(ByteView payload) {
  ChannelRequest m = SSH_TRY(decode_channel_request(payload));
  Channel* c = SSH_TRY(find_open(m.recipient_channel, "channel request"));
  LOG_DEBUG2("channel %u: rcvd request %.*s want_reply %d", m.recipient_channel, int(m.type.size()),
             m.type.data(), int(m.want_reply));
  // After our CLOSE we may not answer; the peer learns from the CLOSE instead.
  if (c->close_sent) return {};
  bool ok = c->handler->on_request(m.type, m.want_reply, m.data);
  c = table_.find(m.recipient_channel);  // the owner may have closed it meanwhile
  if (!m.want_reply || !c || c->close_sent) return {};
  if (ok) {
    emit(encode(ChannelSuccess{c->remote_id()}));
  } else {
    emit(encode(ChannelFailure{c->remote_id()}));
  }
  return {};
}

Status Mux::on_channel_reply(uint32_t recipient, bool success) {
  Channel* c = SSH_TRY(find_open(recipient, "channel reply"));
  if (c->pending_replies.empty()) return fail(ErrorCode::protocol, "unexpected channel reply");
  ReplyCallback cb = std::move(c->pending_replies.front());
  c->pending_replies.pop_front();
  if (cb) cb(success);
  return {};
}

}  // namespace ssh::connection
