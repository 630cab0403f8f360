// Password checks without PAM (UsePAM=no): the shadow entry's crypt(3) hash, lock and
// expiry state (shadow(5)), as sshd's auth-passwd.c/auth-shadow.c behave.
#include <crypt.h>
#include <pwd.h>
#include <shadow.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "auth/server_checks.h"
#include "base/log.h"

namespace ssh::auth {

namespace {

constexpr size_t kMaxEntryBuffer = 1 << 20;

// Looks user up in the shadow database (growing the buffer as getspnam_r asks) and
// hands the entry, or nullptr, to fn; the buffer is wiped before returning.
template <class Fn>
auto with_shadow_entry(std::string_view user, Fn fn) {
  std::string name(user);
  std::vector<char> buf(4096);
  for (;;) {
    struct spwd sp {};
    struct spwd* found = nullptr;
    int rc = getspnam_r(name.c_str(), &sp, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < kMaxEntryBuffer) {
      buf.resize(buf.size() * 2);
      continue;
    }
    auto out = fn(rc == 0 ? found : nullptr);
    wipe(buf.data(), buf.size());
    return out;
  }
}

// The shadow hash of user, or its passwd hash when there is no shadow entry; empty
// optional when neither exists. Kept in wiped memory.
std::optional<SecretBytes> stored_hash(std::string_view user) {
  std::string name(user);
  auto from_shadow = with_shadow_entry(user, [](const struct spwd* sp) {
    std::optional<SecretBytes> out;
    if (sp != nullptr && sp->sp_pwdp != nullptr) out = SecretBytes(as_bytes(sp->sp_pwdp));
    return out;
  });
  if (from_shadow) return from_shadow;
  std::vector<char> buf(4096);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr ||
      found->pw_passwd == nullptr) {
    return std::nullopt;
  }
  SecretBytes hash(as_bytes(found->pw_passwd));
  wipe(buf.data(), buf.size());
  return hash;
}

long today_days() {
  return long(std::time(nullptr) / 86400);
}

// A salt of the system's default scheme, for the dummy crypt of invalid users.
std::string fake_setting() {
  char buf[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(nullptr, 0, nullptr, 0, buf, sizeof buf) == nullptr) return "$6$aaaaaaaaaaaaaaaa";
  return buf;
}

}  // namespace

ShadowState classify_shadow(const struct spwd& sp, long today) {
  ShadowState s;
  s.locked = sp.sp_pwdp != nullptr && sp.sp_pwdp[0] == '!';
  s.account_expired = sp.sp_expire != -1 && today >= sp.sp_expire;
  // sp_lstchg == 0: the administrator forces a change at next login.
  s.password_expired =
      sp.sp_lstchg == 0 || (sp.sp_lstchg > 0 && sp.sp_max >= 0 && sp.sp_lstchg + sp.sp_max < today);
  return s;
}

std::optional<ShadowState> shadow_state(std::string_view user) {
  return with_shadow_entry(user, [](const struct spwd* sp) {
    std::optional<ShadowState> out;
    if (sp != nullptr) out = classify_shadow(*sp, today_days());
    return out;
  });
}

bool check_shadow_password(const Passwd* pw, const SecretBytes& password) {
  std::optional<SecretBytes> hash = pw ? stored_hash(pw->name) : std::nullopt;
  std::optional<ShadowState> state = pw ? shadow_state(pw->name) : std::nullopt;
  if (hash && hash->empty()) return password.empty();  // no password set
  bool usable = hash && hash->text()[0] != '!' && hash->text()[0] != '*';
  if (usable && state && (state->account_expired || state->password_expired)) {
    LOG_INFO("User %s password or account has expired", pw->name.c_str());
    usable = false;
  }
  std::string setting = usable ? std::string(hash->text()) : fake_setting();
  SecretBytes input(password.view());
  input.append(as_bytes(std::string_view("\0", 1)));
  auto* data = static_cast<crypt_data*>(std::calloc(1, sizeof(crypt_data)));
  if (data == nullptr) return false;
  const char* result = crypt_r(reinterpret_cast<const char*>(input.data()), setting.c_str(), data);
  bool ok =
      usable && result != nullptr && result[0] != '*' && constant_time_equal(as_bytes(result), hash->view());
  wipe(data, sizeof(crypt_data));
  std::free(data);
  wipe(setting.data(), setting.size());
  return ok;
}

}  // namespace ssh::auth
