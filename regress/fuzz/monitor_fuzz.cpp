// libFuzzer target: the monitor's request dispatch (sshd/monitor.cpp), the privilege
// boundary a compromised pre-auth or session child talks to. The first byte picks the
// phase the monitor is driven to first (the way a real child would get there); the rest
// is a sequence of requests, each a u16 length and that many bytes. Every request must
// be answered or refused without a crash, and after a refusal nothing is answered again.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "regress/unittests/sshd/monitor_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ssh::sshd::Monitor;
  using ssh::sshd::test::MonitorRig;
  if (size < 1) return 0;
  static const bool quiet = [] {
    ssh::log::set_level(ssh::log::Level::quiet);
    return true;
  }();
  (void)quiet;
  MonitorRig rig;
  auto phase = ssh::sshd::test::kAllPhases[data[0] % ssh::sshd::test::kAllPhases.size()];
  if (!rig.reach(phase)) __builtin_trap();  // the honest path must always work
  rig.resume_ok = (data[0] & 0x80) != 0;    // let some resumptions succeed
  size_t at = 1;
  bool refused = false;
  while (at + 2 <= size) {
    size_t len = (size_t(data[at]) << 8) | data[at + 1];
    at += 2;
    len = std::min(len, size - at);
    auto answer = rig.monitor().handle(ssh::ByteView(data + at, len));
    at += len;
    if (refused && answer) __builtin_trap();  // default deny after a violation
    if (!answer) refused = true;
    if (rig.monitor().violated() != refused) __builtin_trap();
    (void)rig.monitor().take_answer_fd();
  }
  return 0;
}
