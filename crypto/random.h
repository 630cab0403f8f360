// Random bytes. Production uses the OS CSPRNG (via OpenSSL RAND_bytes); tests may inject a
// deterministic source.
#pragma once

#include <cstdint>
#include <span>

namespace ssh::crypto {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<uint8_t> out) = 0;
};

// Process-wide system source; stateless, safe to share.
RandomSource& system_random();

}  // namespace ssh::crypto
