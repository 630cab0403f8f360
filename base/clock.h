// Monotonic time for timers and timeouts.
#pragma once

#include <chrono>

namespace ssh {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

}  // namespace ssh
