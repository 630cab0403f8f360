// Key files as ssh and ssh-keygen use them: private keys in openssh-key-v1 or PEM form
// (passphrase-protected too), one-line public keys ("type base64 comment"), and the
// permission rule for private key files (OpenSSH "UNPROTECTED PRIVATE KEY FILE").
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "keys/key.h"
#include "keys/key_errors.h"
#include "keys/openssh_key_format.h"

namespace ssh::keys {

enum class PrivateKeyFormat { openssh, pem };

struct LoadedPrivateKey {
  PrivateKey key;
  std::string comment;  // empty for PEM files
  PrivateKeyFormat format = PrivateKeyFormat::openssh;
};

struct PublicKeyLine {
  PublicKey key;
  std::string comment;
};

// ---- private keys ----

// Detects the format. Errors: is_wrong_passphrase() for a wrong or missing passphrase of
// an encrypted key; ErrorCode::parse / protocol for malformed or unsupported files.
Result<LoadedPrivateKey> parse_private_key(ByteView contents, std::string_view passphrase);
// True if the file needs a passphrase (so the caller can prompt before parsing).
Result<bool> private_key_is_encrypted(ByteView contents);

struct LoadOptions {
  bool check_permissions = true;  // refuse group/other-accessible files we own
};
// Reads and parses a private key file. Permissions are checked first, like OpenSSH:
// is_bad_permissions() when the file is ours and mode & 077 != 0.
Result<LoadedPrivateKey> load_private_key_file(const std::string& path, std::string_view passphrase,
                                               LoadOptions options = {});
// Reads a private key file (bounded, into wiped memory) after the permission check.
Result<SecretBytes> read_private_key_file(const std::string& path, LoadOptions options = {});
Status check_private_key_permissions(const std::string& path);
// OpenSSH's banner for a rejected file, lines joined by '\n' with a trailing newline:
// "@@@...\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n@@@...\n
//  Permissions 0644 for 'path' are too open.\n..."
std::string unprotected_private_key_banner(const std::string& path, unsigned mode);

// Writes an openssh-key-v1 file (encrypted with aes256-ctr/bcrypt if passphrase is set)
// with mode 0600, replacing an existing file.
Status write_private_key_file(const std::string& path, const PrivateKey& key, std::string_view comment,
                              std::string_view passphrase = {});

// ---- public keys ----

// Parses "keytype base64" at the start of text (leading blanks skipped). The type name
// must match the blob. If rest is given it receives what follows, blanks stripped.
Result<PublicKey> parse_public_key_text(std::string_view text, std::string_view* rest = nullptr);
// A whole "*.pub" line: "keytype base64 [comment]".
Result<PublicKeyLine> parse_public_key_line(std::string_view line);
// "keytype base64" and "keytype base64 comment" (no newline).
std::string format_public_key(const PublicKey& key);
std::string format_public_key_line(const PublicKey& key, std::string_view comment);
// First key line of a public key file (blank and '#' lines skipped).
Result<PublicKeyLine> load_public_key_file(const std::string& path);
// Writes "keytype base64 comment\n" with mode 0644.
Status write_public_key_file(const std::string& path, const PublicKey& key, std::string_view comment);

}  // namespace ssh::keys
