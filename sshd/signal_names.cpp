#include "sshd/signal_names.h"

#include <signal.h>

#include <array>
#include <utility>

namespace ssh::sshd {

namespace {

constexpr std::array<std::pair<std::string_view, int>, 13> kSignals{{
    {"ABRT", SIGABRT},
    {"ALRM", SIGALRM},
    {"FPE", SIGFPE},
    {"HUP", SIGHUP},
    {"ILL", SIGILL},
    {"INT", SIGINT},
    {"KILL", SIGKILL},
    {"PIPE", SIGPIPE},
    {"QUIT", SIGQUIT},
    {"SEGV", SIGSEGV},
    {"TERM", SIGTERM},
    {"USR1", SIGUSR1},
    {"USR2", SIGUSR2},
}};

}  // namespace

std::optional<int> signal_from_name(std::string_view name) {
  for (const auto& [n, s] : kSignals) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::string signal_name(int signo) {
  for (const auto& [n, s] : kSignals) {
    if (s == signo) return std::string(n);
  }
  return "SIG@openssh.com";
}

}  // namespace ssh::sshd
