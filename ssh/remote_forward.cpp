#include "ssh/remote_forward.h"

#include <errno.h>
#include <netdb.h>

#include <cstring>

#include "base/log.h"
#include "connection/forward_requests.h"
#include "ssh/forward_channel.h"

namespace ssh::client {

RemoteForwards::RemoteForwards(EventLoop& loop, connection::Mux& mux, std::vector<config::Forward> forwards,
                               bool exit_on_failure, Callbacks callbacks)
    : loop_(loop), mux_(mux), exit_on_failure_(exit_on_failure), callbacks_(std::move(callbacks)) {
  for (auto& f : forwards) entries_.push_back({std::move(f), -1});
}

RemoteForwards::~RemoteForwards() {
  for (auto& [id, c] : connecting_) {
    if (c->fd) loop_.unwatch(c->fd.get());
    loop_.cancel_timer(c->start_timer);  // no-op once it fired
  }
}

// The bind address sent to the server: empty host means loopback there ("localhost"),
// "*" all interfaces (""), as ssh(1) documents for -R.
void RemoteForwards::start() {
  for (size_t i = 0; i < entries_.size(); ++i) {
    const config::Forward& f = entries_[i].forward;
    if (!f.listen_path.empty() || !f.connect_path.empty() || f.connect_host == "socks") {
      LOG_ERROR("Warning: remote forwarding of Unix sockets or SOCKS is not supported yet");
      continue;
    }
    std::string bind = f.listen_host.empty() ? "localhost" : f.listen_host == "*" ? "" : f.listen_host;
    LOG_DEBUG1("Remote connections from %s:%d forwarded to local address %s:%d",
               f.listen_host.empty() ? "LOCALHOST" : f.listen_host.c_str(), f.listen_port,
               f.connect_host.c_str(), f.connect_port);
    connection::TcpipForward req{bind, uint32_t(f.listen_port)};
    auto sent = mux_.send_global_request(connection::kGlobalTcpipForward, connection::encode(req),
                                         [this, i](bool ok, ByteView data) { on_reply(i, ok, data); });
    if (sent) ++pending_replies_;
  }
  if (pending_replies_ == 0 && callbacks_.all_replied) callbacks_.all_replied();
}

void RemoteForwards::on_reply(size_t index, bool success, ByteView data) {
  Entry& e = entries_[index];
  const config::Forward& f = e.forward;
  auto port = success ? connection::decode_tcpip_forward_reply(data, uint32_t(f.listen_port))
                      : Result<uint32_t>(fail(ErrorCode::protocol, "refused"));
  if (port && *port > 0 && *port <= 65535) {
    e.bound_port = int(*port);
    LOG_DEBUG1("remote forward success for: listen %d, connect %s:%d", f.listen_port, f.connect_host.c_str(),
               f.connect_port);
    if (f.listen_port == 0) {
      LOG_INFO("Allocated port %d for remote forward to %s:%d", e.bound_port, f.connect_host.c_str(),
               f.connect_port);
    }
  } else if (exit_on_failure_) {
    if (callbacks_.fatal) {
      callbacks_.fatal("Error: remote port forwarding failed for listen port " +
                       std::to_string(f.listen_port));
    }
    return;
  } else {
    LOG_INFO("Warning: remote port forwarding failed for listen port %d", f.listen_port);
  }
  if (--pending_replies_ == 0 && callbacks_.all_replied) callbacks_.all_replied();
}

connection::OpenDecision RemoteForwards::on_open(const connection::IncomingOpen& open) {
  using connection::OpenDecision;
  using connection::OpenFailureReason;
  LOG_DEBUG1("client_input_channel_open: ctype forwarded-tcpip rchan %u win %u max %u", open.local_id,
             open.peer_window, open.peer_max_packet);
  auto m = connection::decode_forwarded_tcpip(open.data);
  if (!m) return OpenDecision::reject(OpenFailureReason::connect_failed, "bad forwarded-tcpip data");
  LOG_DEBUG1("client_request_forwarded_tcpip: listen %s port %u, originator %s port %u",
             m->connected_address.c_str(), m->connected_port, m->originator_address.c_str(),
             m->originator_port);
  const Entry* match = nullptr;
  for (const auto& e : entries_) {
    if (e.bound_port >= 0 && uint32_t(e.bound_port) == m->connected_port) match = &e;
  }
  if (!match) {
    LOG_ERROR("WARNING: Server requests forwarding for unknown listen_port %u", m->connected_port);
    return OpenDecision::reject(OpenFailureReason::administratively_prohibited, "open failed");
  }
  auto c = std::make_unique<Connecting>();
  c->id = open.local_id;
  c->host = match->forward.connect_host;
  c->port = match->forward.connect_port;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(c->port);
  if (int gai = getaddrinfo(c->host.c_str(), port.c_str(), &hints, &res); gai != 0) {
    LOG_ERROR("connect_to %s: unknown host (%s)", c->host.c_str(), gai_strerror(gai));
    return OpenDecision::reject(OpenFailureReason::connect_failed, gai_strerror(gai));
  }
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    sockaddr_storage ss{};
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    c->addrs.push_back(ss);
    c->lengths.push_back(ai->ai_addrlen);
  }
  freeaddrinfo(res);
  // Answered from the loop: reject_open/confirm_open must not run inside the open itself.
  connection::ChannelId id = open.local_id;
  c->start_timer = loop_.add_timer(Millis(0), [this, id] { try_next(id); });
  connecting_[id] = std::move(c);
  return OpenDecision::defer();
}

// Non-blocking connect to the next address; completion arrives as EPOLLOUT.
void RemoteForwards::try_next(connection::ChannelId id) {
  auto it = connecting_.find(id);
  if (it == connecting_.end()) return;
  Connecting& c = *it->second;
  int last_error = ECONNREFUSED;
  while (c.next < c.addrs.size()) {
    size_t i = c.next++;
    auto* sa = reinterpret_cast<const sockaddr*>(&c.addrs[i]);
    UniqueFd fd(::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
      last_error = errno;
      continue;
    }
    if (::connect(fd.get(), sa, c.lengths[i]) == 0 || errno == EINPROGRESS) {
      c.fd = std::move(fd);
      if (loop_.watch(c.fd.get(), EPOLLOUT, [this, id](uint32_t) { on_connect_ready(id); })) return;
      last_error = errno;
      c.fd.reset();
      continue;
    }
    last_error = errno;
  }
  connect_failed(id, last_error);
}

void RemoteForwards::on_connect_ready(connection::ChannelId id) {
  auto it = connecting_.find(id);
  if (it == connecting_.end()) return;
  Connecting& c = *it->second;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  loop_.unwatch(c.fd.get());
  if (err != 0) {
    LOG_DEBUG1("connect_next: connect to %s port %d failed: %s", c.host.c_str(), c.port, strerror(err));
    c.fd.reset();
    try_next(id);
    return;
  }
  auto handler = std::make_unique<ForwardChannel>(loop_, std::move(c.fd));
  connecting_.erase(it);
  if (auto s = mux_.confirm_open(id, std::move(handler), ForwardChannel::channel_options()); !s) {
    LOG_ERROR("confirm forwarded-tcpip: %s", s.error().context.c_str());
  }
}

// OpenSSH's client logs the failure and refuses the channel with connect_failed.
void RemoteForwards::connect_failed(connection::ChannelId id, int err) {
  auto it = connecting_.find(id);
  if (it == connecting_.end()) return;
  LOG_ERROR("connect_to %s port %d: failed.", it->second->host.c_str(), it->second->port);
  connecting_.erase(it);
  (void)mux_.reject_open(id, connection::OpenFailureReason::connect_failed, strerror(err));
}

}  // namespace ssh::client
