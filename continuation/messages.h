// Wire formats of the continuation messages (PROTOCOL.continuation §3, §5.3, §7.2).
// Encoders produce complete payloads (message number first) unless named *_data; the
// decoders of *_data take what follows the request name and want-reply flag (global
// requests) or the method name (USERAUTH_REQUEST), which is what the Mux and ServerAuth
// hand over. Trailing bytes are an error everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "continuation/names.h"

namespace ssh::continuation {

// §3.1
struct SetupRequest {
  uint64_t replay_limit = kDefaultReplayLimit;  // the client's
  uint32_t timeout_s = 0;                       // 0: the server's default
};
Bytes encode_setup_request(const SetupRequest& m);  // GLOBAL_REQUEST, want_reply TRUE
Result<SetupRequest> decode_setup_request_data(ByteView data);

// §3.2, the data of REQUEST_SUCCESS.
struct SetupReply {
  Handle handle{};
  uint32_t timeout_s = 0;
  uint64_t replay_limit = kDefaultReplayLimit;  // the server's
};
Bytes encode_setup_reply(const SetupReply& m);  // complete REQUEST_SUCCESS payload
Result<SetupReply> decode_setup_reply_data(ByteView data);

// §5.3
Bytes encode_ack(uint64_t received);  // GLOBAL_REQUEST, want_reply FALSE
Result<uint64_t> decode_ack_data(ByteView data);

// §7.4
Bytes encode_confirm(const std::array<uint8_t, kSecretSize>& mac);  // GLOBAL_REQUEST, want_reply FALSE
Result<std::array<uint8_t, kSecretSize>> decode_confirm_data(ByteView data);

// Is this payload a GLOBAL_REQUEST named `name`? (Cheap peek; no full decode.)
bool is_global_request(ByteView payload, std::string_view name);

// §7.2
struct ResumeAuth {
  std::string user;
  Handle handle{};
  uint64_t received = 0;  // r_c
  std::array<uint8_t, kSecretSize> proof{};
};
Bytes encode_resume_auth(const ResumeAuth& m);  // complete USERAUTH_REQUEST payload
// `data` follows the method name; user comes from the request's header.
Result<ResumeAuth> decode_resume_auth_data(std::string user, ByteView data);

// §7.3: a definitive refusal, sent by the server right before USERAUTH_FAILURE when no
// later attempt can succeed either.
enum class RefusalReason : uint32_t { no_such_session = 1, refused_by_policy = 2 };
struct Refusal {
  RefusalReason reason = RefusalReason::no_such_session;
  std::string description;
};
Bytes encode_refusal(const Refusal& m);  // complete payload, message 60
Result<Refusal> decode_refusal(ByteView payload);
// The refusal for a server-side verdict reason, if it is definitive: kNoSuchSession, or
// a reason starting with kPolicyRefusal.
std::optional<Refusal> definitive_refusal(std::string_view verdict_reason);
inline constexpr std::string_view kNoSuchSession = "no such session";
inline constexpr std::string_view kPolicyRefusal = "refused by policy";

// A replay limit a peer announced is acceptable (§9).
Status check_peer_replay_limit(uint64_t limit);

}  // namespace ssh::continuation
