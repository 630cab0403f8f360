// One client connection, in its own process forked by the listener (or sshd -i). This
// process stays root and is the monitor: it forks the sandboxed pre-auth child, answers
// its requests, and after a login forks the session process as the user and keeps
// answering its host key signature requests until it exits.
#pragma once

#include <sys/types.h>

#include <string>

#include "config/server_config.h"
#include "sshd/host_keys.h"
#include "sshd/resume_registry.h"

namespace ssh::sshd {

struct ServerContext {
  config::ServerConfig config;
  HostKeys host_keys;
  std::string privsep_user = "sshd";
  std::string privsep_dir = "/run/sshd";
  bool use_sandbox = true;  // off only when not root (tests as an ordinary user)
  // Written (one byte) once the client has logged in, so the listener stops counting
  // this connection against MaxStartups; -1 when nobody listens.
  int startup_notify_fd = -1;
  // Continuations: the root-only registry of resumable sessions, and the uid the
  // monitors run as (the registry's only legitimate users).
  std::string registry_dir = kDefaultRegistryDir;
  uid_t monitor_uid = 0;
};

struct PeerAddress {
  std::string client_address;
  int client_port = 0;
  std::string server_address;
  int server_port = 0;
};

// Serves one connection on in_fd/out_fd (the same socket, or two pipes with -i).
// Returns the exit status for this process.
int serve_connection(ServerContext& ctx, int in_fd, int out_fd, const PeerAddress& peer);

// The addresses of a connected socket; "UNKNOWN" port 0 for pipes.
PeerAddress peer_address_of(int fd);

}  // namespace ssh::sshd
