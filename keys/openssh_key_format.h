// OpenSSH's private key format "openssh-key-v1" (OpenSSH PROTOCOL.key): armoured base64
// of magic, cipher, kdf, public keys and an (optionally bcrypt_pbkdf-encrypted) private
// section with two check integers, the key, its comment and 1,2,3.. padding.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "keys/key.h"

namespace ssh::keys {

inline constexpr std::string_view kOpensshBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
inline constexpr std::string_view kOpensshEnd = "-----END OPENSSH PRIVATE KEY-----";
// bcrypt_pbkdf rounds ssh-keygen uses by default, and the most we accept when reading
// (the kdf cost is in the file, so a hostile file could otherwise stall us).
constexpr uint32_t kDefaultKdfRounds = 16;
constexpr uint32_t kMaxKdfRounds = 1u << 16;

struct OpensshPrivateKey {
  PrivateKey key;
  std::string comment;
};

bool is_openssh_private_key(ByteView contents);
// True when the private section is encrypted (cipher not "none").
Result<bool> openssh_key_is_encrypted(ByteView contents);
// The public key stored in clear in the file header (no passphrase needed).
Result<PublicKey> openssh_public_key(ByteView contents);
// Decrypts with passphrase when needed. A wrong or missing passphrase for an encrypted
// key gives is_wrong_passphrase().
Result<OpensshPrivateKey> parse_openssh_private_key(ByteView contents, std::string_view passphrase);
// Encodes the armoured file text. An empty passphrase writes cipher "none"; otherwise
// aes256-ctr keyed by bcrypt_pbkdf with a random 16-byte salt.
Result<SecretBytes> encode_openssh_private_key(const PrivateKey& key, std::string_view comment,
                                               std::string_view passphrase = {},
                                               uint32_t rounds = kDefaultKdfRounds);

}  // namespace ssh::keys
