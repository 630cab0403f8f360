// The post-authentication process, running as the user: it continues the connection
// from the transport state the pre-auth child exported and drives the connection layer
// (sessions) until the client goes away. Host key signatures for rekeys still come from
// the monitor.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "base/secret.h"
#include "sshd/forward_policy.h"
#include "sshd/session_config.h"
#include "transport/transport_session.h"

namespace ssh::sshd {

struct SessionParams {
  int net_in = -1;
  int net_out = -1;
  int monitor_fd = -1;
  SecretBytes transport_state;
  transport::TransportConfig transport;  // for later rekeys
  std::vector<std::pair<std::string, Bytes>> host_keys;
  SessionConfig session;
  SessionContext context;
  TcpForwardConfig forwarding;
  int client_alive_interval = 0;
  int client_alive_count_max = 3;
  // ClientAliveInterval for a resumable session when none was configured.
  int resumable_alive_interval = 0;
  // Continuations (PROTOCOL.continuation): the connection's pre-secret (empty when they
  // are unavailable on it), the longest suspension we grant (ResumeTimeout) and the uid
  // the monitors run as (the only peer allowed on the registry entry).
  SecretBytes presecret;
  bool resume_allowed = true;  // sshd_config Resume with Match applied for this login
  uint32_t resume_timeout_s = 0;
  uid_t monitor_uid = 0;
};

// Returns the process exit status.
int run_session(SessionParams params);

}  // namespace ssh::sshd
