#include "ssh/client_session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include "auth/messages.h"
#include "base/log.h"
#include "connection/forward_requests.h"
#include "connection/messages.h"
#include "connection/session_requests.h"

namespace ssh::client {

ClientSession::ClientSession(ClientSessionOptions options, Connection connection, auth::Prompter& prompter)
    : options_(std::move(options)), connection_(std::move(connection)), prompter_(prompter) {}

ClientSession::~ClientSession() {
  local_forwards_.reset();
  remote_forwards_.reset();
  if (core_) core_->end_mux();  // handlers call back into the loop while they go
  core_.reset();
}

int ClientSession::run() {
  auto loop = EventLoop::create();
  if (!loop) {
    LOG_ERROR("%s", loop.error().context.c_str());
    return 255;
  }
  loop_ = std::move(*loop);
  if (auto s = start(); !s) {
    fail_with(s.error());
  }
  while (!finished_) {
    if (auto s = loop_->run_once(Millis(-1)); !s) {
      fail_with(s.error());
      break;
    }
  }
  tty_.restore();
  return exit_status_;
}

Status ClientSession::start() {
  core_ = std::make_unique<continuation::ConnectionCore>(*loop_, transport::Role::client, core_hooks());
  host_key_check_ = std::make_unique<HostKeyCheck>(options_.host_key, prompter_);
  options_.transport.verifier = host_key_check_.get();
  if (options_.resume) enable_continuations();
  auto session = std::make_unique<transport::TransportSession>(options_.transport);
  LOG_DEBUG1("Local version string %s", session->our_version().c_str());
  open_link(std::move(session));
  SSH_TRY(loop_->watch_signal(SIGWINCH, [this] { on_winch(); }));
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    SSH_TRY(loop_->watch_signal(sig, [this, sig] {
      LOG_VERBOSE("Killed by signal %d.", sig);
      killed_by_signal_ = true;
      finish(255);
    }));
  }
  // Held by the transport until our NEWKEYS, so it leaves in the same flight.
  SSH_TRY(transport().send_service_request("ssh-userauth"));
  SSH_TRY(core_->start_link());
  core_->start_keepalive({options_.server_alive_interval, options_.server_alive_count_max});
  if (options_.connect_timeout > 0) {
    // ConnectTimeout covers the handshake and key exchange too (ssh_config(5)).
    loop_->add_timer(std::chrono::seconds(options_.connect_timeout), [this] {
      if (finished_ || core_->phase() != continuation::MessagePhase::service || !has_link() ||
          transport().initial_kex_done())
        return;
      if (!transport().version_exchanged()) LOG_ERROR("Connection timed out during banner exchange");
      fail_with(Error{ErrorCode::io, DisconnectReason::connection_lost,
                      "Connection to " + options_.peer_label + " timed out"});
    });
  }
  return {};
}

void ClientSession::open_link(std::unique_ptr<transport::TransportSession> session) {
  int fd = connection_.fd.get();
  core_->open_link(fd, fd, std::move(session));
}

continuation::ConnectionCore::Hooks ClientSession::core_hooks() {
  continuation::ConnectionCore::Hooks h;
  h.on_message = [this](ByteView payload) -> Status {
    switch (core_->phase()) {
      case continuation::MessagePhase::service: return handle_service_accept(payload);
      case continuation::MessagePhase::userauth: return handle_auth(payload);
      case continuation::MessagePhase::resuming: return handle_resume(payload);
      case continuation::MessagePhase::connection: break;
    }
    return fail(ErrorCode::internal, "message routed to no phase");
  };
  h.on_failure = [this](const Error& e) { fail_with(e); };
  h.on_unresponsive = [this] { on_unresponsive(); };
  h.on_drained = [this] { check_finished(); };
  return h;
}

Status ClientSession::handle_service_accept(ByteView payload) {
  auto service = SSH_TRY(auth::decode_service_accept(payload));
  if (service != "ssh-userauth") return fail(ErrorCode::protocol, "server accepted the wrong service");
  LOG_DEBUG1("SSH2_MSG_SERVICE_ACCEPT received");
  core_->set_phase(continuation::MessagePhase::userauth);
  auto ids = load_identities(options_.identities, prompter_);
  auto auth_config = options_.auth;
  if (host_key_check_->mitm_suspected()) {
    auth_config.password = false;
    auth_config.kbdint = false;
  }
  auth_ = std::make_unique<auth::ClientAuth>(auth_config, std::move(ids), prompter_,
                                             Bytes(transport().session_id().begin(), transport().session_id().end()));
  if (const auto& algs = transport().server_sig_algs()) {
    auth_->set_server_sig_algs(*algs);
  }
  for (const auto& ext : transport().ext_info()) {
    if (ext.name == "publickey-hostbound@openssh.com" && as_text(ext.value) == "0") {
      auth_->set_hostbound(Bytes(transport().host_key_blob().begin(), transport().host_key_blob().end()));
    }
  }
  std::vector<Bytes> out;
  auth_->start(out);
  for (auto& m : out) SSH_TRY(transport().send(m));
  return {};
}

Status ClientSession::handle_auth(ByteView payload) {
  std::vector<Bytes> out;
  auto state = SSH_TRY(auth_->on_message(payload, out));
  for (auto& m : out) {
    SSH_TRY(transport().send(m));
    wipe(m.data(), m.size());  // may hold a password
  }
  if (state == auth::ClientAuth::State::failure) {
    return fail(ErrorCode::auth, options_.host_label + ": Permission denied (" + auth_->last_methods() + ").",
                DisconnectReason::no_more_auth_methods_available);
  }
  if (state == auth::ClientAuth::State::success) {
    LOG_VERBOSE("Authenticated to %s using \"%s\".", options_.peer_label.c_str(),
                auth_->used_method().c_str());
    auth_.reset();
    core_->set_phase(continuation::MessagePhase::connection);
    return start_connection_layer();
  }
  return {};
}

Status ClientSession::start_connection_layer() {
  core_->start_mux(*this);
  if (options_.resume) begin_continuation();  // its request goes before any other
  SSH_TRY(start_forwarding());
  if (closing_ || finished_) return {};
  if (!options_.session) {
    LOG_DEBUG1("Entering interactive session (no session channel, -N).");
    return {};
  }
  LOG_DEBUG1("Entering interactive session.");
  if (options_.raw_tty && tty_.enter(STDIN_FILENO)) LOG_DEBUG2("terminal in raw mode");
  stdout_nonblocking_ = std::make_unique<NonblockingScope>(STDOUT_FILENO);
  stdout_ = std::make_unique<FdWriter>(*loop_, STDOUT_FILENO, nullptr);
  stderr_ = std::make_unique<FdWriter>(*loop_, STDERR_FILENO, nullptr);
  for (FdWriter* w : {stdout_.get(), stderr_.get()}) w->on_drained([this] { check_finished(); });
  auto channel = std::make_unique<SessionChannel>(*loop_, *options_.session, *this, *stdout_, *stderr_);
  session_ = channel.get();
  connection::ChannelOptions channel_options;
  channel_options.manual_consume = true;
  SSH_TRY(core_->mux()->open_channel(connection::kChannelSession, {}, std::move(channel), channel_options));
  return {};
}

// ssh(1) sets up the forwards right after authentication, before the session channel;
// -f forks once they are in place (after the remote replies with ExitOnForwardFailure).
Status ClientSession::start_forwarding() {
  local_forwards_ =
      std::make_unique<LocalForwards>(*loop_, *core_->mux(), options_.gateway_ports, options_.address_family);
  for (const auto& f : options_.local_forwards) {
    if (local_forwards_->add(f)) continue;
    if (options_.exit_on_forward_failure) {
      LOG_ERROR("Could not request local forwarding.");
      finish(255);
      return {};
    }
    LOG_ERROR("Could not request local forwarding.");
  }
  bool wait_for_remote = options_.exit_on_forward_failure && !options_.remote_forwards.empty();
  RemoteForwards::Callbacks callbacks;
  callbacks.all_replied = [this, wait_for_remote] {
    if (wait_for_remote && options_.fork_after_auth) fork_to_background();
  };
  callbacks.fatal = [this](const std::string& message) {
    LOG_ERROR("%s", message.c_str());
    finish(255);
  };
  remote_forwards_ = std::make_unique<RemoteForwards>(*loop_, *core_->mux(), options_.remote_forwards,
                                                      options_.exit_on_forward_failure, std::move(callbacks));
  remote_forwards_->start();
  if (options_.fork_after_auth && !wait_for_remote) fork_to_background();
  return {};
}

// daemon(3)-like: the parent exits 0 at once without touching the loop it shares with the
// child; the child leaves the terminal's session and reads no more stdin. Like stock ssh
// (Debian's 9.2) it keeps stdout and stderr when a session runs, so a remote command's
// output still shows.
void ClientSession::fork_to_background() {
  if (!options_.fork_after_auth) return;
  options_.fork_after_auth = false;
  LOG_DEBUG1("forking to background");
  if (auto s = core_->link().flush(); !s) {
    fail_with(s.error());
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    LOG_ERROR("daemon() failed: %s", strerror(errno));
    finish(255);
    return;
  }
  if (pid > 0) _exit(0);
  (void)setsid();
  // The loop's signalfd stays wired to the parent's signal queue (epoll registered it
  // there), so the child would never see SIGTERM through it: let the default actions
  // end the background client instead.
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd < 0) return;
  dup2(null_fd, STDIN_FILENO);
  if (!options_.session) {
    // Nothing will be written for the user any more (-N): let go of the caller's output
    // too, as stock ssh does, keeping stderr only for -v debugging.
    dup2(null_fd, STDOUT_FILENO);
    if (!log::enabled(log::Level::debug1)) dup2(null_fd, STDERR_FILENO);
  }
  if (null_fd > STDERR_FILENO) close(null_fd);
}

connection::OpenDecision ClientSession::on_channel_open(const connection::IncomingOpen& open) {
  if (open.type == connection::kChannelForwardedTcpip && remote_forwards_)
    return remote_forwards_->on_open(open);
  return connection::MuxHandler::on_channel_open(open);
}

// The keepalive went unanswered: before login that ends the attempt, after it the
// server is gone (a continuation suspends instead).
void ClientSession::on_unresponsive() {
  if (finished_ || closing_) return;
  if (!logged_in()) {
    fail_with(Error{ErrorCode::io, DisconnectReason::connection_lost,
                    "Connection to " + options_.peer_label + " timed out"});
    return;
  }
  Error timeout{ErrorCode::io, DisconnectReason::connection_lost, "server not responding"};
  if (should_suspend(timeout)) {
    suspend(timeout);
    return;
  }
  LOG_ERROR("Timeout, server %s not responding.",
            options_.peer_label.substr(0, options_.peer_label.find(' ')).c_str());
  finish(255);
}

void ClientSession::on_winch() {
  if (!session_ || !options_.session || !options_.session->pty) return;
  winsize ws{};
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0) return;
  session_->send_window_change({ws.ws_col, ws.ws_row, ws.ws_xpixel, ws.ws_ypixel});
}

void ClientSession::on_escape(EscapeAction action) {
  auto say = [](const std::string& text) {
    ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
    (void)ignored;
  };
  switch (action) {
    case EscapeAction::disconnect: finish(255); break;
    case EscapeAction::help: say(EscapeFilter(options_.session->escape_char).help_text()); break;
    case EscapeAction::send_break:
      if (session_) session_->send_break();
      break;
    case EscapeAction::rekey:
      LOG_VERBOSE("Requesting rekey...");
      if (!has_link()) break;
      if (auto s = transport().rekey(); !s) core_->report(s.error());
      break;
    case EscapeAction::more_verbose:
    case EscapeAction::less_verbose: {
      bool more = action == EscapeAction::more_verbose;
      int level =
          std::clamp(int(log::level()) + (more ? 1 : -1), int(log::Level::quiet), int(log::Level::debug3));
      log::set_level(log::Level(level));
      say(std::string(1, char(options_.session->escape_char)) + (more ? "v" : "V") + " [LogLevel " +
          log::level_name(log::Level(level)) + "]\r\n");
      break;
    }
    case EscapeAction::list_forwards:
      say("The following connections are open:\r\n  #0 client-session (t4 nr0 i0/0 o0/0 e[write]/4 fd 4/5/6 "
          "sock -1 cc -1)\r\n");
      break;
    case EscapeAction::suspend: {
      say(std::string(1, char(options_.session->escape_char)) + "^Z [suspend ssh]\r\n");
      tty_.restore();
      kill(getpid(), SIGSTOP);
      if (options_.raw_tty) tty_.enter(STDIN_FILENO);
      on_winch();
      break;
    }
  }
  if (!has_link()) return;
  if (auto s = core_->link().flush(); !s) core_->report(s.error());
}

void ClientSession::on_session_failed(const std::string& message) {
  LOG_ERROR("%s", message.c_str());
  finish(255);
}

void ClientSession::on_session_closed(std::optional<int> exit_status, const std::string& exit_signal) {
  session_ = nullptr;
  // Like OpenSSH, a remote signal only shows at -v; the exit status is 255.
  if (!exit_signal.empty()) LOG_DEBUG1("Remote command terminated by signal %s.", exit_signal.c_str());
  LOG_DEBUG1("Exit status %d", exit_status.value_or(-1));
  finish(exit_status.value_or(255));
}

void ClientSession::finish(int status) {
  exit_status_ = status;
  if (closing_ || finished_) return;
  closing_ = true;
  tty_.restore();
  if (has_link() && !transport().is_dead()) {
    transport().disconnect(DisconnectReason::by_application, "disconnected by user");
    if (!core_->link().flush()) core_->drop_link();
  }
  check_finished();
}

// Done once the DISCONNECT is out and the reader has everything the session printed.
void ClientSession::check_finished() {
  if (!closing_ || finished_) return;
  if (has_link() && core_->link().output_pending()) return;
  if ((stdout_ && stdout_->pending() > 0) || (stderr_ && stderr_->pending() > 0)) return;
  finished_ = true;
}

std::string ClientSession::describe_error(const Error& e) const {
  if (e.code == ErrorCode::closed && e.reason == DisconnectReason::connection_lost) {
    return logged_in() ? "Connection to " + options_.closed_label + " closed by remote host."
                                       : "Connection closed by " + options_.peer_label;
  }
  if (e.code == ErrorCode::io && e.context == std::string("read: ") + strerror(ECONNRESET)) {
    return "Connection reset by " + options_.peer_label;
  }
  if (e.code == ErrorCode::io && e.context.rfind("read: ", 0) == 0) {
    return "Read from remote host " + options_.peer_label + ": " + e.context.substr(6);
  }
  if (e.reason == DisconnectReason::host_key_not_verifiable || e.code == ErrorCode::auth ||
      e.code == ErrorCode::closed || e.code == ErrorCode::io) {
    return e.context;
  }
  if (has_link() && !transport().initial_kex_done() && e.context.rfind("no matching", 0) == 0) {
    return "Unable to negotiate with " + options_.peer_label + ": " + e.context;
  }
  return "ssh_dispatch_run_fatal: Connection to " + options_.peer_label + ": " + e.context;
}

void ClientSession::fail_with(const Error& e) {
  if (finished_) return;
  if (closing_) {
    // On the way out already (our DISCONNECT is sent or the connection is gone): the
    // status stands; only what the reader still has to get keeps us.
    core_->drop_link();
    check_finished();
    return;
  }
  if (resuming() && definitive_refusal_.empty()) {
    retry_after(e);
    return;
  }
  if (should_suspend(e)) {
    suspend(e);
    return;
  }
  tty_.restore();
  if (const auto& d = has_link() ? transport().peer_disconnect() : std::nullopt) {
    LOG_INFO("Received disconnect from %s:%u: %s", options_.peer_label.c_str(), d->reason,
             d->description.c_str());
    LOG_INFO("Disconnected from %s", options_.peer_label.c_str());
  } else {
    LOG_ERROR("%s", describe_error(e).c_str());
  }
  if (has_link()) core_->link().stop();
  exit_status_ = 255;
  finished_ = true;
}

}  // namespace ssh::client
