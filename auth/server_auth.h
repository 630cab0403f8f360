// Server side of RFC 4252, sans-I/O: USERAUTH messages in, replies out. It runs in the
// unprivileged pre-auth process and asks a ServerBackend (the monitor) for every decision
// that needs privileges. Behaviour follows OpenSSH's sshd:
//  - the first request fixes user and service; a later change ends the connection
//    ("Change of username or service not allowed: (a,b) -> (c,d)"); the service must be
//    "ssh-connection";
//  - failed attempts are counted (an initial "none" and publickey queries answered with
//    PK_OK are free) and the MaxAuthTries-th failure ends the connection with
//    "Too many authentication failures";
//  - USERAUTH_FAILURE lists the enabled methods (publickey, password,
//    keyboard-interactive, in that order), restricted by AuthenticationMethods, whose
//    lists give partial success;
//  - the Banner text is sent once, before the answer to the first request;
//  - invalid users get exactly the answers a valid user with wrong credentials gets;
//  - PermitRootLogin and PermitEmptyPasswords are applied;
//  - the policy (AuthPolicy) is the one the backend returns for the user on the first
//    request, i.e. with sshd_config Match blocks applied for user and address.
// Errors from on_message() end the connection: the driver sends SSH_MSG_DISCONNECT with
// error.reason and error.context as the description.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/server_backend.h"
#include "auth/server_messages.h"
#include "base/bytes.h"
#include "base/result.h"
#include "keys/authorized_keys.h"

namespace ssh::auth {

inline constexpr std::string_view kTooManyFailures = "Too many authentication failures";

// The AuthPolicy fields are the global values; the backend's answer to the first
// request replaces them with the ones Match blocks give for that user (UserInfo::policy).
struct ServerAuthConfig : AuthPolicy {
  std::string banner;  // contents of the Banner file; empty = no banner
  // The host key blob of this connection's key exchange. Set: the
  // publickey-hostbound-v00@openssh.com method is accepted and its host key must match.
  std::optional<Bytes> host_key_blob;
  std::string client_label = "from UNKNOWN port 0";  // for log lines: "from IP port N"
  // Methods the driver decides itself (continuation@sshc.dev: the suspended session
  // checks the proof, PROTOCOL.continuation §7.3). on_message() returns State::external
  // with external_request() set (user_valid says whether the account may log in); the
  // driver then either hands the connection over or calls external_failed().
  std::vector<std::string> external_methods;
};

// A request for one of ServerAuthConfig::external_methods.
struct ExternalRequest {
  std::string user;  // account name
  std::string method;
  Bytes body;  // the method-specific fields after the method name
  bool user_valid = false;
};

// What the session phase needs once authentication succeeded.
struct AuthSuccess {
  std::string user;                  // account name (":style" removed)
  std::vector<std::string> methods;  // completed methods in order ("publickey", ...)
  // Options of the authorized_keys entry when the last publickey method succeeded.
  std::optional<keys::AuthorizedKeyOptions> key_options;
  Bytes key_blob;  // the key that succeeded, if any
};

class ServerAuth {
 public:
  enum class State { in_progress, success, external };

  ServerAuth(ServerAuthConfig config, ServerBackend& backend, Bytes session_id);

  // Handles one message numbered 50..79 (USERAUTH_REQUEST, USERAUTH_INFO_RESPONSE) and
  // queues the replies in out. Any error is fatal for the connection (see above).
  Result<State> on_message(ByteView payload, std::vector<Bytes>& out);

  // Valid once on_message() returned State::external.
  const ExternalRequest& external_request() const { return external_; }
  // The external method failed (info goes into the log line): counts against
  // MaxAuthTries and queues USERAUTH_FAILURE exactly as a failed password would.
  Result<State> external_failed(std::string info, std::vector<Bytes>& out);

  // Valid once on_message() returned State::success.
  const AuthSuccess& success() const { return success_; }
  int failures() const { return failures_; }
  // The account the client is trying to log into ("" before its first request), and
  // whether it exists: sshd's "Connection closed by authenticating user" / "invalid user".
  const std::string& user() const { return user_; }
  bool user_valid() const { return user_info_.valid; }
  // The methods a USERAUTH_FAILURE currently lists.
  std::vector<std::string> methods_that_can_continue() const;

 private:
  enum class Outcome { success, failure, postponed };
  struct Attempt {
    std::string method;  // canonical method name ("publickey" for the hostbound form)
    std::string info;    // for the log line, e.g. "ED25519 SHA256:..."
    bool forced_command = false;
    std::optional<keys::AuthorizedKeyOptions> key_options;
    Bytes key_blob;
  };

  Result<State> on_request(ByteView payload, std::vector<Bytes>& out);
  Result<State> on_info_response(ByteView payload, std::vector<Bytes>& out);
  Status begin_request(const UserauthRequest& req, std::vector<Bytes>& out);
  Result<State> finish(Outcome outcome, Attempt& attempt, std::vector<Bytes>& out);
  bool method_enabled(std::string_view method) const;
  bool root_allowed(const Attempt& attempt) const;
  // Removes method from the head of each AuthenticationMethods list; true when a list is
  // now complete (or none are configured).
  bool complete_method(std::string_view method);
  void log_attempt(const char* verdict, const Attempt& attempt) const;

  // One file per method (server_{none,publickey,password,kbdint}.cpp).
  Result<Outcome> userauth_none(Attempt& attempt);
  Result<Outcome> userauth_publickey(const UserauthRequest& req, bool hostbound, Attempt& attempt,
                                     std::vector<Bytes>& out);
  Result<Outcome> userauth_password(const UserauthRequest& req, Attempt& attempt);
  Result<Outcome> userauth_kbdint(const UserauthRequest& req, std::vector<Bytes>& out);
  Result<Outcome> kbdint_step(const KbdintStep& step, std::vector<Bytes>& out);

  ServerAuthConfig config_;
  ServerBackend& backend_;
  Bytes session_id_;
  int attempts_ = 0;      // requests seen
  int failures_ = 0;      // counted failures (MaxAuthTries)
  std::string raw_user_;  // as sent, with any ":style"
  std::string user_;
  std::string service_;
  UserInfo user_info_;
  bool kbdint_pending_ = false;
  size_t kbdint_expected_ = 0;
  std::vector<std::vector<std::string>> remaining_lists_;
  AuthSuccess success_;
  ExternalRequest external_;
  bool external_pending_ = false;
  bool done_ = false;
};

// The check the privileged side makes before verifying a publickey signature (OpenSSH
// monitor_valid_userblob): signed_data must be exactly the RFC 4252 §7 block for this
// session id, user (":style" ignored), service "ssh-connection", a publickey method,
// algorithm and key, plus the host key for the hostbound method.
Status check_publickey_signed_data(ByteView signed_data, ByteView session_id, std::string_view user,
                                   std::string_view algorithm, ByteView key_blob,
                                   const std::optional<Bytes>& host_key_blob);

// OpenSSH auth_root_allowed(): may uid 0 log in with method (and a forced command)?
bool root_login_allowed(PermitRootLogin policy, std::string_view method, bool forced_command);

// The privileged side's last word on a finished login (the monitor's auth_done): every
// method is enabled by policy, some AuthenticationMethods list was completed in order
// (a subsequence of methods), and for root each method is one PermitRootLogin allows.
// The error names the rule that was broken.
Status check_finished_login(const AuthPolicy& policy, bool is_root, const std::vector<std::string>& methods,
                            bool forced_command);

// "alice:style" -> "alice" (sshd strips the BSD auth style from user names).
std::string_view account_name(std::string_view user);

}  // namespace ssh::auth
