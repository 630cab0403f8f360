#include "base/secret.h"

#include <string.h>

namespace ssh {

void wipe(void* p, size_t n) {
  if (p != nullptr && n != 0) explicit_bzero(p, n);
}

// Reallocation frees the old storage through Bytes' wiping allocator, so growth leaves no
// stale copy; only a shrink has to wipe by hand.
void SecretBytes::append(ByteView b) { data_.insert(data_.end(), b.begin(), b.end()); }

void SecretBytes::resize(size_t n) {
  if (n < data_.size()) wipe(data_.data() + n, data_.size() - n);
  data_.resize(n);
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= uint8_t(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace ssh
