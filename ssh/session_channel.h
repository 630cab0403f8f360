// The client's "session" channel: sends pty/env/exec|shell|subsystem requests once the
// channel opens, pumps stdin to the channel (through the ~ escape filter on a tty) and
// channel data to stdout/stderr, and records the exit status.
#pragma once

#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "connection/mux.h"
#include "connection/session_requests.h"
#include "ssh/escapes.h"
#include "ssh/fd_writer.h"

namespace ssh::client {

struct SessionPlan {
  enum class Kind { shell, exec, subsystem, none };
  Kind kind = Kind::shell;
  std::string command;  // exec command or subsystem name
  std::optional<connection::PtyRequest> pty;
  std::vector<connection::EnvRequest> env;
  bool stdin_null = false;
  int escape_char = -1;  // active only with a pty on a local tty
};

// What the session tells its driver.
class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  virtual void on_session_failed(const std::string& message) = 0;
  // The channel closed; exit_status is empty when the server sent none (or a signal).
  virtual void on_session_closed(std::optional<int> exit_status, const std::string& exit_signal) = 0;
  virtual void on_escape(EscapeAction action) = 0;
};

class SessionChannel final : public connection::ChannelHandler {
 public:
  // out/err: the client's stdout and stderr writers; they outlive the channel (what is
  // still queued there when the channel closes must reach the reader).
  SessionChannel(EventLoop& loop, SessionPlan plan, SessionEvents& events, FdWriter& out, FdWriter& err);
  ~SessionChannel() override;

  void on_open_confirmed(ByteView data) override;
  void on_open_failed(uint32_t reason, std::string_view description) override;
  void on_data(uint32_t ext_code, ByteView data) override;
  void on_eof() override;
  void on_close() override;
  bool on_request(std::string_view type, bool want_reply, ByteView data) override;
  void on_window_available() override;

  void send_window_change(const connection::WindowChange& size);
  void send_break();

  std::optional<int> exit_status() const { return exit_status_; }
  const std::string& exit_signal() const { return exit_signal_; }

 private:
  void start_stdin();
  void read_stdin();
  bool feed_escapes(ByteView typed);
  static void echo(const std::string& text);
  void send_pending_input();
  void stdin_eof();
  void set_stdin_interest(bool on);

  EventLoop& loop_;
  SessionPlan plan_;
  SessionEvents& events_;
  FdWriter& stdout_;
  FdWriter& stderr_;
  EscapeFilter escapes_;
  Bytes input_;  // read bytes not yet accepted by the window (at most one read)
  bool stdin_open_ = false;
  bool stdin_watched_ = false;
  bool stdin_interest_ = true;  // EPOLLIN currently requested (changed only on a transition)
  bool stdin_pollable_ = true;
  bool stdin_eof_pending_ = false;
  std::optional<int> exit_status_;
  std::string exit_signal_;
};

}  // namespace ssh::client
