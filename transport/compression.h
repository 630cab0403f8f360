// zlib and zlib@openssh.com payload compression (RFC 4253 §6.2, OpenSSH PROTOCOL §1.3):
// one zlib stream per direction, started afresh after each key exchange (RFC 4253 §6.2,
// as OpenSSH does), each packet flushed with Z_PARTIAL_FLUSH.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::transport {

// Largest payload a single packet may inflate to: a packet is at most 256 KiB.
constexpr size_t kMaxInflatedPayload = 256 * 1024;

class Compressor {
 public:
  static Result<Compressor> create(int level = 6);
  Compressor(Compressor&&) noexcept;
  Compressor& operator=(Compressor&&) noexcept;
  ~Compressor();
  // Appends the compressed form of in to out.
  Status compress(ByteView in, Bytes& out);
  // True while nothing has gone through the stream: only then can it be handed to
  // another process as "started" (a zlib stream's history cannot be exported).
  bool pristine() const;

 private:
  struct Impl;
  explicit Compressor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Decompressor {
 public:
  static Result<Decompressor> create();
  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;
  ~Decompressor();
  // Replaces out with the inflated form of in; fails past max_out bytes.
  Status decompress(ByteView in, Bytes& out, size_t max_out = kMaxInflatedPayload);
  // See Compressor::pristine().
  bool pristine() const;

 private:
  struct Impl;
  explicit Decompressor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssh::transport
