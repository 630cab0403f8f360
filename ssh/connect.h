// Opens the client's connection: TCP with ConnectTimeout/ConnectionAttempts/AddressFamily/
// BindAddress, or a ProxyCommand whose stdin/stdout become the connection.
#pragma once

#include <string>

#include "base/child_process.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace ssh::client {

struct ConnectOptions {
  std::string host;  // after HostName resolution
  int port = 22;
  int family = 0;  // AF_UNSPEC, AF_INET, AF_INET6
  std::string bind_address;
  std::string bind_interface;
  int ip_tos = 0x7fffffff;  // IPQoS byte for the socket; config::kIpQosNone: leave it  // BindInterface: its address is the source (after bind_address)
  int connect_timeout_s = 0;  // 0: system default
  int attempts = 1;
  bool tcp_keepalive = true;
  std::string proxy_command;  // already %-expanded; empty for TCP
};

struct Connection {
  UniqueFd fd;
  ChildProcess proxy;        // running ProxyCommand, if any
  std::string peer_address;  // numeric, for known_hosts CheckHostIP and messages
  int peer_port = 0;
  std::string local_address;
  int local_port = 0;
};

// BindAddress for a socket of this family, if set.
Status bind_local_address(int fd, const ConnectOptions& o, int family);
// A connected TCP socket as ssh uses it: TCP_NODELAY, and SO_KEEPALIVE with TCPKeepAlive.
void tune_connected_socket(int fd, const ConnectOptions& o);
// Fills peer/local address and port of a connected socket.
void describe_endpoints(Connection& c);

// Errors carry OpenSSH's wording, e.g. "connect to host h port 22: Connection refused".
Result<Connection> open_connection(const ConnectOptions& options);

}  // namespace ssh::client
