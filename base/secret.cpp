#include "base/secret.h"

#include <string.h>

namespace ssh {

void wipe(void* p, size_t n) {
  if (p != nullptr && n != 0) explicit_bzero(p, n);
}

void SecretBytes::append(ByteView b) {
  if (data_.size() + b.size() > data_.capacity()) {
    std::vector<uint8_t> grown;
    grown.reserve((data_.size() + b.size()) * 2);
    grown.assign(data_.begin(), data_.end());
    clear();
    data_ = std::move(grown);
  }
  data_.insert(data_.end(), b.begin(), b.end());
}

void SecretBytes::resize(size_t n) {
  if (n > data_.capacity()) {
    std::vector<uint8_t> grown;
    grown.reserve(n);
    grown.assign(data_.begin(), data_.end());
    clear();
    data_ = std::move(grown);
  } else if (n < data_.size()) {
    wipe(data_.data() + n, data_.size() - n);
  }
  data_.resize(n);
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= uint8_t(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace ssh
