// PROTOCOL.continuation §3.1, §3.2, §5.3, §7.2, §9: wire formats. Expected encodings are
// written out by hand from the layouts in the specification.
#include "continuation/messages.h"

#include <gtest/gtest.h>

#include <string>

namespace ssh::continuation {
namespace {

// string "continuation-setup@sshc.dev" / "continuation-ack@sshc.dev" /
// "continuation@sshc.dev" / "ssh-connection", length prefix included.
const std::string kSetupName = "0000001b" "636f6e74696e756174696f6e2d736574757040737368632e646576";
const std::string kAckName = "00000019" "636f6e74696e756174696f6e2d61636b40737368632e646576";
const std::string kMethodName = "00000015" "636f6e74696e756174696f6e40737368632e646576";
const std::string kConnectionName = "0000000e" "7373682d636f6e6e656374696f6e";

Handle counting_handle(uint8_t first) {
  Handle h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = uint8_t(first + i);
  return h;
}
const std::string kHandleHex = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";

// Every strict prefix of a complete encoding fails to decode, and so does one trailing byte.
template <class Decode>
void expect_strict(ByteView data, Decode decode) {
  for (size_t n = 0; n < data.size(); ++n) EXPECT_FALSE(decode(data.first(n))) << "prefix " << n;
  Bytes longer(data.begin(), data.end());
  longer.push_back(0);
  EXPECT_FALSE(decode(longer)) << "trailing byte";
}

TEST(Messages, SetupRequestWireFormat) {  // §3.1
  Bytes enc = encode_setup_request(SetupRequest{0x0000000001000000ULL, 60});
  EXPECT_EQ(to_hex(enc), "50" + kSetupName + "01" "0000000001000000" "0000003c");
  // The decoder takes what follows the name and want-reply flag.
  ByteView data = ByteView(enc).subspan(1 + kSetupName.size() / 2 + 1);
  auto m = decode_setup_request_data(data);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->replay_limit, 0x1000000u);
  EXPECT_EQ(m->timeout_s, 60u);
  expect_strict(data, decode_setup_request_data);
}

TEST(Messages, SetupReplyWireFormat) {  // §3.2
  SetupReply reply{counting_handle(0x40), 43200, 0x0102030405060708ULL};
  Bytes enc = encode_setup_reply(reply);
  EXPECT_EQ(to_hex(enc), "51" "00000020" + kHandleHex + "0000a8c0" "0102030405060708");
  ByteView data = ByteView(enc).subspan(1);
  auto m = decode_setup_reply_data(data);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->handle, reply.handle);
  EXPECT_EQ(m->timeout_s, 43200u);
  EXPECT_EQ(m->replay_limit, 0x0102030405060708ULL);
  expect_strict(data, decode_setup_reply_data);
}

TEST(Messages, SetupReplyHandleMustBe32Bytes) {  // §9: handle exactly 32 bytes
  for (size_t len : {0u, 16u, 31u, 33u, 64u}) {
    Bytes data = {0, 0, 0, uint8_t(len)};
    data.resize(4 + len, 0x41);
    append(data, Bytes{0, 0, 0, 60, 0, 0, 0, 0, 0, 1, 0, 0});
    EXPECT_FALSE(decode_setup_reply_data(data)) << len;
  }
}

TEST(Messages, AckWireFormat) {  // §5.3
  Bytes enc = encode_ack(0xfedcba9876543210ULL);
  EXPECT_EQ(to_hex(enc), "50" + kAckName + "00" "fedcba9876543210");
  ByteView data = ByteView(enc).subspan(1 + kAckName.size() / 2 + 1);
  auto count = decode_ack_data(data);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 0xfedcba9876543210ULL);
  expect_strict(data, decode_ack_data);
}

TEST(Messages, IsGlobalRequestPeeksTheName) {
  EXPECT_TRUE(is_global_request(encode_ack(1), kAckRequest));
  EXPECT_FALSE(is_global_request(encode_ack(1), kSetupRequest));
  EXPECT_TRUE(is_global_request(encode_setup_request({}), kSetupRequest));
  // Not a GLOBAL_REQUEST, truncated, or a name that is only a prefix.
  EXPECT_FALSE(is_global_request(encode_setup_reply({}), kSetupRequest));
  EXPECT_FALSE(is_global_request(ByteView{}, kAckRequest));
  Bytes ack = encode_ack(1);
  EXPECT_FALSE(is_global_request(ByteView(ack).first(10), kAckRequest));
  Bytes prefix = {80, 0, 0, 0, 12};
  append(prefix, as_bytes("continuation"));
  EXPECT_FALSE(is_global_request(prefix, kAckRequest));
  // A length field pointing far outside the payload.
  Bytes huge = {80, 0xff, 0xff, 0xff, 0xff, 'c'};
  EXPECT_FALSE(is_global_request(huge, kAckRequest));
}

TEST(Messages, ResumeAuthWireFormat) {  // §7.2
  ResumeAuth m;
  m.user = "alice";
  m.handle = counting_handle(0x40);
  m.received = 7;
  for (size_t i = 0; i < m.proof.size(); ++i) m.proof[i] = uint8_t(0xe0 + i);
  Bytes enc = encode_resume_auth(m);
  std::string proof_hex = "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
  EXPECT_EQ(to_hex(enc), "32" "00000005" "616c696365" + kConnectionName + kMethodName + "00000020" + kHandleHex +
                             "0000000000000007" "00000020" + proof_hex);
  // The decoder takes what follows the method name; the user comes from the header.
  size_t header = 1 + 9 + kConnectionName.size() / 2 + kMethodName.size() / 2;
  ByteView data = ByteView(enc).subspan(header);
  auto d = decode_resume_auth_data("alice", data);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->user, "alice");
  EXPECT_EQ(d->handle, m.handle);
  EXPECT_EQ(d->received, 7u);
  EXPECT_EQ(d->proof, m.proof);
  expect_strict(data, [](ByteView b) { return decode_resume_auth_data("alice", b); });
}

TEST(Messages, ResumeAuthFieldsMustBe32Bytes) {  // §7.2, §9
  auto build = [](size_t handle_len, size_t proof_len) {
    Bytes d = {0, 0, 0, uint8_t(handle_len)};
    d.resize(4 + handle_len, 0x41);
    append(d, Bytes{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, uint8_t(proof_len)});
    d.resize(d.size() + proof_len, 0x42);
    return d;
  };
  EXPECT_TRUE(decode_resume_auth_data("u", build(32, 32)));
  EXPECT_FALSE(decode_resume_auth_data("u", build(31, 32)));
  EXPECT_FALSE(decode_resume_auth_data("u", build(33, 32)));
  EXPECT_FALSE(decode_resume_auth_data("u", build(32, 31)));
  EXPECT_FALSE(decode_resume_auth_data("u", build(32, 33)));
  EXPECT_FALSE(decode_resume_auth_data("u", build(32, 0)));
}

TEST(Messages, PeerReplayLimitBounds) {  // §9: [64 KiB, 1 GiB]
  EXPECT_TRUE(check_peer_replay_limit(64 * 1024));
  EXPECT_TRUE(check_peer_replay_limit(kDefaultReplayLimit));
  EXPECT_TRUE(check_peer_replay_limit(1024ULL * 1024 * 1024));
  auto low = check_peer_replay_limit(64 * 1024 - 1);
  ASSERT_FALSE(low);
  EXPECT_EQ(low.error().code, ErrorCode::protocol);
  EXPECT_EQ(low.error().reason, DisconnectReason::protocol_error);
  EXPECT_FALSE(check_peer_replay_limit(0));
  EXPECT_FALSE(check_peer_replay_limit(1024ULL * 1024 * 1024 + 1));
  EXPECT_FALSE(check_peer_replay_limit(UINT64_MAX));
}

}  // namespace
}  // namespace ssh::continuation
