#include "crypto/blowfish.h"

#include "base/secret.h"
#include "crypto/blowfish_tables.h"

namespace ssh::crypto::detail {

uint32_t stream_word(ByteView data, size_t& pos) {
  uint32_t word = 0;
  for (int i = 0; i < 4; ++i) {
    if (pos >= data.size()) pos = 0;
    word = (word << 8) | data[pos++];
  }
  return word;
}

Blowfish::Blowfish() : p_(kInitP), s_(kInitS) {}

Blowfish::~Blowfish() {
  wipe(p_.data(), sizeof(p_));
  wipe(s_.data(), sizeof(s_));
}

uint32_t Blowfish::f(uint32_t x) const {
  return ((s_[0][x >> 24] + s_[1][(x >> 16) & 0xff]) ^ s_[2][(x >> 8) & 0xff]) + s_[3][x & 0xff];
}

void Blowfish::encrypt(uint32_t& left, uint32_t& right) const {
  uint32_t l = left;
  uint32_t r = right;
  for (int i = 0; i < 16; i += 2) {
    l ^= p_[i];
    r ^= f(l);
    r ^= p_[i + 1];
    l ^= f(r);
  }
  l ^= p_[16];
  r ^= p_[17];
  left = r;
  right = l;
}

void Blowfish::decrypt(uint32_t& left, uint32_t& right) const {
  uint32_t l = left;
  uint32_t r = right;
  for (int i = 17; i > 1; i -= 2) {
    l ^= p_[i];
    r ^= f(l);
    r ^= p_[i - 1];
    l ^= f(r);
  }
  l ^= p_[1];
  r ^= p_[0];
  left = r;
  right = l;
}

void Blowfish::xor_key_into_p(ByteView key) {
  size_t pos = 0;
  for (auto& word : p_) word ^= stream_word(key, pos);
}

void Blowfish::rewrite_state(ByteView salt) {
  uint32_t l = 0;
  uint32_t r = 0;
  size_t pos = 0;
  auto next_block = [&] {
    if (!salt.empty()) {
      l ^= stream_word(salt, pos);
      r ^= stream_word(salt, pos);
    }
    encrypt(l, r);
  };
  for (size_t i = 0; i < p_.size(); i += 2) {
    next_block();
    p_[i] = l;
    p_[i + 1] = r;
  }
  for (auto& box : s_) {
    for (size_t i = 0; i < box.size(); i += 2) {
      next_block();
      box[i] = l;
      box[i + 1] = r;
    }
  }
}

void Blowfish::set_key(ByteView key) {
  xor_key_into_p(key);
  rewrite_state({});
}

void Blowfish::expand(ByteView salt, ByteView key) {
  xor_key_into_p(key);
  rewrite_state(salt);
}

void Blowfish::expand0(ByteView key) {
  xor_key_into_p(key);
  rewrite_state({});
}

}  // namespace ssh::crypto::detail
