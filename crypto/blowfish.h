// Blowfish (Schneier 1993) with the "expensive key schedule" steps of Eksblowfish
// (Provos & Mazieres, "A Future-Adaptable Password Scheme", 1999, §4), which bcrypt_pbkdf
// needs. Internal to crypto/: SSH itself never uses Blowfish as a cipher.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace ssh::crypto::detail {

class Blowfish {
 public:
  Blowfish();  // the pi-derived initial state
  Blowfish(const Blowfish&) = delete;
  Blowfish& operator=(const Blowfish&) = delete;
  ~Blowfish();

  // Schneier's key schedule (key: 1..72 bytes, used cyclically).
  void set_key(ByteView key);
  // ExpandKey(state, salt, key): key XORed into P, then P and S rewritten by encrypting a
  // running block that has the salt (cyclically, 32-bit big-endian words) XORed in.
  void expand(ByteView salt, ByteView key);
  // ExpandKey(state, 0, key).
  void expand0(ByteView key);

  void encrypt(uint32_t& left, uint32_t& right) const;
  void decrypt(uint32_t& left, uint32_t& right) const;

 private:
  uint32_t f(uint32_t x) const;
  void xor_key_into_p(ByteView key);
  void rewrite_state(ByteView salt);

  std::array<uint32_t, 18> p_;
  std::array<std::array<uint32_t, 256>, 4> s_;
};

// Reads the next 32-bit big-endian word from data, wrapping around at the end; pos is the
// running byte offset (Eksblowfish's "stream2word").
uint32_t stream_word(ByteView data, size_t& pos);

}  // namespace ssh::crypto::detail
