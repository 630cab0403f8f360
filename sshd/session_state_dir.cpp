#include "sshd/session_state_dir.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sshd/child_env.h"

namespace ssh::sshd {

Result<SessionStateDir> SessionStateDir::create(const std::string& base) {
  std::string templ = base + "/sshc-session.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return fail(ErrorCode::io, "mkdtemp " + base + ": " + strerror(errno));
  }
  return SessionStateDir(std::move(templ));
}

SessionStateDir::~SessionStateDir() {
  if (path_.empty()) return;
  unlink((path_ + "/connection").c_str());
  unlink((path_ + "/connection.new").c_str());
  rmdir(path_.c_str());
}

Status SessionStateDir::write_connection(const ConnectionInfo& c) const {
  std::string text = connection_text(c) + "\n";
  std::string tmp = path_ + "/connection.new";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(ErrorCode::io, tmp + ": " + strerror(errno));
  bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size());
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp.c_str(), (path_ + "/connection").c_str()) != 0) {
    return fail(ErrorCode::io, tmp + ": " + strerror(errno));
  }
  return {};
}

}  // namespace ssh::sshd
