// RFC 4254 connection-protocol messages (numbers 80..100): one plain struct each, with
// encode/decode written out field by field. Payloads include the message number byte.
//
// Decoded structs hold views (ByteView, string_view) into the payload they were decoded
// from: the payload must outlive them. Type-specific trailers (the data of a global or
// channel request, of a channel open or its confirmation, of a request success) are kept
// as raw views and decoded by session_requests.h / forward_requests.h. Where the RFC fixes
// the whole layout, leftover bytes are a parse error.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::connection {

// RFC 4254 §9 / RFC 4250 §4.1.2.
enum class MsgType : uint8_t {
  global_request = 80,
  request_success = 81,
  request_failure = 82,
  channel_open = 90,
  channel_open_confirmation = 91,
  channel_open_failure = 92,
  channel_window_adjust = 93,
  channel_data = 94,
  channel_extended_data = 95,
  channel_eof = 96,
  channel_close = 97,
  channel_request = 98,
  channel_success = 99,
  channel_failure = 100,
};

// True for the fourteen message numbers above; other numbers in 80..127 are unassigned
// and must be answered with SSH_MSG_UNIMPLEMENTED by the transport user.
bool is_connection_message(uint8_t msg);
const char* msg_name(uint8_t msg);

// RFC 4254 §5.1 reason codes. Values outside the four are kept as they are.
enum class OpenFailureReason : uint32_t {
  administratively_prohibited = 1,
  connect_failed = 2,
  unknown_channel_type = 3,
  resource_shortage = 4,
};
const char* to_string(OpenFailureReason reason);

// RFC 4254 §5.2: the only defined extended data type.
inline constexpr uint32_t kExtendedDataStderr = 1;

// Request and channel type names are short US-ASCII tokens; anything longer is refused.
inline constexpr size_t kMaxNameLength = 256;

struct GlobalRequest {
  std::string_view name;
  bool want_reply = false;
  ByteView data;  // request-specific data
};

struct RequestSuccess {
  ByteView data;  // response-specific data (e.g. the port bound by tcpip-forward)
};

struct RequestFailure {};

struct ChannelOpen {
  std::string_view type;
  uint32_t sender_channel = 0;
  uint32_t initial_window = 0;
  uint32_t max_packet = 0;
  ByteView data;  // channel-type-specific data
};

struct ChannelOpenConfirmation {
  uint32_t recipient_channel = 0;
  uint32_t sender_channel = 0;
  uint32_t initial_window = 0;
  uint32_t max_packet = 0;
  ByteView data;  // channel-type-specific data
};

struct ChannelOpenFailure {
  uint32_t recipient_channel = 0;
  OpenFailureReason reason = OpenFailureReason::administratively_prohibited;
  std::string_view description;
  std::string_view language;
};

struct ChannelWindowAdjust {
  uint32_t recipient_channel = 0;
  uint32_t bytes_to_add = 0;
};

struct ChannelData {
  uint32_t recipient_channel = 0;
  ByteView data;
};

struct ChannelExtendedData {
  uint32_t recipient_channel = 0;
  uint32_t data_type_code = kExtendedDataStderr;
  ByteView data;
};

struct ChannelEof {
  uint32_t recipient_channel = 0;
};

struct ChannelClose {
  uint32_t recipient_channel = 0;
};

struct ChannelRequest {
  uint32_t recipient_channel = 0;
  std::string_view type;
  bool want_reply = false;
  ByteView data;  // request-type-specific data
};

struct ChannelSuccess {
  uint32_t recipient_channel = 0;
};

struct ChannelFailure {
  uint32_t recipient_channel = 0;
};

Bytes encode(const GlobalRequest& m);
Bytes encode(const RequestSuccess& m);
Bytes encode(const RequestFailure& m);
Bytes encode(const ChannelOpen& m);
Bytes encode(const ChannelOpenConfirmation& m);
Bytes encode(const ChannelOpenFailure& m);
Bytes encode(const ChannelWindowAdjust& m);
Bytes encode(const ChannelData& m);
Bytes encode(const ChannelExtendedData& m);
Bytes encode(const ChannelEof& m);
Bytes encode(const ChannelClose& m);
Bytes encode(const ChannelRequest& m);
Bytes encode(const ChannelSuccess& m);
Bytes encode(const ChannelFailure& m);

Result<GlobalRequest> decode_global_request(ByteView payload);
Result<RequestSuccess> decode_request_success(ByteView payload);
Result<RequestFailure> decode_request_failure(ByteView payload);
Result<ChannelOpen> decode_channel_open(ByteView payload);
Result<ChannelOpenConfirmation> decode_channel_open_confirmation(ByteView payload);
Result<ChannelOpenFailure> decode_channel_open_failure(ByteView payload);
Result<ChannelWindowAdjust> decode_channel_window_adjust(ByteView payload);
Result<ChannelData> decode_channel_data(ByteView payload);
Result<ChannelExtendedData> decode_channel_extended_data(ByteView payload);
Result<ChannelEof> decode_channel_eof(ByteView payload);
Result<ChannelClose> decode_channel_close(ByteView payload);
Result<ChannelRequest> decode_channel_request(ByteView payload);
Result<ChannelSuccess> decode_channel_success(ByteView payload);
Result<ChannelFailure> decode_channel_failure(ByteView payload);

// Bytes of header before the data in CHANNEL_DATA / CHANNEL_EXTENDED_DATA payloads, used
// to size packets: byte + uint32 + [uint32] + string length.
inline constexpr size_t kDataHeaderSize = 1 + 4 + 4;
inline constexpr size_t kExtendedDataHeaderSize = 1 + 4 + 4 + 4;

}  // namespace ssh::connection
