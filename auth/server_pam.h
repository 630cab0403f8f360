// PAM for sshd (UsePAM=yes), run by the monitor as root: one handle per connection
// (service "sshd"), password authentication through a conversation that answers the
// password prompt, keyboard-interactive through a forked helper process that runs
// pam_authenticate while the monitor relays prompts and answers (PAM conversations are
// callbacks and we have no threads), the account check, and the session calls for later.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/server_backend.h"
#include "base/child_process.h"
#include "base/result.h"
#include "base/secret.h"
#include "base/unique_fd.h"

struct pam_handle;

namespace ssh::auth {

class PamContext {
 public:
  // pam_start(service, user) and PAM_RHOST = rhost, PAM_TTY = "ssh" (as sshd does, for
  // modules such as pam_access before a pty exists).
  static Result<std::unique_ptr<PamContext>> start(std::string_view service, std::string_view user,
                                                   std::string_view rhost);
  ~PamContext();
  PamContext(const PamContext&) = delete;
  PamContext& operator=(const PamContext&) = delete;

  // pam_authenticate; echo-off prompts are answered with password, echo-on prompts fail
  // the conversation. PAM_DISALLOW_NULL_AUTHTOK unless allow_empty.
  Result<bool> authenticate_password(const SecretBytes& password, bool allow_empty);
  // pam_acct_mgmt. An expired password (PAM_NEW_AUTHTOK_REQD) is refused for now.
  Result<bool> account();

  // keyboard-interactive: pam_authenticate (and pam_acct_mgmt) in a helper process.
  Result<KbdintStep> kbdint_start(bool allow_empty);
  Result<KbdintStep> kbdint_respond(const std::vector<SecretBytes>& responses);
  void kbdint_stop();

  // Session phase: PAM_TTY, pam_setcred(ESTABLISH), pam_open_session; close undoes both.
  Status open_session(std::string_view tty);
  void close_session();
  bool session_open() const { return session_open_; }
  // pam_getenvlist: "NAME=value" strings modules set (pam_env, ...).
  std::vector<std::string> environment() const;

  // For the conversation callback.
  const SecretBytes* conversation_password() const { return password_; }

 private:
  PamContext() = default;
  Result<KbdintStep> read_helper_step();

  pam_handle* handle_ = nullptr;
  int last_status_ = 0;
  const SecretBytes* password_ = nullptr;  // during authenticate_password only
  bool session_open_ = false;
  ChildProcess helper_;
  UniqueFd helper_fd_;
};

}  // namespace ssh::auth
