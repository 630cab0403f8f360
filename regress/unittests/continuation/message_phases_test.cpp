#include "continuation/message_phases.h"

#include <gtest/gtest.h>

namespace ssh::continuation {
namespace {

using transport::Role;

// Every number, every phase, both roles: what the table lets through is exactly what
// RFC 4252/4254 and PROTOCOL.continuation §7.4 allow there; the rest is denied.
Route expected(Role role, MessagePhase phase, int n) {
  bool auth_replies = (n >= 51 && n <= 53) || (n >= 60 && n <= 79);
  if (role == Role::client) {
    switch (phase) {
      case MessagePhase::service: return n == 6 ? Route::owner : Route::deny;
      case MessagePhase::userauth: return auth_replies ? Route::owner : Route::deny;
      case MessagePhase::connection: return n >= 80 && n <= 127 ? Route::connection : Route::deny;
      case MessagePhase::resuming: return n == 6 || auth_replies || n == 80 ? Route::owner : Route::deny;
    }
  }
  switch (phase) {
    case MessagePhase::service: return n == 5 ? Route::owner : Route::deny;
    case MessagePhase::userauth: return n == 5 || n == 50 || (n >= 60 && n <= 79) ? Route::owner : Route::deny;
    case MessagePhase::connection:
      if (n >= 50 && n <= 79) return Route::ignore;
      return n >= 80 && n <= 127 ? Route::connection : Route::deny;
    case MessagePhase::resuming: return Route::deny;  // a server never resumes as a client
  }
  return Route::deny;
}

TEST(MessagePhases, EveryNumberInEveryPhase) {
  for (Role role : {Role::client, Role::server}) {
    for (MessagePhase phase :
         {MessagePhase::service, MessagePhase::userauth, MessagePhase::connection, MessagePhase::resuming}) {
      for (int n = 0; n <= 255; ++n) {
        EXPECT_EQ(route(role, phase, uint8_t(n)), expected(role, phase, n))
            << "role " << int(role) << " phase " << phase_name(phase) << " message " << n;
      }
    }
  }
}

TEST(MessagePhases, LocalExtensionsAndTransportNumbersAreDenied) {
  for (int n : {0, 1, 2, 3, 4, 7, 20, 21, 30, 49, 128, 191, 192, 255}) {
    EXPECT_EQ(route(Role::server, MessagePhase::connection, uint8_t(n)), Route::deny) << n;
    EXPECT_EQ(route(Role::client, MessagePhase::connection, uint8_t(n)), Route::deny) << n;
  }
}

}  // namespace
}  // namespace ssh::continuation
