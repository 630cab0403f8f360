// known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): lines of
// "[@marker] hostpatterns keytype base64 [comment]", host patterns with '*', '?', '!',
// "[host]:port" for ports other than 22, and hashed names "|1|base64(salt)|base64(hmac)"
// (HMAC-SHA1 of the name keyed by the salt).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/random.h"
#include "keys/key.h"

namespace ssh::keys {

enum class KnownHostsMarker { none, revoked, cert_authority };

struct KnownHostsEntry {
  KnownHostsMarker marker = KnownHostsMarker::none;
  std::string hosts;  // pattern list, or one hashed name "|1|salt|hmac"
  PublicKey key;
  std::string comment;
  size_t line = 0;  // 1-based
};

// Limits: a file is read whole up to this size; longer lines are skipped.
constexpr size_t kMaxKnownHostsFile = 64 * 1024 * 1024;
constexpr size_t kMaxKnownHostsLine = 64 * 1024;

class KnownHostsFile {
 public:
  // Parses text; bad lines are skipped with a debug1 note naming path and line.
  static KnownHostsFile parse(std::string_view text, std::string path);
  // A missing file is an empty file.
  static Result<KnownHostsFile> load(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<KnownHostsEntry>& entries() const { return entries_; }

 private:
  std::string path_;
  std::vector<KnownHostsEntry> entries_;
};

// The name known_hosts stores for host and port: lowercased, "[host]:port" unless 22.
std::string known_hosts_name(std::string_view host, uint16_t port);
// Does the entry's host field name this (already known_hosts_name()d) host?
bool known_hosts_entry_matches(const KnownHostsEntry& entry, std::string_view name);
// "|1|base64(salt)|base64(HMAC-SHA1(salt, name))"; salt is 20 bytes.
std::string hash_known_host_name(std::string_view name, ByteView salt);

enum class HostKeyStatus { ok, changed, revoked, not_found };

struct HostKeyLookup {
  HostKeyStatus status = HostKeyStatus::not_found;
  // ok/revoked: the entry that matched; changed: the first entry with a different key of
  // the same type (OpenSSH's "Offending ... key in file:line").
  std::string file;
  size_t line = 0;
  std::optional<PublicKey> known_key;
  // Key types on file for this host (plain entries), e.g. to say "known by other types".
  std::vector<KeyType> known_types;
};

// Precedence over all files in order: revoked, then ok, then changed, then not_found.
// @cert-authority lines are not used for plain keys.
HostKeyLookup lookup_host_key(const std::vector<KnownHostsFile>& files, std::string_view name,
                              const PublicKey& key);
// Loads each path (missing files are fine; unreadable ones are skipped with a debug note)
// and looks up known_hosts_name(host, port).
HostKeyLookup lookup_host_key(const std::vector<std::string>& paths, std::string_view host, uint16_t port,
                              const PublicKey& key);

// "names keytype base64" without newline; with hash, names must hold exactly one name.
std::string format_known_hosts_line(std::string_view names, const PublicKey& key, bool hash,
                                    crypto::RandomSource& rng = crypto::system_random());
// Appends one line for the names (already known_hosts_name()d): joined by commas, or with
// hash one hashed line per name. Creates the parent directory 0700 and the file 0600 if
// missing, and starts on a new line if the file does not end with one.
Status add_known_host(const std::string& path, const std::vector<std::string>& names, const PublicKey& key,
                      bool hash, crypto::RandomSource& rng = crypto::system_random());
Status add_known_host(const std::string& path, std::string_view host, uint16_t port, const PublicKey& key,
                      bool hash);

}  // namespace ssh::keys
