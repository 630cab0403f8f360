// "none" (RFC 4252 §5.2) and "password" (RFC 4252 §8) on the server. "none" only succeeds
// for an account with an empty password when PermitEmptyPasswords allows it, as in sshd.
#include "auth/server_auth.h"
#include "base/log.h"

namespace ssh::auth {

Result<ServerAuth::Outcome> ServerAuth::userauth_none(Attempt&) {
  if (!config_.permit_empty_passwords || !config_.password) return Outcome::failure;
  SecretBytes empty;
  bool ok = SSH_TRY(backend_.check_password(user_, empty));
  return ok ? Outcome::success : Outcome::failure;
}

Result<ServerAuth::Outcome> ServerAuth::userauth_password(const UserauthRequest& req, Attempt&) {
  PasswordBody body = SSH_TRY(decode_password_body(req.body));
  if (body.change) {
    // RFC 4252 §8 password change requests: sshd does not support them either.
    LOG_INFO("password change not supported");
    return Outcome::failure;
  }
  // PermitEmptyPasswords=no refuses an empty password before any check.
  if (body.password.empty() && !config_.permit_empty_passwords) return Outcome::failure;
  bool ok = SSH_TRY(backend_.check_password(user_, body.password));
  return ok ? Outcome::success : Outcome::failure;
}

}  // namespace ssh::auth
