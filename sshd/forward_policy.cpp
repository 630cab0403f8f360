#include "sshd/forward_policy.h"

#include <charconv>

namespace ssh::sshd {

namespace {

constexpr uint32_t kAnyPort = UINT32_MAX;
constexpr uint32_t kPrivilegedPorts = 1024;  // IPPORT_RESERVED

// Splits "host:port", "[v6]:port" or a bare "port"; false when malformed.
bool split_entry(std::string_view entry, std::string_view& host, uint32_t& port) {
  size_t colon = entry.rfind(':');
  std::string_view p = entry;
  host = "*";
  if (colon != std::string_view::npos) {
    host = entry.substr(0, colon);
    p = entry.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) return false;
  }
  if (p == "*") {
    port = kAnyPort;
    return true;
  }
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (ec != std::errc() || end != p.data() + p.size() || p.empty() || v > 65535) return false;
  port = v;
  return true;
}

}  // namespace

bool local_forwarding_allowed(const TcpForwardConfig& c) {
  return !c.disable_forwarding && c.key_port_forwarding &&
         (c.allow_tcp_forwarding & config::kForwardLocal) != 0;
}

bool remote_forwarding_allowed(const TcpForwardConfig& c) {
  return !c.disable_forwarding && c.key_port_forwarding &&
         (c.allow_tcp_forwarding & config::kForwardRemote) != 0;
}

bool permit_list_allows(const std::vector<std::string>& list, std::string_view host, uint32_t port) {
  if (list.empty()) return true;
  for (const auto& entry : list) {
    if (entry == "any") return true;
    if (entry == "none") continue;
    std::string_view h;
    uint32_t p = 0;
    if (!split_entry(entry, h, p)) continue;
    if (p != kAnyPort && p != port) continue;
    if (h == "*" || h == host) return true;
  }
  return false;
}

bool open_permitted(const TcpForwardConfig& c, std::string_view host, uint32_t port) {
  return permit_list_allows(c.permit_open, host, port) && permit_list_allows(c.key_permit_open, host, port);
}

bool listen_permitted(const TcpForwardConfig& c, std::string_view host, uint32_t port) {
  if (port > 65535) return false;
  if (port != 0 && port < kPrivilegedPorts && !c.user_is_root) return false;
  return permit_list_allows(c.permit_listen, host, port) &&
         permit_list_allows(c.key_permit_listen, host, port);
}

// sshd_config(5) GatewayPorts: "no" keeps listeners on the loopback (an explicit
// loopback literal is honoured), "yes" binds the wildcard, "clientspecified" takes the
// client's address, where "" and "*" mean the wildcard and "localhost" the loopback.
BindTarget forward_bind_target(config::GatewayPorts gateway_ports, std::string_view requested) {
  switch (gateway_ports) {
    case config::kGatewayYes: return {"", true};
    case config::kGatewayClientSpecified:
      if (requested.empty() || requested == "*") return {"", true};
      if (requested == "localhost") return {"", false};
      return {std::string(requested), true};
    case config::kGatewayNo:
    default:
      if (requested == "127.0.0.1" || requested == "::1") return {std::string(requested), false};
      return {"", false};
  }
}

}  // namespace ssh::sshd
