// Asks the user for passwords and answers: on /dev/tty with echo off, or through
// SSH_ASKPASS under the same rules as OpenSSH (SSH_ASKPASS_REQUIRE=force|prefer|never;
// without a terminal, when DISPLAY or WAYLAND_DISPLAY is set).
#pragma once

#include "auth/client_auth.h"

namespace ssh::client {

class TtyPrompter final : public auth::Prompter {
 public:
  explicit TtyPrompter(bool quiet) : quiet_(quiet) {}
  std::optional<SecretBytes> ask(std::string_view prompt, bool echo) override;
  void show(std::string_view text) override;

 private:
  bool quiet_;
};

}  // namespace ssh::client
