// The typed request set between the unprivileged pre-auth process and its privileged
// monitor (one SOCK_SEQPACKET message each way per call). Every message starts with its
// type; each struct has encode/decode here, field by field, and trailing bytes are an
// error. The monitor decides per phase which requests it answers (sshd/monitor.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/server_backend.h"
#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::sshd {

enum class MonitorType : uint8_t {
  // pre-auth -> monitor
  sign = 1,  // host key signature for a key exchange
  lookup_user = 2,
  check_publickey = 3,
  verify_publickey = 4,
  check_password = 5,
  kbdint_start = 6,
  kbdint_respond = 7,
  kbdint_stop = 8,  // no answer
  account = 9,
  auth_done = 10,              // authentication finished: the monitor checks its own record
  transport_state = 11,        // the exported transport, after auth_done was accepted; no answer
  log = 12,                    // a log line from the chrooted child; no answer
  resume = 13,                 // continuation@sshc.dev: hand this connection to a suspended session
  register_continuation = 14,  // session child: publish its handle; answer carries a listening fd
  resume_policy = 15,          // session child: may the session resume on this new connection?
  suspend_state = 16,          // session child: suspended (1) or connected again (0); no answer
  // monitor -> pre-auth
  answer = 100,   // the result of the request just made
  refused = 101,  // the request was not allowed now: the child must exit
};

// Largest message either side sends (a transport state or a large signature request).
constexpr size_t kMaxMonitorMessage = 512 * 1024;

struct SignRequest {
  std::string algorithm;
  Bytes data;
};
struct UserRequest {
  std::string user;
};
struct PublickeyRequest {
  std::string user;
  std::string algorithm;
  Bytes key_blob;
};
struct VerifyRequest {
  std::string user;
  std::string algorithm;
  Bytes key_blob;
  Bytes signature;
  Bytes signed_data;
};
struct PasswordRequest {
  std::string user;
  SecretBytes password;
};
struct KbdintStartRequest {
  std::string user;
  std::string submethods;
};
struct KbdintRespondRequest {
  std::vector<SecretBytes> responses;
};
struct AuthDoneRequest {
  std::string user;
  std::vector<std::string> methods;
};
struct LogLine {
  uint8_t level = 0;
  std::string text;
};

Bytes encode(const SignRequest& m);
Bytes encode(const UserRequest& m, MonitorType type);  // lookup_user, account
Bytes encode(const PublickeyRequest& m);
Bytes encode(const VerifyRequest& m);
SecretBytes encode(const PasswordRequest& m);
Bytes encode(const KbdintStartRequest& m);
SecretBytes encode(const KbdintRespondRequest& m);
Bytes encode(const AuthDoneRequest& m);
Bytes encode(const LogLine& m);

// The transport hand-off after authentication, with the connection's continuation
// pre-secret (PROTOCOL.continuation §6.1; empty when continuations are unavailable).
struct TransportHandoff {
  SecretBytes state;
  SecretBytes presecret;
};
SecretBytes encode(const TransportHandoff& m);
Result<TransportHandoff> decode_transport_state(ByteView m);

// A resumption request (PROTOCOL.continuation §7.2) and what the pre-auth child knows
// of its connection: the exported transport and the new pre-secret.
struct ResumeRequest {
  std::string user;
  Bytes body;  // the method fields after "continuation@sshc.dev", unparsed
  SecretBytes state;
  SecretBytes presecret;
};
SecretBytes encode(const ResumeRequest& m);
Result<ResumeRequest> decode_resume(ByteView m);
// The answer: ok, or why not (for the log line).
struct ResumeVerdict {
  bool ok = false;
  std::string reason;
};
Bytes encode_answer(const ResumeVerdict& v);
Result<ResumeVerdict> decode_answer_verdict(ByteView m);

struct RegisterRequest {
  Bytes handle;
};
Bytes encode(const RegisterRequest& m);
Result<RegisterRequest> decode_register(ByteView m);
// PROTOCOL.continuation §7.3, issue 8: a resumption with a valid proof, asked of the
// monitor of the session's original login, which re-runs that login's policy for the
// new addresses. Answered with a ResumeVerdict.
struct ResumePolicyRequest {
  std::string client_address;
  uint32_t client_port = 0;
  std::string server_address;
  uint32_t server_port = 0;
};
Bytes encode(const ResumePolicyRequest& m);
Result<ResumePolicyRequest> decode_resume_policy(ByteView m);

// The session's continuation lost its connection (suspended) or has one again.
struct SuspendState {
  bool suspended = false;
};
Bytes encode(const SuspendState& m);
Result<SuspendState> decode_suspend_state(ByteView m);

Bytes encode_type_only(MonitorType type);  // kbdint_stop, refused

MonitorType message_type(ByteView message);
Result<SignRequest> decode_sign(ByteView m);
Result<UserRequest> decode_user(ByteView m);
Result<PublickeyRequest> decode_publickey(ByteView m);
Result<VerifyRequest> decode_verify(ByteView m);
Result<PasswordRequest> decode_password(ByteView m);
Result<KbdintStartRequest> decode_kbdint_start(ByteView m);
Result<KbdintRespondRequest> decode_kbdint_respond(ByteView m);
Result<AuthDoneRequest> decode_auth_done(ByteView m);
Result<LogLine> decode_log(ByteView m);

// Answers (MonitorType::answer followed by the value).
Bytes encode_answer_bool(bool v);
Bytes encode_answer_bytes(ByteView v);
Bytes encode_answer(const auth::UserInfo& v);
Bytes encode_answer(const auth::PublickeyCheck& v);
Bytes encode_answer(const auth::KbdintStep& v);
Result<bool> decode_answer_bool(ByteView m);
Result<Bytes> decode_answer_bytes(ByteView m);
Result<auth::UserInfo> decode_answer_user(ByteView m);
Result<auth::PublickeyCheck> decode_answer_publickey(ByteView m);
Result<auth::KbdintStep> decode_answer_kbdint(ByteView m);

}  // namespace ssh::sshd
