#include "sshd/preauth_child.h"

#include <cerrno>
#include <cstring>

#include "auth/messages.h"
#include "base/event_loop.h"
#include "base/log.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "continuation/key_schedule.h"
#include "continuation/message_phases.h"
#include "continuation/messages.h"
#include "continuation/names.h"
#include "sshd/monitor_client.h"
#include "transport/transport_link.h"

namespace ssh::sshd {

namespace {

class Preauth {
 public:
  Preauth(PreauthParams& p, MonitorClient& monitor, EventLoop& loop)
      : p_(p), monitor_(monitor), loop_(loop) {}

  Status start() {
    p_.transport.signer = &monitor_;
    if (p_.continuations) {
      p_.transport.extra_kex_markers.emplace_back(continuation::kServerMarker);
      p_.auth.external_methods.emplace_back(continuation::kAuthMethod);
      // §6.1: only the first exchange's K and H make the pre-secret.
      p_.transport.on_kex_secrets = [this](const transport::KexSecrets& k) {
        if (k.initial) presecret_ = continuation::derive_presecret(k.shared_secret, k.exchange_hash);
      };
    }
    auto session = std::make_unique<transport::TransportSession>(p_.transport);
    link_ = std::make_unique<transport::TransportLink>(
        loop_, p_.net_in, p_.net_out, std::move(session), [this](ByteView m) { return on_message(m); },
        [this](const Error& e) { on_error(e); });
    return link_->start();
  }

  int status() const { return status_; }

 private:
  Status on_message(ByteView payload) {
    using continuation::MessagePhase;
    MessagePhase phase = service_accepted_ ? MessagePhase::userauth : MessagePhase::service;
    if (continuation::route(transport::Role::server, phase, payload[0]) != continuation::Route::owner) {
      // RFC 4253 §10: before the service request, anything else is a bad one.
      if (phase == MessagePhase::service) return on_service_request(payload);
      return fail(ErrorCode::protocol,
                  "unexpected message " + std::to_string(payload[0]) + " before authentication");
    }
    // Some clients (paramiko) ask for the service again before each retry; sshd answers.
    if (payload[0] == auth::kServiceRequest) return on_service_request(payload);
    if (!auth_) {
      auto cfg = p_.auth;
      auto host_key = link_->session().host_key_blob();
      cfg.host_key_blob = Bytes(host_key.begin(), host_key.end());
      auto sid = link_->session().session_id();
      auth_ = std::make_unique<auth::ServerAuth>(cfg, monitor_, Bytes(sid.begin(), sid.end()));
    }
    std::vector<Bytes> out;
    auto state = auth_->on_message(payload, out);
    if (!state) {
      link_->session().disconnect(state.error().reason, state.error().context);
      return std::unexpected(state.error());
    }
    for (const auto& m : out) SSH_TRY(link_->session().send(m));
    if (*state == auth::ServerAuth::State::success) return hand_off();
    if (*state == auth::ServerAuth::State::external) return resume();
    return link_->flush();
  }

  // §2.3: both markers in the first KEXINIT pair.
  bool continuations_available() const {
    return p_.continuations && link_->session().peer_offered(continuation::kClientMarker);
  }
  ByteView presecret() const { return continuations_available() ? presecret_.view() : ByteView(); }

  // PROTOCOL.continuation §7.3: the monitor hands the connection to the suspended
  // session, which checks the proof; on success this process lets go of it.
  Status resume() {
    const auth::ExternalRequest& req = auth_->external_request();
    ResumeVerdict verdict{false, "continuations are not available on this connection"};
    if (!req.user_valid) {
      verdict.reason = continuation::kNoSuchSession;  // as for any unknown handle
    } else if (continuations_available()) {
      auto state = SSH_TRY(link_->session().export_state());
      verdict = SSH_TRY(monitor_.resume(req.user, req.body, state.view(), presecret()));
    }
    if (verdict.ok) {
      link_->stop();
      status_ = 0;
      loop_.stop();
      return {};
    }
    std::vector<Bytes> out;
    // §7.3: an answer no later attempt could change goes first, so the client stops.
    if (auto refusal = continuation::definitive_refusal(verdict.reason)) {
      out.push_back(continuation::encode_refusal(*refusal));
    }
    auto state = auth_->external_failed(verdict.reason, out);
    if (!state) {
      link_->session().disconnect(state.error().reason, state.error().context);
      return std::unexpected(state.error());
    }
    for (const auto& m : out) SSH_TRY(link_->session().send(m));
    return link_->flush();
  }

  // RFC 4253 §10: the only service before login is ssh-userauth.
  Status on_service_request(ByteView payload) {
    WireReader r(payload);
    uint8_t type = SSH_TRY(r.u8());
    std::string_view name = type == auth::kServiceRequest ? SSH_TRY(r.text(256)) : std::string_view();
    if (type != auth::kServiceRequest || name != "ssh-userauth" || !r.expect_end()) {
      link_->session().disconnect(DisconnectReason::service_not_available, "bad service request");
      return fail(ErrorCode::protocol, "bad service request", DisconnectReason::service_not_available);
    }
    service_accepted_ = true;
    return link_->send(WireWriter().u8(auth::kServiceAccept).string("ssh-userauth").take());
  }

  // USERAUTH_SUCCESS is queued (not yet written): the state carries it to the session
  // process, together with any input the client pipelined after its last request.
  Status hand_off() {
    const auto& s = auth_->success();
    bool accepted = SSH_TRY(monitor_.auth_done(s.user, s.methods));
    if (!accepted) return fail(ErrorCode::auth, "monitor refused the login");
    auto state = SSH_TRY(link_->session().export_state());
    link_->stop();
    SSH_TRY(monitor_.send_transport_state(state.view(), presecret()));
    status_ = 0;
    loop_.stop();
    return {};
  }

  void on_error(const Error& e) {
    // OpenSSH names the account once a login is under way; fail2ban's sshd filter
    // reads these lines.
    std::string who = p_.peer;
    if (auth_ && !auth_->user().empty()) {
      who = std::string(auth_->user_valid() ? "authenticating user " : "invalid user ") + auth_->user() +
            " " + p_.peer;
    }
    const char* peer = p_.peer.c_str();
    if (const auto& d = link_->session().peer_disconnect()) {
      LOG_INFO("Received disconnect from %s:%u: %s [preauth]", peer, d->reason, d->description.c_str());
      LOG_INFO("Disconnected from %s [preauth]", who.c_str());
    } else if (e.code == ErrorCode::closed) {
      LOG_INFO("Connection closed by %s [preauth]", who.c_str());
    } else if (e.code == ErrorCode::io && e.context.ends_with(strerror(ECONNRESET))) {
      // OpenSSH's wording for a reset; fail2ban's aggressive sshd filter counts it.
      LOG_INFO("Connection reset by %s [preauth]", who.c_str());
    } else {
      LOG_INFO("%s: %s [preauth]", peer, e.context.c_str());
    }
    loop_.stop();
  }

  PreauthParams& p_;
  MonitorClient& monitor_;
  EventLoop& loop_;
  std::unique_ptr<transport::TransportLink> link_;
  std::unique_ptr<auth::ServerAuth> auth_;
  bool service_accepted_ = false;
  int status_ = 255;
  continuation::Secret presecret_;
};

}  // namespace

int run_preauth(PreauthParams params) {
  MonitorClient monitor(params.monitor_fd, params.host_keys);
  log::Options log_options;
  log_options.level = log::level();
  // Chrooted, the child cannot reach syslog or a log file: the monitor writes its lines.
  log_options.sink = [&monitor](log::Level level, const char* text) { monitor.log_line(int(level), text); };
  log::configure(log_options);

  auto loop = EventLoop::create();  // epoll_create1 is not in the sandbox's allowlist
  if (!loop) return 255;
  if (params.use_sandbox) {
    if (auto s = enter_preauth_sandbox(params.sandbox); !s) {
      LOG_ERROR("sandbox: %s", s.error().context.c_str());
      return 255;
    }
  }
  Preauth preauth(params, monitor, **loop);
  if (auto s = preauth.start(); !s) return 255;
  if (auto s = (*loop)->run(); !s) return 255;
  return preauth.status();
}

}  // namespace ssh::sshd
