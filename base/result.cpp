#include "base/result.h"

namespace ssh {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::parse: return "parse error";
    case ErrorCode::protocol: return "protocol error";
    case ErrorCode::crypto: return "crypto error";
    case ErrorCode::limit: return "limit exceeded";
    case ErrorCode::io: return "i/o error";
    case ErrorCode::auth: return "authentication error";
    case ErrorCode::config: return "configuration error";
    case ErrorCode::closed: return "connection closed";
    case ErrorCode::internal: return "internal error";
  }
  return "unknown error";
}

}  // namespace ssh
