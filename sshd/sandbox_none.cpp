// Platforms without a syscall filter: the privilege drop in sandbox_privileges.cpp is all.
#include "sshd/sandbox.h"

namespace ssh::sshd {

const char* sandbox_name() {
  return "none";
}
Status install_syscall_filter() {
  return {};
}

}  // namespace ssh::sshd
