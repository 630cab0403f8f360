#include "sshd/tcpip_forward.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "base/log.h"
#include "base/unique_fd.h"
#include "connection/forward_requests.h"
#include "sshd/forward_channel.h"

namespace ssh::sshd {

using connection::ChannelId;
using connection::GlobalReply;
using connection::OpenDecision;
using connection::OpenFailureReason;

namespace {

constexpr int kListenBacklog = 128;
constexpr int kAcceptsPerWakeup = 16;
// OpenSSH's description for opens refused by policy (its client prints "open failed").
constexpr std::string_view kRefused = "open failed";

struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
};

// Numeric "host" and port of a socket address.
std::string numeric_host(const sockaddr* sa, socklen_t len, uint32_t* port) {
  char host[NI_MAXHOST] = "";
  char serv[NI_MAXSERV] = "";
  if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    if (port) *port = 0;
    return "UNKNOWN";
  }
  if (port) *port = static_cast<uint32_t>(atoi(serv));
  return host;
}

void set_port(sockaddr_storage& ss, uint16_t port) {
  if (ss.ss_family == AF_INET) reinterpret_cast<sockaddr_in&>(ss).sin_port = htons(port);
  if (ss.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6&>(ss).sin6_port = htons(port);
}

// getaddrinfo() into a vector (blocking for names; see the header).
Result<std::vector<SockAddr>> resolve(const char* host, uint32_t port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* res = nullptr;
  std::string serv = std::to_string(port);
  if (int rc = getaddrinfo(host, serv.c_str(), &hints, &res); rc != 0)
    return fail(ErrorCode::io, gai_strerror(rc));
  std::vector<SockAddr> out;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    SockAddr a;
    memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    out.push_back(a);
  }
  freeaddrinfo(res);
  if (out.empty()) return fail(ErrorCode::io, "no addresses");
  return out;
}

connection::ChannelOptions channel_options(const TcpForwardConfig& c) {
  return {.window_size = c.window_size, .max_packet = c.max_packet, .manual_consume = true};
}

}  // namespace

// A direct-tcpip open whose non-blocking connect is in progress. Counts as a channel.
struct TcpipForwarder::PendingConnect {
  EventLoop& loop;
  connection::DirectTcpip request;
  std::vector<SockAddr> addrs;
  size_t next = 0;
  UniqueFd sock;
  bool watched = false;
  std::shared_ptr<size_t> live;
  bool counted = true;  // false once the count moved to the ForwardChannel

  PendingConnect(EventLoop& l, connection::DirectTcpip r, std::vector<SockAddr> a, std::shared_ptr<size_t> n)
      : loop(l), request(std::move(r)), addrs(std::move(a)), live(std::move(n)) {}
  PendingConnect(const PendingConnect&) = delete;
  PendingConnect& operator=(const PendingConnect&) = delete;
  ~PendingConnect() {
    stop();
    if (counted && *live > 0) --*live;
  }
  void stop() {
    if (watched) loop.unwatch(sock.get());
    watched = false;
    sock.reset();
  }
};

// The sockets of one tcpip-forward (one per bound address family).
struct TcpipForwarder::Listener {
  EventLoop& loop;
  std::string requested_address;
  uint32_t requested_port = 0;
  uint32_t bound_port = 0;
  std::vector<UniqueFd> socks;

  Listener(EventLoop& l, std::string address, uint32_t port)
      : loop(l), requested_address(std::move(address)), requested_port(port), bound_port(port) {}
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() {
    for (auto& s : socks) loop.unwatch(s.get());
  }
};

TcpipForwarder::TcpipForwarder(EventLoop& loop, connection::Mux& mux, TcpForwardConfig config)
    : loop_(loop), mux_(&mux), config_(std::move(config)), live_(std::make_shared<size_t>(0)) {}

TcpipForwarder::~TcpipForwarder() {
  connection_lost();
}

void TcpipForwarder::connection_lost() {
  pending_.clear();
  listeners_.clear();
  mux_ = nullptr;
}

OpenDecision TcpipForwarder::on_channel_open(const connection::IncomingOpen& open) {
  if (open.type == connection::kChannelDirectTcpip) return open_direct(open);
  return next_ ? next_->on_channel_open(open) : MuxHandler::on_channel_open(open);
}

GlobalReply TcpipForwarder::on_global_request(std::string_view name, bool want_reply, ByteView data) {
  if (name == connection::kGlobalTcpipForward) return request_forward(want_reply, data);
  if (name == connection::kGlobalCancelTcpipForward) return cancel_forward(data);
  return next_ ? next_->on_global_request(name, want_reply, data)
               : MuxHandler::on_global_request(name, want_reply, data);
}

// --- direct-tcpip (RFC 4254 §7.2) ---

OpenDecision TcpipForwarder::open_direct(const connection::IncomingOpen& open) {
  if (!mux_) return OpenDecision::reject(OpenFailureReason::connect_failed, "connection closing");
  auto req = connection::decode_direct_tcpip(open.data);
  if (!req) return OpenDecision::reject(OpenFailureReason::connect_failed, "malformed direct-tcpip request");
  const auto& r = *req;
  LOG_DEBUG1("server_request_direct_tcpip: originator %s port %u, target %s port %u",
             r.originator_address.c_str(), r.originator_port, r.host_to_connect.c_str(), r.port_to_connect);
  if (!local_forwarding_allowed(config_)) {
    LOG_INFO("refused local port forward: originator %s port %u, target %s port %u",
             r.originator_address.c_str(), r.originator_port, r.host_to_connect.c_str(), r.port_to_connect);
    return OpenDecision::reject(OpenFailureReason::administratively_prohibited, std::string(kRefused));
  }
  if (r.port_to_connect > 65535 || !open_permitted(config_, r.host_to_connect, r.port_to_connect)) {
    LOG_INFO("Received request to connect to host %s port %u, but the request was denied.",
             r.host_to_connect.c_str(), r.port_to_connect);
    return OpenDecision::reject(OpenFailureReason::administratively_prohibited, std::string(kRefused));
  }
  if (*live_ >= config_.max_channels) {
    LOG_INFO("direct-tcpip refused: %zu forwarded channels open", *live_);
    return OpenDecision::reject(OpenFailureReason::resource_shortage, "too many forwarded channels");
  }
  auto addrs = resolve(r.host_to_connect.c_str(), r.port_to_connect, false);
  if (!addrs) {
    LOG_INFO("connect_to %s: unknown host (%s)", r.host_to_connect.c_str(), addrs.error().context.c_str());
    return OpenDecision::reject(OpenFailureReason::connect_failed, addrs.error().context);
  }
  ++*live_;
  auto p = std::make_unique<PendingConnect>(loop_, std::move(*req), std::move(*addrs), live_);
  if (int err = start_connect(open.local_id, *p); err != 0) {
    LOG_DEBUG1("connect_to %s port %u: failed: %s", p->request.host_to_connect.c_str(),
               p->request.port_to_connect, strerror(err));
    return OpenDecision::reject(OpenFailureReason::connect_failed, strerror(err));
  }
  pending_[open.local_id] = std::move(p);
  return OpenDecision::defer();
}

// Starts a connect to the next address; 0 when one is in progress, else the last errno.
int TcpipForwarder::start_connect(ChannelId id, PendingConnect& p) {
  int err = ECONNREFUSED;
  while (p.next < p.addrs.size()) {
    const SockAddr& a = p.addrs[p.next++];
    UniqueFd s(::socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s) {
      err = errno;
      continue;
    }
    if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&a.ss), a.len) != 0 && errno != EINPROGRESS) {
      err = errno;
      continue;
    }
    // Even an immediate success is reported through writability, so the Mux has seen
    // our defer() before confirm_open().
    p.sock = std::move(s);
    if (!loop_.watch(p.sock.get(), EPOLLOUT, [this, id](uint32_t) { connect_done(id); })) {
      err = EIO;
      p.sock.reset();
      continue;
    }
    p.watched = true;
    return 0;
  }
  return err;
}

void TcpipForwarder::connect_done(ChannelId id) {
  auto it = pending_.find(id);
  if (it == pending_.end() || !mux_) return;
  PendingConnect& p = *it->second;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(p.sock.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  const auto& r = p.request;
  std::string label = "direct-tcpip " + r.host_to_connect + " port " + std::to_string(r.port_to_connect);
  if (err == 0) {
    loop_.unwatch(p.sock.get());
    p.watched = false;
    p.counted = false;
    auto handler = std::make_unique<ForwardChannel>(loop_, std::move(p.sock), std::move(label), live_);
    pending_.erase(it);
    if (auto s = mux_->confirm_open(id, std::move(handler), channel_options(config_)); !s)
      LOG_ERROR("channel %u: confirm: %s", id, s.error().context.c_str());
    return;
  }
  p.stop();
  if (int next_err = start_connect(id, p); next_err == 0) return;
  LOG_DEBUG1("connect_to %s port %u: failed: %s", r.host_to_connect.c_str(), r.port_to_connect,
             strerror(err));
  pending_.erase(it);
  if (auto s = mux_->reject_open(id, OpenFailureReason::connect_failed, strerror(err)); !s)
    LOG_ERROR("channel %u: reject: %s", id, s.error().context.c_str());
}

// --- tcpip-forward / cancel-tcpip-forward (RFC 4254 §7.1) ---

GlobalReply TcpipForwarder::request_forward(bool want_reply, ByteView data) {
  auto req = connection::decode_tcpip_forward(data);
  if (!req || !mux_) return {};
  const auto& r = *req;
  LOG_DEBUG1("server_input_global_request: tcpip-forward listen %s port %u", r.bind_address.c_str(),
             r.bind_port);
  // Port 0 without want_reply could never tell the client which port it got.
  if (!remote_forwarding_allowed(config_) || (!want_reply && r.bind_port == 0)) {
    LOG_DEBUG1("tcpip-forward refused: remote forwarding disabled");
    return {};
  }
  if (!listen_permitted(config_, r.bind_address, r.bind_port)) {
    LOG_INFO("Received request to remote forward to host %s port %u, but the request was denied.",
             r.bind_address.c_str(), r.bind_port);
    return {};
  }
  if (listeners_.size() >= config_.max_listeners) {
    LOG_INFO("tcpip-forward refused: %zu listeners open", listeners_.size());
    return {};
  }
  auto l = bind_listener(r.bind_address, r.bind_port);
  if (!l) {
    LOG_ERROR("tcpip-forward listen %s port %u: %s", r.bind_address.c_str(), r.bind_port,
              l.error().context.c_str());
    return {};
  }
  uint32_t bound = (*l)->bound_port;
  listeners_.push_back(std::move(*l));
  GlobalReply reply{true, {}};
  if (r.bind_port == 0) {
    reply.data = connection::encode_tcpip_forward_reply(bound);
    LOG_DEBUG1("Allocated listen port %u", bound);
  }
  return reply;
}

GlobalReply TcpipForwarder::cancel_forward(ByteView data) {
  auto req = connection::decode_tcpip_forward(data);
  if (!req) return {};
  LOG_DEBUG1("server_input_global_request: cancel-tcpip-forward addr %s port %u", req->bind_address.c_str(),
             req->bind_port);
  auto it = std::find_if(listeners_.begin(), listeners_.end(), [&](const auto& l) {
    return l->requested_address == req->bind_address &&
           (l->bound_port == req->bind_port || (req->bind_port != 0 && l->requested_port == req->bind_port));
  });
  if (it == listeners_.end()) return {};
  listeners_.erase(it);
  return {true, {}};
}

Result<std::unique_ptr<TcpipForwarder::Listener>> TcpipForwarder::bind_listener(const std::string& address,
                                                                                uint32_t port) {
  BindTarget t = forward_bind_target(config_.gateway_ports, address);
  auto addrs = SSH_TRY(resolve(t.host.empty() ? nullptr : t.host.c_str(), port, t.passive));
  auto l = std::make_unique<Listener>(loop_, address, port);
  int err = EADDRNOTAVAIL;
  for (SockAddr& a : addrs) {
    // Port 0 on several addresses: every socket gets the port the first one was given.
    if (port == 0 && l->bound_port != 0) set_port(a.ss, static_cast<uint16_t>(l->bound_port));
    UniqueFd s(::socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s) {
      err = errno;
      continue;
    }
    int on = 1;
    setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (a.ss.ss_family == AF_INET6) setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&a.ss), a.len) != 0 ||
        ::listen(s.get(), kListenBacklog) != 0) {
      err = errno;
      LOG_DEBUG1("bind [%s]:%u: %s",
                 numeric_host(reinterpret_cast<const sockaddr*>(&a.ss), a.len, nullptr).c_str(), port,
                 strerror(err));
      continue;
    }
    if (l->bound_port == 0) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      if (getsockname(s.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return fail(ErrorCode::io, strerror(errno));
      numeric_host(reinterpret_cast<sockaddr*>(&ss), len, &l->bound_port);
    }
    l->socks.push_back(std::move(s));
  }
  if (l->socks.empty()) return fail(ErrorCode::io, strerror(err));
  Listener* raw = l.get();
  for (auto& s : l->socks) {
    int fd = s.get();
    SSH_TRY(loop_.watch(fd, EPOLLIN, [this, raw, fd](uint32_t) { on_accept(*raw, fd); }));
  }
  return l;
}

void TcpipForwarder::on_accept(Listener& l, int fd) {
  for (int i = 0; i < kAcceptsPerWakeup && mux_; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    UniqueFd s(::accept4(fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!s) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
        LOG_ERROR("accept: %s", strerror(errno));
      return;
    }
    uint32_t peer_port = 0;
    std::string peer_host = numeric_host(reinterpret_cast<sockaddr*>(&peer), len, &peer_port);
    if (*live_ >= config_.max_channels) {
      LOG_INFO("forwarded-tcpip: dropping connection from %s port %u: %zu forwarded channels open",
               peer_host.c_str(), peer_port, *live_);
      continue;
    }
    LOG_DEBUG1("Connection to port %u from %s port %u: opening forwarded-tcpip", l.bound_port,
               peer_host.c_str(), peer_port);
    Bytes data = connection::encode(
        connection::ForwardedTcpip{l.requested_address, l.bound_port, peer_host, peer_port});
    ++*live_;
    auto handler = std::make_unique<ForwardChannel>(
        loop_, std::move(s), "forwarded-tcpip from " + peer_host + " port " + std::to_string(peer_port),
        live_);
    if (auto id = mux_->open_channel(connection::kChannelForwardedTcpip, data, std::move(handler),
                                     channel_options(config_));
        !id) {
      LOG_INFO("forwarded-tcpip: open: %s", id.error().context.c_str());
    }
  }
}

std::vector<std::string> TcpipForwarder::listening_addresses() const {
  std::vector<std::string> out;
  for (const auto& l : listeners_) {
    for (const auto& s : l->socks) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      if (getsockname(s.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) continue;
      uint32_t port = 0;
      std::string host = numeric_host(reinterpret_cast<sockaddr*>(&ss), len, &port);
      out.push_back(host + " " + std::to_string(port));
    }
  }
  return out;
}

}  // namespace ssh::sshd
