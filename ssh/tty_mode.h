// Puts the local terminal in raw mode for an interactive session and restores it on
// every exit path (destructor, and the signal/exit paths through restore()).
#pragma once

#include <termios.h>

namespace ssh::client {

class RawTtyMode {
 public:
  RawTtyMode() = default;
  RawTtyMode(const RawTtyMode&) = delete;
  RawTtyMode& operator=(const RawTtyMode&) = delete;
  ~RawTtyMode() { restore(); }

  // Enters raw mode on fd (a terminal); false if fd is not a tty.
  bool enter(int fd);
  void restore();
  bool active() const { return active_; }
  // The settings before raw mode, for pty-req terminal modes.
  const termios& saved() const { return saved_; }

 private:
  int fd_ = -1;
  termios saved_{};
  bool active_ = false;
};

}  // namespace ssh::client
