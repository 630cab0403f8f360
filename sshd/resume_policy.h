// Issue 8 item 4: a resumption re-runs, for the session's user and the NEW connection's
// addresses, the checks a fresh login from there must pass: sshd_config Match (Resume
// included), AllowUsers/DenyUsers/AllowGroups/DenyGroups and the account state,
// PermitRootLogin and AuthenticationMethods against the methods of the original login,
// PAM account management, the login key's from= and expiry-time=, and RevokedKeys. The
// monitor of the original login runs it (it knows that login and runs as root).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/server_config.h"
#include "keys/authorized_keys.h"
#include "sshd/monitor_protocol.h"

namespace ssh::sshd {

// What the monitor of the original login knows about it.
struct LoginRecord {
  std::string user;
  std::vector<std::string> methods;
  std::optional<keys::AuthorizedKeyOptions> key_options;
  Bytes key_blob;  // publickey logins
};

// ok, or refused with a reason starting with continuation::kPolicyRefusal.
ResumeVerdict check_resume_policy(const config::ServerConfig& cfg, const LoginRecord& login,
                                  const ResumePolicyRequest& to);

}  // namespace ssh::sshd
