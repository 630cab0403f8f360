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
#include "continuation/connection_core.h"
#include "ssh/async_connect.h"
#include "ssh/connect.h"
#include "ssh/host_key_check.h"
#include "ssh/identities.h"
#include "ssh/local_forward.h"
#include "ssh/remote_forward.h"
#include "ssh/session_channel.h"
#include "ssh/tty_mode.h"

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

class ClientSession final : public connection::MuxHandler, public SessionEvents {
 public:
  ClientSession(ClientSessionOptions options, Connection connection, auth::Prompter& prompter);
  ~ClientSession() override;

  // Runs until the session ends; returns ssh's exit status.
  int run();
  // Ended by SIGINT/SIGTERM/SIGHUP/SIGQUIT: OpenSSH then prints no closing line.
  bool killed_by_signal() const { return killed_by_signal_; }

  // SessionEvents
  void on_session_failed(const std::string& message) override;
  void on_session_closed(std::optional<int> exit_status, const std::string& exit_signal) override;
  void on_escape(EscapeAction action) override;
  // connection::MuxHandler
  connection::OpenDecision on_channel_open(const connection::IncomingOpen& open) override;

 private:
  Status start();
  Status handle_message(ByteView payload);
  Status handle_service_accept(ByteView payload);
  Status handle_auth(ByteView payload);
  continuation::ConnectionCore::Hooks core_hooks();
  void on_unresponsive();
  Status start_connection_layer();
  Status start_forwarding();
  void fork_to_background();
  void on_winch();
  transport::TransportSession& transport() { return core_->transport(); }
  const transport::TransportSession& transport() const { return core_->transport(); }
  bool has_link() const { return core_ && core_->has_link(); }
  bool logged_in() const { return core_ && core_->phase() == continuation::MessagePhase::connection; }
  // The connection is lost, the continuation holds the session, no attempt is running.
  bool suspended() const { return logged_in() && core_->resumable() && !core_->has_link() && !connector_; }
  bool resuming() const { return core_ && core_->phase() == continuation::MessagePhase::resuming; }
  void finish(int status);
  void check_finished();
  void fail_with(const Error& e);
  std::string describe_error(const Error& e) const;
  void open_link(std::unique_ptr<transport::TransportSession> session);

  // client_resume.cpp: PROTOCOL.continuation, client side.
  void enable_continuations();
  void on_first_kex(const transport::KexSecrets& k);
  void begin_continuation();
  bool should_suspend(const Error& e) const;
  void suspend(const Error& e);
  void schedule_attempt();
  void attempt_resume();
  void on_reconnected(Result<Connection> connection);
  Status handle_resume(ByteView payload);
  Status finish_resume(ByteView payload);
  void retry_after(const Error& e);
  void abandon_attempt(const std::string& why);
  void status_line(const std::string& text) const;
  ClientSessionOptions options_;
  Connection connection_;
  auth::Prompter& prompter_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<HostKeyCheck> host_key_check_;
  std::unique_ptr<continuation::ConnectionCore> core_;  // link, Mux, continuation
  std::unique_ptr<auth::ClientAuth> auth_;
  // stdout/stderr of the session: they outlive its channel so that what is still queued
  // when it closes reaches the reader before we exit.
  std::unique_ptr<NonblockingScope> stdout_nonblocking_;
  std::unique_ptr<FdWriter> stdout_;
  std::unique_ptr<FdWriter> stderr_;
  SessionChannel* session_ = nullptr;                // owned by the mux
  std::unique_ptr<LocalForwards> local_forwards_;    // reset before the Mux
  std::unique_ptr<RemoteForwards> remote_forwards_;  // reset before the Mux
  RawTtyMode tty_;
  int exit_status_ = 255;
  bool finished_ = false;
  bool killed_by_signal_ = false;
  bool closing_ = false;  // flushing the last bytes before exit

  // Continuations (client_resume.cpp).
  continuation::Secret presecret_;  // of the current connection's first kex
  std::unique_ptr<transport::HostKeyVerifier> pinned_host_key_;
  std::string host_key_algorithm_;
  std::string kex_algorithm_;
  TimePoint lost_at_{};
  Millis backoff_{0};
  bool awaiting_resume_ack_ = false;
  std::optional<EventLoop::TimerId> attempt_timer_;
  std::unique_ptr<AsyncConnector> connector_;  // while an attempt connects
  std::string definitive_refusal_;             // §7.3: the server's final word, this attempt
  bool warned_host_key_ = false;
};

}  // namespace ssh::client
