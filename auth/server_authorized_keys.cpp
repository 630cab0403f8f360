// authorized_keys lookup for publickey authentication (sshd(8) AUTHORIZED_KEYS FILE
// FORMAT, sshd_config(5) AuthorizedKeysFile and StrictModes). Files are opened with the
// user's identity when we are root, as sshd does, so root never reads for a user what the
// user could not read.
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "auth/server_checks.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "keys/authorized_keys.h"

namespace ssh::auth {

namespace {

// Switches the effective uid/gid/groups to the user's for one scope (root only).
class TemporaryIdentity {
 public:
  explicit TemporaryIdentity(const Passwd& pw) {
    if (::geteuid() != 0) return;
    saved_gid_ = ::getegid();
    int n = ::getgroups(0, nullptr);
    saved_groups_.resize(n > 0 ? size_t(n) : 0);
    if (n > 0 && ::getgroups(n, saved_groups_.data()) < 0) return;
    if (::initgroups(pw.name.c_str(), pw.gid) != 0 || ::setegid(pw.gid) != 0 || ::seteuid(pw.uid) != 0) {
      restore();
      return;
    }
    switched_ = true;
  }
  ~TemporaryIdentity() { restore(); }
  TemporaryIdentity(const TemporaryIdentity&) = delete;
  TemporaryIdentity& operator=(const TemporaryIdentity&) = delete;
  bool ok() const { return switched_ || ::geteuid() != 0; }

 private:
  void restore() {
    if (saved_gid_ == gid_t(-1)) return;
    // Failing to become root again would leave the monitor running as the user.
    if (::seteuid(0) != 0 || ::setgroups(saved_groups_.size(), saved_groups_.data()) != 0 ||
        ::setegid(saved_gid_) != 0) {
      std::abort();
    }
    saved_gid_ = gid_t(-1);
    switched_ = false;
  }
  gid_t saved_gid_ = gid_t(-1);
  std::vector<gid_t> saved_groups_;
  bool switched_ = false;
};

bool bad_owner_or_mode(const struct stat& st, uid_t uid) {
  return (st.st_uid != 0 && st.st_uid != uid) || (st.st_mode & 022) != 0;
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

// Reads one authorized_keys file; nullopt (with a log line) when it must not be used.
std::optional<std::string> read_keys_file(const std::string& path, const Passwd& pw, bool strict_modes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    if (errno != ENOENT)
      LOG_DEBUG1("Could not open user '%s' authorized keys '%s': %s", pw.name.c_str(), path.c_str(),
                 std::strerror(errno));
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::nullopt;
  if (!S_ISREG(st.st_mode)) {
    LOG_INFO("User %s authorized keys %s is not a regular file", pw.name.c_str(), path.c_str());
    return std::nullopt;
  }
  if (strict_modes) {
    Status safe = check_secure_path(path, st, pw);
    if (!safe) {
      LOG_INFO("Authentication refused: %s", safe.error().context.c_str());
      return std::nullopt;
    }
  }
  if (st.st_size < 0 || size_t(st.st_size) > keys::kMaxAuthorizedKeysFile) {
    LOG_INFO("User %s authorized keys %s is too large", pw.name.c_str(), path.c_str());
    return std::nullopt;
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, size_t(n));
    if (text.size() > keys::kMaxAuthorizedKeysFile) return std::nullopt;
  }
  return text;
}

// from= and expiry-time= of one matching entry (OpenSSH auth_authorise_keyopts).
bool entry_allows(const keys::AuthorizedKey& entry, const Passwd& pw, const ConnectionFacts& facts,
                  std::time_t now) {
  const auto& o = entry.options;
  if (o.expiry_time && now > *o.expiry_time) {
    LOG_VERBOSE("Authentication refused for %s: key expired", pw.name.c_str());
    return false;
  }
  if (o.from && !keys::from_option_allows(*o.from, facts.client_host, facts.client_ip)) {
    LOG_INFO(
        "Authentication tried for %s with correct key but not from a permitted host "
        "(host=%s, ip=%s).",
        pw.name.c_str(), facts.client_host.c_str(), facts.client_ip.c_str());
    return false;
  }
  return true;
}

}  // namespace

Result<std::string> expand_authorized_keys_path(std::string_view pattern, const Passwd& pw) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out += pattern[i];
      continue;
    }
    if (++i == pattern.size()) return fail(ErrorCode::config, "trailing % in AuthorizedKeysFile");
    switch (pattern[i]) {
      case '%': out += '%'; break;
      case 'h': out += pw.home; break;
      case 'u': out += pw.name; break;
      case 'U': out += std::to_string(pw.uid); break;
      default:
        return fail(ErrorCode::config,
                    std::string("unknown token %") + pattern[i] + " in AuthorizedKeysFile");
    }
  }
  if (out.empty() || out[0] != '/') out = pw.home + "/" + out;
  return out;
}

Status check_secure_path(const std::string& path, const struct stat& st, const Passwd& pw) {
  std::string file = real_path(path);
  if (file.empty()) return fail(ErrorCode::auth, "realpath " + path + " failed");
  std::string home = real_path(pw.home);
  if (!S_ISREG(st.st_mode) || bad_owner_or_mode(st, pw.uid)) {
    return fail(ErrorCode::auth, "bad ownership or modes for file " + file);
  }
  // Every directory up to the home directory (inclusive) or the root.
  std::string dir = file;
  for (;;) {
    size_t slash = dir.rfind('/');
    dir = slash == 0 ? "/" : dir.substr(0, slash);
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) != 0 || bad_owner_or_mode(ds, pw.uid)) {
      return fail(ErrorCode::auth, "bad ownership or modes for directory " + dir);
    }
    if (dir == home || dir == "/") return {};
  }
}

PublickeyCheck find_authorized_key_in_files(const Passwd& pw, const ServerChecksConfig& config,
                                            const ConnectionFacts& facts, const keys::PublicKey& key,
                                            std::time_t now) {
  PublickeyCheck check;
  for (const auto& pattern : config.authorized_keys_files) {
    if (pattern == "none") continue;
    auto path = expand_authorized_keys_path(pattern, pw);
    if (!path) {
      LOG_ERROR("%s", path.error().context.c_str());
      continue;
    }
    std::optional<std::string> text;
    {
      TemporaryIdentity as_user(pw);
      if (!as_user.ok()) continue;
      text = read_keys_file(*path, pw, config.strict_modes);
    }
    if (!text) continue;
    for (const auto& entry : keys::parse_authorized_keys(*text, *path)) {
      if (entry.options.cert_authority || !(entry.key == key)) continue;
      if (!entry_allows(entry, pw, facts, now)) continue;
      check.allowed = true;
      check.options = entry.options;
      check.source = *path + ":" + std::to_string(entry.line);
      LOG_DEBUG1("matching key found: file %s", check.source.c_str());
      return check;
    }
  }
  return check;
}

}  // namespace ssh::auth
