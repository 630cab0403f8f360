// RemoteForward / -R (ssh(1), ssh_config(5)): after authentication asks the server to
// listen ("tcpip-forward", RFC 4254 §7.1) and connects each "forwarded-tcpip" channel the
// server then opens to the local target named in the forward, without blocking the loop
// (the open is answered once the connect completes).
#pragma once

#include <sys/socket.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "config/client_config.h"
#include "connection/mux.h"

namespace ssh::client {

class RemoteForwards {
 public:
  struct Callbacks {
    std::function<void()> all_replied;              // every request has its answer
    std::function<void(const std::string&)> fatal;  // ExitOnForwardFailure tripped
  };
  RemoteForwards(EventLoop& loop, connection::Mux& mux, std::vector<config::Forward> forwards,
                 bool exit_on_failure, Callbacks callbacks);
  ~RemoteForwards();
  RemoteForwards(const RemoteForwards&) = delete;
  RemoteForwards& operator=(const RemoteForwards&) = delete;

  // Sends one tcpip-forward request (want reply) per forward.
  void start();
  bool all_replied() const { return pending_replies_ == 0; }
  // A "forwarded-tcpip" open from the server.
  connection::OpenDecision on_open(const connection::IncomingOpen& open);

 private:
  struct Entry {
    config::Forward forward;
    int bound_port = -1;  // -1 until the server agreed
  };
  struct Connecting {
    connection::ChannelId id = 0;
    UniqueFd fd;
    std::vector<sockaddr_storage> addrs;
    std::vector<socklen_t> lengths;
    size_t next = 0;
    std::string host;
    int port = 0;
    EventLoop::TimerId start_timer = 0;  // cancelled with us: it points at this
  };
  void on_reply(size_t index, bool success, ByteView data);
  void try_next(connection::ChannelId id);
  void on_connect_ready(connection::ChannelId id);
  void connect_failed(connection::ChannelId id, int err);

  EventLoop& loop_;
  connection::Mux& mux_;
  std::vector<Entry> entries_;
  bool exit_on_failure_;
  Callbacks callbacks_;
  size_t pending_replies_ = 0;
  std::map<connection::ChannelId, std::unique_ptr<Connecting>> connecting_;
};

}  // namespace ssh::client
