// Server-side TCP/IP forwarding (RFC 4254 §7): the MuxHandler that SessionHost hands
// every non-session channel open and global request to.
//
//   direct-tcpip        checked against AllowTcpForwarding/DisableForwarding,
//                       no-port-forwarding, PermitOpen and permitopen=, then a
//                       non-blocking connect; the open is answered (confirm/reject)
//                       when the connect completes.
//   tcpip-forward       checked against AllowTcpForwarding, PermitListen, permitlisten=
//                       and the privileged-port rule; binds per GatewayPorts; port 0
//                       replies with the allocated port. Each accepted connection opens
//                       a "forwarded-tcpip" channel to the client.
//   cancel-tcpip-forward closes the matching listener.
//
// Anything else goes to the next handler (set_next), or is refused.
//
// Host names are resolved with getaddrinfo(), which blocks: fine for numeric hosts and
// "localhost", a stall of the whole session process for a slow DNS name.
//
// Lifetime: the EventLoop outlives everything here. Call connection_lost() before the
// Mux is destroyed (it closes the listeners and drops connects in progress, which would
// otherwise call into the dead Mux); the open ForwardChannels belong to the Mux and do
// not refer back to this object, so either may be destroyed first after that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/event_loop.h"
#include "connection/mux.h"
#include "sshd/forward_policy.h"

namespace ssh::sshd {

class TcpipForwarder : public connection::MuxHandler {
 public:
  TcpipForwarder(EventLoop& loop, connection::Mux& mux, TcpForwardConfig config);
  ~TcpipForwarder() override;
  TcpipForwarder(const TcpipForwarder&) = delete;
  TcpipForwarder& operator=(const TcpipForwarder&) = delete;

  // --- connection::MuxHandler ---
  connection::OpenDecision on_channel_open(const connection::IncomingOpen& open) override;
  connection::GlobalReply on_global_request(std::string_view name, bool want_reply, ByteView data) override;

  // Other channel types and global requests (not owned; nullptr: refuse).
  void set_next(connection::MuxHandler* next) { next_ = next; }

  // Closes every listener, abandons connects in progress, and makes this handler inert.
  void connection_lost();

  size_t listener_count() const { return listeners_.size(); }
  // Forwarded channels (both kinds) open or connecting.
  size_t channel_count() const { return *live_; }
  // "address port" of every bound listening socket, numeric (for tests and logs).
  std::vector<std::string> listening_addresses() const;
  const TcpForwardConfig& config() const { return config_; }

 private:
  struct PendingConnect;
  struct Listener;

  connection::OpenDecision open_direct(const connection::IncomingOpen& open);
  int start_connect(connection::ChannelId id, PendingConnect& p);
  void connect_done(connection::ChannelId id);
  connection::GlobalReply request_forward(bool want_reply, ByteView data);
  connection::GlobalReply cancel_forward(ByteView data);
  Result<std::unique_ptr<Listener>> bind_listener(const std::string& address, uint32_t port);
  void on_accept(Listener& l, int fd);

  EventLoop& loop_;
  connection::Mux* mux_;  // null after connection_lost()
  TcpForwardConfig config_;
  connection::MuxHandler* next_ = nullptr;
  std::shared_ptr<size_t> live_;  // shared with the ForwardChannels
  std::map<connection::ChannelId, std::unique_ptr<PendingConnect>> pending_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

}  // namespace ssh::sshd
