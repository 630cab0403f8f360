#include "ssh/session_channel.h"

#include <errno.h>
#include <unistd.h>

#include "base/log.h"

namespace ssh::client {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
}  // namespace

SessionChannel::SessionChannel(EventLoop& loop, SessionPlan plan, SessionEvents& events, FdWriter& out,
                               FdWriter& err)
    : loop_(loop),
      plan_(std::move(plan)),
      events_(events),
      stdout_(out),
      stderr_(err),
      escapes_(plan_.escape_char) {
  for (FdWriter* w : {&stdout_, &stderr_})
    w->set_on_written([this](size_t n) { (void)mux().consume(channel_id(), n); });
}

SessionChannel::~SessionChannel() {
  if (stdin_watched_) loop_.unwatch(STDIN_FILENO);
  stdout_.set_on_written({});
  stderr_.set_on_written({});
}

void SessionChannel::on_open_confirmed(ByteView) {
  using namespace connection;
  if (plan_.pty) {
    (void)mux().send_request(channel_id(), kReqPty, encode(*plan_.pty), [this](bool ok) {
      if (!ok) LOG_ERROR("PTY allocation request failed on channel %u", channel_id());
    });
  }
  for (const auto& env : plan_.env) {
    LOG_DEBUG1("Sending env %s = %s", env.name.c_str(), env.value.c_str());
    (void)mux().send_request(channel_id(), kReqEnv, encode(env));
  }
  auto started = [this](bool ok) {
    if (ok) return;
    const char* what = plan_.kind == SessionPlan::Kind::subsystem ? "subsystem"
                       : plan_.kind == SessionPlan::Kind::exec    ? "exec"
                                                                  : "shell";
    events_.on_session_failed(std::string(what) + " request failed on channel " +
                              std::to_string(channel_id()));
  };
  switch (plan_.kind) {
    case SessionPlan::Kind::exec:
      LOG_DEBUG1("Sending command: %s", plan_.command.c_str());
      (void)mux().send_request(channel_id(), kReqExec, encode(ExecRequest{plan_.command}), started);
      break;
    case SessionPlan::Kind::subsystem:
      LOG_DEBUG1("Sending subsystem: %s", plan_.command.c_str());
      (void)mux().send_request(channel_id(), kReqSubsystem, encode(SubsystemRequest{plan_.command}), started);
      break;
    case SessionPlan::Kind::shell: (void)mux().send_request(channel_id(), kReqShell, {}, started); break;
    case SessionPlan::Kind::none: break;
  }
  start_stdin();
}

void SessionChannel::on_open_failed(uint32_t reason, std::string_view description) {
  events_.on_session_failed("channel " + std::to_string(channel_id()) + ": open failed: " +
                            std::string(description) + " (" + std::to_string(reason) + ")");
}

void SessionChannel::on_data(uint32_t ext_code, ByteView data) {
  if (ext_code == 1) {
    stderr_.write(data);
  } else if (ext_code == 0) {
    stdout_.write(data);
  } else {
    (void)mux().consume(channel_id(), data.size());
  }
}

void SessionChannel::on_eof() {}

void SessionChannel::on_close() {
  if (stdin_watched_) {
    loop_.unwatch(STDIN_FILENO);
    stdin_watched_ = false;
  }
  events_.on_session_closed(exit_status_, exit_signal_);
}

bool SessionChannel::on_request(std::string_view type, bool, ByteView data) {
  using namespace connection;
  if (type == kReqExitStatus) {
    auto st = decode_exit_status(data);
    if (st) {
      exit_status_ = int(st->status);
      LOG_DEBUG1("client_input_channel_req: channel %u rtype exit-status reply 0", channel_id());
    }
    return st.has_value();
  }
  if (type == kReqExitSignal) {
    auto sig = decode_exit_signal(data);
    if (sig) {
      exit_signal_ = sig->signal;
      LOG_DEBUG1("client_input_channel_req: channel %u rtype exit-signal reply 0", channel_id());
    }
    return sig.has_value();
  }
  return false;  // keepalive@openssh.com and anything unknown: failure, as OpenSSH answers
}

void SessionChannel::start_stdin() {
  if (plan_.stdin_null || plan_.kind == SessionPlan::Kind::none) {
    stdin_eof();
    return;
  }
  stdin_open_ = true;
  auto watched = loop_.watch(STDIN_FILENO, EPOLLIN, [this](uint32_t) { read_stdin(); });
  if (watched) {
    stdin_watched_ = true;
  } else {
    // A regular file or /dev/null cannot be polled: it is always readable.
    stdin_pollable_ = false;
    loop_.add_timer(Millis(0), [this] { read_stdin(); });
  }
}

// One read per readiness: stdin is left blocking (a tty or a pipe shared with the parent
// shell must not be switched to O_NONBLOCK), and epoll is level-triggered, so a second
// read in the same call could block the whole loop until the user types again.
void SessionChannel::read_stdin() {
  if (!stdin_open_ || !input_.empty()) return;
  uint8_t buf[kReadChunk];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    if (!stdin_pollable_) loop_.add_timer(Millis(0), [this] { read_stdin(); });
    return;
  }
  if (n <= 0) {
    stdin_open_ = false;
    if (stdin_watched_) {
      loop_.unwatch(STDIN_FILENO);
      stdin_watched_ = false;
    }
    stdin_eof_pending_ = true;
    send_pending_input();
    return;
  }
  ByteView typed(buf, size_t(n));
  if (plan_.escape_char >= 0) {
    if (!feed_escapes(typed)) return;
  } else if (input_.empty()) {
    // The common bulk case: straight from the read buffer, keeping only what the window
    // did not take.
    auto sent = mux().send_data(channel_id(), typed);
    append(input_, typed.subspan(sent ? *sent : 0));
  } else {
    append(input_, typed);
  }
  send_pending_input();
  bool throttled = !input_.empty();  // window shut: wait for on_window_available
  set_stdin_interest(!throttled);
  if (!stdin_pollable_ && stdin_open_ && !throttled) loop_.add_timer(Millis(0), [this] { read_stdin(); });
}

void SessionChannel::set_stdin_interest(bool on) {
  if (!stdin_watched_ || on == stdin_interest_) return;
  stdin_interest_ = on;
  (void)loop_.set_events(STDIN_FILENO, on ? uint32_t(EPOLLIN) : 0u);
}

// Escape echoes go straight to the terminal: they are not channel data, so they must not
// pass through stderr_, whose written bytes re-open the channel window.
void SessionChannel::echo(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += size_t(n);
  }
}

// Splits typed bytes at escape commands: bytes typed before a command are sent before it
// runs. False when an action ended the session input.
bool SessionChannel::feed_escapes(ByteView typed) {
  auto out = escapes_.feed(typed);
  size_t sent = 0;
  for (size_t i = 0; i < out.actions.size(); ++i) {
    append(input_, ByteView(out.data).subspan(sent, out.action_offsets[i] - sent));
    sent = out.action_offsets[i];
    send_pending_input();
    echo(escapes_.echo_line(out.actions[i]));
    events_.on_escape(out.actions[i]);
    if (!stdin_open_) return false;
  }
  append(input_, ByteView(out.data).subspan(sent));
  return true;
}

void SessionChannel::send_pending_input() {
  if (!input_.empty()) {
    auto sent = mux().send_data(channel_id(), input_);
    if (sent && *sent > 0) erase_front(input_, *sent);
  }
  if (input_.empty() && stdin_eof_pending_) stdin_eof();
}

void SessionChannel::stdin_eof() {
  stdin_eof_pending_ = false;
  stdin_open_ = false;
  (void)mux().send_eof(channel_id());
}

void SessionChannel::on_window_available() {
  send_pending_input();
  if (input_.empty()) {
    set_stdin_interest(true);
    if (!stdin_pollable_ && stdin_open_) loop_.add_timer(Millis(0), [this] { read_stdin(); });
  }
}

void SessionChannel::send_window_change(const connection::WindowChange& size) {
  (void)mux().send_request(channel_id(), connection::kReqWindowChange, connection::encode(size));
}

void SessionChannel::send_break() {
  (void)mux().send_request(channel_id(), connection::kReqBreak,
                           connection::encode(connection::BreakRequest{1000}));
}

}  // namespace ssh::client
