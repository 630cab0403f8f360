// sshd's listening process: binds every ListenAddress/Port, accepts, applies
// MaxStartups, forks one connection process per client, reaps them, re-executes itself
// on SIGHUP and stops listening on SIGTERM (established sessions carry on).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "sshd/connection_handler.h"

namespace ssh::sshd {

class Listener {
 public:
  Listener(EventLoop& loop, ServerContext& ctx, std::vector<std::string> argv);
  ~Listener();

  Status open();
  // Runs until SIGTERM/SIGINT (returns 0), or re-executes on SIGHUP (returns only on
  // failure).
  int run(const std::string& pid_file);
  // -d: serve one connection in the foreground, then return.
  bool single_connection = false;

 private:
  void on_accept(int listen_fd);
  bool drop_for_max_startups();
  void on_child_exit();
  void on_startup_done(int fd);
  void close_listeners();

  EventLoop& loop_;
  ServerContext& ctx_;
  std::vector<std::string> argv_;
  std::vector<UniqueFd> listeners_;
  int startups_ = 0;     // connections not yet authenticated
  int connections_ = 0;  // ever accepted, for log lines
  bool done_ = false;
  int status_ = 0;
  std::minstd_rand rng_{std::random_device{}()};  // only for MaxStartups' random early drop
};

}  // namespace ssh::sshd
