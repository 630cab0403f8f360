// The unprivileged pre-authentication process: it parses everything the client sends
// before login (version, key exchange, user authentication) inside the sandbox, asks
// its monitor for anything privileged, and on success hands the transport state to the
// monitor and exits.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "auth/server_auth.h"
#include "sshd/sandbox.h"
#include "transport/transport_session.h"

namespace ssh::sshd {

struct PreauthParams {
  int net_in = -1;
  int net_out = -1;
  int monitor_fd = -1;
  transport::TransportConfig transport;
  auth::ServerAuthConfig auth;
  std::vector<std::pair<std::string, Bytes>> host_keys;  // algorithm, public blob
  std::string peer;                                      // "ADDR port N", as log lines name the client
  SandboxOptions sandbox;
  bool use_sandbox = true;
  // Offer continuations (PROTOCOL.continuation §2) and accept continuation@sshc.dev.
  bool continuations = false;
};

// Returns the process exit status: 0 after a successful hand-off.
int run_preauth(PreauthParams params);

}  // namespace ssh::sshd
