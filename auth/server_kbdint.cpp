// "keyboard-interactive" (RFC 4256) on the server: the backend (PAM in the monitor) drives
// the conversation; each step becomes one INFO_REQUEST, answered by one INFO_RESPONSE.
#include "auth/server_auth.h"

namespace ssh::auth {

Result<ServerAuth::Outcome> ServerAuth::userauth_kbdint(const UserauthRequest& req, std::vector<Bytes>& out) {
  KbdintBody body = SSH_TRY(decode_kbdint_body(req.body));
  KbdintStep step = SSH_TRY(backend_.kbdint_start(user_, body.submethods));
  return kbdint_step(step, out);
}

Result<ServerAuth::Outcome> ServerAuth::kbdint_step(const KbdintStep& step, std::vector<Bytes>& out) {
  switch (step.kind) {
    case KbdintStep::Kind::prompts:
      // Same cap as the client's (auth/messages.h), so a conversation we start can finish.
      if (step.prompts.size() > kMaxPrompts) {
        backend_.kbdint_stop();
        return fail(ErrorCode::internal, "too many keyboard-interactive prompts");
      }
      out.push_back(encode_info_request(step));
      kbdint_pending_ = true;
      kbdint_expected_ = step.prompts.size();
      return Outcome::postponed;
    case KbdintStep::Kind::success: return Outcome::success;
    case KbdintStep::Kind::failure: return Outcome::failure;
  }
  return Outcome::failure;
}

}  // namespace ssh::auth
