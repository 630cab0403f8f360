#include "transport/compression.h"

#include <zlib.h>

#include <cstring>

namespace ssh::transport {

struct Compressor::Impl {
  z_stream z{};
  ~Impl() { deflateEnd(&z); }
};

Compressor::Compressor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Compressor::Compressor(Compressor&&) noexcept = default;
Compressor& Compressor::operator=(Compressor&&) noexcept = default;
Compressor::~Compressor() = default;

Result<Compressor> Compressor::create(int level) {
  auto impl = std::make_unique<Impl>();
  if (deflateInit(&impl->z, level) != Z_OK) {
    // deflateEnd on a failed init is harmless.
    return fail(ErrorCode::internal, "deflateInit failed", DisconnectReason::compression_error);
  }
  return Compressor(std::move(impl));
}

Status Compressor::compress(ByteView in, Bytes& out) {
  z_stream& z = impl_->z;
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = uInt(in.size());
  while (true) {
    size_t old = out.size();
    size_t chunk = in.size() / 2 + 64;
    out.resize(old + chunk);
    z.next_out = out.data() + old;
    z.avail_out = uInt(chunk);
    int rc = deflate(&z, Z_PARTIAL_FLUSH);
    out.resize(old + chunk - z.avail_out);
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return fail(ErrorCode::internal, "deflate failed", DisconnectReason::compression_error);
    }
    // Done once all input is consumed and deflate had room to spare for the flush.
    if (z.avail_in == 0 && z.avail_out != 0) return {};
  }
}

bool Compressor::pristine() const {
  return impl_->z.total_in == 0 && impl_->z.total_out == 0;
}

struct Decompressor::Impl {
  z_stream z{};
  ~Impl() { inflateEnd(&z); }
};

Decompressor::Decompressor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;
Decompressor::~Decompressor() = default;

Result<Decompressor> Decompressor::create() {
  auto impl = std::make_unique<Impl>();
  if (inflateInit(&impl->z) != Z_OK) {
    return fail(ErrorCode::internal, "inflateInit failed", DisconnectReason::compression_error);
  }
  return Decompressor(std::move(impl));
}

bool Decompressor::pristine() const {
  return impl_->z.total_in == 0 && impl_->z.total_out == 0;
}

Status Decompressor::decompress(ByteView in, Bytes& out, size_t max_out) {
  z_stream& z = impl_->z;
  out.clear();
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = uInt(in.size());
  while (true) {
    size_t old = out.size();
    size_t chunk = std::min<size_t>(std::max<size_t>(in.size() * 4, 4096), max_out + 1 - old);
    out.resize(old + chunk);
    z.next_out = out.data() + old;
    z.avail_out = uInt(chunk);
    int rc = inflate(&z, Z_PARTIAL_FLUSH);
    out.resize(old + chunk - z.avail_out);
    if (out.size() > max_out) {
      return fail(ErrorCode::limit, "compressed packet inflates beyond limit",
                  DisconnectReason::compression_error);
    }
    if (rc == Z_BUF_ERROR && z.avail_out != 0) return {};  // no progress possible: all consumed
    if (rc != Z_OK) {
      return fail(ErrorCode::parse, "decompression failed", DisconnectReason::compression_error);
    }
    if (z.avail_in == 0 && z.avail_out != 0) return {};
  }
}

}  // namespace ssh::transport
