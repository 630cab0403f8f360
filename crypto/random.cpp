#include "crypto/random.h"

#include <openssl/rand.h>
#include <sodium.h>

#include <climits>
#include <cstdlib>

#include "base/bytes.h"
#include "crypto/evp_util.h"

namespace ssh::crypto {
namespace {

class SystemRandom final : public RandomSource {
 public:
  void fill(std::span<uint8_t> out) override {
    // RAND_bytes takes an int length; split very large requests.
    size_t done = 0;
    while (done < out.size()) {
      size_t chunk = std::min<size_t>(out.size() - done, INT_MAX);
      if (RAND_bytes(out.data() + done, int(chunk)) != 1) {
        // The OS CSPRNG failing is not a recoverable condition: continuing would hand out
        // predictable keys.
        std::abort();
      }
      done += chunk;
    }
  }
};

}  // namespace

RandomSource& system_random() {
  // Stateless; a function-local constant object is not mutable global state.
  static SystemRandom instance;
  return instance;
}

DeterministicRandom::DeterministicRandom(ByteView seed) {
  detail::ensure_sodium();
  crypto_hash_sha256(key_.data(), seed.data(), seed.size());
}

DeterministicRandom::~DeterministicRandom() {
  sodium_memzero(key_.data(), key_.size());
}

void DeterministicRandom::fill(std::span<uint8_t> out) {
  uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];
  store_be64(nonce, calls_++);
  crypto_stream_chacha20(out.data(), out.size(), nonce, key_.data());
}

}  // namespace ssh::crypto
