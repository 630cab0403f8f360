#include "sshd/session_process.h"

#include <signal.h>

#include "base/event_loop.h"
#include "base/log.h"
#include "connection/mux.h"
#include "connection/session_requests.h"
#include "sshd/child_reaper.h"
#include "sshd/monitor_client.h"
#include "sshd/session_host.h"
#include "sshd/tcpip_forward.h"
#include "transport/transport_link.h"

namespace ssh::sshd {

namespace {

constexpr auto kChildExitGrace = std::chrono::seconds(5);

class SessionProcess final : public connection::PayloadSink {
 public:
  SessionProcess(SessionParams& p, EventLoop& loop, MonitorClient& monitor, ChildReaper& reaper)
      : p_(p),
        loop_(loop),
        monitor_(monitor),
        host_(loop, reaper, p.session, p.context),
        peer_(p.context.connection.client_address + " port " +
              std::to_string(p.context.connection.client_port)) {}

  Status start() {
    p_.transport.signer = &monitor_;
    auto session =
        SSH_TRY(transport::TransportSession::import_state(p_.transport_state.view(), p_.transport));
    p_.transport_state.clear();
    link_ = std::make_unique<transport::TransportLink>(
        loop_, p_.net_in, p_.net_out, std::move(session), [this](ByteView m) { return on_message(m); },
        [this](const Error& e) { on_error(e); });
    mux_ = std::make_unique<connection::Mux>(*this, host_);
    forwarder_ = std::make_unique<TcpipForwarder>(loop_, *mux_, p_.forwarding);
    host_.set_next(forwarder_.get());
    SSH_TRY(link_->start());
    arm_alive_timer();
    return {};
  }

  void send_payload(Bytes&& payload) override {
    if (auto s = link_->send(payload); !s) on_error(s.error());
  }

  bool ended() const { return ended_; }

 private:
  Status on_message(ByteView payload) {
    uint8_t type = payload[0];
    if (connection::is_connection_message(type)) return mux_->handle(payload);
    // RFC 4252 §5.1: requests after a successful login are ignored.
    if (type >= 50 && type <= 79) return {};
    return fail(ErrorCode::protocol, "unexpected message " + std::to_string(type));
  }

  void on_error(const Error& e) {
    if (ended_) return;
    ended_ = true;
    const std::string& user = p_.context.user.name;
    if (const auto& d = link_->session().peer_disconnect()) {
      LOG_INFO("Received disconnect from %s:%u: %s", peer_.c_str(), d->reason, d->description.c_str());
      LOG_INFO("Disconnected from user %s %s", user.c_str(), peer_.c_str());
    } else if (e.code == ErrorCode::closed) {
      LOG_INFO("Connection closed by %s", peer_.c_str());
    } else {
      LOG_INFO("%s: %s", peer_.c_str(), e.context.c_str());
    }
    host_.connection_lost();
    // Before the mux goes: a listener must not accept into a destroyed mux.
    if (forwarder_) forwarder_->connection_lost();
    mux_.reset();
    link_->stop();
  }

  // ClientAliveInterval: a keepalive@openssh.com request after each quiet interval;
  // after ClientAliveCountMax unanswered ones the client is gone.
  void arm_alive_timer() {
    if (p_.client_alive_interval <= 0) return;
    loop_.add_timer(std::chrono::seconds(p_.client_alive_interval), [this] {
      if (ended_) return;
      uint64_t seen = link_->session().received().packets;
      if (seen != alive_seen_) {
        alive_seen_ = seen;
        alive_missed_ = 0;
      } else if (++alive_missed_ > p_.client_alive_count_max) {
        LOG_INFO("Timeout, client not responding from user %s %s", p_.context.user.name.c_str(),
                 peer_.c_str());
        on_error(Error{ErrorCode::io, DisconnectReason::connection_lost, "client not responding"});
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
  std::unique_ptr<transport::TransportLink> link_;
  std::unique_ptr<connection::Mux> mux_;  // destroyed before host_ (declared after it)
  std::unique_ptr<TcpipForwarder> forwarder_;
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
