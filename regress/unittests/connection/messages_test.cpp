#include "connection/messages.h"

#include <gtest/gtest.h>

#include "codec_checks.h"

namespace ssh::connection {
namespace {

using test::expect_prefixes_fail;
using test::expect_strict;

Bytes bytes_of(std::string_view s) { return to_bytes(s); }

TEST(Messages, GlobalRequestRoundTrip) {
  Bytes data = bytes_of("payload");
  Bytes enc = encode(GlobalRequest{"tcpip-forward", true, data});
  // byte 80, string "tcpip-forward", TRUE, raw data.
  EXPECT_EQ(to_hex(enc), "50" "0000000d" "74637069702d666f7277617264" "01" "7061796c6f6164");
  auto m = decode_global_request(enc);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "tcpip-forward");
  EXPECT_TRUE(m->want_reply);
  EXPECT_EQ(as_text(m->data), "payload");
  expect_prefixes_fail(enc, decode_global_request, 1 + 4 + 13 + 1);
}

TEST(Messages, RequestSuccessAndFailure) {
  Bytes port = {0, 0, 0x1f, 0x90};
  Bytes enc = encode(RequestSuccess{port});
  EXPECT_EQ(to_hex(enc), "5100001f90");
  auto m = decode_request_success(enc);
  ASSERT_TRUE(m);
  EXPECT_EQ(to_hex(m->data), "00001f90");
  Bytes empty = encode(RequestSuccess{});
  ASSERT_TRUE(decode_request_success(empty));
  EXPECT_TRUE(decode_request_success(empty)->data.empty());

  Bytes f = encode(RequestFailure{});
  EXPECT_EQ(to_hex(f), "52");
  expect_strict(f, decode_request_failure);
}

TEST(Messages, ChannelOpenRoundTrip) {
  Bytes extra = {1, 2, 3};
  Bytes enc = encode(ChannelOpen{"session", 7, 2097152, 32768, extra});
  EXPECT_EQ(to_hex(enc), "5a0000000773657373696f6e000000070020000000008000010203");
  auto m = decode_channel_open(enc);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "session");
  EXPECT_EQ(m->sender_channel, 7u);
  EXPECT_EQ(m->initial_window, 2097152u);
  EXPECT_EQ(m->max_packet, 32768u);
  EXPECT_EQ(to_hex(m->data), "010203");
  expect_prefixes_fail(enc, decode_channel_open, enc.size() - extra.size());
}

TEST(Messages, ChannelOpenConfirmationRoundTrip) {
  Bytes enc = encode(ChannelOpenConfirmation{3, 9, 65536, 16384, {}});
  EXPECT_EQ(to_hex(enc), "5b00000003000000090001000000004000");
  auto m = decode_channel_open_confirmation(enc);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->recipient_channel, 3u);
  EXPECT_EQ(m->sender_channel, 9u);
  EXPECT_EQ(m->initial_window, 65536u);
  EXPECT_EQ(m->max_packet, 16384u);
  EXPECT_TRUE(m->data.empty());
  expect_prefixes_fail(enc, decode_channel_open_confirmation, enc.size());
}

TEST(Messages, ChannelOpenFailureStrict) {
  Bytes enc = encode(ChannelOpenFailure{4, OpenFailureReason::connect_failed, "refused", "en"});
  auto m = decode_channel_open_failure(enc);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->recipient_channel, 4u);
  EXPECT_EQ(m->reason, OpenFailureReason::connect_failed);
  EXPECT_EQ(m->description, "refused");
  EXPECT_EQ(m->language, "en");
  expect_strict(enc, decode_channel_open_failure);
  // Unknown reason codes survive.
  Bytes odd = encode(ChannelOpenFailure{1, OpenFailureReason(77), "", ""});
  EXPECT_EQ(static_cast<uint32_t>(decode_channel_open_failure(odd)->reason), 77u);
}

TEST(Messages, FixedLayoutsAreStrict) {
  expect_strict(encode(ChannelWindowAdjust{1, 4096}), decode_channel_window_adjust);
  expect_strict(encode(ChannelData{1, bytes_of("hello")}), decode_channel_data);
  expect_strict(encode(ChannelExtendedData{1, kExtendedDataStderr, bytes_of("err")}),
                decode_channel_extended_data);
  expect_strict(encode(ChannelEof{5}), decode_channel_eof);
  expect_strict(encode(ChannelClose{5}), decode_channel_close);
  expect_strict(encode(ChannelSuccess{5}), decode_channel_success);
  expect_strict(encode(ChannelFailure{5}), decode_channel_failure);
}

TEST(Messages, DataRoundTrip) {
  Bytes enc = encode(ChannelData{2, bytes_of("hi")});
  EXPECT_EQ(to_hex(enc), "5e00000002000000026869");
  auto m = decode_channel_data(enc);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->recipient_channel, 2u);
  EXPECT_EQ(as_text(m->data), "hi");

  Bytes ext = encode(ChannelExtendedData{2, 1, bytes_of("e")});
  EXPECT_EQ(to_hex(ext), "5f00000002000000010000000165");
  auto e = decode_channel_extended_data(ext);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data_type_code, 1u);
  EXPECT_EQ(as_text(e->data), "e");
}

TEST(Messages, LargeDataIsNotCappedBelowThePayload) {
  Bytes big(1024 * 1024, 0xab);
  Bytes enc = encode(ChannelData{0, big});
  auto m = decode_channel_data(enc);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->data.size(), big.size());
}

TEST(Messages, SimpleRoundTrips) {
  EXPECT_EQ(decode_channel_window_adjust(encode(ChannelWindowAdjust{8, 123}))->bytes_to_add, 123u);
  EXPECT_EQ(decode_channel_eof(encode(ChannelEof{11}))->recipient_channel, 11u);
  EXPECT_EQ(decode_channel_close(encode(ChannelClose{12}))->recipient_channel, 12u);
  EXPECT_EQ(decode_channel_success(encode(ChannelSuccess{13}))->recipient_channel, 13u);
  EXPECT_EQ(decode_channel_failure(encode(ChannelFailure{14}))->recipient_channel, 14u);
  EXPECT_EQ(to_hex(encode(ChannelEof{1})), "6000000001");
  EXPECT_EQ(to_hex(encode(ChannelClose{1})), "6100000001");
}

TEST(Messages, ChannelRequestRoundTrip) {
  Bytes data = {0, 0, 0, 0};
  Bytes enc = encode(ChannelRequest{6, "exit-status", false, data});
  auto m = decode_channel_request(enc);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->recipient_channel, 6u);
  EXPECT_EQ(m->type, "exit-status");
  EXPECT_FALSE(m->want_reply);
  EXPECT_EQ(to_hex(m->data), "00000000");
  expect_prefixes_fail(enc, decode_channel_request, 1 + 4 + 4 + 11 + 1);
}

TEST(Messages, WrongMessageNumberAndOverlongNames) {
  Bytes eof = encode(ChannelEof{1});
  EXPECT_FALSE(decode_channel_close(eof));
  std::string long_name(kMaxNameLength + 1, 'x');
  Bytes enc = encode(GlobalRequest{long_name, false, {}});
  auto m = decode_global_request(enc);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::limit);
}

TEST(Messages, ConnectionMessageRange) {
  for (int i = 0; i < 256; ++i) {
    bool expected = (i >= 80 && i <= 82) || (i >= 90 && i <= 100);
    EXPECT_EQ(is_connection_message(uint8_t(i)), expected) << i;
  }
}

}  // namespace
}  // namespace ssh::connection
