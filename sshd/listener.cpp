#include "sshd/listener.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "base/log.h"

namespace ssh::sshd {

namespace {

Result<UniqueFd> listen_on(const std::string& host, int port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || res == nullptr) {
    return fail(ErrorCode::config, "Bad listen address " + host);
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  UniqueFd fd(socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail(ErrorCode::io, std::string("socket: ") + strerror(errno));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (res->ai_family == AF_INET6) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  std::string where = (res->ai_family == AF_INET6 ? "[" + host + "]" : host) + " port " + service;
  if (bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0) {
    return fail(ErrorCode::io,
                "Bind to port " + service + " on " + host + " failed: " + strerror(errno) + ".");
  }
  if (listen(fd.get(), 128) != 0) return fail(ErrorCode::io, std::string("listen: ") + strerror(errno));
  LOG_INFO("Server listening on %s.", where.c_str());
  return fd;
}

}  // namespace

Listener::Listener(EventLoop& loop, ServerContext& ctx, std::vector<std::string> argv)
    : loop_(loop), ctx_(ctx), argv_(std::move(argv)) {}

Listener::~Listener() {
  close_listeners();
}

Status Listener::open() {
  for (const auto& addr : ctx_.config.listen_addresses) {
    auto fd = listen_on(addr.host, addr.port);
    if (!fd) {
      LOG_ERROR("%s", fd.error().context.c_str());
      continue;
    }
    int raw = fd->get();
    SSH_TRY(loop_.watch(raw, EPOLLIN, [this, raw](uint32_t) { on_accept(raw); }));
    listeners_.push_back(std::move(*fd));
  }
  if (listeners_.empty()) return fail(ErrorCode::io, "Cannot bind any address.");
  return {};
}

void Listener::close_listeners() {
  for (auto& fd : listeners_) loop_.unwatch(fd.get());
  listeners_.clear();
}

// MaxStartups start:rate:full (sshd_config(5)): refuse with probability rate% at
// `start` unauthenticated connections, rising linearly to 100% at `full`.
bool Listener::drop_for_max_startups() {
  const auto& m = ctx_.config.max_startups;
  if (startups_ >= m.full) return true;
  if (startups_ < m.begin) return false;
  if (m.full <= m.begin) return true;
  int p = m.rate + (100 - m.rate) * (startups_ - m.begin) / (m.full - m.begin);
  return int(rng_() % 100) < p;
}

void Listener::on_accept(int listen_fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  UniqueFd client(accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC));
  if (!client) return;
  ++connections_;
  PeerAddress peer = peer_address_of(client.get());
  if (drop_for_max_startups()) {
    LOG_INFO("drop connection #%d from [%s]:%d on [%s]:%d past MaxStartups", connections_ - 1,
             peer.client_address.c_str(), peer.client_port, peer.server_address.c_str(), peer.server_port);
    return;
  }
  int one = 1;
  if (ctx_.config.tcp_keep_alive) setsockopt(client.get(), SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  // Each write is a whole packet or flight: Nagle would hold the next one for the peer's
  // delayed ACK (about 40 ms per round trip of the handshake).
  setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int notify[2];
  if (pipe2(notify, O_CLOEXEC) != 0) return;
  UniqueFd notify_read(notify[0]), notify_write(notify[1]);
  pid_t pid = fork();
  if (pid < 0) {
    LOG_ERROR("fork: %s", strerror(errno));
    return;
  }
  if (pid == 0) {
    loop_.abandon_after_fork();
    listeners_.clear();
    notify_read.reset();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ctx_.startup_notify_fd = notify_write.release();
    _exit(serve_connection(ctx_, client.get(), client.get(), peer));
  }
  ++startups_;
  int fd = notify_read.get();
  if (loop_.watch(fd, EPOLLIN, [this, fd](uint32_t) { on_startup_done(fd); })) {
    (void)notify_read.release();  // closed in on_startup_done
  } else {
    --startups_;
  }
  if (single_connection) {
    close_listeners();
    done_ = true;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

// A byte when the client logged in, EOF when its process ended: either way it no longer
// counts as a startup.
void Listener::on_startup_done(int fd) {
  loop_.unwatch(fd);
  ::close(fd);
  --startups_;
}

void Listener::on_child_exit() {
  int status;
  while (waitpid(-1, &status, WNOHANG) > 0) {
  }
}

int Listener::run(const std::string& pid_file) {
  (void)loop_.watch_signal(SIGCHLD, [this] { on_child_exit(); });
  for (int sig : {SIGTERM, SIGINT, SIGQUIT}) {
    (void)loop_.watch_signal(sig, [this, sig, pid_file] {
      LOG_INFO("Received signal %d; terminating.", sig);
      close_listeners();
      if (!pid_file.empty()) unlink(pid_file.c_str());
      done_ = true;
    });
  }
  (void)loop_.watch_signal(SIGHUP, [this] {
    LOG_INFO("Received SIGHUP; restarting.");
    close_listeners();
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv("/proc/self/exe", args.data());
    LOG_ERROR("RESTART FAILED: %s", strerror(errno));
    done_ = true;
    status_ = 255;
  });
  while (!done_) {
    if (!loop_.run_once(Millis(-1))) return 255;
  }
  return status_;
}

}  // namespace ssh::sshd
