// Result<T>: the one error type of every fallible function on the wire path.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <utility>

namespace ssh {

enum class ErrorCode : uint8_t {
  parse,     // malformed bytes from the peer or a file
  protocol,  // well-formed but not allowed here
  crypto,    // MAC/signature/decrypt failure or library error
  limit,     // an explicit limit was exceeded
  io,        // system call failure or unexpected EOF
  auth,      // authentication refused
  config,    // bad configuration value
  closed,    // the peer ended the connection cleanly
  internal,  // our own bug or an unexpected library state
};

// RFC 4253 §11.1 disconnect reason codes.
enum class DisconnectReason : uint32_t {
  none = 0,
  host_not_allowed_to_connect = 1,
  protocol_error = 2,
  key_exchange_failed = 3,
  mac_error = 5,
  compression_error = 6,
  service_not_available = 7,
  protocol_version_not_supported = 8,
  host_key_not_verifiable = 9,
  connection_lost = 10,
  by_application = 11,
  too_many_connections = 12,
  auth_cancelled_by_user = 13,
  no_more_auth_methods_available = 14,
  illegal_user_name = 15,
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  DisconnectReason reason = DisconnectReason::protocol_error;
  std::string context;  // short, human readable, never secret
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> fail(ErrorCode code, std::string context,
                                   DisconnectReason reason = DisconnectReason::protocol_error) {
  return std::unexpected(Error{code, reason, std::move(context)});
}

const char* to_string(ErrorCode code);

}  // namespace ssh

// The one propagation idiom: evaluates a Result, returns its error from the enclosing
// function, otherwise yields the value (or nothing for Status). GNU statement expression,
// supported by g++ and clang.
#define SSH_TRY(expr)                                             \
  ({                                                              \
    auto&& ssh_try_result_ = (expr);                              \
    if (!ssh_try_result_) {                                       \
      return std::unexpected(std::move(ssh_try_result_).error()); \
    }                                                             \
    *std::move(ssh_try_result_);                                  \
  })
