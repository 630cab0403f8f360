// One client connection from first byte to exit status: drives the transport, user
// authentication and the connection layer over the event loop, with the session channel
// bridging stdin/stdout/stderr. Owns the terminal's raw mode while it runs.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/client_auth.h"
#include "base/event_loop.h"
#include "config/client_config.h"
#include "connection/mux.h"
#include "continuation/ack_timer.h"
#include "continuation/continuation.h"
#include "ssh/connect.h"
#include "ssh/host_key_check.h"
#include "ssh/identities.h"
#include "ssh/local_forward.h"
#include "ssh/remote_forward.h"
#include "ssh/session_channel.h"
#include "ssh/tty_mode.h"
#include "transport/transport_link.h"

namespace ssh::client {

struct ClientSessionOptions {
  transport::TransportConfig transport;  // verifier is filled in by the session
  auth::ClientAuthConfig auth;
  IdentityOptions identities;
  HostKeyPolicy host_key;
  std::optional<SessionPlan> session;  // nullopt: no session (-N)
  bool raw_tty = false;                // a pty was requested and stdin is a terminal
  int connect_timeout = 0;             // seconds; also bounds the banner exchange
  int server_alive_interval = 0;       // seconds; 0 = off
  int server_alive_count_max = 3;
  std::string peer_label;    // "127.0.0.1 port 22", for messages
  std::string host_label;    // "user@host" for "Permission denied"
  std::string closed_label;  // host in "Connection to %s closed."
  // Port forwarding (LocalForward/-L, RemoteForward/-R), set up after authentication.
  std::vector<config::Forward> local_forwards;
  std::vector<config::Forward> remote_forwards;
  bool gateway_ports = false;
  bool exit_on_forward_failure = false;
  int address_family = 0;  // AF_UNSPEC/AF_INET/AF_INET6 for local listeners
  // ForkAfterAuthentication (-f): background once authenticated and forwards are set up.
  bool fork_after_auth = false;
  // Resume=yes: session continuations (PROTOCOL.continuation); ResumeTimeout bounds our
  // attempts (0: as long as the server keeps the session). reconnect: where to go again.
  bool resume = false;
  uint32_t resume_timeout_s = 0;
  ConnectOptions reconnect;
};

class ClientSession final : public connection::PayloadSink,
                            public continuation::Transmitter,
                            public connection::MuxHandler,
                            public SessionEvents {
 public:
  ClientSession(ClientSessionOptions options, Connection connection, auth::Prompter& prompter);
  ~ClientSession() override;

  // Runs until the session ends; returns ssh's exit status.
  int run();
  // Ended by SIGINT/SIGTERM/SIGHUP/SIGQUIT: OpenSSH then prints no closing line.
  bool killed_by_signal() const { return killed_by_signal_; }

  // connection::PayloadSink
  void send_payload(Bytes&& payload) override;
  // continuation::Transmitter
  Status transmit(ByteView payload) override;
  // SessionEvents
  void on_session_failed(const std::string& message) override;
  void on_session_closed(std::optional<int> exit_status, const std::string& exit_signal) override;
  void on_escape(EscapeAction action) override;
  // connection::MuxHandler
  connection::OpenDecision on_channel_open(const connection::IncomingOpen& open) override;

 private:
  // suspended: the connection is lost and a continuation holds the session; resuming: a
  // new connection is authenticating the continuation (client_resume.cpp).
  enum class Phase { service, auth, connection, suspended, resuming };

  Status start();
  Status handle_message(ByteView payload);
  Status handle_auth(ByteView payload);
  Status start_connection_layer();
  Status start_forwarding();
  void fork_to_background();
  void arm_alive_timer();
  void on_alive_timer();
  void on_winch();
  transport::TransportSession& transport() { return link_->session(); }
  const transport::TransportSession& transport() const { return link_->session(); }
  void finish(int status);
  void check_finished();
  void fail_with(const Error& e);
  std::string describe_error(const Error& e) const;
  Status deliver(ByteView payload);
  void open_link(std::unique_ptr<transport::TransportSession> session);

  // client_resume.cpp: PROTOCOL.continuation, client side.
  void enable_continuations();
  void on_first_kex(const transport::KexSecrets& k);
  void begin_continuation();
  Status on_setup_reply(ByteView payload);
  Status on_counted(ByteView payload);
  bool should_suspend(const Error& e) const;
  void suspend(const Error& e);
  void drop_link();
  void schedule_attempt();
  void attempt_resume();
  Status handle_resume(ByteView payload);
  Status finish_resume(ByteView payload);
  void abandon_attempt(const std::string& why);
  void status_line(const std::string& text) const;
  ClientSessionOptions options_;
  Connection connection_;
  auth::Prompter& prompter_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<HostKeyCheck> host_key_check_;
  std::unique_ptr<transport::TransportLink> link_;
  std::vector<std::unique_ptr<transport::TransportLink>> retired_links_;  // destroyed from the loop
  std::unique_ptr<auth::ClientAuth> auth_;
  std::unique_ptr<connection::Mux> mux_;
  // stdout/stderr of the session: they outlive its channel so that what is still queued
  // when it closes reaches the reader before we exit.
  std::unique_ptr<NonblockingScope> stdout_nonblocking_;
  std::unique_ptr<FdWriter> stdout_;
  std::unique_ptr<FdWriter> stderr_;
  SessionChannel* session_ = nullptr;                // owned by the mux
  std::unique_ptr<LocalForwards> local_forwards_;    // reset before mux_
  std::unique_ptr<RemoteForwards> remote_forwards_;  // reset before mux_
  RawTtyMode tty_;
  Phase phase_ = Phase::service;
  int exit_status_ = 255;
  bool finished_ = false;
  bool killed_by_signal_ = false;
  bool closing_ = false;  // flushing the last bytes before exit
  int alive_missed_ = 0;
  uint64_t alive_seen_packets_ = 0;

  // Continuations (client_resume.cpp).
  std::unique_ptr<continuation::Continuation> cont_;  // outlives mux_ (its sink)
  continuation::Secret presecret_;                    // of the current connection's first kex
  std::unique_ptr<transport::HostKeyVerifier> pinned_host_key_;
  std::string host_key_algorithm_;
  std::string kex_algorithm_;
  TimePoint lost_at_{};
  Millis backoff_{0};
  bool awaiting_resume_ack_ = false;
  std::optional<EventLoop::TimerId> attempt_timer_;
  std::unique_ptr<continuation::AckTimer> ack_timer_;  // before cont_ goes
};

}  // namespace ssh::client
