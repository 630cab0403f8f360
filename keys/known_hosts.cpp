#include "keys/known_hosts.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "base/log.h"
#include "base/secret.h"
#include "crypto/hmac.h"
#include "keys/base64.h"
#include "keys/file_util.h"
#include "keys/host_pattern.h"
#include "keys/key_file.h"

namespace ssh::keys {

namespace {

constexpr std::string_view kHashMagic = "|1|";
constexpr size_t kSaltSize = 20;  // SHA-1 output size, as OpenSSH uses

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view next_field(std::string_view& s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  size_t end = 0;
  while (end < s.size() && !is_blank(s[end])) ++end;
  std::string_view f = s.substr(0, end);
  s.remove_prefix(end);
  return f;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

// Parses one non-comment line; nullopt (with a reason) when it is malformed.
std::optional<KnownHostsEntry> parse_line(std::string_view line, size_t number, const char** why) {
  KnownHostsMarker marker = KnownHostsMarker::none;
  std::string_view rest = line;
  std::string_view first = next_field(rest);
  if (!first.empty() && first.front() == '@') {
    if (first == "@revoked") {
      marker = KnownHostsMarker::revoked;
    } else if (first == "@cert-authority") {
      marker = KnownHostsMarker::cert_authority;
    } else {
      *why = "unknown marker";
      return std::nullopt;
    }
    first = next_field(rest);
  }
  if (first.empty()) {
    *why = "missing host names";
    return std::nullopt;
  }
  std::string_view comment;
  auto key = parse_public_key_text(rest, &comment);
  if (!key) {
    *why = "bad key";
    return std::nullopt;
  }
  return KnownHostsEntry{marker, std::string(first), std::move(*key), std::string(comment), number};
}

bool hashed_name_matches(std::string_view field, std::string_view name) {
  // "|1|" salt "|" hmac
  std::string_view rest = field.substr(kHashMagic.size());
  size_t bar = rest.find('|');
  if (bar == rest.npos) return false;
  auto salt = base64_decode(rest.substr(0, bar));
  auto mac = base64_decode(rest.substr(bar + 1));
  if (!salt || !mac || salt->size() != kSaltSize) return false;
  Bytes expect = crypto::hmac(crypto::HashAlg::sha1, *salt, as_bytes(name));
  return constant_time_equal(expect, *mac);
}

}  // namespace

KnownHostsFile KnownHostsFile::parse(std::string_view text, std::string path) {
  KnownHostsFile file;
  file.path_ = std::move(path);
  size_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == text.npos ? text.size() : nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = 0;
    while (start < line.size() && is_blank(line[start])) ++start;
    line.remove_prefix(start);
    if (line.empty() || line.front() == '#') continue;
    const char* why = "line too long";
    std::optional<KnownHostsEntry> entry;
    if (line.size() <= kMaxKnownHostsLine) entry = parse_line(line, number, &why);
    if (!entry) {
      LOG_DEBUG1("%s:%zu: %s, line skipped", file.path_.c_str(), number, why);
      continue;
    }
    file.entries_.push_back(std::move(*entry));
  }
  return file;
}

Result<KnownHostsFile> KnownHostsFile::load(const std::string& path) {
  auto text = SSH_TRY(read_text_file_if_exists(path, kMaxKnownHostsFile));
  if (!text) return parse({}, path);
  return parse(*text, path);
}

std::string known_hosts_name(std::string_view host, uint16_t port) {
  std::string name = lowercase(host);
  if (port == 22 || port == 0) return name;
  return "[" + name + "]:" + std::to_string(port);
}

bool known_hosts_entry_matches(const KnownHostsEntry& entry, std::string_view name) {
  if (entry.hosts.starts_with(kHashMagic)) return hashed_name_matches(entry.hosts, name);
  return match_pattern_list(name, entry.hosts) == ListMatch::match;
}

std::string hash_known_host_name(std::string_view name, ByteView salt) {
  Bytes mac = crypto::hmac(crypto::HashAlg::sha1, salt, as_bytes(name));
  return std::string(kHashMagic) + base64_encode(salt) + "|" + base64_encode(mac);
}

HostKeyLookup lookup_host_key(const std::vector<KnownHostsFile>& files, std::string_view name,
                              const PublicKey& key) {
  HostKeyLookup changed;
  HostKeyLookup ok;
  std::vector<KeyType> types;
  for (const auto& file : files) {
    for (const auto& e : file.entries()) {
      if (e.marker == KnownHostsMarker::cert_authority) continue;
      if (!known_hosts_entry_matches(e, name)) continue;
      if (e.marker == KnownHostsMarker::revoked) {
        if (e.key == key) {
          return HostKeyLookup{HostKeyStatus::revoked, file.path(), e.line, e.key, {}};
        }
        continue;
      }
      if (std::find(types.begin(), types.end(), e.key.type()) == types.end()) {
        types.push_back(e.key.type());
      }
      if (e.key == key) {
        if (ok.status != HostKeyStatus::ok) ok = {HostKeyStatus::ok, file.path(), e.line, e.key, {}};
      } else if (e.key.type() == key.type() && changed.status == HostKeyStatus::not_found) {
        changed = {HostKeyStatus::changed, file.path(), e.line, e.key, {}};
      }
    }
  }
  HostKeyLookup result = ok.status == HostKeyStatus::ok ? std::move(ok) : std::move(changed);
  result.known_types = std::move(types);
  return result;
}

HostKeyLookup lookup_host_key(const std::vector<std::string>& paths, std::string_view host, uint16_t port,
                              const PublicKey& key) {
  std::vector<KnownHostsFile> files;
  for (const auto& path : paths) {
    auto f = KnownHostsFile::load(path);
    if (!f) {
      LOG_DEBUG1("known hosts %s: %s", path.c_str(), f.error().context.c_str());
      continue;
    }
    files.push_back(std::move(*f));
  }
  return lookup_host_key(files, known_hosts_name(host, port), key);
}

std::string format_known_hosts_line(std::string_view names, const PublicKey& key, bool hash,
                                    crypto::RandomSource& rng) {
  if (!hash) return std::string(names) + " " + format_public_key(key);
  std::array<uint8_t, kSaltSize> salt{};
  rng.fill(salt);
  return hash_known_host_name(names, salt) + " " + format_public_key(key);
}

Status add_known_host(const std::string& path, const std::vector<std::string>& names, const PublicKey& key,
                      bool hash, crypto::RandomSource& rng) {
  if (names.empty()) return fail(ErrorCode::internal, "no host names to add");
  std::string text;
  if (hash) {
    for (const auto& n : names) text += format_known_hosts_line(n, key, true, rng) + "\n";
  } else {
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : ",") + n;
    text = format_known_hosts_line(joined, key, false, rng) + "\n";
  }
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash != 0) {
    std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return fail(ErrorCode::io, "cannot create directory " + dir);
    }
  }
  auto existing = SSH_TRY(read_text_file_if_exists(path, kMaxKnownHostsFile));
  if (existing && !existing->empty() && existing->back() != '\n') text.insert(0, "\n");
  return append_file(path, as_bytes(text), 0600);
}

Status add_known_host(const std::string& path, std::string_view host, uint16_t port, const PublicKey& key,
                      bool hash) {
  return add_known_host(path, {known_hosts_name(host, port)}, key, hash);
}

}  // namespace ssh::keys
