#include "sshd/session_config.h"

#include <errno.h>
#include <pwd.h>

#include <cstring>
#include <vector>

namespace ssh::sshd {

namespace {

Result<UserInfo> from_passwd(const passwd* pw, int err, const std::string& what) {
  if (!pw) {
    std::string why = err ? strerror(err) : "no such user";
    return fail(ErrorCode::auth, "getpwnam " + what + ": " + why);
  }
  UserInfo u;
  u.name = pw->pw_name;
  u.uid = pw->pw_uid;
  u.gid = pw->pw_gid;
  u.home = pw->pw_dir ? pw->pw_dir : "";
  u.shell = pw->pw_shell ? pw->pw_shell : "";
  return u;
}

}  // namespace

Result<UserInfo> UserInfo::from_name(const std::string& name) {
  passwd pwbuf{};
  passwd* pw = nullptr;
  std::vector<char> buf(16384);
  int err = getpwnam_r(name.c_str(), &pwbuf, buf.data(), buf.size(), &pw);
  return from_passwd(pw, err, name);
}

Result<UserInfo> UserInfo::from_uid(uid_t uid) {
  passwd pwbuf{};
  passwd* pw = nullptr;
  std::vector<char> buf(16384);
  int err = getpwuid_r(uid, &pwbuf, buf.data(), buf.size(), &pw);
  return from_passwd(pw, err, "uid " + std::to_string(uid));
}

std::string UserInfo::shell_or_default() const {
  return shell.empty() ? "/bin/sh" : shell;
}

}  // namespace ssh::sshd
