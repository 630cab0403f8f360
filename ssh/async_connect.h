// open_connection() on the event loop, for reconnecting while a session lives: the name
// is resolved by a short-lived child process (getaddrinfo cannot be made non-blocking or
// cancelled), each address is tried with a non-blocking connect, and the whole attempt
// is bounded by ConnectOptions::connect_timeout_s. A ProxyCommand is spawned as usual.
// The callback runs from the loop once, unless the connector is destroyed first (which
// kills the resolver and closes the socket).
#pragma once

#include <sys/socket.h>

#include <functional>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/child_process.h"
#include "base/event_loop.h"
#include "ssh/connect.h"

namespace ssh::client {

class AsyncConnector {
 public:
  using DoneFn = std::function<void(Result<Connection>)>;
  AsyncConnector(EventLoop& loop, ConnectOptions options, DoneFn done);
  ~AsyncConnector();
  AsyncConnector(const AsyncConnector&) = delete;
  AsyncConnector& operator=(const AsyncConnector&) = delete;

  Status start();

  struct Address {
    int family = 0;
    int socktype = 0;
    int protocol = 0;
    sockaddr_storage addr{};
    socklen_t len = 0;
  };

 private:
  Status start_resolver();
  void on_resolver_output();
  void try_next();
  void on_connect_ready();
  void finish(Result<Connection> result);
  void stop_watching();

  EventLoop& loop_;
  ConnectOptions options_;
  DoneFn done_;
  ChildProcess resolver_;
  UniqueFd resolver_out_;
  Bytes resolved_;
  std::vector<Address> addresses_;
  size_t next_ = 0;
  UniqueFd socket_;
  int last_error_ = 0;
  bool watching_ = false;
  bool finished_ = false;
  std::optional<EventLoop::TimerId> deadline_;
  std::optional<EventLoop::TimerId> result_timer_;
};

// The resolver's wire format (a pipe from the child): uint32 getaddrinfo status, then per
// address uint32 family, socktype, protocol, string sockaddr. Exposed for unit tests.
Bytes encode_addresses(int gai_status, const std::vector<AsyncConnector::Address>& addresses);
Result<std::vector<AsyncConnector::Address>> decode_addresses(ByteView data, const std::string& host);

}  // namespace ssh::client
