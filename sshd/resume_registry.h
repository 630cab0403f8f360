// The registry of resumable sessions (PROTOCOL.continuation §8, DESIGN §4.6). Each
// established continuation has one listening SOCK_SEQPACKET socket in a root-only
// directory, named after the user's uid and a hash of the handle. The session's monitor
// binds it (only root can create entries) and hands the listening fd to the session
// process; the monitor of a new connection that asks to resume connects to it and hands
// over the connection: the socket (SCM_RIGHTS), the exported transport, the request and
// the new session id it signed itself. The suspended session checks the proof and either
// adopts the connection or refuses, and answers.
//
// Another user's handle names no entry of this user's uid, so it finds nothing. Both ends
// check who is on the other side (SO_PEERCRED): the listener was set up by root, the
// connecting monitor is root.
//
// The registry belongs to its daemon (PROTOCOL.continuation §12.6): each instance keeps its
// entries in a subdirectory named by its identity, resumes only from there, and prunes only
// there, without ever connecting to an entry to see whether it lives.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "base/unique_fd.h"
#include "sshd/monitor_protocol.h"

namespace ssh::sshd {

inline constexpr const char* kDefaultRegistryDir = "/run/sshd-continuations";

// What a new connection's monitor hands to the suspended session.
struct ResumeHandoff {
  std::string user;
  Bytes body;        // the continuation@sshc.dev method fields (handle, count, proof)
  Bytes session_id;  // H of the new connection (the monitor signed it)
  SecretBytes state;
  SecretBytes presecret;
  std::string client_address;
  int client_port = 0;
  std::string server_address;
  int server_port = 0;
};
SecretBytes encode(const ResumeHandoff& m);
Result<ResumeHandoff> decode_handoff(ByteView m);

// The identity of a daemon instance: what survives a restart or an upgrade of the same
// daemon and tells it apart from other daemons on the host. A hash of the absolute path
// of its sshd_config and of its sorted listen addresses ("host port" each); 16 hex digits.
std::string instance_identity(const std::string& config_path, std::vector<std::string> listen);

// The instance's own registry directory: base/<identity>.
std::string instance_registry_dir(const std::string& base, const std::string& identity);

// The paths of the Unix sockets in a listening state, from /proc/net/unix-formatted text.
std::set<std::string> listening_unix_paths(const std::string& proc_net_unix);

// Removes the entries of dir (the instance's own directory) that are provably dead: a
// socket file with no listening socket bound to that path (/proc/net/unix), older than
// a few seconds (a monitor binds, then listens). Never connects. Best effort; returns the
// number of entries removed.
int prune_registry(const std::string& dir);

// The entry's path; dir must be the registry directory.
std::string registry_path(const std::string& dir, uid_t uid, ByteView handle);

// Session's monitor: makes sure dir and its parent exist, are directories owned by us and
// not accessible to anyone else, then binds and listens on the entry. The caller unlinks
// `path` when the session ends.
Result<UniqueFd> bind_registry_entry(const std::string& dir, uid_t uid, ByteView handle, std::string& path);

// New connection's monitor: connects to the entry for (uid, handle), checks that the
// listener was set up by listener_uid, sends the hand-off with `socket` attached and waits
// up to timeout_ms for the verdict. No entry: "no such session".
Result<ResumeVerdict> hand_over(const std::string& dir, uid_t uid, ByteView handle, uid_t listener_uid,
                                const ResumeHandoff& handoff, int socket, int timeout_ms);

// Session: accepts one connection on the listening entry, checks that the peer runs as
// monitor_uid and reads the hand-off and its socket.
struct IncomingResume {
  UniqueFd connection;  // answer on this with answer_resume()
  ResumeHandoff handoff;
  UniqueFd socket;
  // Not empty: no hand-off but a monitor's request that the suspended session end, for
  // this reason (a cap on suspended sessions, PROTOCOL.continuation §9). No answer.
  std::string end_reason;
};
Result<IncomingResume> accept_resume(int listen_fd, uid_t monitor_uid);
Status answer_resume(int connection, const ResumeVerdict& verdict);

// Caps on suspended sessions (PROTOCOL.continuation §9, §12.7). A suspended session's
// entry has mode 0400 (0600 while it has a connection); its change time is when it was
// marked. The session's monitor marks it when told.
void mark_suspended(const std::string& path, bool suspended);

struct SuspendedEntry {
  std::string path;
  uid_t uid = 0;
  timespec since{};
};
// The suspended entries of dir (an instance directory), oldest first; entries nobody
// listens on (/proc/net/unix) are left out.
std::vector<SuspendedEntry> suspended_entries(const std::string& dir);

struct EndRequest {
  std::string path;
  std::string reason;
};
// Which sessions to end now that the session at self (of uid) has suspended: the user's
// oldest suspended sessions beyond per_user, then, while the instance has more than
// total, more of the user's oldest; the session at self comes last, so it ends only if
// the user has no older one left.
std::vector<EndRequest> over_caps(const std::vector<SuspendedEntry>& entries, uid_t uid, const std::string& self,
                                  int per_user, int total);

// Monitor: asks the session listening on path (set up by listener_uid) to end, for reason.
// Does not wait.
Status request_end(const std::string& path, uid_t listener_uid, const std::string& reason);

}  // namespace ssh::sshd
