// Server-side codecs of RFC 4252 (user authentication) and RFC 4256 (keyboard-interactive):
// the server decodes requests and encodes replies. The client-side codecs live in
// auth/messages.h; both sides meet in the unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/messages.h"
#include "auth/server_backend.h"
#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::auth {

// Limits on what a client may send (OpenSSH has no explicit ones below the packet size;
// these are far above any real user name or method).
inline constexpr size_t kMaxUserName = 1024;
inline constexpr size_t kMaxServiceName = 256;
inline constexpr size_t kMaxMethodName = 256;
inline constexpr size_t kMaxPassword = 4096;
inline constexpr size_t kMaxKbdintResponse = 4096;

// SSH_MSG_USERAUTH_REQUEST header (RFC 4252 §5); body is the method-specific rest.
// Names with an embedded NUL are refused: they would be cut short by C APIs.
struct UserauthRequest {
  std::string user;
  std::string service;
  std::string method;
  ByteView body;  // view into the payload
};
Result<UserauthRequest> decode_userauth_request(ByteView payload);

// publickey (RFC 4252 §7) and publickey-hostbound-v00@openssh.com (OpenSSH PROTOCOL §2.5):
// boolean has_signature, string algorithm, string key blob, [string host key],
// [string signature]. Views into the payload.
struct PublickeyBody {
  bool has_signature = false;
  std::string algorithm;
  ByteView key_blob;
  std::optional<ByteView> host_key;  // hostbound only
  ByteView signature;                // has_signature only
};
Result<PublickeyBody> decode_publickey_body(ByteView body, bool hostbound);

// password (RFC 4252 §8): boolean change, string password, [string new password].
struct PasswordBody {
  bool change = false;
  SecretBytes password;
  std::optional<SecretBytes> new_password;
};
Result<PasswordBody> decode_password_body(ByteView body);

// keyboard-interactive (RFC 4256 §3.1): string language (deprecated), string submethods.
struct KbdintBody {
  std::string submethods;
};
Result<KbdintBody> decode_kbdint_body(ByteView body);

// SSH_MSG_USERAUTH_INFO_RESPONSE (RFC 4256 §3.4): exactly `expected` responses.
Result<std::vector<SecretBytes>> decode_info_response(ByteView payload, size_t expected);

Bytes encode_failure(const std::vector<std::string>& methods, bool partial_success);
Bytes encode_success();
Bytes encode_banner(std::string_view message);  // language tag ""
Bytes encode_pk_ok(std::string_view algorithm, ByteView key_blob);
Bytes encode_info_request(const KbdintStep& step);  // language tag ""

}  // namespace ssh::auth
