#include "keys/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "keys/base64.h"
#include "keys/file_util.h"
#include "keys/pem_key.h"

namespace ssh::keys {

namespace {

constexpr size_t kMaxKeyFileSize = 1024 * 1024;
constexpr size_t kMaxPublicKeyFileSize = 1024 * 1024;
// Longest type name we know plus slack; base64 of the largest blob we accept.
constexpr size_t kMaxTypeName = 64;
constexpr size_t kMaxBase64 = (kMaxBlobSize + 2) / 3 * 4;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view skip_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = skip_blanks(s);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view next_field(std::string_view& s) {
  s = skip_blanks(s);
  size_t end = 0;
  while (end < s.size() && !is_blank(s[end]) && s[end] != '\r' && s[end] != '\n') ++end;
  std::string_view field = s.substr(0, end);
  s.remove_prefix(end);
  return field;
}

}  // namespace

// ---- private keys ----

Result<LoadedPrivateKey> parse_private_key(ByteView contents, std::string_view passphrase) {
  if (is_openssh_private_key(contents)) {
    OpensshPrivateKey k = SSH_TRY(parse_openssh_private_key(contents, passphrase));
    return LoadedPrivateKey{std::move(k.key), std::move(k.comment), PrivateKeyFormat::openssh};
  }
  if (is_pem_private_key(contents)) {
    PrivateKey k = SSH_TRY(parse_pem_private_key(contents, passphrase));
    return LoadedPrivateKey{std::move(k), std::string(), PrivateKeyFormat::pem};
  }
  return fail(ErrorCode::parse, "invalid format");
}

Result<bool> private_key_is_encrypted(ByteView contents) {
  if (is_openssh_private_key(contents)) return openssh_key_is_encrypted(contents);
  if (is_pem_private_key(contents)) return pem_key_is_encrypted(contents);
  return fail(ErrorCode::parse, "invalid format");
}

Status check_private_key_permissions(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(ErrorCode::io, "stat " + path);
  // OpenSSH only insists when the file is ours: root may read other users' keys.
  if (st.st_uid == ::getuid() && (st.st_mode & 077) != 0) return fail_bad_permissions();
  return {};
}

std::string unprotected_private_key_banner(const std::string& path, unsigned mode) {
  const std::string kAts(59, '@');
  char perms[16];
  std::snprintf(perms, sizeof perms, "%04o", mode & 0777);
  return kAts + "\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n" + kAts + "\nPermissions " +
         perms + " for '" + path +
         "' are too open.\nIt is required that your private key files are NOT accessible by "
         "others.\nThis private key will be ignored.\n";
}

Result<SecretBytes> read_private_key_file(const std::string& path, LoadOptions options) {
  ReadFile f = SSH_TRY(read_file_bounded(path, kMaxKeyFileSize));
  // Checked on the opened file itself, so a rename in between cannot swap it.
  if (options.check_permissions && f.owner == ::getuid() && (f.mode & 077) != 0) {
    return fail_bad_permissions();
  }
  return std::move(f.data);
}

Result<LoadedPrivateKey> load_private_key_file(const std::string& path, std::string_view passphrase,
                                               LoadOptions options) {
  SecretBytes data = SSH_TRY(read_private_key_file(path, options));
  return parse_private_key(data.view(), passphrase);
}

Status write_private_key_file(const std::string& path, const PrivateKey& key, std::string_view comment,
                              std::string_view passphrase) {
  SecretBytes text = SSH_TRY(encode_openssh_private_key(key, comment, passphrase));
  return write_file(path, text.view(), 0600);
}

// ---- public keys ----

Result<PublicKey> parse_public_key_text(std::string_view text, std::string_view* rest) {
  std::string_view s = text;
  std::string_view type_name = next_field(s);
  std::string_view b64 = next_field(s);
  if (type_name.empty() || b64.empty()) return fail(ErrorCode::parse, "missing key fields");
  if (type_name.size() > kMaxTypeName || b64.size() > kMaxBase64) {
    return fail(ErrorCode::limit, "key field too long");
  }
  auto type = key_type_from_name(type_name);
  if (!type) return fail(ErrorCode::protocol, "unsupported key type");
  Bytes blob = SSH_TRY(base64_decode(b64));
  PublicKey key = SSH_TRY(PublicKey::from_blob(blob));
  if (key.type() != *type) return fail(ErrorCode::parse, "key type does not match key blob");
  if (rest != nullptr) *rest = trim(s);
  return key;
}

Result<PublicKeyLine> parse_public_key_line(std::string_view line) {
  std::string_view rest;
  PublicKey key = SSH_TRY(parse_public_key_text(line, &rest));
  return PublicKeyLine{std::move(key), std::string(rest)};
}

std::string format_public_key(const PublicKey& key) {
  return std::string(key.type_name()) + " " + base64_encode(key.blob());
}

std::string format_public_key_line(const PublicKey& key, std::string_view comment) {
  std::string line = format_public_key(key);
  if (!comment.empty()) {
    line += ' ';
    line += comment;
  }
  return line;
}

Result<PublicKeyLine> load_public_key_file(const std::string& path) {
  ReadFile f = SSH_TRY(read_file_bounded(path, kMaxPublicKeyFileSize));
  std::string_view text = f.data.text();
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == text.npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    return parse_public_key_line(line);
  }
  return fail(ErrorCode::parse, "no public key in " + path);
}

Status write_public_key_file(const std::string& path, const PublicKey& key, std::string_view comment) {
  std::string line = format_public_key_line(key, comment) + "\n";
  return write_file(path, as_bytes(line), 0644);
}

}  // namespace ssh::keys
