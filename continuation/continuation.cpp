#include "continuation/continuation.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "connection/messages.h"

namespace ssh::continuation {

namespace {

constexpr uint8_t kFirstConnectionMsg = 80;  // §4.1: 80..127 are counted
constexpr uint8_t kLastConnectionMsg = 127;
constexpr uint8_t kRequestSuccess = uint8_t(connection::MsgType::request_success);
constexpr uint8_t kRequestFailure = uint8_t(connection::MsgType::request_failure);

// Prefixes a count error from the replay buffer with where the count came from.
template <class T>
Result<T> with_context(Result<T> r, std::string_view where) {
  if (r) return r;
  Error e = std::move(r).error();
  e.context = std::string(where) + ": " + e.context;
  return std::unexpected(std::move(e));
}

}  // namespace

Continuation::Continuation(uint64_t replay_limit, ErrorFn on_error)
    : replay_limit_(replay_limit), on_error_(std::move(on_error)) {}

Continuation::~Continuation() = default;

void Continuation::report(const Error& e) {
  if (on_error_) on_error_(e);
}

bool Continuation::is_counted(ByteView payload) {
  // §4.1: connection-protocol numbers, except the continuation's own setup and acks
  // (setup replies never pass through here: they go straight to the transport).
  if (payload.empty() || payload[0] < kFirstConnectionMsg || payload[0] > kLastConnectionMsg) return false;
  return !is_global_request(payload, kSetupRequest) && !is_global_request(payload, kAckRequest) &&
         !is_global_request(payload, kConfirmRequest);
}

// --- setup, client (§3) ---

Bytes Continuation::begin_setup(uint32_t requested_timeout_s) {
  if (state_ != State::none) {
    report(Error{ErrorCode::internal, DisconnectReason::by_application, "continuation setup begun twice"});
    return {};
  }
  buffer_ = ReplayBuffer{};
  received_ = acked_received_ = unacked_bytes_ = 0;
  // Kept until the reply, which may grant at most this (§3.2).
  timeout_s_ = requested_timeout_s;
  state_ = State::setup_pending;
  // §3.1, §4.1: every message sent after this request is counted.
  return encode_setup_request(SetupRequest{replay_limit_, requested_timeout_s});
}

Result<bool> Continuation::on_setup_reply(ByteView payload, Secret presecret) {
  if (state_ != State::setup_pending)
    return fail(ErrorCode::protocol, "continuation setup reply without a request");
  if (payload.empty()) return fail(ErrorCode::parse, "empty continuation setup reply");
  if (payload[0] == kRequestFailure) {
    SSH_TRY(connection::decode_request_failure(payload));
    // §3.2: refused; the session goes on as plain SSH (messages already sent stay sent).
    buffer_ = ReplayBuffer{};
    timeout_s_ = 0;
    state_ = State::none;
    return false;
  }
  if (payload[0] != kRequestSuccess)
    return fail(ErrorCode::protocol, "continuation setup reply of the wrong type");
  SetupReply reply = SSH_TRY(decode_setup_reply_data(payload.subspan(1)));
  SSH_TRY(check_peer_replay_limit(reply.replay_limit));  // §9
  if (timeout_s_ != 0 && reply.timeout_s > timeout_s_) {
    return fail(ErrorCode::protocol, "continuation suspend timeout longer than requested");  // §3.2
  }
  handle_ = reply.handle;
  timeout_s_ = reply.timeout_s;
  peer_replay_limit_ = reply.replay_limit;
  secret_ = derive_resume_secret(presecret, handle_);  // §3.4; presecret dies with this call
  state_ = State::active;
  return true;
}

// --- setup, server (§3) ---

Result<Bytes> Continuation::accept_setup(ByteView request_data, const Handle& handle, uint32_t max_timeout_s,
                                         Secret presecret) {
  if (state_ != State::none) return fail(ErrorCode::protocol, "continuation setup requested twice");
  SetupRequest request = SSH_TRY(decode_setup_request_data(request_data));
  SSH_TRY(check_peer_replay_limit(request.replay_limit));  // §9
  // §3.2: at most the requested timeout when one was requested.
  uint32_t granted = request.timeout_s == 0 ? max_timeout_s : std::min(request.timeout_s, max_timeout_s);
  handle_ = handle;
  timeout_s_ = granted;
  peer_replay_limit_ = request.replay_limit;
  secret_ = derive_resume_secret(presecret, handle_);  // §3.4
  buffer_ = ReplayBuffer{};
  received_ = acked_received_ = unacked_bytes_ = 0;
  state_ = State::active;  // §3.3: counting starts after the reply returned here
  return encode_setup_reply(SetupReply{handle_, granted, replay_limit_});
}

// --- the transport ---

void Continuation::attach(Transmitter& transmitter) {
  transmitter_ = &transmitter;
  if (state_ == State::suspended) {
    state_ = State::active;
    resync_pending_ = true;  // until retransmit_after() (§7.4)
  }
}

void Continuation::detach() {
  transmitter_ = nullptr;
  resync_pending_ = false;
  if (state_ == State::active) state_ = State::suspended;  // §8.1
}

void Continuation::close() {
  transmitter_ = nullptr;
  resync_pending_ = false;
  buffer_ = ReplayBuffer{};
  secret_ = Secret{};
  pending_.reset();
  state_ = State::closed;
}

void Continuation::transmit(ByteView payload) {
  if (transmitter_ == nullptr) {
    report(Error{ErrorCode::internal, DisconnectReason::by_application,
                 "continuation has no transport attached"});
    return;
  }
  if (auto st = transmitter_->transmit(payload); !st) report(st.error());
}

void Continuation::send_payload(Bytes&& payload) {
  if (state_ == State::closed) return;
  if (state_ == State::none) {
    transmit(payload);  // plain SSH: pass through
    return;
  }
  // Live: a transport is there and no retransmission is waiting to go first (§7.4).
  bool live = state_ != State::suspended && !resync_pending_;
  if (!is_counted(payload)) {
    if (live) transmit(payload);  // not counted, not buffered (§4.1, §5.3)
    return;
  }
  // §4.3, §5.1: sent means handed over, transport or not; kept until acknowledged.
  if (auto st = buffer_.push(std::move(payload)); !st) {
    report(st.error());
    return;
  }
  // §5.2: the buffer may overshoot its limit only by control messages; twice is too much.
  uint64_t held = buffer_.held_bytes();
  if (held > replay_limit_ && held - replay_limit_ > replay_limit_) {
    report(Error{ErrorCode::limit, DisconnectReason::by_application,
                 "continuation replay buffer past twice its limit"});
    return;
  }
  if (live) transmit(buffer_.newest());
}

bool Continuation::accepting_data() const {
  switch (state_) {
    case State::none: return true;
    case State::closed: return false;
    default: return buffer_.held_bytes() < replay_limit_;  // §5.2
  }
}

// --- receiving ---

Result<Continuation::Inbound> Continuation::on_ack(ByteView payload) {
  auto request = SSH_TRY(connection::decode_global_request(payload));
  if (request.want_reply) return fail(ErrorCode::protocol, "continuation acknowledgement wants a reply");
  uint64_t count = SSH_TRY(decode_ack_data(request.data));
  // §5.4: checked against both counters inside acknowledge() before any buffer access.
  SSH_TRY(with_context(buffer_.acknowledge(count), "continuation acknowledgement"));
  return Inbound::consumed;
}

Result<Continuation::Inbound> Continuation::on_receive(ByteView payload) {
  if (payload.empty()) return fail(ErrorCode::parse, "empty payload");
  if (payload[0] < kFirstConnectionMsg || payload[0] > kLastConnectionMsg) return Inbound::deliver;  // §4.1
  bool ack = is_global_request(payload, kAckRequest);
  switch (state_) {
    case State::closed: return fail(ErrorCode::closed, "continuation closed");
    case State::none:
    case State::setup_pending:
      // §2.3 / §3.3: acknowledgements exist only on an established continuation.
      if (ack) return fail(ErrorCode::protocol, "continuation acknowledgement before setup");
      return Inbound::deliver;
    default: break;
  }
  if (ack) return on_ack(payload);
  if (is_global_request(payload, kConfirmRequest)) return on_confirm(payload);
  if (is_global_request(payload, kSetupRequest)) {
    return fail(ErrorCode::protocol, "continuation setup request on an established continuation");
  }
  if (received_ == std::numeric_limits<uint64_t>::max()) {  // §4.2
    return fail(ErrorCode::limit, "continuation received counter would overflow",
                DisconnectReason::by_application);
  }
  ++received_;
  unacked_bytes_ += payload.size();
  return Inbound::deliver;
}

bool Continuation::ack_due_now() const {
  // §5.3: more than a quarter of the peer's limit received since our last ack.
  return established() && unacked_bytes_ > peer_replay_limit_ / 4;
}

bool Continuation::ack_pending() const {
  return established() && received_ > acked_received_;
}

Bytes Continuation::take_ack() {
  acked_received_ = received_;
  unacked_bytes_ = 0;
  return encode_ack(received_);
}

Status Continuation::send_ack() {
  if (state_ != State::active || transmitter_ == nullptr || resync_pending_) return {};
  return transmitter_->transmit(take_ack());
}

// --- resumption (§7) ---

Bytes Continuation::resume_request(const std::string& user, ByteView new_exchange_hash) const {
  ResumeAuth m;
  m.user = user;
  m.handle = handle_;
  m.received = received_;
  m.proof = make_proof(secret_, new_exchange_hash, handle_, received_);
  return encode_resume_auth(m);
}

Result<Continuation::Proven> Continuation::verify_resume(ByteView new_exchange_hash, uint64_t peer_received,
                                                         ByteView proof) const {
  if (!established()) return fail(ErrorCode::protocol, "no established continuation");
  // §7.3: constant-time proof check (under S, else under an unconfirmed S'), then r_c
  // within [acknowledged, sent] as in §5.4.
  Proven proven = Proven::current;
  if (!verify_proof(secret_, new_exchange_hash, handle_, peer_received, proof)) {
    if (!pending_ || !verify_proof(pending_->secret, new_exchange_hash, handle_, peer_received, proof)) {
      return fail(ErrorCode::auth, "wrong proof");
    }
    proven = Proven::pending;
  }
  if (peer_received > buffer_.sent()) return fail(ErrorCode::protocol, "count beyond what was sent");
  if (peer_received < buffer_.acknowledged())
    return fail(ErrorCode::protocol, "count behind what was acknowledged");
  return proven;
}

void Continuation::begin_ratchet(Proven proven, Secret new_presecret, ByteView new_exchange_hash) {
  // The client proved S': it saw the success that made it, so S is gone for good.
  if (proven == Proven::pending) secret_ = std::move(pending_->secret);
  PendingRatchet next{ratchet(secret_, new_presecret), Bytes(new_exchange_hash.begin(), new_exchange_hash.end())};
  pending_ = std::move(next);
}

void Continuation::ratchet_secret(Secret new_presecret) {
  secret_ = ratchet(secret_, new_presecret);  // §6.3; the old S and P_new are wiped
}

Bytes Continuation::ratchet_confirmation(ByteView new_exchange_hash) const {
  return encode_confirm(make_confirmation(secret_, new_exchange_hash, handle_));
}

Result<Continuation::Inbound> Continuation::on_confirm(ByteView payload) {
  auto request = SSH_TRY(connection::decode_global_request(payload));
  if (request.want_reply) return fail(ErrorCode::protocol, "continuation confirmation wants a reply");
  Proof mac = SSH_TRY(decode_confirm_data(request.data));
  if (!pending_) return fail(ErrorCode::protocol, "continuation confirmation without a resumption");
  if (!verify_confirmation(pending_->secret, pending_->exchange_hash, handle_, mac)) {
    return fail(ErrorCode::auth, "wrong continuation confirmation");
  }
  secret_ = std::move(pending_->secret);  // §6.3: committed; S is wiped
  pending_.reset();
  return Inbound::consumed;
}

Status Continuation::retransmit_after(uint64_t peer_received) {
  if (!established()) return fail(ErrorCode::protocol, "no established continuation");
  if (transmitter_ == nullptr) return fail(ErrorCode::internal, "retransmission without a transport");
  Status sent;
  SSH_TRY(with_context(buffer_.replay_after(peer_received,
                                            [&](ByteView m) {
                                              if (sent) sent = transmitter_->transmit(m);
                                            }),
                       "continuation resume"));
  resync_pending_ = false;
  return sent;
}

}  // namespace ssh::continuation
