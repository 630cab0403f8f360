// A pseudo-terminal pair for a session (RFC 4254 §6.2): the master stays with the
// session process, the slave becomes the child's controlling terminal.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "connection/terminal_modes.h"

namespace ssh::sshd {

struct WindowSize {
  uint32_t columns = 0;
  uint32_t rows = 0;
  uint32_t width_pixels = 0;
  uint32_t height_pixels = 0;
};

class Pty {
 public:
  // posix_openpt + grantpt + unlockpt, and opens the slave. Both fds are close-on-exec
  // and the master is non-blocking. Running as root, the slave is handed to the user:
  // owner uid, group "tty" with mode 0620 (0600 with the user's group when there is no
  // tty group), as login(1) does; as the user, devpts has already done the same.
  static Result<Pty> open(uid_t owner, gid_t owner_group);

  Pty(Pty&&) = default;
  Pty& operator=(Pty&&) = default;

  int master() const { return master_.get(); }
  int slave() const { return slave_.get(); }
  const std::string& name() const { return name_; }  // "/dev/pts/N"

  // Decoded pty-req modes applied to the slave's termios (tcsetattr on the slave: on
  // Linux the master has its own termios).
  Status apply_modes(const std::vector<connection::TerminalMode>& modes);
  // TIOCSWINSZ on the master; the kernel sends SIGWINCH to the foreground group.
  // Values beyond 16 bits are clamped.
  Status set_window_size(const WindowSize& size);
  Result<WindowSize> window_size() const;
  // RFC 4335: tcsendbreak on the master (the pty driver treats it as a no-op).
  Status send_break();
  // The parent drops its slave once the child holds it, so that the master sees EIO
  // when the last user of the slave goes away.
  void close_slave() { slave_.reset(); }

 private:
  Pty() = default;
  UniqueFd master_;
  UniqueFd slave_;
  std::string name_;
};

}  // namespace ssh::sshd
