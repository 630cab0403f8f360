#include "sshd/signal_names.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace ssh::sshd {
namespace {

// RFC 4254 §6.10 lists exactly these.
TEST(SignalNames, Rfc4254Names) {
  const std::pair<const char*, int> table[] = {
      {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"FPE", SIGFPE},   {"HUP", SIGHUP},
      {"ILL", SIGILL},   {"INT", SIGINT},   {"KILL", SIGKILL}, {"PIPE", SIGPIPE},
      {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV}, {"TERM", SIGTERM}, {"USR1", SIGUSR1},
      {"USR2", SIGUSR2}};
  for (const auto& [name, sig] : table) {
    EXPECT_EQ(signal_from_name(name), sig) << name;
    EXPECT_EQ(signal_name(sig), name);
  }
}

TEST(SignalNames, OthersAreRefusedOrGeneric) {
  EXPECT_FALSE(signal_from_name("SIGTERM"));
  EXPECT_FALSE(signal_from_name("term"));
  EXPECT_FALSE(signal_from_name("WINCH"));
  EXPECT_FALSE(signal_from_name(""));
  EXPECT_EQ(signal_name(SIGWINCH), "SIG@openssh.com");
  EXPECT_EQ(signal_name(SIGRTMIN), "SIG@openssh.com");
}

}  // namespace
}  // namespace ssh::sshd
