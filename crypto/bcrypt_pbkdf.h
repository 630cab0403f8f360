// bcrypt_pbkdf as OpenSSH's key files use it ("bcrypt" kdf, PROTOCOL.key).
#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::crypto {

// Fails on rounds == 0, empty salt, or an output longer than 1024 bytes.
Result<SecretBytes> bcrypt_pbkdf(ByteView password, ByteView salt, uint32_t rounds, size_t out_len);

}  // namespace ssh::crypto
