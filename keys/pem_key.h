// PEM private key files read through OpenSSL: PKCS#1 "RSA PRIVATE KEY", SEC1
// "EC PRIVATE KEY", PKCS#8 "PRIVATE KEY" and "ENCRYPTED PRIVATE KEY", and the legacy
// "Proc-Type: 4,ENCRYPTED" encryption (what ssh-keygen -m PEM writes).
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "keys/key.h"

namespace ssh::keys {

bool is_pem_private_key(ByteView contents);
bool pem_key_is_encrypted(ByteView contents);
// A wrong or missing passphrase for an encrypted file gives is_wrong_passphrase().
Result<PrivateKey> parse_pem_private_key(ByteView contents, std::string_view passphrase);

}  // namespace ssh::keys
