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
#include "continuation/ack_timer.h"
#include "continuation/continuation.h"
#include "crypto/random.h"
#include "sshd/child_reaper.h"
#include "sshd/monitor_client.h"
#include "sshd/resume_registry.h"
#include "sshd/session_host.h"
#include "sshd/session_state_dir.h"
#include "sshd/tcpip_forward.h"
#include "transport/transport_link.h"

namespace ssh::sshd {

namespace {

constexpr auto kChildExitGrace = std::chrono::seconds(5);

class SessionProcess final : public connection::PayloadSink, public continuation::Transmitter {
 public:
  SessionProcess(SessionParams& p, EventLoop& loop, MonitorClient& monitor, ChildReaper& reaper)
      : p_(p),
        loop_(loop),
        monitor_(monitor),
        host_(loop, reaper, p.session, p.context),
        peer_(label(p.context.connection)) {}

  ~SessionProcess() override {
    if (registry_fd_) loop_.unwatch(registry_fd_.get());
    mux_.reset();
  }

  Status start() {
    p_.transport.signer = &monitor_;
    auto session =
        SSH_TRY(transport::TransportSession::import_state(p_.transport_state.view(), p_.transport));
    p_.transport_state.clear();
    host_key_blob_.assign(session->host_key_blob().begin(), session->host_key_blob().end());
    open_link(p_.net_in, p_.net_out, std::move(session));
    mux_ = std::make_unique<connection::Mux>(*this, host_);
    forwarder_ = std::make_unique<TcpipForwarder>(loop_, *mux_, p_.forwarding);
    host_.set_next(forwarder_.get());
    SSH_TRY(link_->start());
    arm_alive_timer();
    return {};
  }

  // Before setup the Mux talks to the transport directly.
  void send_payload(Bytes&& payload) override {
    if (auto s = transmit(payload); !s) on_error(s.error());
  }

  // continuation::Transmitter
  Status transmit(ByteView payload) override { return link_ ? link_->send(payload) : Status{}; }

  bool ended() const { return ended_; }

 private:
  static std::string label(const ConnectionInfo& c) {
    return c.client_address + " port " + std::to_string(c.client_port);
  }

  void open_link(int in_fd, int out_fd, std::unique_ptr<transport::TransportSession> session) {
    link_ = std::make_unique<transport::TransportLink>(
        loop_, in_fd, out_fd, std::move(session), [this](ByteView m) { return on_message(m); },
        [this](const Error& e) { on_error(e); });
  }

  Status on_message(ByteView payload) {
    uint8_t type = payload[0];
    if (type >= 80 && type <= 127) {
      if (cont_ && cont_->established()) {
        return continuation::receive_counted(*cont_, *ack_timer_, *mux_, payload,
                                             [this](ByteView m) { return deliver(m); });
      }
      if (continuation::is_global_request(payload, continuation::kSetupRequest)) return on_setup(payload);
      // §2.3, §5.3: acknowledgements exist only on an established continuation.
      if (continuation::is_global_request(payload, continuation::kAckRequest)) {
        return fail(ErrorCode::protocol, "continuation acknowledgement without a continuation");
      }
      return deliver(payload);
    }
    // RFC 4252 §5.1: requests after a successful login are ignored.
    if (type >= 50 && type <= 79) return {};
    return fail(ErrorCode::protocol, "unexpected message " + std::to_string(type));
  }

  Status deliver(ByteView payload) {
    if (connection::is_connection_message(payload[0])) return mux_->handle(payload);
    return fail(ErrorCode::protocol, "unexpected message " + std::to_string(payload[0]));
  }

  // --- continuation setup (PROTOCOL.continuation §3) ---
  Status on_setup(ByteView payload) {
    auto request = SSH_TRY(connection::decode_global_request(payload));
    // §2.3: without both markers the request is a protocol violation.
    if (p_.presecret.empty() || cont_) {
      return fail(ErrorCode::protocol, "continuation setup on a connection without continuations");
    }
    if (!request.want_reply) return fail(ErrorCode::protocol, "continuation setup without want-reply");
    continuation::Handle handle;
    crypto::system_random().fill(handle);
    auto registry = monitor_.register_continuation(handle);
    if (!registry) {
      LOG_ERROR("continuation for %s: %s", p_.context.user.name.c_str(), registry.error().context.c_str());
      return link_->send(connection::encode(connection::RequestFailure{}));
    }
    auto cont = std::make_unique<continuation::Continuation>(continuation::kDefaultReplayLimit,
                                                             [this](const Error& e) { on_error(e); });
    auto presecret = SSH_TRY(continuation::secret_from(p_.presecret.view()));
    p_.presecret.clear();
    auto reply = cont->accept_setup(request.data, handle, p_.resume_timeout_s, std::move(presecret));
    if (!reply) {
      LOG_INFO("continuation for %s refused: %s", p_.context.user.name.c_str(),
               reply.error().context.c_str());
      return link_->send(connection::encode(connection::RequestFailure{}));
    }
    SSH_TRY(link_->send(*reply));
    cont_ = std::move(cont);
    cont_->attach(*this);
    mux_->set_sink(*cont_);
    ack_timer_ =
        std::make_unique<continuation::AckTimer>(loop_, *cont_, [this](const Error& e) { on_error(e); });
    registry_fd_ = std::move(*registry);
    SSH_TRY(loop_.watch(registry_fd_.get(), EPOLLIN, [this](uint32_t) { on_registry(); }));
    LOG_DEBUG1("continuation established for %s, timeout %u s", p_.context.user.name.c_str(),
               cont_->timeout_s());
    if (auto dir = SessionStateDir::create(); dir && dir->write_connection(p_.context.connection)) {
      state_dir_.emplace(std::move(*dir));
      host_.set_state_dir(state_dir_->path());
    }
    return {};
  }

  // --- losing the connection ---
  void on_error(const Error& e) {
    if (ended_) return;
    if (cont_ && cont_->established()) {
      if (link_ && !link_->session().peer_disconnect() && continuation::is_connection_loss(e)) {
        suspend(e);
        return;
      }
      // The same loss, reported once more by whoever was sending when it happened.
      if (!link_ && continuation::is_connection_loss(e)) return;
    }
    end_with(e);
  }

  void end_with(const Error& e) {
    ended_ = true;
    const std::string& user = p_.context.user.name;
    if (link_ && link_->session().peer_disconnect()) {
      const auto& d = link_->session().peer_disconnect();
      LOG_INFO("Received disconnect from %s:%u: %s", peer_.c_str(), d->reason, d->description.c_str());
      LOG_INFO("Disconnected from user %s %s", user.c_str(), peer_.c_str());
    } else if (e.code == ErrorCode::closed) {
      LOG_INFO("Connection closed by %s", peer_.c_str());
    } else {
      LOG_INFO("%s: %s", peer_.c_str(), e.context.c_str());
    }
    if (cont_) cont_->close();
    host_.connection_lost();
    // Before the mux goes: a listener must not accept into a destroyed mux.
    if (forwarder_) forwarder_->connection_lost();
    mux_.reset();
    if (link_) link_->stop();
  }

  // §8.2: the programs keep running, the socket goes, output is held only as far as the
  // windows and the replay limit allow; the suspend timeout ends it like a disconnect.
  void suspend(const Error& e) {
    LOG_INFO("Connection from user %s %s lost (%s); session suspended for up to %u s",
             p_.context.user.name.c_str(), peer_.c_str(), e.context.c_str(), cont_->timeout_s());
    drop_link();
    cont_->detach();
    LOG_DEBUG1("suspended with %zu channels, %zu unacknowledged messages (%llu bytes) held",
               mux_->channel_count(), cont_->buffer().held_messages(),
               static_cast<unsigned long long>(cont_->buffer().held_bytes()));
    expiry_ = loop_.add_timer(std::chrono::seconds(cont_->timeout_s()), [this] {
      expiry_.reset();
      LOG_INFO("Suspended session of user %s %s expired", p_.context.user.name.c_str(), peer_.c_str());
      end_with(Error{ErrorCode::closed, DisconnectReason::connection_lost, "suspended session expired"});
    });
  }

  // The link may be what is calling us: stop it now, destroy it from the loop.
  void drop_link() {
    if (!link_) return;
    link_->stop();
    retired_.push_back(std::move(link_));
    loop_.add_timer(Millis(0), [this] { retired_.clear(); });
    if (socket_) {
      socket_.reset();
    } else {
      close(p_.net_in);
      if (p_.net_out != p_.net_in) close(p_.net_out);
    }
  }

  // --- resumption (§7.3, §7.4) ---
  void on_registry() {
    auto incoming = accept_resume(registry_fd_.get(), p_.monitor_uid);
    if (!incoming) {
      LOG_ERROR("continuation registry: %s", incoming.error().context.c_str());
      return;
    }
    auto verdict = adopt(*incoming);
    ResumeVerdict answer{bool(verdict), verdict ? "" : verdict.error().context};
    if (auto s = answer_resume(incoming->connection.get(), answer); !s) {
      LOG_ERROR("continuation registry: %s", s.error().context.c_str());
    }
  }

  Status adopt(IncomingResume& in) {
    ResumeHandoff& h = in.handoff;
    auto request = SSH_TRY(continuation::decode_resume_auth_data(h.user, h.body));
    if (!cont_ || !cont_->established()) return fail(ErrorCode::auth, "the session is not resumable");
    if (h.user != p_.context.user.name || request.handle != cont_->handle()) {
      return fail(ErrorCode::auth, "the handle names another session");
    }
    SSH_TRY(cont_->verify_resume(h.session_id, request.received, request.proof));
    auto new_presecret = SSH_TRY(continuation::secret_from(h.presecret.view()));
    auto session = SSH_TRY(transport::TransportSession::import_state(h.state.view(), p_.transport));
    // The client pins the session's host key (§7.1); so do we, so that a handle cannot
    // move a session to a daemon with other keys sharing the registry.
    if (!std::ranges::equal(session->host_key_blob(), host_key_blob_)) {
      return fail(ErrorCode::auth, "the new connection presents another host key");
    }
    if (link_) {
      // §8.3: the old connection still looked alive; the new one wins.
      LOG_INFO("Replacing the connection from %s for user %s", peer_.c_str(), p_.context.user.name.c_str());
      drop_link();
      cont_->detach();
    }
    if (expiry_) loop_.cancel_timer(*expiry_);
    expiry_.reset();
    socket_ = std::move(in.socket);
    open_link(socket_.get(), socket_.get(), std::move(session));
    SSH_TRY(link_->send(Bytes{auth::kUserauthSuccess}));
    cont_->ratchet_secret(std::move(new_presecret));
    cont_->attach(*this);
    SSH_TRY(link_->send(cont_->take_ack()));
    SSH_TRY(cont_->retransmit_after(request.received));
    ConnectionInfo now{h.client_address, uint16_t(h.client_port), h.server_address, uint16_t(h.server_port)};
    peer_ = label(now);
    if (state_dir_) (void)state_dir_->write_connection(now);
    host_.set_connection(std::move(now));
    LOG_INFO("Accepted %s for %s from %s ssh2", std::string(continuation::kAuthMethod).c_str(),
             p_.context.user.name.c_str(), peer_.c_str());
    alive_missed_ = 0;
    SSH_TRY(link_->start());
    if (cont_->accepting_data()) mux_->resume_output();
    return {};
  }

  // ClientAliveInterval: a keepalive@openssh.com request after each quiet interval;
  // after ClientAliveCountMax unanswered ones the client is gone (suspended, with a
  // continuation).
  void arm_alive_timer() {
    if (p_.client_alive_interval <= 0) return;
    loop_.add_timer(std::chrono::seconds(p_.client_alive_interval), [this] {
      if (ended_) return;
      if (!link_) {
        arm_alive_timer();  // suspended: nobody to ask
        return;
      }
      uint64_t seen = link_->session().received().packets;
      if (seen != alive_seen_) {
        alive_seen_ = seen;
        alive_missed_ = 0;
      } else if (++alive_missed_ > p_.client_alive_count_max) {
        LOG_INFO("Timeout, client not responding from user %s %s", p_.context.user.name.c_str(),
                 peer_.c_str());
        on_error(Error{ErrorCode::io, DisconnectReason::connection_lost, "client not responding"});
        arm_alive_timer();
        return;
      }
      if (alive_missed_ > 0)
        (void)mux_->send_global_request(connection::kReqKeepalive, {}, [](bool, ByteView) {});
      arm_alive_timer();
    });
  }

  SessionParams& p_;
  EventLoop& loop_;
  MonitorClient& monitor_;
  SessionHost host_;
  std::string peer_;
  UniqueFd socket_;  // the connection after a resumption (before: p_.net_in/out)
  std::unique_ptr<transport::TransportLink> link_;
  std::vector<std::unique_ptr<transport::TransportLink>> retired_;
  std::unique_ptr<continuation::Continuation> cont_;  // outlives mux_ (its sink)
  std::unique_ptr<connection::Mux> mux_;              // destroyed before host_ (declared after it)
  std::unique_ptr<TcpipForwarder> forwarder_;
  UniqueFd registry_fd_;
  Bytes host_key_blob_;  // of the original connection
  std::optional<SessionStateDir> state_dir_;
  std::unique_ptr<continuation::AckTimer> ack_timer_;  // declared after cont_: goes first
  std::optional<EventLoop::TimerId> expiry_;
  bool ended_ = false;
  uint64_t alive_seen_ = 0;
  int alive_missed_ = 0;
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
