#include "ssh/tty_mode.h"

#include <unistd.h>

namespace ssh::client {

bool RawTtyMode::enter(int fd) {
  if (active_ || !isatty(fd) || tcgetattr(fd, &saved_) != 0) return false;
  termios raw = saved_;
  // The remote pty does all line discipline; we pass every byte through untouched.
  raw.c_iflag |= IGNPAR;
  raw.c_iflag &= ~(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY | IXOFF | IUCLC);
  raw.c_lflag &= ~(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
  raw.c_oflag &= ~OPOST;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr(fd, TCSADRAIN, &raw) != 0) return false;
  fd_ = fd;
  active_ = true;
  return true;
}

void RawTtyMode::restore() {
  if (!active_) return;
  tcsetattr(fd_, TCSADRAIN, &saved_);
  active_ = false;
}

}  // namespace ssh::client
