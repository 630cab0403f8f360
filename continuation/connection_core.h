// The driver both `ssh` and the sshd session process run a connection with: the current
// TransportLink (and the retired ones), the phase table that routes each message, the Mux,
// the Continuation with its acknowledgement timer, the keepalive, suspension and the
// switch to a new link after a resumption. The role-specific parts (authentication,
// reconnecting, registering and adopting a session) stay with the owner, behind Hooks.
//
// The error rule: a component that fails (the link, the transport, the continuation, the
// ack timer) only records the error here. The owner hears it from the event loop, in a
// callback of its own, with no component's call on the stack, so it may tear down the
// Mux or the link safely. Until then the core takes no more data and drops input.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/event_loop.h"
#include "connection/mux.h"
#include "continuation/ack_timer.h"
#include "continuation/continuation.h"
#include "continuation/message_phases.h"
#include "transport/transport_link.h"

namespace ssh::continuation {

struct KeepaliveOptions {
  int interval_s = 0;  // ServerAliveInterval / ClientAliveInterval; 0: off
  int count_max = 3;
};

class ConnectionCore final : public connection::PayloadSink, public Transmitter {
 public:
  struct Hooks {
    // A message the phase table routes to the owner.
    std::function<Status(ByteView)> on_message;
    // Server: a continuation setup request on a connection without a continuation (§3.1).
    std::function<Status(ByteView)> on_setup_request;
    // A recorded failure, called from the event loop.
    std::function<void(const Error&)> on_failure;
    // The keepalive went unanswered count_max times (called from the loop).
    std::function<void()> on_unresponsive;
    // All queued link output is written.
    std::function<void()> on_drained;
  };

  ConnectionCore(EventLoop& loop, transport::Role role, Hooks hooks);
  ~ConnectionCore() override;
  ConnectionCore(const ConnectionCore&) = delete;
  ConnectionCore& operator=(const ConnectionCore&) = delete;

  // --- the link ---
  void open_link(int in_fd, int out_fd, std::unique_ptr<transport::TransportSession> session);
  Status start_link() { return link_->start(); }
  // Stops the link at once and destroys it from the loop (it may be what calls us).
  void drop_link();
  bool has_link() const { return link_ != nullptr; }
  transport::TransportLink& link() { return *link_; }
  transport::TransportSession& transport() { return link_->session(); }
  const transport::TransportSession& transport() const { return link_->session(); }
  bool peer_disconnected() const { return link_ && link_->session().peer_disconnect().has_value(); }

  void set_phase(MessagePhase phase) { phase_ = phase; }
  MessagePhase phase() const { return phase_; }

  // --- the connection layer ---
  connection::Mux& start_mux(connection::MuxHandler& handler);
  connection::Mux* mux() { return mux_.get(); }
  // Destroys the Mux (and the channels it owns); the owner first drops what refers to it.
  void end_mux();

  // --- the continuation ---
  Continuation* continuation() { return cont_.get(); }
  const Continuation* continuation() const { return cont_.get(); }
  bool resumable() const { return cont_ && cont_->established(); }
  // Client (§3.1): sends the setup request; the reply is handled here. presecret is the
  // one of this connection's first key exchange (§6.1).
  Status begin_setup(uint32_t requested_timeout_s, Secret presecret);
  // Server (§3.3): answers a setup request. False: refused, REQUEST_FAILURE sent.
  Result<bool> accept_setup(ByteView request_data, const Handle& handle, uint32_t max_timeout_s,
                            Secret presecret);
  // §8.1: an established continuation suspends on a network failure, never on a
  // protocol error or the peer's DISCONNECT.
  bool should_suspend(const Error& e) const;
  // Drops the link; the continuation holds what is sent from now on.
  void suspend();
  // §7.4 on the current (new) link: the continuation is attached again, sends our
  // acknowledgement first when ack_first (server), then everything after
  // peer_received, then new output.
  Status resume_transmission(uint64_t peer_received, bool ack_first);

  // --- keepalive (keepalive@openssh.com after each quiet interval) ---
  void start_keepalive(KeepaliveOptions options);

  // --- errors ---
  // Records a failure; the owner hears the first one through Hooks::on_failure.
  void report(const Error& e);

  // connection::PayloadSink: the Mux before a continuation exists.
  void send_payload(Bytes&& payload) override;
  bool accepting_data() const override { return !pending_; }
  // Transmitter: the Continuation's way to the link.
  Status transmit(ByteView payload) override;

 private:
  Status on_message(ByteView payload);
  Status on_connection_message(ByteView payload);
  Status on_setup_reply(ByteView payload);
  Status deliver(ByteView payload);
  void act_on_failure();
  void on_keepalive_timer();
  void arm_keepalive();

  EventLoop& loop_;
  transport::Role role_;
  Hooks hooks_;
  MessagePhase phase_ = MessagePhase::service;
  std::unique_ptr<transport::TransportLink> link_;
  std::vector<std::unique_ptr<transport::TransportLink>> retired_;
  uint64_t link_generation_ = 0;
  std::unique_ptr<Continuation> cont_;  // outlives mux_ (its sink) and acks_
  std::unique_ptr<AckTimer> acks_;
  std::unique_ptr<connection::Mux> mux_;
  Secret presecret_;  // client: kept from begin_setup to the reply
  // The first failure not yet acted on, with the link generation it came from.
  std::optional<Error> pending_;
  uint64_t pending_generation_ = 0;
  std::optional<EventLoop::TimerId> failure_timer_;
  std::optional<EventLoop::TimerId> retire_timer_;
  KeepaliveOptions keepalive_;
  std::optional<EventLoop::TimerId> keepalive_timer_;
  uint64_t keepalive_seen_ = 0;
  int keepalive_missed_ = 0;
};

}  // namespace ssh::continuation
