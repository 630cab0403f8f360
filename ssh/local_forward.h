// LocalForward / -L (ssh(1), ssh_config(5)): listening sockets on this machine; each
// accepted connection becomes a "direct-tcpip" channel (RFC 4254 §7.2) to the target
// named in the forward, pumped by a ForwardChannel.
#pragma once

#include <netdb.h>

#include <memory>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "config/client_config.h"
#include "connection/mux.h"

namespace ssh::client {

class LocalForwards {
 public:
  // family: AF_UNSPEC, AF_INET or AF_INET6 (AddressFamily).
  LocalForwards(EventLoop& loop, connection::Mux& mux, bool gateway_ports, int family);
  ~LocalForwards();
  LocalForwards(const LocalForwards&) = delete;
  LocalForwards& operator=(const LocalForwards&) = delete;

  // Binds the listeners of one forward. An error means no socket could be bound (the
  // reasons are already logged, as OpenSSH logs them); Unix-socket forwards are not
  // supported yet and fail too.
  Status add(const config::Forward& forward);
  size_t listener_count() const { return listeners_.size(); }

 private:
  struct Listener {
    UniqueFd fd;
    config::Forward forward;
  };
  Status bind_one(const config::Forward& forward, const addrinfo& ai);
  void on_accept(Listener& listener);

  EventLoop& loop_;
  connection::Mux& mux_;
  bool gateway_ports_;
  int family_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

// The bind address OpenSSH's client uses for a listen host: nullptr means the loopback
// addresses, "" (returned as nullptr with *wildcard set) all interfaces.
const char* forward_bind_host(const std::string& listen_host, bool gateway_ports, bool& wildcard);

}  // namespace ssh::client
