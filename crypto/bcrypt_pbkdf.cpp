// bcrypt_pbkdf as OpenSSH key files use it (PROTOCOL.key "bcrypt" kdf), from the published
// description of OpenBSD's bcrypt_pbkdf(3): a PBKDF2-like construction whose PRF is a
// bcrypt-style hash of SHA-512(password) and SHA-512(salt || counter), with the output
// bytes of every block spread over the key at a fixed stride.
#include "crypto/bcrypt_pbkdf.h"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>

#include "crypto/blowfish.h"
#include "crypto/evp_util.h"

namespace ssh::crypto {
namespace {

constexpr size_t kHashWords = 8;
constexpr size_t kHashSize = kHashWords * 4;  // 32-byte bcrypt hash
constexpr size_t kMaxOutput = kHashSize * kHashSize;
constexpr size_t kMaxSalt = size_t{1} << 20;
constexpr size_t kSha512Size = 64;
// The magic plaintext: 32 bytes, encrypted 64 times with the expensive key state.
constexpr std::string_view kMagic = "OxychromaticBlowfishSwatDynamite";

using Sha512 = SecretArray<kSha512Size>;

void sha512(ByteView data, Sha512& out) {
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha512(), nullptr) != 1) {
    std::abort();  // allocation failure only; fatal like bad_alloc
  }
}

// bcrypt_hash(sha2pass, sha2salt): Eksblowfish setup with cost 64, then the magic
// plaintext encrypted 64 times; the words are emitted little-endian.
void bcrypt_hash(const Sha512& pass, const Sha512& salt, SecretArray<kHashSize>& out) {
  detail::Blowfish state;
  state.expand(salt.view(), pass.view());
  for (int i = 0; i < 64; ++i) {
    state.expand0(salt.view());
    state.expand0(pass.view());
  }
  std::array<uint32_t, kHashWords> cdata;
  size_t pos = 0;
  for (auto& word : cdata) word = detail::stream_word(as_bytes(kMagic), pos);
  for (int i = 0; i < 64; ++i) {
    for (size_t w = 0; w < kHashWords; w += 2) state.encrypt(cdata[w], cdata[w + 1]);
  }
  for (size_t w = 0; w < kHashWords; ++w) {
    for (size_t b = 0; b < 4; ++b) out.data()[4 * w + b] = uint8_t(cdata[w] >> (8 * b));
  }
  wipe(cdata.data(), sizeof(cdata));
}

}  // namespace

Result<SecretBytes> bcrypt_pbkdf(ByteView password, ByteView salt, uint32_t rounds, size_t out_len) {
  if (rounds == 0) return fail(ErrorCode::parse, "bcrypt_pbkdf rounds");
  if (password.empty()) return fail(ErrorCode::auth, "bcrypt_pbkdf empty passphrase");
  if (salt.empty() || salt.size() > kMaxSalt) return fail(ErrorCode::parse, "bcrypt_pbkdf salt");
  if (out_len == 0 || out_len > kMaxOutput) return fail(ErrorCode::parse, "bcrypt_pbkdf length");

  // Each 32-byte block contributes one byte to every stride-th key position, so that all
  // blocks must be computed to learn any prefix of the key.
  const size_t stride = (out_len + kHashSize - 1) / kHashSize;
  size_t amount = (out_len + stride - 1) / stride;

  Sha512 sha2pass;
  sha512(password, sha2pass);
  SecretBytes countsalt(salt);
  countsalt.resize(salt.size() + 4);
  SecretBytes key(out_len);
  Sha512 sha2salt;
  SecretArray<kHashSize> block;
  SecretArray<kHashSize> acc;

  size_t remaining = out_len;
  for (uint32_t count = 1; remaining > 0; ++count) {
    store_be32(countsalt.data() + salt.size(), count);
    sha512(countsalt.view(), sha2salt);
    bcrypt_hash(sha2pass, sha2salt, block);
    std::copy(block.data(), block.data() + kHashSize, acc.data());
    for (uint32_t r = 1; r < rounds; ++r) {
      sha512(block.view(), sha2salt);
      bcrypt_hash(sha2pass, sha2salt, block);
      for (size_t i = 0; i < kHashSize; ++i) acc.data()[i] ^= block.data()[i];
    }
    amount = std::min(amount, remaining);
    size_t i = 0;
    for (; i < amount; ++i) {
      size_t dest = i * stride + (count - 1);
      if (dest >= out_len) break;
      key.data()[dest] = acc.data()[i];
    }
    remaining -= i;
  }
  return key;
}

}  // namespace ssh::crypto
