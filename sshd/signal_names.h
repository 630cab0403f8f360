// Signal names of the "signal" and "exit-signal" channel requests (RFC 4254 §6.9, §6.10):
// the POSIX name without the "SIG" prefix.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ssh::sshd {

// The thirteen names RFC 4254 §6.10 lists; anything else is refused.
std::optional<int> signal_from_name(std::string_view name);
// The RFC name, or "SIG@openssh.com" (OpenSSH's name for a signal the RFC does not list)
// for any other signal number.
std::string signal_name(int signo);

}  // namespace ssh::sshd
