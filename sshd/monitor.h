// The privileged side of privilege separation: answers the pre-auth process's typed
// requests (monitor_protocol.h), and only those its phase allows. Which request is allowed
// in which phase, and which may come only once, is one default-deny table in monitor.cpp
// (the OpenSSH mon_dispatch idea, as one reviewed table). It keeps its own record
// of what was proven, so a compromised child cannot claim a login it did not earn: the
// session id is the first exchange hash it signed, signatures are verified here, and
// auth_done is accepted only for a user and methods this monitor saw succeed.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "auth/server_backend.h"
#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "base/unique_fd.h"
#include "keys/authorized_keys.h"
#include "sshd/monitor_protocol.h"
#include "transport/host_key_interfaces.h"

namespace ssh::sshd {

class Monitor {
 public:
  // resumed: the connection went to a suspended session (PROTOCOL.continuation §7.3).
  enum class Phase : uint8_t { preauth, authenticated, state_received, resumed };
  static constexpr size_t kPhaseCount = 4;
  static const char* phase_name(Phase phase);

  // The dispatch table, for tests and the log: may `type` be asked in `phase`, and may
  // it be asked only once per connection? Unknown types are never allowed.
  static bool allowed(MonitorType type, Phase phase);
  static bool once_only(MonitorType type);
  static const char* request_name(MonitorType type);

  // Told the session id and host key blob when the first exchange hash is signed.
  using FirstKexFn = std::function<void(const Bytes& session_id, const Bytes& host_key_blob)>;

  Monitor(auth::ServerBackend& backend, transport::HostKeySigner& host_keys, FirstKexFn on_first_kex = {});

  // Continuations. resume: hands the connection to the session the request names
  // (user already checked against this monitor's record; session_id is the one this
  // monitor signed). register: publishes the session's handle, returns a listening fd
  // for the session child. Unset: such requests are refused.
  using ResumeFn =
      std::function<Result<ResumeVerdict>(const ResumeRequest& request, const Bytes& session_id)>;
  using RegisterFn = std::function<Result<UniqueFd>(ByteView handle)>;
  // policy: may the session of this login resume on a connection with these addresses?
  using ResumePolicyFn = std::function<ResumeVerdict(const ResumePolicyRequest& request)>;
  void on_resume(ResumeFn fn) { resume_fn_ = std::move(fn); }
  void on_register(RegisterFn fn) { register_fn_ = std::move(fn); }
  void on_resume_policy(ResumePolicyFn fn) { resume_policy_fn_ = std::move(fn); }
  // The session child's continuation suspended (true) or has a connection again (false).
  using SuspendStateFn = std::function<void(bool suspended)>;
  void on_suspend_state(SuspendStateFn fn) { suspend_state_fn_ = std::move(fn); }
  // An fd to pass along with the answer handle() just returned (invalid: none).
  UniqueFd take_answer_fd() { return std::move(answer_fd_); }

  // One request from the child (the pre-auth child; after the hand-off, the session
  // child, which may only ask for host key signatures when it rekeys). The answer to send
  // back, nullopt when the request has none, or an error: the child broke the rules, its
  // connection must end (violated() stays true) and the error's context is the log line.
  Result<std::optional<Bytes>> handle(ByteView request);

  Phase phase() const { return phase_; }
  // A request was refused: the child is not to be trusted with this connection any more.
  bool violated() const { return violated_; }
  const std::string& user() const { return user_; }
  const Bytes& session_id() const { return session_id_; }
  const std::vector<std::string>& methods() const { return methods_; }
  // Options of the authorized_keys entry that let the user in by publickey, if any.
  const std::optional<keys::AuthorizedKeyOptions>& key_options() const { return key_options_; }
  // The key that let the user in by publickey (empty: none).
  const Bytes& key_blob() const { return key_blob_; }
  // The transport state sent after authentication; once.
  SecretBytes take_transport_state() { return std::move(transport_state_); }
  // The continuation pre-secret sent with it (empty: continuations unavailable); once.
  SecretBytes take_presecret() { return std::move(presecret_); }

 private:
  using Answer = Result<std::optional<Bytes>>;
  struct Rule;
  static const Rule* rule_for(MonitorType type);
  Answer dispatch(ByteView request);

  // One handler per request type; the table has already checked the phase.
  Answer on_sign(ByteView request);
  Answer on_lookup_user(ByteView request);
  Answer on_check_publickey(ByteView request);
  Answer on_verify_publickey(ByteView request);
  Answer on_check_password(ByteView request);
  Answer on_kbdint_start(ByteView request);
  Answer on_kbdint_respond(ByteView request);
  Answer on_kbdint_stop(ByteView request);
  Answer on_account(ByteView request);
  Answer on_auth_done(ByteView request);
  Answer on_transport_state(ByteView request);
  Answer on_log(ByteView request);
  Answer on_resume_request(ByteView request);
  Answer on_register_request(ByteView request);
  Answer on_resume_policy(ByteView request);
  Answer on_suspend_state(ByteView request);
  Status require_user(const std::string& user) const;
  Status check_policy(const std::vector<std::string>& methods) const;

  auth::ServerBackend& backend_;
  transport::HostKeySigner& host_keys_;
  FirstKexFn on_first_kex_;
  Phase phase_ = Phase::preauth;
  Bytes session_id_;
  Bytes host_key_blob_;  // the key of the first key exchange (hostbound publickey)
  std::string user_;
  bool user_known_ = false;
  auth::UserInfo user_info_;
  std::set<std::string> succeeded_;  // methods proven to this monitor
  bool account_checked_ = false;
  std::optional<keys::AuthorizedKeyOptions> key_options_;
  Bytes key_blob_;
  std::vector<std::string> methods_;
  SecretBytes transport_state_;
  SecretBytes presecret_;
  ResumeFn resume_fn_;
  RegisterFn register_fn_;
  ResumePolicyFn resume_policy_fn_;
  SuspendStateFn suspend_state_fn_;
  uint32_t once_seen_ = 0;  // bit per MonitorType of the once-only requests already served
  bool violated_ = false;
  UniqueFd answer_fd_;
};

}  // namespace ssh::sshd
