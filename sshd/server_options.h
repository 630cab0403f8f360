// Maps the effective sshd_config onto the settings each part of the server takes: the
// transport, the unprivileged auth state machine, the privileged checks and the session
// layer. One place, so the parts agree (several keywords feed more than one of them).
#pragma once

#include "auth/server_auth.h"
#include "auth/server_checks.h"
#include "config/server_config.h"
#include "sshd/session_config.h"
#include "transport/transport_session.h"

namespace ssh::sshd {

Result<transport::TransportConfig> transport_config_for(const config::ServerConfig& cfg);
// The authentication settings of cfg (shared by the two below).
auth::AuthPolicy auth_policy_for(const config::ServerConfig& cfg);
auth::ServerAuthConfig auth_config_for(const config::ServerConfig& cfg);
auth::ServerChecksConfig checks_config_for(const config::ServerConfig& cfg);
// The privileged checks for each user name on one connection: cfg with the Match blocks
// that apply to the user and to conn (address, host, local address and port), as
// OpenSSH evaluates them once the user is known. cfg must outlive the result.
auth::SystemBackend::ConfigForUser checks_for_user(const config::ServerConfig& cfg,
                                                   config::ConnectionInfo conn);
SessionConfig session_config_for(const config::ServerConfig& cfg);

}  // namespace ssh::sshd
