#include "sshd/pty.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"

namespace ssh::sshd {

namespace {

std::unexpected<Error> sys_fail(const std::string& what) {
  return fail(ErrorCode::io, what + ": " + strerror(errno));
}

unsigned short clamp16(uint32_t v) {
  return static_cast<unsigned short>(std::min<uint32_t>(v, 0xffff));
}

// login(1)'s convention: the user owns the terminal, group tty may write to it (write(1),
// wall(1)). Without a tty group only the user may use it.
Status hand_to_user(int slave, const std::string& name, uid_t owner, gid_t owner_group) {
  gid_t gid = owner_group;
  mode_t mode = 0600;
  struct group tty_group {};
  struct group* found = nullptr;
  char buf[4096];
  if (getgrnam_r("tty", &tty_group, buf, sizeof buf, &found) == 0 && found) {
    gid = found->gr_gid;
    mode = 0620;
  }
  if (fchown(slave, owner, gid) != 0) return sys_fail("fchown " + name);
  if (fchmod(slave, mode) != 0) return sys_fail("fchmod " + name);
  return {};
}

}  // namespace

Result<Pty> Pty::open(uid_t owner, gid_t owner_group) {
  Pty p;
  p.master_.reset(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.master_) return sys_fail("posix_openpt");
  if (grantpt(p.master_.get()) != 0) return sys_fail("grantpt");
  if (unlockpt(p.master_.get()) != 0) return sys_fail("unlockpt");
  char name[128];
  if (ptsname_r(p.master_.get(), name, sizeof name) != 0) return sys_fail("ptsname_r");
  p.name_ = name;
  p.slave_.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.slave_) return sys_fail("open " + p.name_);
  if (geteuid() == 0) SSH_TRY(hand_to_user(p.slave_.get(), p.name_, owner, owner_group));
  if (!set_nonblocking(p.master_.get())) return sys_fail("O_NONBLOCK on pty master");
  LOG_DEBUG1("allocated pty %s", p.name_.c_str());
  return p;
}

Status Pty::apply_modes(const std::vector<connection::TerminalMode>& modes) {
  if (!slave_) return fail(ErrorCode::internal, "pty modes after the slave was closed");
  termios tio{};
  if (tcgetattr(slave_.get(), &tio) != 0) return sys_fail("tcgetattr " + name_);
  connection::apply_terminal_modes(modes, tio);
  if (tcsetattr(slave_.get(), TCSANOW, &tio) != 0) return sys_fail("tcsetattr " + name_);
  return {};
}

Status Pty::set_window_size(const WindowSize& size) {
  winsize ws{};
  ws.ws_col = clamp16(size.columns);
  ws.ws_row = clamp16(size.rows);
  ws.ws_xpixel = clamp16(size.width_pixels);
  ws.ws_ypixel = clamp16(size.height_pixels);
  if (ioctl(master_.get(), TIOCSWINSZ, &ws) != 0) return sys_fail("TIOCSWINSZ");
  return {};
}

Result<WindowSize> Pty::window_size() const {
  winsize ws{};
  if (ioctl(master_.get(), TIOCGWINSZ, &ws) != 0) return sys_fail("TIOCGWINSZ");
  return WindowSize{ws.ws_col, ws.ws_row, ws.ws_xpixel, ws.ws_ypixel};
}

Status Pty::send_break() {
  if (tcsendbreak(master_.get(), 0) != 0) return sys_fail("tcsendbreak");
  return {};
}

}  // namespace ssh::sshd
