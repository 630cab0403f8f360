// bcrypt_pbkdf as OpenSSH's key files use it ("bcrypt" kdf, PROTOCOL.key).
#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::crypto {

// Fails on rounds == 0, an empty passphrase, an empty (or over 1 MiB) salt, or an output
// that is empty or longer than 1024 bytes.
Result<SecretBytes> bcrypt_pbkdf(ByteView password, ByteView salt, uint32_t rounds, size_t out_len);

}  // namespace ssh::crypto
