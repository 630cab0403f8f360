#include "continuation/connection_core.h"

#include "base/log.h"
#include "base/wire_writer.h"
#include "connection/messages.h"
#include "connection/session_requests.h"
#include "transport/messages.h"

namespace ssh::continuation {

namespace {
constexpr uint8_t kRequestSuccess = uint8_t(connection::MsgType::request_success);
constexpr uint8_t kRequestFailure = uint8_t(connection::MsgType::request_failure);
}  // namespace

ConnectionCore::ConnectionCore(EventLoop& loop, transport::Role role, Hooks hooks)
    : loop_(loop), role_(role), hooks_(std::move(hooks)) {}

ConnectionCore::~ConnectionCore() {
  for (auto* timer : {&failure_timer_, &retire_timer_, &keepalive_timer_}) {
    if (*timer) loop_.cancel_timer(**timer);
  }
  mux_.reset();  // its channels may still send while they go
  acks_.reset();
  if (link_) link_->stop();
}

// --- the link ---

void ConnectionCore::open_link(int in_fd, int out_fd, std::unique_ptr<transport::TransportSession> session) {
  drop_link();
  ++link_generation_;
  link_ = std::make_unique<transport::TransportLink>(
      loop_, in_fd, out_fd, std::move(session), [this](ByteView m) { return on_message(m); },
      [this](const Error& e) { report(e); });
  link_->on_drained([this] {
    if (hooks_.on_drained) hooks_.on_drained();
  });
  keepalive_seen_ = 0;
  keepalive_missed_ = 0;
}

void ConnectionCore::drop_link() {
  if (!link_) return;
  link_->stop();
  retired_.push_back(std::move(link_));
  if (retire_timer_) return;
  retire_timer_ = loop_.add_timer(Millis(0), [this] {
    retire_timer_.reset();
    retired_.clear();
  });
}

// --- messages ---

Status ConnectionCore::on_message(ByteView payload) {
  if (pending_) return {};  // failing: nothing more is acted on
  uint8_t type = payload[0];
  switch (route(role_, phase_, type)) {
    case Route::ignore: return {};
    case Route::owner: return hooks_.on_message(payload);
    case Route::connection: return on_connection_message(payload);
    case Route::deny: break;
  }
  LOG_DEBUG1("message %u is not allowed %s", unsigned(type), std::string(phase_name(phase_)).c_str());
  return fail(ErrorCode::protocol, "unexpected message " + std::to_string(type));
}

Status ConnectionCore::on_connection_message(ByteView payload) {
  if (cont_ && cont_->established()) {
    return receive_counted(*cont_, *acks_, *mux_, payload, [this](ByteView m) { return deliver(m); });
  }
  uint8_t type = payload[0];
  if (cont_ && cont_->state() == Continuation::State::setup_pending &&
      (type == kRequestSuccess || type == kRequestFailure)) {
    return on_setup_reply(payload);  // the first reply answers our setup request (§3.2)
  }
  if (is_global_request(payload, kAckRequest)) {
    // §2.3, §5.3: acknowledgements exist only on an established continuation.
    return fail(ErrorCode::protocol, "continuation acknowledgement without a continuation");
  }
  if (role_ == transport::Role::server && is_global_request(payload, kSetupRequest)) {
    if (!hooks_.on_setup_request || cont_) {
      return fail(ErrorCode::protocol, "continuation setup on a connection without continuations");
    }
    return hooks_.on_setup_request(payload);
  }
  return deliver(payload);
}

Status ConnectionCore::deliver(ByteView payload) {
  if (!mux_) return fail(ErrorCode::protocol, "connection message before the connection layer");
  if (connection::is_connection_message(payload[0])) return mux_->handle(payload);
  // RFC 4253 §11.4: an unknown number gets UNIMPLEMENTED with its sequence number.
  return link_->send(
      WireWriter().u8(transport::msg::kUnimplemented).u32(transport().last_received_seq()).take());
}

// --- the connection layer ---

connection::Mux& ConnectionCore::start_mux(connection::MuxHandler& handler) {
  mux_ = std::make_unique<connection::Mux>(*this, handler);
  return *mux_;
}

void ConnectionCore::end_mux() {
  if (cont_) cont_->close();
  mux_.reset();
}

void ConnectionCore::send_payload(Bytes&& payload) {
  if (auto s = transmit(payload); !s) report(s.error());
}

Status ConnectionCore::transmit(ByteView payload) {
  if (pending_) return fail(ErrorCode::closed, "connection failing");
  return link_ ? link_->send(payload) : Status{};
}

// --- errors ---

void ConnectionCore::report(const Error& e) {
  if (pending_) return;
  pending_ = e;
  pending_generation_ = link_generation_;
  failure_timer_ = loop_.add_timer(Millis(0), [this] { act_on_failure(); });
}

void ConnectionCore::act_on_failure() {
  failure_timer_.reset();
  Error e = std::move(*pending_);
  pending_.reset();
  // The loss of a link replaced since (a resumption won meanwhile) is history.
  if (pending_generation_ != link_generation_ && is_connection_loss(e)) return;
  hooks_.on_failure(e);
}

}  // namespace ssh::continuation

namespace ssh::continuation {

// --- the continuation ---

Status ConnectionCore::begin_setup(uint32_t requested_timeout_s, Secret presecret) {
  cont_ = std::make_unique<Continuation>(kDefaultReplayLimit, [this](const Error& e) { report(e); });
  presecret_ = std::move(presecret);
  // Straight to the transport: it goes before any Mux message (§3.1, §4.1).
  SSH_TRY(link_->send(cont_->begin_setup(requested_timeout_s)));
  cont_->attach(*this);
  mux_->set_sink(*cont_);
  acks_ = std::make_unique<AckTimer>(loop_, *cont_, [this](const Error& e) { report(e); });
  return {};
}

Status ConnectionCore::on_setup_reply(ByteView payload) {
  bool ok = SSH_TRY(cont_->on_setup_reply(payload, std::move(presecret_)));
  if (!ok) {
    LOG_DEBUG1("Session resumption unavailable: the server refused it");
    mux_->set_sink(*this);
    acks_.reset();
    cont_.reset();
    return {};
  }
  LOG_DEBUG1("Session resumption enabled; the server keeps the session %u s", cont_->timeout_s());
  return {};
}

Result<bool> ConnectionCore::accept_setup(ByteView request_data, const Handle& handle, uint32_t max_timeout_s,
                                          Secret presecret) {
  auto cont = std::make_unique<Continuation>(kDefaultReplayLimit, [this](const Error& e) { report(e); });
  auto reply = cont->accept_setup(request_data, handle, max_timeout_s, std::move(presecret));
  if (!reply) {
    LOG_INFO("continuation refused: %s", reply.error().context.c_str());
    SSH_TRY(link_->send(connection::encode(connection::RequestFailure{})));
    return false;
  }
  SSH_TRY(link_->send(*reply));  // §3.3: counting starts after the reply
  cont_ = std::move(cont);
  cont_->attach(*this);
  mux_->set_sink(*cont_);
  acks_ = std::make_unique<AckTimer>(loop_, *cont_, [this](const Error& e) { report(e); });
  return true;
}

bool ConnectionCore::should_suspend(const Error& e) const {
  return resumable() && !peer_disconnected() && is_connection_loss(e);
}

void ConnectionCore::suspend() {
  drop_link();
  cont_->detach();
  LOG_DEBUG1("suspended with %zu channels, %zu unacknowledged messages (%llu bytes) held",
             mux_->channel_count(), cont_->buffer().held_messages(),
             static_cast<unsigned long long>(cont_->buffer().held_bytes()));
}

Status ConnectionCore::resume_transmission(uint64_t peer_received, bool ack_first) {
  cont_->attach(*this);
  if (ack_first) SSH_TRY(link_->send(cont_->take_ack()));
  SSH_TRY(cont_->retransmit_after(peer_received));
  keepalive_seen_ = transport().received().packets;
  keepalive_missed_ = 0;
  if (cont_->accepting_data()) mux_->resume_output();
  return {};
}

// --- keepalive ---

void ConnectionCore::start_keepalive(KeepaliveOptions options) {
  keepalive_ = options;
  // Quiet from now on counts: the first interval without a packet already misses one.
  keepalive_seen_ = link_ ? transport().received().packets : 0;
  keepalive_missed_ = 0;
  arm_keepalive();
}

void ConnectionCore::arm_keepalive() {
  if (keepalive_.interval_s <= 0 || keepalive_timer_) return;
  keepalive_timer_ = loop_.add_timer(std::chrono::seconds(keepalive_.interval_s), [this] {
    keepalive_timer_.reset();
    on_keepalive_timer();
  });
}

// After count_max unanswered keepalives the peer is gone (OpenSSH: more than
// ClientAliveCountMax / ServerAliveCountMax). Before login there is nothing to ping: the
// handshake gets interval * count_max of silence.
void ConnectionCore::on_keepalive_timer() {
  if (!link_ || pending_ || phase_ == MessagePhase::resuming) {
    arm_keepalive();  // suspended, failing, or a resume attempt (which has its own limit)
    return;
  }
  uint64_t seen = transport().received().packets;
  bool logged_in = phase_ == MessagePhase::connection;
  if (seen != keepalive_seen_) {
    keepalive_seen_ = seen;
    keepalive_missed_ = 0;
  } else if (++keepalive_missed_ > keepalive_.count_max - (logged_in ? 0 : 1)) {
    keepalive_missed_ = 0;
    arm_keepalive();
    hooks_.on_unresponsive();
    return;
  }
  if (keepalive_missed_ > 0 && mux_ && logged_in) {
    (void)mux_->send_global_request(connection::kReqKeepalive, {}, [](bool, ByteView) {});
  }
  arm_keepalive();
}

}  // namespace ssh::continuation
