// SessionChannel: channel requests, starting the child and the end of the session. The
// fd pumping is in session_io.cpp.
#include "sshd/session_channel.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>

#include "base/log.h"
#include "connection/mux.h"
#include "connection/session_requests.h"
#include "connection/terminal_modes.h"
#include "sshd/child_env.h"
#include "sshd/signal_names.h"

namespace ssh::sshd {

using namespace ssh::connection;

SessionChannel::SessionChannel(const SessionServices& services) : s_(services) {}

SessionChannel::~SessionChannel() {
  hangup();
  // The child may outlive us (it ignores SIGHUP); the reaper still collects it.
  if (running_) s_.reaper.forget(pid_);
  if (on_destroy_) on_destroy_();
}

bool SessionChannel::on_request(std::string_view type, bool, ByteView data) {
  if (dead_ || finished_) return false;
  if (type == kReqPty) return request_pty(data);
  if (type == kReqEnv) return request_env(data);
  if (type == kReqShell) return decode_empty(data) && start(Kind::shell, std::nullopt, "shell");
  if (type == kReqExec) {
    auto exec = decode_exec_request(data);
    return exec && start(Kind::exec, exec->command, "command");
  }
  if (type == kReqSubsystem) return request_subsystem(data);
  if (type == kReqWindowChange) return request_window_change(data);
  if (type == kReqSignal) return request_signal(data);
  if (type == kReqBreak) return request_break(data);
  LOG_DEBUG1("session channel %u: unsupported request %.*s", channel_id(), int(type.size()), type.data());
  return false;
}

// RFC 4254 §6.2.
bool SessionChannel::request_pty(ByteView data) {
  if (started_ || pty_) {
    LOG_DEBUG1("session channel %u: pty-req after start or twice", channel_id());
    return false;
  }
  if (!s_.config.permit_tty || !s_.context.key_permit_pty) {
    LOG_DEBUG1("Pty allocation disabled.");
    return false;
  }
  auto req = decode_pty_request(data);
  if (!req) return false;
  auto modes = decode_terminal_modes(req->modes);
  if (!modes) return false;
  auto pty = Pty::open(s_.context.user.uid, s_.context.user.gid);
  if (!pty) {
    LOG_ERROR("session_pty_req: pty allocation failed: %s", pty.error().context.c_str());
    return false;
  }
  if (auto st = pty->apply_modes(*modes); !st) LOG_ERROR("%s", st.error().context.c_str());
  WindowSize size{req->columns, req->rows, req->width_pixels, req->height_pixels};
  if (auto st = pty->set_window_size(size); !st) LOG_ERROR("%s", st.error().context.c_str());
  tty_name_ = pty->name();
  term_ = req->term;
  pty_ = std::move(*pty);
  LOG_DEBUG1("session channel %u: allocated %s, TERM %s", channel_id(), tty_name_.c_str(), term_.c_str());
  return true;
}

// RFC 4254 §6.4, filtered by AcceptEnv.
bool SessionChannel::request_env(ByteView data) {
  auto env = decode_env_request(data);
  if (!env || started_) return false;
  if (!env_name_accepted(env->name, s_.config.accept_env)) {
    LOG_DEBUG2("Ignoring env request %s: disallowed name", env->name.c_str());
    return false;
  }
  for (auto& [name, value] : client_env_) {
    if (name == env->name) {
      value = env->value;
      return true;
    }
  }
  if (client_env_.size() >= kMaxClientEnv) {
    LOG_DEBUG2("Ignoring env request %s: too many env vars", env->name.c_str());
    return false;
  }
  LOG_DEBUG2("Setting env %zu: %s=%s", client_env_.size(), env->name.c_str(), env->value.c_str());
  client_env_.emplace_back(std::move(env->name), std::move(env->value));
  return true;
}

bool SessionChannel::request_subsystem(ByteView data) {
  auto req = decode_subsystem_request(data);
  if (!req) return false;
  auto it = s_.config.subsystems.find(req->name);
  if (it == s_.config.subsystems.end()) {
    LOG_INFO("subsystem request for %s by user %s failed, subsystem not found", req->name.c_str(),
             s_.context.user.name.c_str());
    return false;
  }
  return start(Kind::subsystem, it->second, "subsystem '" + req->name + "'");
}

// RFC 4254 §6.7.
bool SessionChannel::request_window_change(ByteView data) {
  auto w = decode_window_change(data);
  if (!w || !pty_) return false;
  auto st = pty_->set_window_size({w->columns, w->rows, w->width_pixels, w->height_pixels});
  if (!st) LOG_DEBUG1("%s", st.error().context.c_str());
  return st.has_value();
}

// RFC 4254 §6.9: to the child's whole process group. Like OpenSSH, not to forced
// commands and subsystems, whose programs the user did not choose.
bool SessionChannel::request_signal(ByteView data) {
  auto req = decode_signal_request(data);
  if (!req) return false;
  std::optional<int> sig = signal_from_name(req->name);
  if (!sig || !running_) return false;
  if (!signals_allowed_) {
    LOG_INFO("session_signal_req: refusing to send signal %s to forced command or subsystem",
             req->name.c_str());
    return false;
  }
  LOG_DEBUG1("session channel %u: signal %s to process group %d", channel_id(), req->name.c_str(), int(pid_));
  return kill(-pid_, *sig) == 0;
}

// RFC 4335.
bool SessionChannel::request_break(ByteView data) {
  if (!decode_break_request(data) || !pty_) return false;
  return pty_->send_break().has_value();
}

// sshd(8) LOGIN PROCESS: the motd only for interactive pty logins without ~/.hushlogin.
std::string SessionChannel::motd_banner(const std::optional<std::string>& command) const {
  if (!s_.config.print_motd || !pty_ || command) return {};
  struct stat st {};
  if (stat((s_.context.user.home + "/.hushlogin").c_str(), &st) == 0) return {};
  std::ifstream in(s_.config.motd_path, std::ios::binary);
  if (!in) return {};
  std::string text(kMaxMotdSize, '\0');
  in.read(text.data(), std::streamsize(text.size()));
  text.resize(size_t(in.gcount()));
  return text;
}

bool SessionChannel::start(Kind kind, std::optional<std::string> command, const std::string& what) {
  if (started_) {
    LOG_DEBUG1("session channel %u: second shell/exec/subsystem refused", channel_id());
    return false;
  }
  // ForceCommand beats an authorized_keys command=; either replaces what was asked.
  const std::optional<std::string>& forced =
      s_.config.force_command ? s_.config.force_command : s_.context.key_forced_command;
  std::optional<std::string> original;
  if (forced) {
    original = std::move(command);
    command = *forced;
  }
  signals_allowed_ = !forced && kind != Kind::subsystem;
  ChildEnv env = build_child_env({s_.config, s_.context, client_env_, tty_name_, term_, original});
  SpawnRequest req;
  req.shell = s_.context.user.shell_or_default();
  req.command = command;
  req.env = env.to_strings();
  req.home = s_.context.user.home;
  req.pty_slave = pty_ ? pty_->slave() : -1;
  req.banner = motd_banner(command);
  auto child = spawn_session_child(req);
  if (!child) {
    LOG_ERROR("session channel %u: %s", channel_id(), child.error().context.c_str());
    return false;
  }
  // OpenSSH's log line (session.c do_exec), e.g. "Starting session: shell on pts/0 ...".
  const ConnectionInfo& conn = s_.context.connection;
  std::string on_tty = pty_ ? " on " + tty_name_.substr(tty_name_.rfind("/dev/", 0) == 0 ? 5 : 0) : "";
  LOG_VERBOSE("Starting session: %s%s%s for %s from %s port %u id %u", forced ? "forced-command " : "",
              what.c_str(), on_tty.c_str(), s_.context.user.name.c_str(), conn.client_address.c_str(),
              unsigned(conn.client_port), channel_id());
  attach_child(std::move(*child));
  return true;
}

void SessionChannel::attach_child(SpawnedChild&& child) {
  started_ = true;
  pid_ = child.pid;
  running_ = true;
  s_.reaper.watch(pid_, [this](int status) { on_child_exit(status); });
  if (pty_) {
    pty_->close_slave();
    in_fd_ = pty_->master();
    out_ = Output{pty_->master(), 0, {}, false};
  } else {
    stdin_pipe_ = std::move(child.stdin_fd);
    stdout_pipe_ = std::move(child.stdout_fd);
    stderr_pipe_ = std::move(child.stderr_fd);
    in_fd_ = stdin_pipe_.get();
    out_ = Output{stdout_pipe_.get(), 0, {}, false};
    err_ = Output{stderr_pipe_.get(), kExtendedDataStderr, {}, false};
  }
  flush_input();  // data or EOF that arrived before the request
  update_interest();
}

void SessionChannel::on_child_exit(int wait_status) {
  running_ = false;
  wait_status_ = wait_status;
  LOG_DEBUG1("session channel %u: child %d exited, status 0x%x", channel_id(), int(pid_), wait_status);
  if (dead_) return;
  // Nobody reads the child's stdin any more (OpenSSH: chan_write_failed). The pty
  // master stays open for the output still to come.
  if (!input_closed_) close_input();
  if (pty_) arm_drain_timer();
  update_interest();
  maybe_finish();
}

// RFC 4254 §6.10: the exit message, then EOF and CLOSE, once nothing more can come.
void SessionChannel::maybe_finish() {
  if (finished_ || dead_ || running_ || !wait_status_) return;
  if (!out_.eof || !out_.pending.empty() || !err_.eof || !err_.pending.empty()) return;
  finished_ = true;
  send_exit_message();
  if (auto st = mux().send_eof(channel_id()); !st) LOG_ERROR("%s", st.error().context.c_str());
  if (auto st = mux().close(channel_id()); !st) LOG_ERROR("%s", st.error().context.c_str());
  release_io();
}

void SessionChannel::send_exit_message() {
  int st = *wait_status_;
  Status sent;
  if (WIFSIGNALED(st)) {
    ExitSignal sig{signal_name(WTERMSIG(st)), bool(WCOREDUMP(st)), "", ""};
    LOG_DEBUG1("session channel %u: exit-signal %s%s", channel_id(), sig.signal.c_str(),
               sig.core_dumped ? " (core dumped)" : "");
    sent = mux().send_request(channel_id(), kReqExitSignal, encode(sig));
  } else {
    uint32_t code = WIFEXITED(st) ? uint32_t(WEXITSTATUS(st)) : 255;
    LOG_DEBUG1("session channel %u: exit-status %u", channel_id(), code);
    sent = mux().send_request(channel_id(), kReqExitStatus, encode(ExitStatus{code}));
  }
  if (!sent) LOG_ERROR("%s", sent.error().context.c_str());
}

void SessionChannel::on_eof() {
  input_eof_ = true;
  // OpenSSH closes the child's stdin only without a pty; on a pty the user types ^D.
  if (started_ && !pty_ && !input_closed_ && buffered_input() == 0) close_input();
}

void SessionChannel::on_close() {
  hangup();
}

void SessionChannel::hangup() {
  if (dead_) return;
  dead_ = true;
  if (running_) {
    LOG_DEBUG1("session channel %u: hangup, SIGHUP to process group %d", channel_id(), int(pid_));
    // spawn_session_child returns only once the child leads its own group.
    kill(-pid_, SIGHUP);
  }
  release_io();
}

}  // namespace ssh::sshd
