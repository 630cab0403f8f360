#include "sshd/resume_registry.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "base/unix_message.h"
#include "continuation/messages.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "crypto/hash.h"

namespace ssh::sshd {

namespace {

constexpr size_t kMaxHandoff = 512 * 1024;
constexpr size_t kMaxField = kMaxHandoff;
// /proc/net/unix: the socket listens (__SO_ACCEPTCON in the Flags column).
constexpr unsigned long kAcceptCon = 0x00010000;
// A monitor binds an entry, then listens on it: an entry this young may be on its way up.
constexpr time_t kPruneGraceSeconds = 5;
// A monitor's request that a suspended session end: this tag, then the reason.
constexpr std::string_view kEndTag = "end-suspended@sshc.dev\n";
constexpr mode_t kSuspendedMode = 0400;
constexpr mode_t kConnectedMode = 0600;

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return fail(ErrorCode::limit, "registry path too long: " + path);
  memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

Status check_directory(const std::string& dir) {
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return fail(ErrorCode::io, dir + ": " + strerror(errno));
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return fail(ErrorCode::io, dir + ": " + strerror(errno));
    if (lstat(dir.c_str(), &st) != 0) return fail(ErrorCode::io, dir + ": " + strerror(errno));
  }
  // Only we may create entries: anyone else could otherwise catch a hand-off.
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    return fail(ErrorCode::auth,
                dir + " must be a directory owned by uid " + std::to_string(geteuid()) + " with mode 0700");
  }
  return {};
}

std::string parent_of(const std::string& dir) {
  size_t slash = dir.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return dir.substr(0, slash);
}

std::string read_text(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Only socket files we made (names as registry_path() writes them), old enough to have
// been listening if their monitor lived.
bool prunable(const std::string& path, const std::string& name, time_t now) {
  if (!name.ends_with(".sock") || name.starts_with(".")) return false;
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  return now - st.st_mtime >= kPruneGraceSeconds;
}

Result<uid_t> peer_uid(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return fail(ErrorCode::io, std::string("SO_PEERCRED: ") + strerror(errno));
  }
  return cred.uid;
}

Status wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int n;
  while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  if (n == 0) return fail(ErrorCode::io, "the suspended session did not answer");
  if (n < 0) return fail(ErrorCode::io, std::string("poll: ") + strerror(errno));
  return {};
}

}  // namespace

SecretBytes encode(const ResumeHandoff& m) {
  WireWriter w;
  w.string(m.user).string(m.body).string(m.session_id).string(m.state.view()).string(m.presecret.view());
  w.string(m.client_address)
      .u32(uint32_t(m.client_port))
      .string(m.server_address)
      .u32(uint32_t(m.server_port));
  Bytes b = w.take();
  SecretBytes s(b);
  wipe(b.data(), b.size());
  return s;
}

Result<ResumeHandoff> decode_handoff(ByteView m) {
  WireReader r(m);
  ResumeHandoff h;
  h.user = std::string(SSH_TRY(r.text(256)));
  ByteView body = SSH_TRY(r.string(4096));
  h.body.assign(body.begin(), body.end());
  ByteView sid = SSH_TRY(r.string(64));
  h.session_id.assign(sid.begin(), sid.end());
  h.state = SecretBytes(SSH_TRY(r.string(kMaxField)));
  h.presecret = SecretBytes(SSH_TRY(r.string(64)));
  h.client_address = std::string(SSH_TRY(r.text(256)));
  h.client_port = int(SSH_TRY(r.u32()) & 0xffff);
  h.server_address = std::string(SSH_TRY(r.text(256)));
  h.server_port = int(SSH_TRY(r.u32()) & 0xffff);
  SSH_TRY(r.expect_end());
  return h;
}

std::string instance_identity(const std::string& config_path, std::vector<std::string> listen) {
  std::sort(listen.begin(), listen.end());
  std::string text = "sshd instance\n" + config_path + "\n";
  for (const auto& l : listen) text += l + "\n";
  Bytes digest = crypto::digest(crypto::HashAlg::sha256, as_bytes(text));
  return to_hex(ByteView(digest).first(8));
}

std::string instance_registry_dir(const std::string& base, const std::string& identity) {
  return base + "/" + identity;
}

std::set<std::string> listening_unix_paths(const std::string& proc_net_unix) {
  // Num RefCount Protocol Flags Type St Inode [Path]; the first line is the header.
  std::set<std::string> paths;
  std::istringstream lines(proc_net_unix);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string num, refcount, protocol, flags, type, state, inode, path;
    if (!(fields >> num >> refcount >> protocol >> flags >> type >> state >> inode)) continue;
    std::getline(fields >> std::ws, path);
    if (path.empty() || path[0] != '/') continue;  // unnamed or abstract
    if ((strtoul(flags.c_str(), nullptr, 16) & kAcceptCon) != 0) paths.insert(path);
  }
  return paths;
}

int prune_registry(const std::string& dir) {
  std::string table = read_text("/proc/net/unix");
  if (table.empty()) return 0;  // nothing proves an entry dead
  std::set<std::string> listening = listening_unix_paths(table);
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  int removed = 0;
  time_t now = time(nullptr);
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    std::string path = dir + "/" + name;
    if (!prunable(path, name, now) || listening.contains(path)) continue;
    if (unlink(path.c_str()) == 0) {
      ++removed;
      LOG_VERBOSE("continuation registry: removed dead entry %s", path.c_str());
    }
  }
  closedir(d);
  return removed;
}

std::string registry_path(const std::string& dir, uid_t uid, ByteView handle) {
  // A hash, not the handle: file names show up in listings and audit logs.
  Bytes digest = crypto::digest(crypto::HashAlg::sha256, handle);
  return dir + "/" + std::to_string(uid) + "." + to_hex(ByteView(digest).first(16)) + ".sock";
}

Result<UniqueFd> bind_registry_entry(const std::string& dir, uid_t uid, ByteView handle, std::string& path) {
  SSH_TRY(check_directory(parent_of(dir)));
  SSH_TRY(check_directory(dir));
  path = registry_path(dir, uid, handle);
  sockaddr_un a = SSH_TRY(unix_address(path));
  UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail(ErrorCode::io, std::string("socket: ") + strerror(errno));
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return fail(ErrorCode::io, "bind " + path + ": " + strerror(errno));
  }
  if (listen(fd.get(), 8) != 0) {
    unlink(path.c_str());
    return fail(ErrorCode::io, std::string("listen: ") + strerror(errno));
  }
  return fd;
}

Result<ResumeVerdict> hand_over(const std::string& dir, uid_t uid, ByteView handle, uid_t listener_uid,
                                const ResumeHandoff& handoff, int socket_fd, int timeout_ms) {
  std::string path = registry_path(dir, uid, handle);
  sockaddr_un a = SSH_TRY(unix_address(path));
  UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return fail(ErrorCode::io, std::string("socket: ") + strerror(errno));
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    // Refused: an entry left behind by a monitor that was killed; tidy it up.
    if (errno == ECONNREFUSED) unlink(path.c_str());
    if (errno == ENOENT || errno == ECONNREFUSED) return ResumeVerdict{false, std::string(continuation::kNoSuchSession)};
    return fail(ErrorCode::io, "connect " + path + ": " + strerror(errno));
  }
  if (SSH_TRY(peer_uid(fd.get())) != listener_uid) return ResumeVerdict{false, "registry entry not ours"};
  SecretBytes message = encode(handoff);
  SSH_TRY(send_unix_message(fd.get(), message.view(), socket_fd));
  SSH_TRY(wait_readable(fd.get(), timeout_ms));
  auto answer = SSH_TRY(receive_unix_message(fd.get(), 4096));
  return decode_answer_verdict(answer.data);
}

Result<IncomingResume> accept_resume(int listen_fd, uid_t monitor_uid) {
  IncomingResume in;
  in.connection.reset(accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!in.connection) return fail(ErrorCode::io, std::string("accept: ") + strerror(errno));
  if (SSH_TRY(peer_uid(in.connection.get())) != monitor_uid) {
    return fail(ErrorCode::auth, "registry connection from a process that is not the monitor");
  }
  // The monitor sends the hand-off right after connecting; do not let it stall us.
  SSH_TRY(wait_readable(in.connection.get(), 5000));
  auto message = SSH_TRY(receive_unix_message(in.connection.get(), kMaxHandoff));
  std::string_view text(reinterpret_cast<const char*>(message.data.data()), message.data.size());
  if (!message.fd && text.starts_with(kEndTag)) {
    in.end_reason = std::string(text.substr(kEndTag.size(), 256));
    if (in.end_reason.empty()) in.end_reason = "ended by the server";
    return in;
  }
  SecretBytes data(message.data);
  wipe(message.data.data(), message.data.size());
  in.handoff = SSH_TRY(decode_handoff(data.view()));
  in.socket = std::move(message.fd);
  if (!in.socket) return fail(ErrorCode::protocol, "hand-off without a connection");
  return in;
}

Status answer_resume(int connection, const ResumeVerdict& verdict) {
  return send_unix_message(connection, encode_answer(verdict));
}

void mark_suspended(const std::string& path, bool suspended) {
  if (chmod(path.c_str(), suspended ? kSuspendedMode : kConnectedMode) != 0) {
    LOG_ERROR("continuation registry: chmod %s: %s", path.c_str(), strerror(errno));
  }
}

std::vector<SuspendedEntry> suspended_entries(const std::string& dir) {
  std::vector<SuspendedEntry> found;
  // The entries of sessions that were killed do not count (pruned at the next start).
  std::string table = read_text("/proc/net/unix");
  std::set<std::string> listening = listening_unix_paths(table);
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return found;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    std::string path = dir + "/" + name;
    struct stat st {};
    if (!name.ends_with(".sock") || lstat(path.c_str(), &st) != 0) continue;
    if (!S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != kSuspendedMode) continue;
    if (!table.empty() && !listening.contains(path)) continue;
    char* end = nullptr;
    unsigned long uid = strtoul(name.c_str(), &end, 10);
    if (end == name.c_str() || *end != '.') continue;
    found.push_back(SuspendedEntry{path, uid_t(uid), st.st_ctim});
  }
  closedir(d);
  std::sort(found.begin(), found.end(), [](const SuspendedEntry& a, const SuspendedEntry& b) {
    if (a.since.tv_sec != b.since.tv_sec) return a.since.tv_sec < b.since.tv_sec;
    if (a.since.tv_nsec != b.since.tv_nsec) return a.since.tv_nsec < b.since.tv_nsec;
    return a.path < b.path;
  });
  return found;
}

std::vector<EndRequest> over_caps(const std::vector<SuspendedEntry>& entries, uid_t uid, const std::string& self,
                                  int per_user, int total) {
  std::vector<std::string> mine;  // the user's, oldest first, the new one last
  for (const auto& e : entries) {
    if (e.uid == uid && e.path != self) mine.push_back(e.path);
  }
  mine.push_back(self);
  bool self_listed = std::ranges::any_of(entries, [&](const SuspendedEntry& e) { return e.path == self; });
  long all = long(entries.size()) + (self_listed ? 0 : 1);
  long user_count = long(mine.size());
  std::vector<EndRequest> end;
  size_t next = 0;
  for (; next < mine.size() && user_count > per_user; ++next, --user_count, --all) {
    end.push_back({mine[next], "MaxSuspendedSessions " + std::to_string(per_user) + " reached"});
  }
  for (; next < mine.size() && all > total; ++next, --all) {
    end.push_back({mine[next], "MaxSuspendedSessionsTotal " + std::to_string(total) + " reached"});
  }
  return end;
}

Status request_end(const std::string& path, uid_t listener_uid, const std::string& reason) {
  sockaddr_un a = SSH_TRY(unix_address(path));
  UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail(ErrorCode::io, std::string("socket: ") + strerror(errno));
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return fail(ErrorCode::io, "connect " + path + ": " + strerror(errno));
  }
  if (SSH_TRY(peer_uid(fd.get())) != listener_uid) return fail(ErrorCode::auth, "registry entry not ours: " + path);
  std::string message = std::string(kEndTag) + reason;
  return send_unix_message(fd.get(), as_bytes(message));
}

}  // namespace ssh::sshd
