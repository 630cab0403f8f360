// Key fingerprints as ssh-keygen -l prints them: "SHA256:" + unpadded base64 of the
// SHA-256 of the public key blob, or "MD5:" + colon-separated hex (ssh-keygen -E md5),
// and the "randomart" picture (ssh-keygen -lv, VisualHostKey).
#pragma once

#include <string>

#include "base/bytes.h"
#include "keys/key.h"

namespace ssh::keys {

enum class FingerprintHash { sha256, md5 };

std::string fingerprint(ByteView key_blob, FingerprintHash hash = FingerprintHash::sha256);
std::string fingerprint(const PublicKey& key, FingerprintHash hash = FingerprintHash::sha256);

// The 17x9 "drunken bishop" picture with its frame, lines joined by '\n' (no trailing
// newline), titled "[TYPE BITS]" on top and "[SHA256]" / "[MD5]" below.
std::string randomart(const PublicKey& key, FingerprintHash hash = FingerprintHash::sha256);

}  // namespace ssh::keys
