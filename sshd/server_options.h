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
auth::ServerAuthConfig auth_config_for(const config::ServerConfig& cfg);
auth::ServerChecksConfig checks_config_for(const config::ServerConfig& cfg);
SessionConfig session_config_for(const config::ServerConfig& cfg);

}  // namespace ssh::sshd
