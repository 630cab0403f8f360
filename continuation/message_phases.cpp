#include "continuation/message_phases.h"

#include <array>

namespace ssh::continuation {

namespace {

using transport::Role;

struct Rule {
  Role role;
  MessagePhase phase;
  uint8_t first;
  uint8_t last;
  Route route;
};

// RFC 4250 §4.1.2 numbers: 5 SERVICE_REQUEST, 6 SERVICE_ACCEPT, 50 USERAUTH_REQUEST,
// 51 FAILURE, 52 SUCCESS, 53 BANNER, 60-79 method-specific, 80-127 connection protocol.
constexpr auto kRules = std::to_array<Rule>({
    {Role::client, MessagePhase::service, 6, 6, Route::owner},
    {Role::client, MessagePhase::userauth, 51, 53, Route::owner},
    {Role::client, MessagePhase::userauth, 60, 79, Route::owner},
    {Role::client, MessagePhase::connection, 80, 127, Route::connection},
    // §7.4: SERVICE_ACCEPT, the verdict (60-79 carries a method's answer), then the
    // server's first acknowledgement, all for the resuming driver.
    {Role::client, MessagePhase::resuming, 6, 6, Route::owner},
    {Role::client, MessagePhase::resuming, 51, 53, Route::owner},
    {Role::client, MessagePhase::resuming, 60, 79, Route::owner},
    {Role::client, MessagePhase::resuming, 80, 80, Route::owner},
    {Role::server, MessagePhase::service, 5, 5, Route::owner},
    // Some clients (paramiko) ask for the service again before each retry.
    {Role::server, MessagePhase::userauth, 5, 5, Route::owner},
    {Role::server, MessagePhase::userauth, 50, 50, Route::owner},
    {Role::server, MessagePhase::userauth, 60, 79, Route::owner},
    {Role::server, MessagePhase::connection, 50, 79, Route::ignore},
    {Role::server, MessagePhase::connection, 80, 127, Route::connection},
});

}  // namespace

Route route(Role role, MessagePhase phase, uint8_t message) {
  for (const Rule& r : kRules) {
    if (r.role == role && r.phase == phase && message >= r.first && message <= r.last) return r.route;
  }
  return Route::deny;
}

std::string_view phase_name(MessagePhase phase) {
  switch (phase) {
    case MessagePhase::service: return "before the service request";
    case MessagePhase::userauth: return "during authentication";
    case MessagePhase::connection: return "after authentication";
    case MessagePhase::resuming: return "while resuming";
  }
  return "";
}

}  // namespace ssh::continuation
