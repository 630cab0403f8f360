#include "ssh/local_forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "base/log.h"
#include "connection/forward_requests.h"
#include "ssh/forward_channel.h"

namespace ssh::client {

namespace {

constexpr int kBacklog = 128;

// Numeric host and port of a socket address.
std::pair<std::string, int> numeric(const sockaddr* sa, socklen_t len) {
  char host[NI_MAXHOST] = "";
  char serv[NI_MAXSERV] = "";
  if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return {"", 0};
  }
  return {host, atoi(serv)};
}

}  // namespace

// ssh_config(5) LocalForward: an empty bind address means loopback unless GatewayPorts;
// "*" means all interfaces; "localhost" stays loopback.
const char* forward_bind_host(const std::string& listen_host, bool gateway_ports, bool& wildcard) {
  wildcard = false;
  if (listen_host.empty()) {
    wildcard = gateway_ports;
    return nullptr;
  }
  if (listen_host == "*") {
    wildcard = true;
    return nullptr;
  }
  return listen_host.c_str();
}

LocalForwards::LocalForwards(EventLoop& loop, connection::Mux& mux, bool gateway_ports, int family)
    : loop_(loop), mux_(mux), gateway_ports_(gateway_ports), family_(family) {}

LocalForwards::~LocalForwards() {
  for (auto& l : listeners_) loop_.unwatch(l->fd.get());
}

Status LocalForwards::add(const config::Forward& f) {
  if (!f.listen_path.empty() || !f.connect_path.empty()) {
    LOG_ERROR("Unix-domain socket forwarding is not supported yet");
    return fail(ErrorCode::config, "unix socket forwarding");
  }
  std::string shown = f.listen_host.empty() ? (gateway_ports_ ? "*" : "LOCALHOST") : f.listen_host;
  LOG_DEBUG1("Local connections to %s:%d forwarded to remote address %s:%d", shown.c_str(), f.listen_port,
             f.connect_host.c_str(), f.connect_port);
  bool wildcard = false;
  const char* host = forward_bind_host(f.listen_host, gateway_ports_, wildcard);
  addrinfo hints{};
  hints.ai_family = family_;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = (wildcard ? AI_PASSIVE : 0) | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(f.listen_port);
  if (int gai = getaddrinfo(host, port.c_str(), &hints, &res); gai != 0) {
    LOG_ERROR("channel_setup_fwd_listener_tcpip: getaddrinfo(%s): %s", host ? host : "NULL",
              gai_strerror(gai));
    return fail(ErrorCode::io, "getaddrinfo");
  }
  size_t before = listeners_.size();
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    (void)bind_one(f, *ai);
  }
  freeaddrinfo(res);
  if (listeners_.size() == before) {
    LOG_ERROR("channel_setup_fwd_listener_tcpip: cannot listen to port: %d", f.listen_port);
    return fail(ErrorCode::io, "cannot listen");
  }
  return {};
}

Status LocalForwards::bind_one(const config::Forward& f, const addrinfo& ai) {
  auto [addr, port] = numeric(ai.ai_addr, ai.ai_addrlen);
  UniqueFd fd(::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (!fd) {
    LOG_VERBOSE("socket [%s]:%d: %s", addr.c_str(), port, strerror(errno));
    return fail(ErrorCode::io, "socket");
  }
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // One socket per family, as getaddrinfo lists both for the wildcard and loopback.
  if (ai.ai_family == AF_INET6) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    LOG_ERROR("bind [%s]:%d: %s", addr.c_str(), port, strerror(errno));
    return fail(ErrorCode::io, "bind");
  }
  if (::listen(fd.get(), kBacklog) != 0) {
    LOG_ERROR("listen [%s]:%d: %s", addr.c_str(), port, strerror(errno));
    return fail(ErrorCode::io, "listen");
  }
  auto listener = std::make_unique<Listener>(Listener{std::move(fd), f});
  Listener* raw = listener.get();
  SSH_TRY(loop_.watch(raw->fd.get(), EPOLLIN, [this, raw](uint32_t) { on_accept(*raw); }));
  LOG_VERBOSE("Local forwarding listening on %s port %d.", addr.c_str(), port);
  listeners_.push_back(std::move(listener));
  return {};
}

void LocalForwards::on_accept(Listener& l) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  UniqueFd fd(::accept4(l.fd.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!fd) {
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) LOG_ERROR("accept: %s", strerror(errno));
    return;
  }
  auto [origin_host, origin_port] = numeric(reinterpret_cast<sockaddr*>(&peer), len);
  LOG_DEBUG1("Connection to port %d forwarding to %s port %d requested.", l.forward.listen_port,
             l.forward.connect_host.c_str(), l.forward.connect_port);
  connection::DirectTcpip open{l.forward.connect_host, uint32_t(l.forward.connect_port), origin_host,
                               uint32_t(origin_port)};
  auto handler = std::make_unique<ForwardChannel>(loop_, std::move(fd));
  auto id = mux_.open_channel(connection::kChannelDirectTcpip, connection::encode(open), std::move(handler),
                              ForwardChannel::channel_options());
  if (!id) LOG_ERROR("channel open for forwarded connection failed: %s", id.error().context.c_str());
}

}  // namespace ssh::client
