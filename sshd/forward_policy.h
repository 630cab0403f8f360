// Who may forward what: the sshd_config and authorized_keys rules for TCP forwarding
// (sshd_config(5) AllowTcpForwarding, DisableForwarding, PermitOpen, PermitListen,
// GatewayPorts; sshd(8) AUTHORIZED_KEYS FILE FORMAT no-port-forwarding, restrict,
// permitopen=, permitlisten=). Plain values and pure functions, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/server_config.h"

namespace ssh::sshd {

struct TcpForwardConfig {
  // sshd_config
  config::ForwardPolicy allow_tcp_forwarding = config::kForwardAll;  // AllowTcpForwarding
  bool disable_forwarding = false;                                   // DisableForwarding
  config::GatewayPorts gateway_ports = config::kGatewayNo;           // GatewayPorts
  // PermitOpen "host:port" entries (port or host may be "*"); empty or ["any"]: any,
  // ["none"]: nothing. PermitListen likewise, a bare "port" meaning "*:port".
  std::vector<std::string> permit_open;
  std::vector<std::string> permit_listen;
  // authorized_keys options of the key that logged in (empty lists: no restriction).
  bool key_port_forwarding = true;  // false after no-port-forwarding or restrict
  std::vector<std::string> key_permit_open;
  std::vector<std::string> key_permit_listen;
  // The user is root: only root may listen on ports below 1024 (OpenSSH's rule).
  bool user_is_root = false;
  // Limits: remote-forward listeners, and forwarded channels of both kinds together
  // (including direct-tcpip opens still connecting).
  size_t max_listeners = 64;
  size_t max_channels = 256;
  // Receive window / packet size of forwarding channels (0: the Mux defaults).
  uint32_t window_size = 0;
  uint32_t max_packet = 0;
};

// direct-tcpip allowed at all (AllowTcpForwarding yes/all/local, no DisableForwarding,
// no no-port-forwarding)?
bool local_forwarding_allowed(const TcpForwardConfig& c);
// tcpip-forward allowed at all (yes/all/remote)?
bool remote_forwarding_allowed(const TcpForwardConfig& c);

// One PermitOpen/PermitListen/permitopen=/permitlisten= list against a request. Host
// names are compared literally (no patterns, no lookups); "*" matches any host or port;
// IPv6 literals may be bracketed. A bare "port" means "*:port".
bool permit_list_allows(const std::vector<std::string>& list, std::string_view host, uint32_t port);

// PermitOpen and permitopen= together.
bool open_permitted(const TcpForwardConfig& c, std::string_view host, uint32_t port);
// PermitListen, permitlisten= and the privileged-port rule together.
bool listen_permitted(const TcpForwardConfig& c, std::string_view host, uint32_t port);

// Where a tcpip-forward listener binds, by GatewayPorts: `host` is the name to resolve
// (empty: none), `passive` asks for the wildcard address (getaddrinfo AI_PASSIVE).
// A null host without `passive` resolves to the loopback addresses.
struct BindTarget {
  std::string host;
  bool passive = false;
};
BindTarget forward_bind_target(config::GatewayPorts gateway_ports, std::string_view requested);

}  // namespace ssh::sshd
