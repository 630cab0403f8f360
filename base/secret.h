// Secret byte storage: move-only, wiped on destruction and on resize, never printable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace ssh {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  explicit SecretBytes(ByteView b) : data_(b.begin(), b.end()) {}
  // Takes the bytes themselves (no copy is left behind to wipe).
  explicit SecretBytes(Bytes&& b) noexcept : data_(std::move(b)) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) { o.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      clear();
      data_ = std::move(o.data_);
      o.data_.clear();
    }
    return *this;
  }
  ~SecretBytes() { clear(); }

  SecretBytes clone() const { return SecretBytes(view()); }
  void clear() {
    wipe(data_.data(), data_.capacity());
    data_.clear();
  }
  void append(ByteView b);
  void resize(size_t n);

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  ByteView view() const { return {data_.data(), data_.size()}; }
  std::span<uint8_t> span() { return {data_.data(), data_.size()}; }
  std::string_view text() const { return as_text(view()); }

 private:
  Bytes data_;
};

template <size_t N>
class SecretArray {
 public:
  SecretArray() { data_.fill(0); }
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  SecretArray(SecretArray&& o) noexcept : data_(o.data_) { wipe(o.data_.data(), N); }
  SecretArray& operator=(SecretArray&& o) noexcept {
    data_ = o.data_;
    wipe(o.data_.data(), N);
    return *this;
  }
  ~SecretArray() { wipe(data_.data(), N); }
  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  static constexpr size_t size() { return N; }
  ByteView view() const { return {data_.data(), N}; }
  std::span<uint8_t> span() { return {data_.data(), N}; }

 private:
  std::array<uint8_t, N> data_;
};

// Constant-time equality for MACs, proofs and other secret-dependent comparisons.
bool constant_time_equal(ByteView a, ByteView b);

}  // namespace ssh
