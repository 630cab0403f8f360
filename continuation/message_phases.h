// Which service-layer message numbers each phase of a connection accepts, and who takes
// them: one default-deny table for the client, the pre-auth child and the session
// process. The transport consumes its own numbers (1-4, 20-49, EXT_INFO) before any of
// this; whatever a phase does not list is a protocol violation that ends the connection.
#pragma once

#include <cstdint>
#include <string_view>

#include "transport/transport_session.h"

namespace ssh::continuation {

enum class MessagePhase : uint8_t {
  service,     // before SERVICE_ACCEPT (RFC 4253 §10)
  userauth,    // RFC 4252 until USERAUTH_SUCCESS
  connection,  // RFC 4254, counted by a continuation when there is one
  resuming,    // client: a new connection proving a continuation (PROTOCOL.continuation §7)
};

enum class Route : uint8_t {
  deny,        // protocol violation
  ignore,      // dropped without an answer (RFC 4252 §5.1: auth requests after success)
  owner,       // the role-specific driver (service, authentication, resume replies)
  connection,  // the connection layer (Mux), through the continuation when established
};

Route route(transport::Role role, MessagePhase phase, uint8_t message);
std::string_view phase_name(MessagePhase phase);

}  // namespace ssh::continuation
