// Base64 (RFC 4648 §4) as OpenSSH's text formats use it: key lines, known_hosts hashes and
// the armoured body of openssh-key-v1 files.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::keys {

// Standard alphabet with '=' padding.
std::string base64_encode(ByteView data);
// Strict: standard alphabet, length a multiple of 4, padding only at the end, no
// whitespace. Non-zero trailing bits are rejected so every input has one encoding.
Result<Bytes> base64_decode(std::string_view text);
// The same after removing ASCII whitespace (armoured, line-wrapped bodies).
Result<Bytes> base64_decode_wrapped(std::string_view text);

}  // namespace ssh::keys
