// The exchange hash H (RFC 4253 §8, RFC 5656 §4, RFC 4419 §3, RFC 8731 §3) and the key
// derivation of RFC 4253 §7.2.
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/hash.h"

namespace ssh::transport {

// The fields every method hashes first: V_C, V_S (without CR LF), I_C, I_S (KEXINIT
// payloads including the message number).
struct HashPrefix {
  std::string_view client_version;
  std::string_view server_version;
  ByteView client_kexinit;
  ByteView server_kexinit;
};

// Encodes the shared secret K (a big-endian magnitude) as an SSH mpint, in wiped storage.
SecretBytes encode_shared_secret(ByteView magnitude);

// Incremental H: prefix and K_S first, then the method's own fields, then K.
class ExchangeHash {
 public:
  static Result<ExchangeHash> create(crypto::HashAlg alg, const HashPrefix& prefix, ByteView host_key_blob);
  ExchangeHash& string(ByteView v);
  ExchangeHash& mpint(ByteView magnitude);
  ExchangeHash& u32(uint32_t v);
  // k_mpint is K already encoded by encode_shared_secret.
  Bytes finish(ByteView k_mpint);

 private:
  explicit ExchangeHash(crypto::Hash h) : hash_(std::move(h)) {}
  crypto::Hash hash_;
};

// RFC 4253 §7.2: HASH(K || H || letter || session_id), extended with
// HASH(K || H || K1 || ... ) until length bytes are available.
Result<SecretBytes> derive_key(crypto::HashAlg alg, ByteView k_mpint, ByteView h, char letter,
                               ByteView session_id, size_t length);

}  // namespace ssh::transport
