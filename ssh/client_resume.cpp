// ClientSession, continued: session continuations on the client side
// (PROTOCOL.continuation). Setup after login (§3), counting and acks (§4, §5), suspension
// on connection loss (§8.4) and resumption over a new connection (§7).
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "auth/messages.h"
#include "base/log.h"
#include "connection/messages.h"
#include "keys/key.h"
#include "ssh/client_session.h"

namespace ssh::client {

namespace {

constexpr Millis kFirstBackoff{250};
constexpr Millis kMaxBackoff{10000};
// One attempt (connect, key exchange, proof) may take this long before the next.
constexpr int kAttemptSeconds = 15;
constexpr uint8_t kUserauthRefusal = 60;  // PROTOCOL.continuation §7.3

// §7.1: a resumption goes only to the very key of the original connection; known_hosts
// has no say (the user accepted this key when the session began).
class PinnedHostKey final : public transport::HostKeyVerifier {
 public:
  explicit PinnedHostKey(Bytes blob) : blob_(std::move(blob)) {}
  Status verify(std::string_view algorithm, ByteView host_key_blob, ByteView signature_blob,
                ByteView exchange_hash) override {
    if (!std::equal(host_key_blob.begin(), host_key_blob.end(), blob_.begin(), blob_.end())) {
      return fail(ErrorCode::auth, "the server's host key is not the key of the session; not resuming",
                  DisconnectReason::host_key_not_verifiable);
    }
    if (!keys::verify_signature(algorithm, host_key_blob, signature_blob, exchange_hash)) {
      return fail(ErrorCode::crypto, "incorrect host key signature",
                  DisconnectReason::host_key_not_verifiable);
    }
    return {};
  }

 private:
  Bytes blob_;
};

}  // namespace

void ClientSession::enable_continuations() {
  options_.transport.extra_kex_markers.emplace_back(continuation::kClientMarker);
  options_.transport.on_kex_secrets = [this](const transport::KexSecrets& k) {
    if (k.initial) on_first_kex(k);
  };
}

// §6.1 on every connection; on a resuming one the proof of §7.2 can be made now, and
// the request leaves right behind our NEWKEYS and SERVICE_REQUEST (§7.5).
void ClientSession::on_first_kex(const transport::KexSecrets& k) {
  presecret_ = continuation::derive_presecret(k.shared_secret, k.exchange_hash);
  if (!resuming() || !has_link()) return;
  // §2.3: the handle and proof go only to a server that offers continuations.
  if (!transport().peer_offered(continuation::kServerMarker)) return;
  Bytes request = core_->continuation()->resume_request(options_.auth.user, k.exchange_hash);
  if (auto s = transport().send(request); !s) LOG_DEBUG1("resume request: %s", s.error().context.c_str());
}

void ClientSession::begin_continuation() {
  if (!transport().peer_offered(continuation::kServerMarker)) {
    LOG_DEBUG1("Session resumption unavailable: server does not offer it");
    return;
  }
  if (auto s = core_->begin_setup(options_.resume_timeout_s, std::move(presecret_)); !s) {
    core_->report(s.error());
    return;
  }
  host_key_algorithm_ = transport().algorithms().host_key;
  kex_algorithm_ = transport().algorithms().kex;
  Bytes blob(transport().host_key_blob().begin(), transport().host_key_blob().end());
  pinned_host_key_ = std::make_unique<PinnedHostKey>(std::move(blob));
}

// §8.1: the network failed (not the peer's protocol, not a DISCONNECT, not us leaving).
bool ClientSession::should_suspend(const Error& e) const {
  return !closing_ && !finished_ && logged_in() && core_->should_suspend(e);
}

void ClientSession::status_line(const std::string& text) const {
  if (!log::enabled(log::Level::info)) return;
  std::string line = "\r\n" + text + "\r\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

void ClientSession::suspend(const Error& e) {
  LOG_DEBUG1("connection lost: %s", describe_error(e).c_str());
  status_line("Connection lost; resuming...");
  core_->suspend();
  lost_at_ = Clock::now();
  backoff_ = Millis(0);
  schedule_attempt();
}

// §8.4: retries back off to a cap until the suspend timeout (the server's, or our
// ResumeTimeout if shorter) has passed.
void ClientSession::schedule_attempt() {
  uint32_t limit = core_->continuation()->timeout_s();
  if (options_.resume_timeout_s > 0) limit = std::min(limit, options_.resume_timeout_s);
  auto deadline = lost_at_ + std::chrono::seconds(limit);
  if (Clock::now() + backoff_ >= deadline) {
    LOG_ERROR("Could not resume the session within %u seconds.", limit);
    core_->continuation()->close();
    exit_status_ = 255;
    finished_ = true;
    return;
  }
  attempt_timer_ = loop_->add_timer(backoff_, [this] {
    attempt_timer_.reset();
    attempt_resume();
  });
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(kMaxBackoff, backoff_ * 2);
}

// One attempt, all on the loop: resolve and connect (AsyncConnector), key exchange, proof.
// kAttemptSeconds bounds the whole of it.
void ClientSession::attempt_resume() {
  if (finished_ || !suspended()) return;
  ConnectOptions connect = options_.reconnect;
  if (connect.connect_timeout_s <= 0 || connect.connect_timeout_s > kAttemptSeconds)
    connect.connect_timeout_s = kAttemptSeconds;
  connect.attempts = 1;
  connector_ = std::make_unique<AsyncConnector>(*loop_, std::move(connect),
                                                [this](Result<Connection> c) { on_reconnected(std::move(c)); });
  attempt_timer_ = loop_->add_timer(std::chrono::seconds(kAttemptSeconds), [this] {
    attempt_timer_.reset();
    abandon_attempt("timed out");
  });
  if (auto s = connector_->start(); !s) abandon_attempt(s.error().context);
}

// From the loop: the connector may go now.
void ClientSession::on_reconnected(Result<Connection> connection) {
  connector_.reset();
  if (finished_ || closing_) return;
  if (!connection) {
    abandon_attempt(connection.error().context);
    return;
  }
  connection_ = std::move(*connection);
  LOG_DEBUG1("resume: connected to %s port %d", connection_.peer_address.c_str(), connection_.peer_port);
  transport::TransportConfig config = options_.transport;
  config.verifier = pinned_host_key_.get();
  // The original host key's algorithm first, so the server shows us that key, and the
  // server's last choice of method first, so our guessed first kex packet saves a round
  // trip (§7.5).
  auto move_first = [](std::vector<std::string>& list, const std::string& name) {
    list.erase(std::remove(list.begin(), list.end(), name), list.end());
    list.insert(list.begin(), name);
  };
  move_first(config.host_key_algorithms, host_key_algorithm_);
  move_first(config.kex_algorithms, kex_algorithm_);
  config.guess_first_kex = true;
  awaiting_resume_ack_ = false;
  definitive_refusal_.clear();
  open_link(std::make_unique<transport::TransportSession>(config));
  core_->set_phase(continuation::MessagePhase::resuming);
  Status started = transport().send_service_request("ssh-userauth");
  if (started) started = core_->start_link();
  if (!started) abandon_attempt(started.error().context);
}

// §8.4: only the session's own server saying "no such session" or "refused by policy"
// ends the client. A refused proof, a server with another host key (which never sees the
// proof: the key is checked first), a refused connection: we try again until the
// suspend timeout. Another host key is worth one warning.
void ClientSession::retry_after(const Error& e) {
  if (e.reason == DisconnectReason::host_key_not_verifiable && !warned_host_key_) {
    warned_host_key_ = true;
    LOG_ERROR("%s", describe_error(e).c_str());
  }
  abandon_attempt(describe_error(e));
}

void ClientSession::abandon_attempt(const std::string& why) {
  LOG_DEBUG1("resume attempt failed: %s", why.c_str());
  if (attempt_timer_) loop_->cancel_timer(*attempt_timer_);
  attempt_timer_.reset();
  connector_.reset();
  core_->drop_link();
  core_->set_phase(continuation::MessagePhase::connection);
  schedule_attempt();
}

// §7.4 on the new connection: SERVICE_ACCEPT, then USERAUTH_SUCCESS and the server's
// acknowledgement (or a refusal).
Status ClientSession::handle_resume(ByteView payload) {
  uint8_t type = payload[0];
  if (awaiting_resume_ack_) return finish_resume(payload);
  switch (type) {
    case auth::kServiceAccept:
      if (!transport().peer_offered(continuation::kServerMarker)) {
        return fail(ErrorCode::auth, "The server no longer offers session resumption.");
      }
      return {};
    case auth::kUserauthBanner: return {};
    case auth::kUserauthSuccess:
      // §6.3: we saw the success, so S' it is from now on, whatever happens next.
      core_->continuation()->ratchet_secret(std::move(presecret_));
      awaiting_resume_ack_ = true;
      return {};
    case kUserauthRefusal: {
      // §7.3: the server's final word; the USERAUTH_FAILURE follows.
      auto refusal = SSH_TRY(continuation::decode_refusal(payload));
      definitive_refusal_ = refusal.reason == continuation::RefusalReason::no_such_session
                                ? "The server no longer has the session (it ended or expired)."
                                : "The server refused to resume the session: " + refusal.description;
      return {};
    }
    case auth::kUserauthFailure:
      return fail(ErrorCode::auth, definitive_refusal_.empty() ? "The server refused to resume the session."
                                                               : definitive_refusal_,
                  DisconnectReason::no_more_auth_methods_available);
    default:
      return fail(ErrorCode::protocol, "unexpected message " + std::to_string(type) + " while resuming");
  }
}

Status ClientSession::finish_resume(ByteView payload) {
  auto request = SSH_TRY(connection::decode_global_request(payload));
  if (request.name != continuation::kAckRequest) {
    return fail(ErrorCode::protocol, "the server did not acknowledge the resumption");
  }
  uint64_t peer_received = SSH_TRY(continuation::decode_ack_data(request.data));
  if (attempt_timer_) loop_->cancel_timer(*attempt_timer_);
  attempt_timer_.reset();
  awaiting_resume_ack_ = false;
  // §7.4: the server keeps S beside S' until this confirmation arrives.
  SSH_TRY(transport().send(core_->continuation()->ratchet_confirmation(transport().session_id())));
  core_->set_phase(continuation::MessagePhase::connection);
  SSH_TRY(core_->resume_transmission(peer_received, false));
  options_.peer_label = connection_.peer_address + " port " + std::to_string(connection_.peer_port);
  auto took = std::chrono::duration_cast<Millis>(Clock::now() - lost_at_).count();
  status_line("Resumed in " + std::to_string(took) + " ms.");
  // Our status lines went over the screen: make full-screen programs redraw.
  winsize ws{};
  if (session_ && options_.session && options_.session->pty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 &&
      ws.ws_row > 1) {
    session_->send_window_change({ws.ws_col, uint16_t(ws.ws_row - 1), ws.ws_xpixel, ws.ws_ypixel});
    session_->send_window_change({ws.ws_col, ws.ws_row, ws.ws_xpixel, ws.ws_ypixel});
  }
  return {};
}

}  // namespace ssh::client
