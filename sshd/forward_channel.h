// One forwarded TCP connection ("direct-tcpip" or "forwarded-tcpip", RFC 4254 §7.2):
// pumps a connected, non-blocking socket into its channel and back, with flow control
// both ways. The channel uses ChannelOptions::manual_consume: received data is consumed
// (re-granting window) only once written to the socket, and the socket is read again
// only once the previous read has fitted into the peer's window, so neither side can
// make us buffer more than one window or one read (kReadChunk).
//
// Half-close (RFC 4254 §5.3): socket EOF -> CHANNEL_EOF once everything read has gone
// out; CHANNEL_EOF -> shutdown(SHUT_WR) once everything received has been written. The
// channel closes when both directions are done, or at once on a socket error.
//
// Lifetime: the Mux owns the handler; the EventLoop must outlive the Mux. `live`, when
// given, is decremented on destruction (the forwarder's count of open channels, kept in
// a shared_ptr so the order in which the forwarder and the Mux die does not matter).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "connection/channel.h"

namespace ssh::sshd {

class ForwardChannel : public connection::ChannelHandler {
 public:
  // The largest single read from the socket (bytes buffered beyond the peer's window).
  static constexpr size_t kReadChunk = 32 * 1024;

  ForwardChannel(EventLoop& loop, UniqueFd sock, std::string label, std::shared_ptr<size_t> live = {});
  ~ForwardChannel() override;
  ForwardChannel(const ForwardChannel&) = delete;
  ForwardChannel& operator=(const ForwardChannel&) = delete;

  // --- connection::ChannelHandler ---
  void on_open_confirmed(ByteView data) override;
  void on_data(uint32_t ext_code, ByteView data) override;
  void on_eof() override;
  void on_close() override;
  void on_window_available() override;

  int fd() const { return sock_.get(); }

 private:
  void on_socket(uint32_t events);
  void read_socket();
  void write_socket();
  void flush_to_peer();
  void finish_directions();
  void update_interest();
  void fail_channel(const char* what, int err);
  void release_socket();

  EventLoop& loop_;
  UniqueFd sock_;
  std::string label_;  // for log lines, e.g. "direct-tcpip 127.0.0.1:22"
  std::shared_ptr<size_t> live_;
  bool active_ = false;   // open confirmed, pumping
  bool watched_ = false;  // registered with the loop
  uint32_t events_ = 0;   // current interest
  Bytes to_peer_;         // read from the socket, not yet taken by the window
  size_t to_peer_pos_ = 0;
  Bytes to_sock_;  // received on the channel, not yet written
  size_t to_sock_pos_ = 0;
  bool sock_eof_ = false;  // read() returned 0
  bool eof_sent_ = false;
  bool chan_eof_ = false;  // CHANNEL_EOF received
  bool shut_wr_ = false;   // shutdown(SHUT_WR) done
  bool closing_ = false;   // we sent (or asked for) CLOSE
};

}  // namespace ssh::sshd
