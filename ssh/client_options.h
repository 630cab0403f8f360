// Turns the resolved ssh_config (plus the command line) into the objects one client
// connection needs: where to connect, transport algorithms, auth settings, host key
// policy and the session plan (pty or not, command, environment).
#pragma once

#include "config/client_config.h"
#include "ssh/cli.h"
#include "ssh/client_session.h"
#include "ssh/connect.h"

namespace ssh::client {

struct ClientPlan {
  ConnectOptions connect;
  ClientSessionOptions session;
  bool pty = false;
};

// Errors carry the message ssh prints.
Result<ClientPlan> build_client_plan(const config::ClientConfig& cfg, const CommandLine& cl,
                                     const config::LocalContext& local);

}  // namespace ssh::client
