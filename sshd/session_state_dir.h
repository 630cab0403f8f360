// A resumable session's state directory (DESIGN §4.8, in part): a private directory
// the session's programs find through $SSHC_SESSION_DIR. Its file "connection" holds the
// current connection in SSH_CONNECTION's format ("client_addr client_port server_addr
// server_port") and is rewritten after every resumption, so programs that outlive an
// address change can see the new one (their own SSH_CONNECTION cannot change).
#pragma once

#include <string>

#include "base/result.h"
#include "sshd/session_config.h"

namespace ssh::sshd {

class SessionStateDir {
 public:
  // Creates a fresh 0700 directory under base (as the current user).
  static Result<SessionStateDir> create(const std::string& base = "/tmp");
  SessionStateDir(SessionStateDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  SessionStateDir& operator=(SessionStateDir&&) = delete;
  SessionStateDir(const SessionStateDir&) = delete;
  ~SessionStateDir();

  // Atomically replaces the "connection" file.
  Status write_connection(const ConnectionInfo& c) const;
  const std::string& path() const { return path_; }

 private:
  explicit SessionStateDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace ssh::sshd
