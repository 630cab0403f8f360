#include "sshd/connection_handler.h"

#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/server_checks.h"
#include "auth/server_pam.h"
#include "base/log.h"
#include "base/unix_message.h"
#include "continuation/messages.h"
#include "sshd/monitor.h"
#include "sshd/monitor_protocol.h"
#include "sshd/preauth_child.h"
#include "sshd/resume_policy.h"
#include "sshd/resume_registry.h"
#include "sshd/server_options.h"
#include "sshd/session_process.h"

namespace ssh::sshd {

namespace {

std::string label(const PeerAddress& p) {
  return p.client_address + " port " + std::to_string(p.client_port);
}

// Serves the child on monitor_fd until it closes its end, the monitor reaches stop_at
// (if given) or hands the connection to a suspended session, the deadline passes, or the
// child breaks a rule. False on timeout.
bool serve_monitor(Monitor& monitor, int monitor_fd, std::optional<Monitor::Phase> stop_at, int timeout_s) {
  auto deadline = timeout_s > 0 ? Clock::now() + std::chrono::seconds(timeout_s) : TimePoint::max();
  while (!stop_at || (monitor.phase() != *stop_at && monitor.phase() != Monitor::Phase::resumed)) {
    int wait_ms = -1;
    if (timeout_s > 0) {
      auto left = std::chrono::ceil<Millis>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      wait_ms = int(std::min<long>(left, 1 << 30));
    }
    pollfd p{monitor_fd, POLLIN, 0};
    int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) continue;
    auto message = receive_unix_message(monitor_fd, kMaxMonitorMessage);
    if (!message) return true;  // the child exited or closed its end
    auto answer = monitor.handle(message->data);
    // Requests carry the transport state and pre-secret; no copy outlives its handling.
    wipe(message->data.data(), message->data.size());
    if (!answer) {
      LOG_ERROR("%s; ending this connection", answer.error().context.c_str());
      (void)send_unix_message(monitor_fd, encode_type_only(MonitorType::refused));
      return true;
    }
    UniqueFd pass = monitor.take_answer_fd();
    if (*answer && !send_unix_message(monitor_fd, **answer, pass.get())) return true;
  }
  return true;
}

constexpr int kResumableAliveInterval = 15;  // seconds, as ssh's Resume=yes default

void reap(pid_t pid, const char* what = nullptr) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // A crash of the user's session process is a bug worth a line (ours to fix).
  if (what != nullptr && WIFSIGNALED(status)) {
    LOG_ERROR("%s process %d killed by signal %d", what, int(pid), WTERMSIG(status));
  }
}

Status become_user(const auth::Passwd& pw) {
  if (getuid() != 0) return {};
  if (initgroups(pw.name.c_str(), pw.gid) != 0) return fail(ErrorCode::internal, "initgroups failed");
  if (setresgid(pw.gid, pw.gid, pw.gid) != 0) return fail(ErrorCode::internal, "setgid failed");
  if (setresuid(pw.uid, pw.uid, pw.uid) != 0) return fail(ErrorCode::internal, "setuid failed");
  if (pw.uid != 0 && setuid(0) == 0) return fail(ErrorCode::internal, "was able to restore root privileges");
  return {};
}

pid_t fork_preauth(ServerContext& ctx, const config::ServerConfig& cfg, int in_fd, int out_fd,
                   UniqueFd child_end, const PeerAddress& peer) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  // The child keeps only public halves of the host keys.
  auto table = ctx.host_keys.public_table();
  ctx.host_keys.forget_private_keys();
  PreauthParams p;
  p.net_in = in_fd;
  p.net_out = out_fd;
  p.monitor_fd = child_end.get();
  auto transport = transport_config_for(cfg);
  if (!transport) _exit(255);
  p.transport = std::move(*transport);
  p.auth = auth_config_for(cfg);
  p.auth.client_label = "from " + label(peer);
  p.host_keys = std::move(table);
  p.peer = label(peer);
  p.sandbox = {ctx.privsep_dir, ctx.privsep_user};
  p.use_sandbox = ctx.use_sandbox;
  // Continuations move a socket between processes; the pipes of sshd -i cannot follow.
  p.continuations = cfg.resume && in_fd == out_fd;
  _exit(run_preauth(std::move(p)));
}

// The monitor has no use for the connection once the session process has it, and must
// not keep it open: a suspended session's socket is closed for real (PROTOCOL.continuation
// §8.2).
void release_connection(int in_fd, int out_fd) {
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd : {in_fd, out_fd}) {
    if (null_fd >= 0) dup2(null_fd, fd);
  }
  if (null_fd >= 0) close(null_fd);
}

// PROTOCOL.continuation §7.3 on the new connection's side: find the suspended session of
// this user by handle and hand it the connection.
Result<ResumeVerdict> hand_to_session(const ServerContext& ctx, const auth::SystemBackend& backend,
                                      const PeerAddress& peer, int socket, const ResumeRequest& req,
                                      const Bytes& session_id) {
  const auth::Passwd* pw = backend.passwd();
  if (pw == nullptr) return ResumeVerdict{false, "invalid user"};
  auto auth = continuation::decode_resume_auth_data(req.user, req.body);
  if (!auth) return ResumeVerdict{false, "malformed request: " + auth.error().context};
  ResumeHandoff h{req.user,
                  req.body,
                  session_id,
                  req.state.clone(),
                  req.presecret.clone(),
                  peer.client_address,
                  peer.client_port,
                  peer.server_address,
                  peer.server_port};
  return hand_over(ctx.registry_dir, pw->uid, auth->handle, ctx.monitor_uid, h, socket, 10000);
}

// PROTOCOL.continuation §9: the session at `self` (of user pw) has just suspended. Ends
// the user's oldest suspended sessions while the user or the instance is over its cap.
void enforce_suspend_caps(const ServerContext& ctx, const auth::Passwd& pw, int per_user, const std::string& self) {
  auto entries = suspended_entries(ctx.registry_dir);
  for (const EndRequest& e : over_caps(entries, pw.uid, self, per_user, ctx.config.max_suspended_sessions_total)) {
    std::string which = e.path == self ? "the session just suspended" : e.path.substr(e.path.rfind('/') + 1);
    LOG_INFO("Ending suspended session %s of user %s: %s", which.c_str(), pw.name.c_str(), e.reason.c_str());
    if (auto s = request_end(e.path, ctx.monitor_uid, e.reason); !s) {
      LOG_ERROR("continuation registry: %s", s.error().context.c_str());
    }
  }
}

}  // namespace

PeerAddress peer_address_of(int fd) {
  PeerAddress p{"UNKNOWN", 0, "UNKNOWN", 0};
  auto name = [](const sockaddr_storage& ss, socklen_t len, std::string& host, int& port) {
    char h[NI_MAXHOST], s[NI_MAXSERV];
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&ss), len, h, sizeof h, s, sizeof s,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
      host = h;
      port = atoi(s);
    }
  };
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
    name(ss, len, p.client_address, p.client_port);
  len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
    name(ss, len, p.server_address, p.server_port);
  return p;
}

int serve_connection(ServerContext& ctx, int in_fd, int out_fd, const PeerAddress& peer) {
  const config::ServerConfig& cfg = ctx.config;
  LOG_DEBUG1("Connection from %s port %d on %s port %d", peer.client_address.c_str(), peer.client_port,
             peer.server_address.c_str(), peer.server_port);
  auto pair = seqpacket_pair();
  if (!pair) return 255;
  UniqueFd monitor_end = std::move(pair->first);
  pid_t preauth = fork_preauth(ctx, cfg, in_fd, out_fd, std::move(pair->second), peer);
  if (preauth < 0) return 255;

  auth::ConnectionFacts facts;
  facts.client_ip = peer.client_address;
  facts.client_host = peer.client_address;
  facts.client_port = uint16_t(peer.client_port);
  // Match blocks apply once the user name is known, to every authentication decision.
  config::ConnectionInfo conn{
      "", peer.client_address, peer.client_address, peer.server_address, peer.server_port, "", {}};
  auth::SystemBackend backend(checks_config_for(cfg), facts, checks_for_user(cfg, conn));
  Monitor monitor(backend, ctx.host_keys, [&backend](const Bytes& sid, const Bytes& host_key) {
    backend.set_session(sid, host_key);
  });
  if (cfg.resume && in_fd == out_fd) {
    // The session's own monitor checks the policy once the proof is verified.
    monitor.on_resume([&](const ResumeRequest& req, const Bytes& sid) -> Result<ResumeVerdict> {
      return hand_to_session(ctx, backend, peer, in_fd, req, sid);
    });
  }
  bool in_time =
      serve_monitor(monitor, monitor_end.get(), Monitor::Phase::state_received, cfg.login_grace_time);
  if (!in_time) {
    LOG_INFO("Timeout before authentication for %s", label(peer).c_str());
  }
  if (monitor.phase() != Monitor::Phase::state_received && monitor.phase() != Monitor::Phase::resumed) {
    kill(preauth, SIGKILL);
    reap(preauth);
    return 255;
  }
  reap(preauth);
  if (ctx.startup_notify_fd >= 0) {
    ssize_t ignored = write(ctx.startup_notify_fd, "a", 1);
    (void)ignored;
    close(ctx.startup_notify_fd);
    ctx.startup_notify_fd = -1;
  }
  if (monitor.phase() == Monitor::Phase::resumed) return 0;  // the suspended session has it now

  const auth::Passwd* pw = backend.passwd();
  if (pw == nullptr) return 255;
  auto user = UserInfo::from_name(pw->name);
  if (!user) return 255;
  if (cfg.use_pam && backend.pam() != nullptr) {
    if (auto s = backend.pam()->open_session("ssh"); !s) {
      LOG_ERROR("PAM session: %s", s.error().context.c_str());
      return 255;
    }
  }
  auto session_pair = seqpacket_pair();
  if (!session_pair) return 255;
  UniqueFd session_monitor = std::move(session_pair->first);
  UniqueFd session_end = std::move(session_pair->second);
  config::ConnectionInfo match_info{
      pw->name, peer.client_address, peer.client_address, peer.server_address, peer.server_port, "", {}};
  auto effective = config::apply_match(cfg, match_info);
  const config::ServerConfig& user_cfg = effective ? *effective : cfg;

  // Only the session process needs these: the monitor wipes its copies right after the fork.
  SecretBytes transport_state = monitor.take_transport_state();
  SecretBytes presecret = monitor.take_presecret();
  pid_t session = fork();
  if (session == 0) {
    session_monitor.reset();
    auto table = ctx.host_keys.public_table();
    ctx.host_keys.forget_private_keys();
    if (!become_user(*pw)) _exit(255);
    SessionParams p;
    p.net_in = in_fd;
    p.net_out = out_fd;
    p.monitor_fd = session_end.get();
    p.transport_state = std::move(transport_state);
    auto transport = transport_config_for(user_cfg);
    if (!transport) _exit(255);
    p.transport = std::move(*transport);
    p.host_keys = std::move(table);
    p.session = session_config_for(user_cfg);
    p.context.user = *user;
    p.context.connection = {peer.client_address, uint16_t(peer.client_port), peer.server_address,
                            uint16_t(peer.server_port)};
    TcpForwardConfig& fwd = p.forwarding;
    fwd.allow_tcp_forwarding = config::ForwardPolicy(user_cfg.allow_tcp_forwarding);
    fwd.gateway_ports = config::GatewayPorts(user_cfg.gateway_ports);
    fwd.disable_forwarding = user_cfg.disable_forwarding;
    fwd.permit_open = user_cfg.permit_open;
    fwd.permit_listen = user_cfg.permit_listen;
    fwd.user_is_root = pw->uid == 0;
    if (const auto& options = monitor.key_options()) {
      p.context.key_forced_command = options->command;
      p.context.key_permit_pty = options->pty;
      fwd.key_port_forwarding = options->port_forwarding;
      fwd.key_permit_open = options->permitopen;
      fwd.key_permit_listen = options->permitlisten;
    }
    p.client_alive_interval = user_cfg.client_alive_interval;
    p.client_alive_count_max = user_cfg.client_alive_count_max;
    // A resumable session notices a dead path within a minute unless the admin said.
    if (!user_cfg.is_set("ClientAliveInterval")) p.resumable_alive_interval = kResumableAliveInterval;
    p.presecret = std::move(presecret);
    p.resume_allowed = user_cfg.resume;
    p.resume_timeout_s = uint32_t(std::max(1, user_cfg.resume_timeout));
    p.monitor_uid = ctx.monitor_uid;
    _exit(run_session(std::move(p)));
  }
  session_end.reset();
  transport_state.clear();
  presecret.clear();
  if (session < 0) return 255;
  release_connection(in_fd, out_fd);
  std::string registry_path;
  monitor.on_register([&](ByteView handle) -> Result<UniqueFd> {
    // "Resume no" from a Match block: the setup request gets REQUEST_FAILURE.
    if (!user_cfg.resume) return fail(ErrorCode::auth, "Resume no for " + pw->name + " from " + label(peer));
    return bind_registry_entry(ctx.registry_dir, pw->uid, handle, registry_path);
  });
  // The session tells us when it suspends and resumes; suspended sessions are capped.
  monitor.on_suspend_state([&](bool suspended) {
    if (registry_path.empty()) return;
    mark_suspended(registry_path, suspended);
    if (suspended) enforce_suspend_caps(ctx, *pw, user_cfg.max_suspended_sessions, registry_path);
  });
  // A resumption of this login's session re-runs its policy for the new addresses.
  LoginRecord login{pw->name, monitor.methods(), monitor.key_options(), monitor.key_blob()};
  monitor.on_resume_policy([&cfg, login](const ResumePolicyRequest& to) { return check_resume_policy(cfg, login, to); });
  // Signatures for the session's rekeys, until it exits.
  serve_monitor(monitor, session_monitor.get(), std::nullopt, 0);
  if (monitor.violated()) kill(session, SIGKILL);  // it broke the monitor's rules: end it
  reap(session, "session");
  if (!registry_path.empty()) unlink(registry_path.c_str());
  if (cfg.use_pam && backend.pam() != nullptr) backend.pam()->close_session();
  return 0;
}

}  // namespace ssh::sshd
