#include "connection/messages.h"

#include <limits>

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::connection {

namespace {

// Channel data is bounded by the payload itself, which the transport caps; the generic
// string cap of WireReader would wrongly limit large max-packet settings.
constexpr size_t kUnboundedByPayload = std::numeric_limits<size_t>::max();

WireWriter start(MsgType t) {
  WireWriter w;
  w.u8(static_cast<uint8_t>(t));
  return w;
}

// Checks the message number and positions a reader after it.
Result<WireReader> open(ByteView payload, MsgType t) {
  WireReader r(payload);
  uint8_t msg = SSH_TRY(r.u8());
  if (msg != static_cast<uint8_t>(t)) return fail(ErrorCode::internal, "wrong message number");
  return r;
}

Result<std::string_view> name(WireReader& r) {
  return r.text(kMaxNameLength);
}

// Shared decoder for the five messages that carry only the recipient channel.
Result<uint32_t> recipient_only(ByteView payload, MsgType t) {
  WireReader r = SSH_TRY(open(payload, t));
  uint32_t id = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return id;
}

Bytes recipient_only(MsgType t, uint32_t id) {
  return start(t).u32(id).take();
}

}  // namespace

bool is_connection_message(uint8_t msg) {
  return (msg >= 80 && msg <= 82) || (msg >= 90 && msg <= 100);
}

const char* msg_name(uint8_t msg) {
  switch (static_cast<MsgType>(msg)) {
    case MsgType::global_request: return "SSH_MSG_GLOBAL_REQUEST";
    case MsgType::request_success: return "SSH_MSG_REQUEST_SUCCESS";
    case MsgType::request_failure: return "SSH_MSG_REQUEST_FAILURE";
    case MsgType::channel_open: return "SSH_MSG_CHANNEL_OPEN";
    case MsgType::channel_open_confirmation: return "SSH_MSG_CHANNEL_OPEN_CONFIRMATION";
    case MsgType::channel_open_failure: return "SSH_MSG_CHANNEL_OPEN_FAILURE";
    case MsgType::channel_window_adjust: return "SSH_MSG_CHANNEL_WINDOW_ADJUST";
    case MsgType::channel_data: return "SSH_MSG_CHANNEL_DATA";
    case MsgType::channel_extended_data: return "SSH_MSG_CHANNEL_EXTENDED_DATA";
    case MsgType::channel_eof: return "SSH_MSG_CHANNEL_EOF";
    case MsgType::channel_close: return "SSH_MSG_CHANNEL_CLOSE";
    case MsgType::channel_request: return "SSH_MSG_CHANNEL_REQUEST";
    case MsgType::channel_success: return "SSH_MSG_CHANNEL_SUCCESS";
    case MsgType::channel_failure: return "SSH_MSG_CHANNEL_FAILURE";
  }
  return "unknown connection message";
}

const char* to_string(OpenFailureReason reason) {
  switch (reason) {
    case OpenFailureReason::administratively_prohibited: return "administratively prohibited";
    case OpenFailureReason::connect_failed: return "connect failed";
    case OpenFailureReason::unknown_channel_type: return "unknown channel type";
    case OpenFailureReason::resource_shortage: return "resource shortage";
  }
  return "unknown reason";
}

// RFC 4254 §4.
Bytes encode(const GlobalRequest& m) {
  return start(MsgType::global_request).string(m.name).boolean(m.want_reply).raw(m.data).take();
}

Result<GlobalRequest> decode_global_request(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::global_request));
  GlobalRequest m;
  m.name = SSH_TRY(name(r));
  m.want_reply = SSH_TRY(r.boolean());
  m.data = r.rest();
  return m;
}

Bytes encode(const RequestSuccess& m) {
  return start(MsgType::request_success).raw(m.data).take();
}

Result<RequestSuccess> decode_request_success(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::request_success));
  return RequestSuccess{r.rest()};
}

Bytes encode(const RequestFailure&) {
  return start(MsgType::request_failure).take();
}

Result<RequestFailure> decode_request_failure(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::request_failure));
  SSH_TRY(r.expect_end());
  return RequestFailure{};
}

// RFC 4254 §5.1.
Bytes encode(const ChannelOpen& m) {
  return start(MsgType::channel_open)
      .string(m.type)
      .u32(m.sender_channel)
      .u32(m.initial_window)
      .u32(m.max_packet)
      .raw(m.data)
      .take();
}

Result<ChannelOpen> decode_channel_open(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::channel_open));
  ChannelOpen m;
  m.type = SSH_TRY(name(r));
  m.sender_channel = SSH_TRY(r.u32());
  m.initial_window = SSH_TRY(r.u32());
  m.max_packet = SSH_TRY(r.u32());
  m.data = r.rest();
  return m;
}

Bytes encode(const ChannelOpenConfirmation& m) {
  return start(MsgType::channel_open_confirmation)
      .u32(m.recipient_channel)
      .u32(m.sender_channel)
      .u32(m.initial_window)
      .u32(m.max_packet)
      .raw(m.data)
      .take();
}

Result<ChannelOpenConfirmation> decode_channel_open_confirmation(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::channel_open_confirmation));
  ChannelOpenConfirmation m;
  m.recipient_channel = SSH_TRY(r.u32());
  m.sender_channel = SSH_TRY(r.u32());
  m.initial_window = SSH_TRY(r.u32());
  m.max_packet = SSH_TRY(r.u32());
  m.data = r.rest();
  return m;
}

Bytes encode(const ChannelOpenFailure& m) {
  return start(MsgType::channel_open_failure)
      .u32(m.recipient_channel)
      .u32(static_cast<uint32_t>(m.reason))
      .string(m.description)
      .string(m.language)
      .take();
}

Result<ChannelOpenFailure> decode_channel_open_failure(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::channel_open_failure));
  ChannelOpenFailure m;
  m.recipient_channel = SSH_TRY(r.u32());
  m.reason = static_cast<OpenFailureReason>(SSH_TRY(r.u32()));
  m.description = SSH_TRY(r.text());
  m.language = SSH_TRY(r.text(kMaxNameLength));
  SSH_TRY(r.expect_end());
  return m;
}

// RFC 4254 §5.2.
Bytes encode(const ChannelWindowAdjust& m) {
  return start(MsgType::channel_window_adjust).u32(m.recipient_channel).u32(m.bytes_to_add).take();
}

Result<ChannelWindowAdjust> decode_channel_window_adjust(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::channel_window_adjust));
  ChannelWindowAdjust m;
  m.recipient_channel = SSH_TRY(r.u32());
  m.bytes_to_add = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const ChannelData& m) {
  return start(MsgType::channel_data).u32(m.recipient_channel).string(m.data).take();
}

Result<ChannelData> decode_channel_data(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::channel_data));
  ChannelData m;
  m.recipient_channel = SSH_TRY(r.u32());
  m.data = SSH_TRY(r.string(kUnboundedByPayload));
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const ChannelExtendedData& m) {
  return start(MsgType::channel_extended_data)
      .u32(m.recipient_channel)
      .u32(m.data_type_code)
      .string(m.data)
      .take();
}

Result<ChannelExtendedData> decode_channel_extended_data(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::channel_extended_data));
  ChannelExtendedData m;
  m.recipient_channel = SSH_TRY(r.u32());
  m.data_type_code = SSH_TRY(r.u32());
  m.data = SSH_TRY(r.string(kUnboundedByPayload));
  SSH_TRY(r.expect_end());
  return m;
}

// RFC 4254 §5.3.
Bytes encode(const ChannelEof& m) {
  return recipient_only(MsgType::channel_eof, m.recipient_channel);
}
Bytes encode(const ChannelClose& m) {
  return recipient_only(MsgType::channel_close, m.recipient_channel);
}

Result<ChannelEof> decode_channel_eof(ByteView payload) {
  return ChannelEof{SSH_TRY(recipient_only(payload, MsgType::channel_eof))};
}

Result<ChannelClose> decode_channel_close(ByteView payload) {
  return ChannelClose{SSH_TRY(recipient_only(payload, MsgType::channel_close))};
}

// RFC 4254 §5.4.
Bytes encode(const ChannelRequest& m) {
  return start(MsgType::channel_request)
      .u32(m.recipient_channel)
      .string(m.type)
      .boolean(m.want_reply)
      .raw(m.data)
      .take();
}

Result<ChannelRequest> decode_channel_request(ByteView payload) {
  WireReader r = SSH_TRY(open(payload, MsgType::channel_request));
  ChannelRequest m;
  m.recipient_channel = SSH_TRY(r.u32());
  m.type = SSH_TRY(name(r));
  m.want_reply = SSH_TRY(r.boolean());
  m.data = r.rest();
  return m;
}

Bytes encode(const ChannelSuccess& m) {
  return recipient_only(MsgType::channel_success, m.recipient_channel);
}
Bytes encode(const ChannelFailure& m) {
  return recipient_only(MsgType::channel_failure, m.recipient_channel);
}

Result<ChannelSuccess> decode_channel_success(ByteView payload) {
  return ChannelSuccess{SSH_TRY(recipient_only(payload, MsgType::channel_success))};
}

Result<ChannelFailure> decode_channel_failure(ByteView payload) {
  return ChannelFailure{SSH_TRY(recipient_only(payload, MsgType::channel_failure))};
}

}  // namespace ssh::connection
