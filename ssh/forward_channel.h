// One forwarded TCP connection: pumps bytes between a local socket and a direct-tcpip or
// forwarded-tcpip channel (RFC 4254 §7.2). Flow control both ways: socket reads stop
// while the peer's window is shut, and our window is re-granted only for bytes that
// reached the socket (manual_consume). EOF travels both ways (socket EOF -> CHANNEL_EOF,
// CHANNEL_EOF -> shutdown(SHUT_WR) once the queue is written); the channel is closed
// when both directions are done or the socket fails.
#pragma once

#include <deque>
#include <string>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "connection/mux.h"

namespace ssh::client {

class ForwardChannel final : public connection::ChannelHandler {
 public:
  // `fd` is a connected, non-blocking socket. Pumping starts at on_open_confirmed.
  ForwardChannel(EventLoop& loop, UniqueFd fd);
  ~ForwardChannel() override;
  ForwardChannel(const ForwardChannel&) = delete;
  ForwardChannel& operator=(const ForwardChannel&) = delete;

  // Options every forwarding channel is opened or confirmed with.
  static connection::ChannelOptions channel_options();

  void on_open_confirmed(ByteView data) override;
  void on_open_failed(uint32_t reason, std::string_view description) override;
  void on_data(uint32_t ext_code, ByteView data) override;
  void on_eof() override;
  void on_close() override;
  void on_window_available() override;

 private:
  void on_events(uint32_t events);
  void read_socket();
  void send_input();
  void flush_output();
  void update_interest();
  void socket_failed();
  void maybe_close();

  EventLoop& loop_;
  UniqueFd fd_;
  bool watched_ = false;
  uint32_t interest_ = 0;
  bool open_ = false;
  Bytes input_;               // read from the socket, not yet taken by the window
  bool read_done_ = false;    // socket EOF seen
  bool eof_sent_ = false;     // CHANNEL_EOF sent
  std::deque<Bytes> output_;  // channel data not yet written to the socket
  size_t head_offset_ = 0;
  bool peer_eof_ = false;    // CHANNEL_EOF received
  bool write_done_ = false;  // SHUT_WR done
  bool closing_ = false;
};

}  // namespace ssh::client
