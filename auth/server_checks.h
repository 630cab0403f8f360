// The privileged checks behind ServerBackend, as the monitor runs them as root: account
// lookup and AllowUsers/DenyUsers/AllowGroups/DenyGroups, authorized_keys files with
// StrictModes, crypt(3)+shadow passwords (UsePAM=no) and PAM (UsePAM=yes). Behaviour and
// log lines follow OpenSSH's sshd (sshd_config(5), sshd(8) AUTHORIZED_KEYS FILE FORMAT).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/server_backend.h"
#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "keys/key.h"

struct spwd;

namespace ssh::auth {

class PamContext;

// The sshd_config options these checks need; the AuthPolicy part decides which methods
// may succeed (the monitor refuses the others on its own).
struct ServerChecksConfig : AuthPolicy {
  std::vector<std::string> allow_users;  // "user" or "user@host" glob patterns
  std::vector<std::string> deny_users;
  std::vector<std::string> allow_groups;  // glob patterns on group names
  std::vector<std::string> deny_groups;
  // AuthorizedKeysFile: %% %h %u %U tokens; relative paths are relative to the home dir;
  // "none" disables.
  std::vector<std::string> authorized_keys_files = {".ssh/authorized_keys", ".ssh/authorized_keys2"};
  bool strict_modes = true;
  std::string revoked_keys;  // RevokedKeys (auth/revoked_keys.h); "" or "none": no file
  bool use_pam = false;
  std::string pam_service = "sshd";
};

// What the monitor itself knows about the connection (never taken from the child).
struct ConnectionFacts {
  std::string client_ip;
  std::string client_host;  // canonical name with UseDNS, else the address
  uint16_t client_port = 0;
  Bytes session_id;
  std::optional<Bytes> host_key_blob;  // for publickey-hostbound-v00@openssh.com
};

// A passwd entry (without the password hash).
struct Passwd {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  std::string shell;
};
// getpwnam_r; nullopt when there is no such user.
Result<std::optional<Passwd>> lookup_passwd(std::string_view user);

// OpenSSH match_user(): "pattern" globs the user name (case-sensitive); "upat@hpat" also
// requires the client's host name or address to match the host pattern list (CIDR, '!').
bool match_user_pattern(std::string_view user, std::string_view host, std::string_view ip,
                        std::string_view pattern);

// OpenSSH allowed_user(): shell exists and is executable, DenyUsers, AllowUsers,
// DenyGroups, AllowGroups; without PAM also not locked ("!" hash) and not expired. Logs
// the reason when refusing.
bool user_allowed(const Passwd& pw, const ServerChecksConfig& config, std::string_view host,
                  std::string_view ip);

// ---- authorized_keys (server_authorized_keys.cpp) ----

// Expands one AuthorizedKeysFile entry for pw; unknown %-tokens are an error.
Result<std::string> expand_authorized_keys_path(std::string_view pattern, const Passwd& pw);
// StrictModes (OpenSSH safe_path): the file must be a regular file owned by root or the
// user and not group/world writable; so must every directory from it up to the home dir
// (inclusive) or "/". st is the fstat of the opened file.
Status check_secure_path(const std::string& path, const struct stat& st, const Passwd& pw);
// Searches the configured files (read as the user when we are root) for key; the first
// plain entry whose from= and expiry-time= allow this client wins.
PublickeyCheck find_authorized_key_in_files(const Passwd& pw, const ServerChecksConfig& config,
                                            const ConnectionFacts& facts, const keys::PublicKey& key,
                                            std::time_t now);

// ---- passwords without PAM (server_passwd.cpp) ----

struct ShadowState {
  bool locked = false;            // hash starts with "!"
  bool account_expired = false;   // sp_expire passed
  bool password_expired = false;  // sp_lstchg + sp_max passed, or sp_lstchg == 0
};
ShadowState classify_shadow(const struct spwd& sp, long today_days);
// The shadow entry of user (getspnam_r) classified for today; nullopt without one.
std::optional<ShadowState> shadow_state(std::string_view user);
// crypt_r against the shadow (or passwd) hash. pw == nullptr (invalid user) or an unusable
// hash still runs crypt once over a fake salt so the answer takes as long, then says no.
// An empty hash matches only an empty password (the caller applies PermitEmptyPasswords).
bool check_shadow_password(const Passwd* pw, const SecretBytes& password);

// ---- the backend ----

class SystemBackend final : public ServerBackend {
 public:
  // The configuration for one user name on this connection (sshd_config with its Match
  // blocks applied for user and address); asked once, at lookup_user. Unset: config as
  // given applies to every user.
  using ConfigForUser = std::function<Result<ServerChecksConfig>(std::string_view user)>;

  SystemBackend(ServerChecksConfig config, ConnectionFacts facts, ConfigForUser for_user = {});
  ~SystemBackend() override;

  Result<UserInfo> lookup_user(std::string_view user) override;
  Result<PublickeyCheck> check_publickey(std::string_view user, std::string_view algorithm,
                                         ByteView key_blob) override;
  Result<bool> verify_publickey(std::string_view user, std::string_view algorithm, ByteView key_blob,
                                ByteView signature, ByteView signed_data) override;
  Result<bool> check_password(std::string_view user, const SecretBytes& password) override;
  Result<KbdintStep> kbdint_start(std::string_view user, std::string_view submethods) override;
  Result<KbdintStep> kbdint_respond(std::vector<SecretBytes> responses) override;
  void kbdint_stop() override;
  Result<bool> account_allowed(std::string_view user) override;

  // The session id and host key of the connection's first key exchange: the monitor
  // learns them when it signs that exchange hash, after this backend was made.
  void set_session(Bytes session_id, std::optional<Bytes> host_key_blob) {
    facts_.session_id = std::move(session_id);
    facts_.host_key_blob = std::move(host_key_blob);
  }

  // The PAM handle of this connection (UsePAM=yes, after lookup_user), for the session
  // phase: open_session/close_session/environment.
  PamContext* pam() { return pam_.get(); }
  const Passwd* passwd() const { return valid_ ? &pw_ : nullptr; }

 private:
  bool same_user(std::string_view user) const;
  bool root_refused(std::string_view method, bool forced_command) const;

  ServerChecksConfig config_;
  ConnectionFacts facts_;
  ConfigForUser for_user_;
  bool looked_up_ = false;
  bool valid_ = false;
  std::string user_;
  Passwd pw_;
  std::unique_ptr<PamContext> pam_;
};

}  // namespace ssh::auth
