// One side's continuation state (PROTOCOL.continuation §3-§8), sans-I/O: it sits between
// the Mux (as its PayloadSink) and whatever transport currently carries the session,
// counts and buffers counted messages, consumes acknowledgements, decides when to send
// them, and does the resume arithmetic. It owns no fd and no timer: the owner feeds it
// received payloads, attaches a Transmitter while a transport exists, and calls
// take_ack() when ack_due_now() or after kAckDelayMs while ack_pending().
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "connection/mux.h"
#include "continuation/key_schedule.h"
#include "continuation/messages.h"
#include "continuation/names.h"
#include "continuation/replay_buffer.h"

namespace ssh::continuation {

// §8.1: the errors that mean the network went away (TCP error or EOF, a keepalive
// timeout), on which an established continuation suspends. Everything else (a protocol
// violation, a bad MAC, a peer's DISCONNECT, which the caller checks) ends the session.
inline bool is_connection_loss(const Error& e) {
  return e.code == ErrorCode::closed || e.code == ErrorCode::io;
}

// Hands a payload to the current transport (e.g. TransportLink::send).
class Transmitter {
 public:
  virtual ~Transmitter() = default;
  virtual Status transmit(ByteView payload) = 0;
};

class Continuation final : public connection::PayloadSink {
 public:
  // §8.1. setup_pending exists on the client only (setup request sent, reply not yet in).
  enum class State { none, setup_pending, active, suspended, closed };
  using ErrorFn = std::function<void(const Error&)>;

  // replay_limit: what this side announces and holds (§5.2). on_error hears failures
  // that happen inside send_payload (a transmit error, a counter overflow, a buffer past
  // twice its limit); the owner ends or suspends the session.
  Continuation(uint64_t replay_limit, ErrorFn on_error);
  ~Continuation() override;

  // --- setup, client (§3) ---
  // none -> setup_pending. The returned GLOBAL_REQUEST goes straight to the transport,
  // before any Mux message; every message sent from now on is counted and buffered.
  Bytes begin_setup(uint32_t requested_timeout_s);
  // The first REQUEST_SUCCESS / REQUEST_FAILURE received while setup_pending. True:
  // established (active, S derived, the presecret wiped). False: refused; back to none,
  // the buffer is dropped and the session is plain SSH. A malformed reply is an error.
  Result<bool> on_setup_reply(ByteView payload, Secret presecret);

  // --- setup, server (§3) ---
  // request_data follows the request name and want-reply flag. Checks the client's
  // replay limit, grants min(requested, max_timeout_s) (max_timeout_s when requested is
  // 0), derives S and returns the REQUEST_SUCCESS payload to send straight to the
  // transport; counting starts after it. none -> active.
  Result<Bytes> accept_setup(ByteView request_data, const Handle& handle, uint32_t max_timeout_s,
                             Secret presecret);

  // --- the transport ---
  // active/setup_pending: messages are transmitted as they are sent. detach(): active ->
  // suspended, messages are only buffered. attach() after a resume: suspended -> active;
  // new messages are then only buffered until retransmit_after() has replayed the
  // backlog, so nothing overtakes a retransmission (§7.4 order).
  void attach(Transmitter& transmitter);
  void detach();
  void close();  // -> closed; the buffer is dropped

  // connection::PayloadSink: every Mux message. Counted and buffered unless state is
  // none or closed (then passed through / dropped), transmitted while attached.
  void send_payload(Bytes&& payload) override;
  // §5.2 back-pressure: false while the replay buffer holds our limit or more.
  bool accepting_data() const override;

  // --- receiving ---
  enum class Inbound { deliver, consumed };
  // Each received payload numbered 80..127, once state is active (client: after the
  // setup reply). An acknowledgement is checked and applied (§5.4) and consumed; every
  // other message is counted and must be delivered to the Mux. Errors end the session.
  Result<Inbound> on_receive(ByteView payload);
  // §5.3 policy: due now once the bytes received since our last ack pass a quarter of
  // the peer's limit; pending while anything received is unacknowledged.
  bool ack_due_now() const;
  bool ack_pending() const;
  // The ack payload for received(); resets the policy. Send it straight to the transport.
  Bytes take_ack();
  // take_ack() through the attached transmitter; nothing while suspended or before the
  // retransmission of a resumption went out.
  Status send_ack();

  // --- resumption (§7) ---
  // Client: the USERAUTH_REQUEST of §7.2 for the new connection.
  Bytes resume_request(const std::string& user, ByteView new_exchange_hash) const;
  // Server: the proof is right under S or, while a ratchet awaits its confirmation,
  // under S' (§6.3), and r_c is within [acknowledged, sent] (§7.3). Returns which secret
  // it was. The error context says which check failed, for the log line.
  enum class Proven { current, pending };
  Result<Proven> verify_resume(ByteView new_exchange_hash, uint64_t peer_received, ByteView proof) const;
  // Server, after USERAUTH_SUCCESS of a resumption (§6.3, two phases): S' = ratchet(S,
  // P_new) is kept beside S (or beside the S' just proven, which becomes S) until the
  // client confirms it on this connection.
  void begin_ratchet(Proven proven, Secret new_presecret, ByteView new_exchange_hash);
  bool ratchet_pending() const { return pending_.has_value(); }
  // Client, on USERAUTH_SUCCESS of a resumption: S = ratchet(S, P_new) at once.
  void ratchet_secret(Secret new_presecret);
  // Client, after the server's first acknowledgement: the confirmation of §7.4 for this
  // connection (exchange hash H_new), a GLOBAL_REQUEST to send straight to the transport.
  Bytes ratchet_confirmation(ByteView new_exchange_hash) const;
  // Both: applies the peer's received count as an ack (§5.4 checks) and transmits every
  // message after it, in order. Requires attached.
  Status retransmit_after(uint64_t peer_received);

  // --- state ---
  State state() const { return state_; }
  bool established() const { return state_ == State::active || state_ == State::suspended; }
  const Handle& handle() const { return handle_; }
  uint32_t timeout_s() const { return timeout_s_; }
  uint64_t replay_limit() const { return replay_limit_; }
  uint64_t peer_replay_limit() const { return peer_replay_limit_; }
  uint64_t received() const { return received_; }
  const ReplayBuffer& buffer() const { return buffer_; }

 private:
  void report(const Error& e);
  void transmit(ByteView payload);
  Result<Inbound> on_ack(ByteView payload);
  Result<Inbound> on_confirm(ByteView payload);

  static bool is_counted(ByteView payload);

  uint64_t replay_limit_;
  ErrorFn on_error_;
  State state_ = State::none;
  Transmitter* transmitter_ = nullptr;
  ReplayBuffer buffer_;
  Secret secret_;
  // §6.3: S' and the exchange hash of the connection that must confirm it.
  struct PendingRatchet {
    Secret secret;
    Bytes exchange_hash;
  };
  std::optional<PendingRatchet> pending_;
  Handle handle_{};
  uint32_t timeout_s_ = 0;
  uint64_t peer_replay_limit_ = kDefaultReplayLimit;
  uint64_t received_ = 0;
  uint64_t acked_received_ = 0;  // the count our last ack carried
  uint64_t unacked_bytes_ = 0;   // payload bytes received since our last ack
  bool resync_pending_ = false;  // attached after a suspension, retransmission not done
};

}  // namespace ssh::continuation
