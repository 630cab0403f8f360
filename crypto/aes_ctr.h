// AES-CTR keystream (NIST SP 800-38A) as aes{128,192,256}-ctr use it (RFC 4344): one
// stream per direction, counter continues across packets.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::crypto {

class AesCtr {
 public:
  // key: 16, 24 or 32 bytes; iv: 16 bytes (initial counter block).
  static Result<AesCtr> create(ByteView key, ByteView iv);
  AesCtr(AesCtr&&) noexcept;
  AesCtr& operator=(AesCtr&&) noexcept;
  ~AesCtr();
  // The stream create(key, iv) gives after `position` keystream bytes: the counter block
  // is iv + position / 16 (128-bit big-endian addition, RFC 4344 §4), then position % 16
  // bytes of that block are skipped. Rebuilds a stream from exported state.
  static Result<AesCtr> create_at(ByteView key, ByteView iv, uint64_t position);
  // in and out may alias exactly.
  void apply(const uint8_t* in, uint8_t* out, size_t n);
  // Keystream bytes used since the initial counter block (for state export).
  uint64_t position() const;

 private:
  struct Impl;
  explicit AesCtr(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssh::crypto
