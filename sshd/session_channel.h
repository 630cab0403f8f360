// The server side of one "session" channel (RFC 4254 §6): pty-req, env, shell, exec,
// subsystem, window-change, signal and break requests; the child's stdin/stdout/stderr
// (three pipes, or the pty master) pumped to and from the channel with flow control in
// both directions; exit-status or exit-signal, EOF and CLOSE once the child has exited
// and its output is drained.
//
// Flow control: the channel is opened with manual_consume, so the client's window is
// re-granted only as the child actually reads its stdin; the child's output is read only
// while the client's window has room (at most one read of kReadChunk per stream is held
// back), so a stalled client stalls the child. This is the back-pressure the
// continuation layer relies on.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "connection/channel.h"
#include "sshd/child_reaper.h"
#include "sshd/child_spawn.h"
#include "sshd/pty.h"
#include "sshd/session_config.h"

namespace ssh::sshd {

// What a session uses and does not own. Everything here must outlive the channel (that
// is, the Mux that owns it).
struct SessionServices {
  EventLoop& loop;
  ChildReaper& reaper;
  const SessionConfig& config;
  const SessionContext& context;
};

// Largest single read from the child's output; also the most held back per stream
// while the client's window is shut.
inline constexpr size_t kReadChunk = 32 * 1024;
// With a pty, the child's exit does not mean EOF on the master (a background process may
// hold the slave, and the kernel delivers the last output asynchronously): the output
// counts as drained once the master stays quiet this long after the exit.
inline constexpr Millis kPtyDrainQuiet{50};
// MOTD files longer than this are cut.
inline constexpr size_t kMaxMotdSize = 64 * 1024;

class SessionChannel final : public connection::ChannelHandler {
 public:
  explicit SessionChannel(const SessionServices& services);
  ~SessionChannel() override;
  SessionChannel(const SessionChannel&) = delete;
  SessionChannel& operator=(const SessionChannel&) = delete;

  // --- connection::ChannelHandler ---
  void on_data(uint32_t ext_code, ByteView data) override;
  void on_eof() override;
  void on_close() override;
  bool on_request(std::string_view type, bool want_reply, ByteView data) override;
  void on_window_available() override;

  // The connection is gone: SIGHUP the child's process group, close the pty and pipes,
  // and never touch the Mux again. Idempotent; also what CLOSE and destruction do.
  void hangup();

  // Called from the destructor (the SessionHost uses it to count sessions).
  void set_on_destroy(std::function<void()> cb) { on_destroy_ = std::move(cb); }

  // --- inspection ---
  bool started() const { return started_; }
  pid_t child_pid() const { return pid_; }         // -1 before shell/exec/subsystem
  bool child_running() const { return running_; }  // not yet reaped
  bool has_pty() const { return pty_.has_value(); }
  std::string tty_name() const { return tty_name_; }
  // Client data received but not yet written to the child.
  size_t buffered_input() const { return input_.size() - input_off_; }
  // Child output read but not yet accepted by the client's window.
  size_t buffered_output() const { return out_.pending.size() + err_.pending.size(); }

 private:
  enum class Kind : uint8_t { shell, exec, subsystem };
  struct Output {
    int fd = -1;  // stdout/stderr pipe or the pty master; not owned
    uint32_t ext_code = 0;
    Bytes pending;    // read, not yet accepted by the window
    bool eof = true;  // unused streams count as finished
  };

  // Requests (session_channel.cpp).
  bool request_pty(ByteView data);
  bool request_env(ByteView data);
  bool request_window_change(ByteView data);
  bool request_signal(ByteView data);
  bool request_break(ByteView data);
  bool request_subsystem(ByteView data);
  bool start(Kind kind, std::optional<std::string> command, const std::string& what);
  std::string motd_banner(const std::optional<std::string>& command) const;
  void attach_child(SpawnedChild&& child);
  void on_child_exit(int wait_status);
  void maybe_finish();
  void send_exit_message();

  // The child's fds (session_io.cpp).
  void update_interest();
  void on_fd_event(int fd, uint32_t events);
  void read_output(Output& o);
  void forward(Output& o, ByteView data);
  bool flush_pending(Output& o);
  void flush_input();
  void close_input();
  void consume(size_t n);
  void arm_drain_timer();
  void on_drain_timer();
  void release_io();

  SessionServices s_;
  std::function<void()> on_destroy_;

  // Set up by requests before the child starts.
  std::optional<Pty> pty_;
  std::string tty_name_;
  std::string term_;
  std::vector<std::pair<std::string, std::string>> client_env_;

  // The child.
  bool started_ = false;
  bool signals_allowed_ = false;  // not for forced commands and subsystems (as OpenSSH)
  pid_t pid_ = -1;
  bool running_ = false;
  std::optional<int> wait_status_;
  UniqueFd stdin_pipe_, stdout_pipe_, stderr_pipe_;
  int in_fd_ = -1;  // stdin pipe or pty master
  Bytes input_;     // client data not yet written
  size_t input_off_ = 0;
  bool input_eof_ = false;     // the client sent EOF
  bool input_closed_ = false;  // the child's stdin is gone: client data is dropped
  Output out_;
  Output err_;
  std::map<int, uint32_t> interest_;  // fds watched on the loop and their events
  std::optional<EventLoop::TimerId> drain_timer_;
  bool finished_ = false;  // exit message, EOF and CLOSE sent
  bool dead_ = false;      // hung up: no more Mux calls
};

}  // namespace ssh::sshd
