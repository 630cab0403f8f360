// Byte containers shared by every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ssh {

// Overwrites n bytes at p with zeros in a way the compiler may not remove.
void wipe(void* p, size_t n);

// Storage is wiped whenever it is freed, on destruction and on every reallocation. Byte
// buffers carry keystrokes, passwords, decrypted output and queued plaintext, and the place
// that frees one rarely knows which it holds; wiping them all is the one rule that cannot
// be forgotten. Secrets with a known lifetime still use SecretBytes (base/secret.h), which
// also wipes on clear and shrink.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}
  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) noexcept {
    wipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

using Bytes = std::vector<uint8_t, WipingAllocator<uint8_t>>;
using ByteView = std::span<const uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_text(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) {
  auto v = as_bytes(s);
  return {v.begin(), v.end()};
}
inline void append(Bytes& out, ByteView more) {
  out.insert(out.end(), more.begin(), more.end());
}
// Drops the first n bytes of a buffer drained from the front. The bytes the move leaves
// beyond the new end are wiped: the storage stays allocated, so the allocator cannot.
inline void erase_front(Bytes& b, size_t n) {
  size_t old_size = b.size();
  b.erase(b.begin(), b.begin() + std::ptrdiff_t(n));
  wipe(b.data() + b.size(), old_size - b.size());
}

std::string to_hex(ByteView b);
// Accepts upper/lower case hex without separators; empty optional-like result on bad input.
bool from_hex(std::string_view hex, Bytes& out);

// Big-endian helpers for fixed-width fields outside WireReader/Writer (packet headers).
inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
inline uint64_t load_be64(const uint8_t* p) {
  return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  store_be32(p, uint32_t(v >> 32));
  store_be32(p + 4, uint32_t(v));
}

}  // namespace ssh
