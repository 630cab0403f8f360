#include "sshd/session_process.h"

#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "auth/messages.h"
#include "base/event_loop.h"
#include "base/log.h"
#include "connection/messages.h"
#include "connection/mux.h"
#include "connection/session_requests.h"
#include "continuation/connection_core.h"
#include "crypto/random.h"
#include "sshd/child_reaper.h"
#include "sshd/monitor_client.h"
#include "sshd/resume_registry.h"
#include "sshd/session_host.h"
#include "sshd/session_state_dir.h"
#include "sshd/tcpip_forward.h"

namespace ssh::sshd {

namespace {

constexpr auto kChildExitGrace = std::chrono::seconds(5);

class SessionProcess final {
 public:
  SessionProcess(SessionParams& p, EventLoop& loop, MonitorClient& monitor, ChildReaper& reaper)
      : p_(p),
        loop_(loop),
        monitor_(monitor),
        host_(loop, reaper, p.session, p.context),
        peer_(label(p.context.connection)),
        core_(loop, transport::Role::server, hooks()) {}

  ~SessionProcess() {
    if (registry_fd_) loop_.unwatch(registry_fd_.get());
    forwarder_.reset();
    core_.end_mux();
  }

  Status start() {
    p_.transport.signer = &monitor_;
    auto session =
        SSH_TRY(transport::TransportSession::import_state(p_.transport_state.view(), p_.transport));
    p_.transport_state.clear();
    host_key_blob_.assign(session->host_key_blob().begin(), session->host_key_blob().end());
    core_.open_link(p_.net_in, p_.net_out, std::move(session));
    core_.set_phase(continuation::MessagePhase::connection);
    auto& mux = core_.start_mux(host_);
    forwarder_ = std::make_unique<TcpipForwarder>(loop_, mux, p_.forwarding);
    host_.set_next(forwarder_.get());
    SSH_TRY(core_.start_link());
    core_.start_keepalive({p_.client_alive_interval, p_.client_alive_count_max});
    return {};
  }

  bool ended() const { return ended_; }

 private:
  static std::string label(const ConnectionInfo& c) {
    return c.client_address + " port " + std::to_string(c.client_port);
  }

  continuation::ConnectionCore::Hooks hooks() {
    continuation::ConnectionCore::Hooks h;
    h.on_message = [](ByteView m) {  // the table routes nothing else to us after login
      return fail(ErrorCode::protocol, "unexpected message " + std::to_string(m[0]));
    };
    h.on_setup_request = [this](ByteView m) { return on_setup(m); };
    h.on_failure = [this](const Error& e) { on_failure(e); };
    h.on_unresponsive = [this] {
      LOG_INFO("Timeout, client not responding from user %s %s", p_.context.user.name.c_str(), peer_.c_str());
      on_failure(Error{ErrorCode::io, DisconnectReason::connection_lost, "client not responding"});
    };
    return h;
  }

  // --- continuation setup (PROTOCOL.continuation §3) ---
  Status on_setup(ByteView payload) {
    auto request = SSH_TRY(connection::decode_global_request(payload));
    // §2.3: without both markers the request is a protocol violation.
    if (p_.presecret.empty()) {
      return fail(ErrorCode::protocol, "continuation setup on a connection without continuations");
    }
    if (!request.want_reply) return fail(ErrorCode::protocol, "continuation setup without want-reply");
    auto presecret = SSH_TRY(continuation::secret_from(p_.presecret.view()));
    p_.presecret.clear();
    if (!p_.resume_allowed) {  // Match ... Resume no (the monitor would refuse too)
      LOG_VERBOSE("continuation for %s refused: Resume no", p_.context.user.name.c_str());
      return core_.link().send(connection::encode(connection::RequestFailure{}));
    }
    continuation::Handle handle;
    crypto::system_random().fill(handle);
    auto registry = monitor_.register_continuation(handle);
    if (!registry) {
      LOG_ERROR("continuation for %s: %s", p_.context.user.name.c_str(), registry.error().context.c_str());
      return core_.link().send(connection::encode(connection::RequestFailure{}));
    }
    bool accepted = SSH_TRY(core_.accept_setup(request.data, handle, p_.resume_timeout_s, std::move(presecret)));
    if (!accepted) return {};
    registry_fd_ = std::move(*registry);
    SSH_TRY(loop_.watch(registry_fd_.get(), EPOLLIN, [this](uint32_t) { on_registry(); }));
    LOG_DEBUG1("continuation established for %s, timeout %u s", p_.context.user.name.c_str(),
               core_.continuation()->timeout_s());
    if (p_.client_alive_interval <= 0 && p_.resumable_alive_interval > 0) {
      core_.start_keepalive({p_.resumable_alive_interval, p_.client_alive_count_max});
    }
    if (auto dir = SessionStateDir::create(); dir && dir->write_connection(p_.context.connection)) {
      state_dir_.emplace(std::move(*dir));
      host_.set_state_dir(state_dir_->path());
    }
    return {};
  }

  // --- losing the connection (always from the event loop: see ConnectionCore) ---
  void on_failure(const Error& e) {
    if (ended_) return;
    if (core_.should_suspend(e) && core_.has_link()) {
      suspend(e);
      return;
    }
    // The same loss, reported once more by whoever was sending when it happened.
    if (core_.resumable() && !core_.has_link() && continuation::is_connection_loss(e)) return;
    end_with(e);
  }

  void end_with(const Error& e) {
    ended_ = true;
    const std::string& user = p_.context.user.name;
    if (core_.peer_disconnected()) {
      const auto& d = core_.transport().peer_disconnect();
      LOG_INFO("Received disconnect from %s:%u: %s", peer_.c_str(), d->reason, d->description.c_str());
      LOG_INFO("Disconnected from user %s %s", user.c_str(), peer_.c_str());
    } else if (e.code == ErrorCode::closed) {
      LOG_INFO("Connection closed by %s", peer_.c_str());
    } else {
      LOG_INFO("%s: %s", peer_.c_str(), e.context.c_str());
    }
    if (core_.has_link() && !core_.transport().is_dead()) {
      core_.transport().disconnect(e.reason, e.context);
      (void)core_.link().flush();
    }
    host_.connection_lost();
    // Before the mux goes: a listener must not accept into a destroyed mux.
    if (forwarder_) forwarder_->connection_lost();
    core_.end_mux();
    core_.drop_link();
  }

  // §8.2: the programs keep running, the socket goes, output is held only as far as the
  // windows and the replay limit allow; the suspend timeout ends it like a disconnect.
  void suspend(const Error& e) {
    LOG_INFO("Connection from user %s %s lost (%s); session suspended for up to %u s",
             p_.context.user.name.c_str(), peer_.c_str(), e.context.c_str(), core_.continuation()->timeout_s());
    core_.suspend();
    close_connection_fds();
    expiry_ = loop_.add_timer(std::chrono::seconds(core_.continuation()->timeout_s()), [this] {
      expiry_.reset();
      LOG_INFO("Suspended session of user %s %s expired", p_.context.user.name.c_str(), peer_.c_str());
      end_with(Error{ErrorCode::closed, DisconnectReason::connection_lost, "suspended session expired"});
    });
    monitor_.suspend_state(true);  // counted against the caps (PROTOCOL.continuation §9)
  }

  void close_connection_fds() {
    if (socket_) {
      socket_.reset();
    } else if (p_.net_in >= 0) {
      close(p_.net_in);
      if (p_.net_out != p_.net_in) close(p_.net_out);
      p_.net_in = p_.net_out = -1;
    }
  }

  // --- resumption (§7.3, §7.4) ---
  void on_registry() {
    auto incoming = accept_resume(registry_fd_.get(), p_.monitor_uid);
    if (!incoming) {
      LOG_ERROR("continuation registry: %s", incoming.error().context.c_str());
      return;
    }
    if (!incoming->end_reason.empty()) {  // a cap on suspended sessions (§9)
      if (core_.has_link()) return;       // resumed meanwhile: no longer suspended
      LOG_INFO("Suspended session of user %s %s ended: %s", p_.context.user.name.c_str(), peer_.c_str(),
               incoming->end_reason.c_str());
      end_with(Error{ErrorCode::closed, DisconnectReason::by_application, incoming->end_reason});
      return;
    }
    auto verdict = adopt(*incoming);
    ResumeVerdict answer{bool(verdict), verdict ? "" : verdict.error().context};
    if (auto s = answer_resume(incoming->connection.get(), answer); !s) {
      LOG_ERROR("continuation registry: %s", s.error().context.c_str());
    }
    if (!end_after_answer_.empty()) {
      LOG_INFO("Suspended session of user %s %s ended: resumption %s", p_.context.user.name.c_str(),
               peer_.c_str(), end_after_answer_.c_str());
      end_with(Error{ErrorCode::auth, DisconnectReason::by_application, end_after_answer_});
    }
  }

  Status adopt(IncomingResume& in) {
    ResumeHandoff& h = in.handoff;
    auto request = SSH_TRY(continuation::decode_resume_auth_data(h.user, h.body));
    continuation::Continuation* cont = core_.continuation();
    if (!core_.resumable()) return fail(ErrorCode::auth, "the session is not resumable");
    if (h.user != p_.context.user.name || request.handle != cont->handle()) {
      return fail(ErrorCode::auth, "the handle names another session");
    }
    auto proven = SSH_TRY(cont->verify_resume(h.session_id, request.received, request.proof));
    // The proof is good: now the login's policy, for the new addresses (our monitor).
    auto policy = SSH_TRY(monitor_.resume_policy(
        ResumePolicyRequest{h.client_address, uint32_t(h.client_port), h.server_address, uint32_t(h.server_port)}));
    if (!policy.ok) {
      // The client stops at this answer; a suspended session would only wait to expire.
      if (!core_.has_link()) end_after_answer_ = policy.reason;
      return fail(ErrorCode::auth, policy.reason);
    }
    auto new_presecret = SSH_TRY(continuation::secret_from(h.presecret.view()));
    auto session = SSH_TRY(transport::TransportSession::import_state(h.state.view(), p_.transport));
    // The client pins the session's host key (§7.1); so do we, so that a handle cannot
    // move a session to a daemon with other keys sharing the registry.
    if (!std::ranges::equal(session->host_key_blob(), host_key_blob_)) {
      return fail(ErrorCode::auth, "the new connection presents another host key");
    }
    ConnectionInfo now{h.client_address, uint16_t(h.client_port), h.server_address, uint16_t(h.server_port)};
    if (core_.has_link()) take_over_from(label(now));
    if (expiry_) loop_.cancel_timer(*expiry_);
    expiry_.reset();
    socket_ = std::move(in.socket);
    core_.open_link(socket_.get(), socket_.get(), std::move(session));
    SSH_TRY(core_.link().send(Bytes{auth::kUserauthSuccess}));
    // §6.3: S stays valid beside S' until the client confirms S' on this connection.
    cont->begin_ratchet(proven, std::move(new_presecret), h.session_id);
    SSH_TRY(core_.resume_transmission(request.received, true));
    peer_ = label(now);
    if (state_dir_) (void)state_dir_->write_connection(now);
    host_.set_connection(std::move(now));
    monitor_.suspend_state(false);
    LOG_INFO("Accepted %s for %s from %s ssh2", std::string(continuation::kAuthMethod).c_str(),
             p_.context.user.name.c_str(), peer_.c_str());
    return core_.start_link();
  }

  // §8.3: the old connection still looked alive; the new one wins, and the old client is
  // told where the session went.
  void take_over_from(const std::string& new_peer) {
    LOG_INFO("Session of user %s resumed from %s; closing the connection from %s", p_.context.user.name.c_str(),
             new_peer.c_str(), peer_.c_str());
    std::string why = "session resumed from " + new_peer;
    core_.transport().disconnect(DisconnectReason::by_application, why);
    (void)core_.link().flush();
    core_.suspend();
    close_connection_fds();
  }

  SessionParams& p_;
  EventLoop& loop_;
  MonitorClient& monitor_;
  SessionHost host_;
  std::string peer_;
  UniqueFd socket_;  // the connection after a resumption (before: p_.net_in/out)
  continuation::ConnectionCore core_;  // declared after host_: its Mux goes first
  std::unique_ptr<TcpipForwarder> forwarder_;
  UniqueFd registry_fd_;
  Bytes host_key_blob_;  // of the original connection
  std::optional<SessionStateDir> state_dir_;
  std::optional<EventLoop::TimerId> expiry_;
  std::string end_after_answer_;  // a resumption refused by policy ends the suspended session
  bool ended_ = false;
};

}  // namespace

int run_session(SessionParams params) {
  signal(SIGPIPE, SIG_IGN);  // write errors come back as EPIPE
  MonitorClient monitor(params.monitor_fd, params.host_keys);
  auto loop = EventLoop::create();
  if (!loop) return 255;
  auto reaper = ChildReaper::create(**loop);
  if (!reaper) return 255;
  SessionProcess process(params, **loop, monitor, **reaper);
  if (auto s = process.start(); !s) {
    LOG_ERROR("session: %s", s.error().context.c_str());
    return 255;
  }
  while (!process.ended()) {
    if (!(*loop)->run_once(Millis(-1))) return 255;
  }
  // Give the session's programs a moment to take their SIGHUP and be reaped.
  auto deadline = Clock::now() + kChildExitGrace;
  while ((*reaper)->pending() > 0 && Clock::now() < deadline) {
    if (!(*loop)->run_once(Millis(100))) break;
  }
  return 0;
}

}  // namespace ssh::sshd
