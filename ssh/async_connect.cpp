#include "ssh/async_connect.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>

#include "base/log.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::client {

namespace {

constexpr size_t kMaxAddresses = 64;
constexpr size_t kMaxResolverOutput = 64 * 1024;

std::string numeric_host(const sockaddr* sa, socklen_t len, int* port = nullptr) {
  char h[NI_MAXHOST], p[NI_MAXSERV];
  if (getnameinfo(sa, len, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV) != 0) return "?";
  if (port != nullptr) *port = atoi(p);
  return h;
}

// In the resolver child: resolve, write the answer, exit. Nothing of the parent's loop
// is touched; signals the loop blocked are let through so that SIGTERM ends it.
[[noreturn]] void run_resolver(int out_fd, const ConnectOptions& o) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = o.family;
  hints.ai_socktype = SOCK_STREAM;
  std::string port = std::to_string(o.port);
  int gai = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res);
  std::vector<AsyncConnector::Address> list;
  for (addrinfo* ai = res; gai == 0 && ai != nullptr && list.size() < kMaxAddresses; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    AsyncConnector::Address a;
    a.family = ai->ai_family;
    a.socktype = ai->ai_socktype;
    a.protocol = ai->ai_protocol;
    a.len = ai->ai_addrlen;
    std::memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
    list.push_back(a);
  }
  Bytes out = encode_addresses(gai, list);
  for (size_t off = 0; off < out.size();) {
    ssize_t n = write(out_fd, out.data() + off, out.size() - off);
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) off += size_t(n);
  }
  _exit(0);
}

}  // namespace

Bytes encode_addresses(int gai_status, const std::vector<AsyncConnector::Address>& addresses) {
  WireWriter w;
  w.u32(uint32_t(gai_status));
  for (const auto& a : addresses) {
    w.u32(uint32_t(a.family)).u32(uint32_t(a.socktype)).u32(uint32_t(a.protocol));
    w.string(ByteView(reinterpret_cast<const uint8_t*>(&a.addr), a.len));
  }
  return w.take();
}

Result<std::vector<AsyncConnector::Address>> decode_addresses(ByteView data, const std::string& host) {
  WireReader r(data);
  int gai = int(SSH_TRY(r.u32()));
  if (gai != 0) return fail(ErrorCode::io, "Could not resolve hostname " + host + ": " + gai_strerror(gai));
  std::vector<AsyncConnector::Address> out;
  while (r.remaining() > 0) {
    if (out.size() == kMaxAddresses) return fail(ErrorCode::limit, "resolver: too many addresses");
    AsyncConnector::Address a;
    a.family = int(SSH_TRY(r.u32()));
    a.socktype = int(SSH_TRY(r.u32()));
    a.protocol = int(SSH_TRY(r.u32()));
    ByteView sa = SSH_TRY(r.string(sizeof(sockaddr_storage)));
    std::memcpy(&a.addr, sa.data(), sa.size());
    a.len = socklen_t(sa.size());
    out.push_back(a);
  }
  if (out.empty()) return fail(ErrorCode::io, "Could not resolve hostname " + host + ": no address");
  return out;
}

AsyncConnector::AsyncConnector(EventLoop& loop, ConnectOptions options, DoneFn done)
    : loop_(loop), options_(std::move(options)), done_(std::move(done)) {}

AsyncConnector::~AsyncConnector() {
  stop_watching();
  for (auto* timer : {&deadline_, &result_timer_}) {
    if (*timer) loop_.cancel_timer(**timer);
  }
}

Status AsyncConnector::start() {
  if (!options_.proxy_command.empty()) {
    // Spawning does not wait for anything; the answer still comes from the loop.
    finish(open_connection(options_));
    return {};
  }
  int timeout_s = options_.connect_timeout_s > 0 ? options_.connect_timeout_s : 30;
  deadline_ = loop_.add_timer(std::chrono::seconds(timeout_s), [this] {
    deadline_.reset();
    finish(fail(ErrorCode::io, "connect to host " + options_.host + " port " + std::to_string(options_.port) +
                                   ": " + strerror(ETIMEDOUT)));
  });
  return start_resolver();
}

Status AsyncConnector::start_resolver() {
  int p[2];
  if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return fail(ErrorCode::io, std::string("pipe: ") + strerror(errno));
  UniqueFd in(p[0]), out(p[1]);
  pid_t pid = fork();
  if (pid < 0) return fail(ErrorCode::io, std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    set_nonblocking(out.get(), false);
    run_resolver(out.get(), options_);
  }
  resolver_ = ChildProcess(pid);
  resolver_out_ = std::move(in);
  SSH_TRY(loop_.watch(resolver_out_.get(), EPOLLIN, [this](uint32_t) { on_resolver_output(); }));
  watching_ = true;
  return {};
}

void AsyncConnector::on_resolver_output() {
  uint8_t buf[4096];
  while (true) {
    ssize_t n = read(resolver_out_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n > 0) {
      resolved_.insert(resolved_.end(), buf, buf + n);
      if (resolved_.size() > kMaxResolverOutput) return finish(fail(ErrorCode::limit, "resolver: too much output"));
      continue;
    }
    break;  // EOF (or an error): the child is done
  }
  stop_watching();
  int status = 0;
  (void)resolver_.try_wait(status);
  auto addresses = decode_addresses(resolved_, options_.host);
  if (!addresses) return finish(std::unexpected(addresses.error()));
  addresses_ = std::move(*addresses);
  try_next();
}

void AsyncConnector::try_next() {
  while (next_ < addresses_.size()) {
    const Address& a = addresses_[next_++];
    std::string ip = numeric_host(reinterpret_cast<const sockaddr*>(&a.addr), a.len);
    LOG_DEBUG1("Connecting to %s [%s] port %d.", options_.host.c_str(), ip.c_str(), options_.port);
    UniqueFd fd(socket(a.family, a.socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a.protocol));
    if (!fd) {
      last_error_ = errno;
      continue;
    }
    if (auto s = bind_local_address(fd.get(), options_, a.family); !s) return finish(std::unexpected(s.error()));
    int rc = connect(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len);
    if (rc != 0 && errno != EINPROGRESS) {
      last_error_ = errno;
      LOG_DEBUG1("connect to address %s port %d: %s", ip.c_str(), options_.port, strerror(last_error_));
      continue;
    }
    socket_ = std::move(fd);
    if (auto s = loop_.watch(socket_.get(), EPOLLOUT, [this](uint32_t) { on_connect_ready(); }); !s) {
      return finish(std::unexpected(s.error()));
    }
    watching_ = true;
    return;
  }
  finish(fail(ErrorCode::io, "connect to host " + options_.host + " port " + std::to_string(options_.port) +
                                 ": " + strerror(last_error_ ? last_error_ : ECONNREFUSED)));
}

void AsyncConnector::on_connect_ready() {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  stop_watching();
  if (err != 0) {
    last_error_ = err;
    LOG_DEBUG1("connect to port %d: %s", options_.port, strerror(err));
    socket_.reset();
    return try_next();
  }
  LOG_DEBUG1("Connection established.");
  set_nonblocking(socket_.get(), false);  // as open_connection() hands it over
  tune_connected_socket(socket_.get(), options_);
  Connection c;
  c.fd = std::move(socket_);
  describe_endpoints(c);
  finish(std::move(c));
}

void AsyncConnector::stop_watching() {
  if (!watching_) return;
  watching_ = false;
  if (resolver_out_) loop_.unwatch(resolver_out_.get());
  if (socket_) loop_.unwatch(socket_.get());
  resolver_out_.reset();
}

// The owner hears the result from the loop, so that it may destroy us in its callback.
void AsyncConnector::finish(Result<Connection> result) {
  if (finished_) return;
  finished_ = true;
  stop_watching();
  if (deadline_) loop_.cancel_timer(*deadline_);
  deadline_.reset();
  auto shared = std::make_shared<Result<Connection>>(std::move(result));
  result_timer_ = loop_.add_timer(Millis(0), [this, shared] {
    result_timer_.reset();
    done_(std::move(*shared));  // may destroy this connector: nothing after
  });
}

}  // namespace ssh::client
