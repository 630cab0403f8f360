#include "ssh/connect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "base/log.h"
#include "config/option_values.h"

namespace ssh::client {

namespace {

void numeric_name(const sockaddr* sa, socklen_t len, std::string& host, int& port) {
  char h[NI_MAXHOST], p[NI_MAXSERV];
  if (getnameinfo(sa, len, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    host = h;
    port = atoi(p);
  }
}

// Connects one address with the timeout; returns errno on failure.
int connect_with_timeout(int fd, const addrinfo* ai, int timeout_s) {
  if (timeout_s <= 0) return connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
  set_nonblocking(fd, true);
  int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
  int err = rc == 0 ? 0 : errno;
  if (err == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int n;
    while ((n = poll(&p, 1, timeout_s * 1000)) < 0 && errno == EINTR) {
    }
    if (n == 0) return ETIMEDOUT;
    socklen_t len = sizeof err;
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  }
  set_nonblocking(fd, false);
  return err;
}

Result<Connection> connect_tcp(const ConnectOptions& o) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = o.family;
  hints.ai_socktype = SOCK_STREAM;
  std::string port = std::to_string(o.port);
  int gai = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res);
  if (gai != 0) return fail(ErrorCode::io, "Could not resolve hostname " + o.host + ": " + gai_strerror(gai));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  int last_err = 0;
  for (int attempt = 0; attempt < std::max(1, o.attempts); ++attempt) {
    if (attempt > 0) {
      LOG_DEBUG1("Trying again...");
      poll(nullptr, 0, 1000);  // OpenSSH waits a second between attempts, before any session exists
    }
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      std::string ip;
      int ignored_port = 0;
      numeric_name(ai->ai_addr, ai->ai_addrlen, ip, ignored_port);
      LOG_DEBUG1("Connecting to %s [%s] port %d.", o.host.c_str(), ip.c_str(), o.port);
      UniqueFd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
      if (!fd) {
        last_err = errno;
        continue;
      }
      SSH_TRY(bind_local_address(fd.get(), o, ai->ai_family));
      last_err = connect_with_timeout(fd.get(), ai, o.connect_timeout_s);
      if (last_err != 0) {
        LOG_DEBUG1("connect to address %s port %d: %s", ip.c_str(), o.port, strerror(last_err));
        continue;
      }
      LOG_DEBUG1("Connection established.");
      tune_connected_socket(fd.get(), o);
      Connection c;
      c.fd = std::move(fd);
      describe_endpoints(c);
      return c;
    }
  }
  return fail(ErrorCode::io, "connect to host " + o.host + " port " + port + ": " + strerror(last_err));
}

Result<Connection> connect_proxy(const ConnectOptions& o) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return fail(ErrorCode::io, std::string("socketpair: ") + strerror(errno));
  }
  UniqueFd ours(sv[0]), theirs(sv[1]);
  LOG_DEBUG1("Executing proxy command: exec %s", o.proxy_command.c_str());
  Connection c;
  c.proxy = SSH_TRY(spawn_shell("exec " + o.proxy_command, theirs.get(), theirs.get()));
  c.fd = std::move(ours);
  c.peer_address = "UNKNOWN";
  c.peer_port = 65535;
  return c;
}

}  // namespace

namespace {

// BindInterface: the interface's first address of the connection's family. IPv6
// link-local addresses are passed over, as they need a scope the peer cannot route.
Status bind_interface_address(int fd, const std::string& name, int family) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return fail(ErrorCode::io, std::string("getifaddrs: ") + strerror(errno));
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, freeifaddrs);
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || name != i->ifa_name || i->ifa_addr->sa_family != family) continue;
    socklen_t len = sizeof(sockaddr_in);
    if (family == AF_INET6) {
      auto* a6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr)) continue;
      len = sizeof(sockaddr_in6);
    }
    if (bind(fd, i->ifa_addr, len) != 0) return fail(ErrorCode::io, "bind " + name + ": " + strerror(errno));
    return {};
  }
  return fail(ErrorCode::io, "getifaddrs: " + name + ": no suitable address for this connection");
}

}  // namespace

Status bind_local_address(int fd, const ConnectOptions& o, int family) {
  if (o.bind_address.empty() && !o.bind_interface.empty()) return bind_interface_address(fd, o.bind_interface, family);
  if (o.bind_address.empty()) return {};
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(o.bind_address.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
    return fail(ErrorCode::io, "getaddrinfo: " + o.bind_address + ": Name or service not known");
  }
  int rc = bind(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0) return fail(ErrorCode::io, "bind " + o.bind_address + ": " + strerror(errno));
  return {};
}

void tune_connected_socket(int fd, const ConnectOptions& o) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (o.tcp_keepalive) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  if (o.ip_tos != config::kIpQosNone) {
    int family = AF_UNSPEC;
    socklen_t len = sizeof family;
    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len);
    if (family == AF_INET) setsockopt(fd, IPPROTO_IP, IP_TOS, &o.ip_tos, sizeof o.ip_tos);
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &o.ip_tos, sizeof o.ip_tos);
  }
}

void describe_endpoints(Connection& c) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(c.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    numeric_name(reinterpret_cast<sockaddr*>(&ss), len, c.peer_address, c.peer_port);
  }
  len = sizeof ss;
  if (getsockname(c.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    numeric_name(reinterpret_cast<sockaddr*>(&ss), len, c.local_address, c.local_port);
  }
}

Result<Connection> open_connection(const ConnectOptions& options) {
  return options.proxy_command.empty() ? connect_tcp(options) : connect_proxy(options);
}

}  // namespace ssh::client
