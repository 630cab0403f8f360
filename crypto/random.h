// Random bytes. Production uses the OS CSPRNG (via OpenSSL RAND_bytes); tests may inject a
// deterministic source.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/bytes.h"

namespace ssh::crypto {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<uint8_t> out) = 0;
};

// Process-wide system source; stateless, safe to share.
RandomSource& system_random();

// Reproducible stream for tests and recorded transcripts: each fill() call takes the
// ChaCha20 keystream of SHA-256(seed) under a nonce equal to the call number, so the
// same seed and the same sequence of requests give the same bytes. Never for production.
class DeterministicRandom final : public RandomSource {
 public:
  explicit DeterministicRandom(ByteView seed);
  ~DeterministicRandom() override;
  void fill(std::span<uint8_t> out) override;

 private:
  std::array<uint8_t, 32> key_{};
  uint64_t calls_ = 0;
};

}  // namespace ssh::crypto
