// The connection-wide hooks of the post-authentication session process: accepts
// "session" channel opens up to MaxSessions (each served by a SessionChannel) and hands
// every other channel type and global request to an optional next MuxHandler
// (forwarding, agent, continuations), or refuses it.
//
// Lifetime: the EventLoop, the ChildReaper and the SessionHost must outlive the Mux,
// which owns the SessionChannels. On connection loss call connection_lost(), then
// destroy the Mux; keep running the loop while reaper.pending() > 0 if the children's
// exits should be collected before the process ends.
#pragma once

#include <string_view>
#include <vector>

#include "base/event_loop.h"
#include "connection/mux.h"
#include "sshd/child_reaper.h"
#include "sshd/session_channel.h"
#include "sshd/session_config.h"

namespace ssh::sshd {

// OpenSSH's global request that forbids further "session" opens on this connection.
inline constexpr std::string_view kGlobalNoMoreSessions = "no-more-sessions@openssh.com";

class SessionHost : public connection::MuxHandler {
 public:
  SessionHost(EventLoop& loop, ChildReaper& reaper, SessionConfig config, SessionContext context);
  ~SessionHost() override;
  SessionHost(const SessionHost&) = delete;
  SessionHost& operator=(const SessionHost&) = delete;

  // --- connection::MuxHandler ---
  connection::OpenDecision on_channel_open(const connection::IncomingOpen& open) override;
  connection::GlobalReply on_global_request(std::string_view name, bool want_reply, ByteView data) override;

  // Other channel types and global requests go here (not owned; nullptr: refuse).
  void set_next(connection::MuxHandler* next) { next_ = next; }

  // The client vanished: every session hangs up (SIGHUP to its process group, pty and
  // pipes closed) and sends nothing more.
  void connection_lost();

  // After a resumption from another address: what new programs see in SSH_CONNECTION.
  void set_connection(ConnectionInfo connection) { context_.connection = std::move(connection); }
  // $SSHC_SESSION_DIR for sessions opened from now on.
  void set_state_dir(std::string dir) { context_.state_dir = std::move(dir); }

  size_t session_count() const { return sessions_.size(); }
  const std::vector<SessionChannel*>& sessions() const { return sessions_; }
  bool no_more_sessions() const { return no_more_sessions_; }
  const SessionConfig& config() const { return config_; }
  const SessionContext& context() const { return context_; }

 private:
  connection::OpenDecision open_session();

  SessionConfig config_;
  SessionContext context_;
  SessionServices services_;
  connection::MuxHandler* next_ = nullptr;
  std::vector<SessionChannel*> sessions_;  // owned by the Mux; they deregister when destroyed
  bool no_more_sessions_ = false;
};

}  // namespace ssh::sshd
