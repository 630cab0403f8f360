// What the server-side authentication state machine (ServerAuth, running in the
// unprivileged pre-auth process) asks of the privileged side. Every call is meant to become
// one monitor request and one answer: arguments and results are plain data (strings, byte
// blobs, bools, small structs), nothing points into the caller's memory.
//
// The privileged implementation (auth/server_checks.h: SystemBackend) must not trust the
// caller: it re-checks the user, the key and the signed data itself, and refuses invalid
// users and disallowed root logins on its own. ServerAuth applies the same policy so that
// both sides agree on the answers the client sees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "keys/authorized_keys.h"

namespace ssh::auth {

// sshd_config PermitRootLogin.
enum class PermitRootLogin : uint8_t { yes, prohibit_password, forced_commands_only, no };

// The sshd_config settings that decide which authentication may succeed. sshd_config
// Match blocks may change each of them per user and address, so the privileged side
// evaluates them once the user name is known (OpenSSH re-reads Match in
// mm_getpwnamallow) and both sides then apply the same values.
struct AuthPolicy {
  bool pubkey = true;      // PubkeyAuthentication
  bool password = true;    // PasswordAuthentication
  bool kbdint = false;     // KbdInteractiveAuthentication (Debian: no)
  int max_auth_tries = 6;  // MaxAuthTries
  PermitRootLogin permit_root_login = PermitRootLogin::prohibit_password;
  bool permit_empty_passwords = false;
  // AuthenticationMethods: each inner list must be completed in order; empty = any one
  // enabled method suffices. "method:submethod" entries match on the method only.
  std::vector<std::vector<std::string>> authentication_methods;
  // PubkeyAcceptedAlgorithms (signature algorithm names).
  std::vector<std::string> pubkey_algorithms = {"ssh-ed25519",         "ecdsa-sha2-nistp256",
                                                "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                                                "rsa-sha2-512",        "rsa-sha2-256"};
};

// The answer to the first request for a user name (OpenSSH mm_getpwnamallow).
struct UserInfo {
  // The account exists and passes AllowUsers/DenyUsers/AllowGroups/DenyGroups, its shell
  // and (without PAM) its lock and expiry state. False: the state machine fakes the whole
  // flow so that the client cannot tell (no user enumeration).
  bool valid = false;
  bool is_root = false;  // uid 0, for PermitRootLogin
  // The policy for this user and connection (also for invalid users: Match User tests
  // the name). Unset: the asking side keeps the policy it was configured with.
  std::optional<AuthPolicy> policy = std::nullopt;
};

// The answer to "may this key log in" (RFC 4252 §7 query, and before verification).
struct PublickeyCheck {
  bool allowed = false;
  // Options of the authorized_keys line that matched (forced command, no-pty, ...); default
  // (everything permitted) when not allowed.
  keys::AuthorizedKeyOptions options;
  std::string source;  // "path:line" of the matching entry, for logs; empty if none
};

// One round of keyboard-interactive (RFC 4256 §3.2): prompts to send, or the outcome.
struct KbdintPrompt {
  std::string text;
  bool echo = false;
};
struct KbdintStep {
  enum class Kind : uint8_t { prompts, success, failure };
  Kind kind = Kind::failure;
  std::string name;
  std::string instruction;
  std::vector<KbdintPrompt> prompts;  // Kind::prompts only; may be empty (info only)
};

class ServerBackend {
 public:
  virtual ~ServerBackend() = default;

  // Called once per connection, on the first USERAUTH_REQUEST (user name without ":style").
  virtual Result<UserInfo> lookup_user(std::string_view user) = 0;

  // Is key_blob, used with signature algorithm `algorithm`, authorized for user? Invalid
  // users always get allowed = false.
  virtual Result<PublickeyCheck> check_publickey(std::string_view user, std::string_view algorithm,
                                                 ByteView key_blob) = 0;

  // Verifies signature over signed_data (RFC 4252 §7: session id, request fields). The
  // privileged side re-checks that the key is authorized and that signed_data names this
  // connection's session id, this user and this key before it verifies. True: the key
  // proved possession and may log in.
  virtual Result<bool> verify_publickey(std::string_view user, std::string_view algorithm, ByteView key_blob,
                                        ByteView signature, ByteView signed_data) = 0;

  // RFC 4252 §8 password (crypt(3)+shadow, or PAM). Always does the full amount of work,
  // also for invalid users and refused root logins, and then answers false.
  virtual Result<bool> check_password(std::string_view user, const SecretBytes& password) = 0;

  // RFC 4256: begins a conversation (PAM) for user; submethods as the client sent them.
  virtual Result<KbdintStep> kbdint_start(std::string_view user, std::string_view submethods) = 0;
  // Answers the prompts of the last Kind::prompts step, in order.
  virtual Result<KbdintStep> kbdint_respond(std::vector<SecretBytes> responses) = 0;
  // Abandons a conversation (the client sent a new request instead of answering).
  virtual void kbdint_stop() = 0;

  // Final account check after a successful method (PAM pam_acct_mgmt when UsePAM=yes).
  // False ends the connection ("Access denied for user ... by PAM account configuration").
  virtual Result<bool> account_allowed(std::string_view user) = 0;
};

}  // namespace ssh::auth
