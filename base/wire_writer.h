// Appends SSH wire types (RFC 4251 §5) to a byte buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace ssh {

class WireWriter {
 public:
  WireWriter() = default;
  explicit WireWriter(Bytes&& initial) : out_(std::move(initial)) {}

  WireWriter& u8(uint8_t v);
  WireWriter& boolean(bool v) { return u8(v ? 1 : 0); }
  WireWriter& u32(uint32_t v);
  WireWriter& u64(uint64_t v);
  WireWriter& string(ByteView v);
  WireWriter& string(std::string_view v) { return string(as_bytes(v)); }
  WireWriter& string(const char* v) { return string(std::string_view(v)); }
  // Writes an unsigned big-endian magnitude as a positive mpint: strips leading zeros,
  // adds a zero byte when the top bit is set.
  WireWriter& mpint_positive(ByteView magnitude);
  WireWriter& name_list(const std::vector<std::string>& names);
  WireWriter& raw(ByteView v);

  // Nested length-prefixed block: begin returns a mark, end patches the length.
  size_t begin_string();
  void end_string(size_t mark);

  const Bytes& bytes() const { return out_; }
  ByteView view() const { return out_; }
  Bytes take() { return std::move(out_); }
  size_t size() const { return out_.size(); }

 private:
  Bytes out_;
};

std::string join_names(const std::vector<std::string>& names);

}  // namespace ssh
