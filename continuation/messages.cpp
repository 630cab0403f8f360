#include "continuation/messages.h"

#include <algorithm>

#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "connection/messages.h"

namespace ssh::continuation {

namespace {

constexpr uint8_t kGlobalRequest = uint8_t(connection::MsgType::global_request);    // 80
constexpr uint8_t kRequestSuccess = uint8_t(connection::MsgType::request_success);  // 81
// RFC 4252 §5; the continuation layer does not depend on auth/, so the number is here.
constexpr uint8_t kUserauthRequest = 50;
constexpr std::string_view kConnectionService = "ssh-connection";
constexpr uint8_t kUserauthRefusal = 60;  // §7.3, method-specific number
constexpr size_t kMaxRefusalText = 256;

static_assert(kHandleSize == kSecretSize, "handles and proofs share fixed32()");

// A string field that §9 fixes at exactly 32 bytes (handle, proof, confirmation).
Result<std::array<uint8_t, kHandleSize>> fixed32(WireReader& r, const char* what) {
  ByteView v = SSH_TRY(r.string());
  if (v.size() != kHandleSize) return fail(ErrorCode::parse, std::string(what) + " is not 32 bytes");
  std::array<uint8_t, kHandleSize> out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

}  // namespace

Bytes encode_setup_request(const SetupRequest& m) {
  // §3.1
  WireWriter w;
  w.u8(kGlobalRequest).string(kSetupRequest).boolean(true).u64(m.replay_limit).u32(m.timeout_s);
  return w.take();
}

Result<SetupRequest> decode_setup_request_data(ByteView data) {
  WireReader r(data);
  SetupRequest m;
  m.replay_limit = SSH_TRY(r.u64());
  m.timeout_s = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode_setup_reply(const SetupReply& m) {
  // §3.2
  WireWriter w;
  w.u8(kRequestSuccess).string(ByteView(m.handle)).u32(m.timeout_s).u64(m.replay_limit);
  return w.take();
}

Result<SetupReply> decode_setup_reply_data(ByteView data) {
  WireReader r(data);
  SetupReply m;
  m.handle = SSH_TRY(fixed32(r, "continuation handle"));
  m.timeout_s = SSH_TRY(r.u32());
  m.replay_limit = SSH_TRY(r.u64());
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode_ack(uint64_t received) {
  // §5.3
  WireWriter w;
  w.u8(kGlobalRequest).string(kAckRequest).boolean(false).u64(received);
  return w.take();
}

Result<uint64_t> decode_ack_data(ByteView data) {
  WireReader r(data);
  uint64_t count = SSH_TRY(r.u64());
  SSH_TRY(r.expect_end());
  return count;
}

Bytes encode_confirm(const std::array<uint8_t, kSecretSize>& mac) {
  // §7.4
  WireWriter w;
  w.u8(kGlobalRequest).string(kConfirmRequest).boolean(false).string(ByteView(mac));
  return w.take();
}

Result<std::array<uint8_t, kSecretSize>> decode_confirm_data(ByteView data) {
  WireReader r(data);
  auto mac = SSH_TRY(fixed32(r, "continuation confirmation"));
  SSH_TRY(r.expect_end());
  return mac;
}

Bytes encode_refusal(const Refusal& m) {
  WireWriter w;
  w.u8(kUserauthRefusal).u32(uint32_t(m.reason)).string(m.description);
  return w.take();
}

Result<Refusal> decode_refusal(ByteView payload) {
  WireReader r(payload);
  if (SSH_TRY(r.u8()) != kUserauthRefusal) return fail(ErrorCode::parse, "not a continuation refusal");
  uint32_t reason = SSH_TRY(r.u32());
  if (reason != uint32_t(RefusalReason::no_such_session) && reason != uint32_t(RefusalReason::refused_by_policy)) {
    return fail(ErrorCode::parse, "unknown continuation refusal reason " + std::to_string(reason));
  }
  Refusal m{RefusalReason(reason), std::string(SSH_TRY(r.text(kMaxRefusalText)))};
  SSH_TRY(r.expect_end());
  return m;
}

std::optional<Refusal> definitive_refusal(std::string_view verdict_reason) {
  if (verdict_reason == kNoSuchSession) return Refusal{RefusalReason::no_such_session, std::string(kNoSuchSession)};
  if (verdict_reason.starts_with(kPolicyRefusal)) {
    return Refusal{RefusalReason::refused_by_policy, std::string(verdict_reason)};
  }
  return std::nullopt;
}

bool is_global_request(ByteView payload, std::string_view name) {
  WireReader r(payload);
  auto type = r.u8();
  if (!type || *type != kGlobalRequest) return false;
  auto got = r.text(connection::kMaxNameLength);
  return got && *got == name;
}

Bytes encode_resume_auth(const ResumeAuth& m) {
  // §7.2
  WireWriter w;
  w.u8(kUserauthRequest).string(std::string_view(m.user)).string(kConnectionService).string(kAuthMethod);
  w.string(ByteView(m.handle)).u64(m.received).string(ByteView(m.proof));
  return w.take();
}

Result<ResumeAuth> decode_resume_auth_data(std::string user, ByteView data) {
  WireReader r(data);
  ResumeAuth m;
  m.user = std::move(user);
  m.handle = SSH_TRY(fixed32(r, "continuation handle"));
  m.received = SSH_TRY(r.u64());
  m.proof = SSH_TRY(fixed32(r, "continuation proof"));
  SSH_TRY(r.expect_end());
  return m;
}

Status check_peer_replay_limit(uint64_t limit) {
  // §9 bounds what a peer may announce: a tiny limit would make us acknowledge (§5.3)
  // after every few bytes, a huge one would let us go almost without acknowledgements.
  if (limit < kMinReplayLimit) return fail(ErrorCode::protocol, "peer replay limit below 64 KiB");
  if (limit > kMaxReplayLimit) return fail(ErrorCode::protocol, "peer replay limit above 1 GiB");
  return {};
}

}  // namespace ssh::continuation
