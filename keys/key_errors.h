// Key file errors a caller must tell apart: a wrong passphrase (prompt again) and a
// private key file others can read (print OpenSSH's banner, ignore the key).
#pragma once

#include <string_view>

#include "base/result.h"

namespace ssh::keys {

// OpenSSH's texts for SSH_ERR_KEY_WRONG_PASSPHRASE and SSH_ERR_KEY_BAD_PERMISSIONS.
inline constexpr std::string_view kWrongPassphrase = "incorrect passphrase supplied to decrypt private key";
inline constexpr std::string_view kBadPermissions = "bad permissions";

inline std::unexpected<Error> fail_wrong_passphrase() {
  return fail(ErrorCode::auth, std::string(kWrongPassphrase));
}
inline std::unexpected<Error> fail_bad_permissions() {
  return fail(ErrorCode::config, std::string(kBadPermissions));
}
inline bool is_wrong_passphrase(const Error& e) {
  return e.code == ErrorCode::auth && e.context == kWrongPassphrase;
}
inline bool is_bad_permissions(const Error& e) {
  return e.code == ErrorCode::config && e.context == kBadPermissions;
}

}  // namespace ssh::keys
