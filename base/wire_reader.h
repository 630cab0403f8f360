// Bounded cursor over SSH wire types (RFC 4251 §5). Every read checks the remaining
// length first; nothing here can read outside the view it was given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh {

class WireReader {
 public:
  // Default cap for a single string: no SSH field we accept is larger than a packet.
  static constexpr size_t kMaxString = 256 * 1024;
  static constexpr size_t kMaxNameList = 64 * 1024;
  static constexpr size_t kMaxMpint = 16384 / 8 + 1;  // 16384-bit numbers plus a sign byte

  explicit WireReader(ByteView data) : data_(data) {}

  Result<uint8_t> u8();
  Result<bool> boolean();
  Result<uint32_t> u32();
  Result<uint64_t> u64();
  // A length-prefixed string, returned as a view into the input.
  Result<ByteView> string(size_t max = kMaxString);
  Result<std::string_view> text(size_t max = kMaxString);
  // A non-negative mpint (RFC 4251 §5): returns the big-endian magnitude without the
  // sign-padding byte. Negative values and non-minimal encodings are rejected.
  Result<ByteView> mpint_positive(size_t max = kMaxMpint);
  // A name-list: comma separated, non-empty names of printable US-ASCII without commas.
  Result<std::vector<std::string>> name_list(size_t max = kMaxNameList);
  Result<ByteView> raw(size_t n);

  ByteView rest() const { return data_.subspan(pos_); }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  Status expect_end() const;

 private:
  ByteView data_;
  size_t pos_ = 0;
};

}  // namespace ssh
