#include "base/wire_reader.h"

namespace ssh {

namespace {
std::unexpected<Error> truncated(const char* what) {
  return fail(ErrorCode::parse, std::string("truncated ") + what);
}
}  // namespace

Result<uint8_t> WireReader::u8() {
  if (remaining() < 1) return truncated("byte");
  return data_[pos_++];
}

Result<bool> WireReader::boolean() {
  auto v = SSH_TRY(u8());
  return v != 0;
}

Result<uint32_t> WireReader::u32() {
  if (remaining() < 4) return truncated("uint32");
  uint32_t v = load_be32(data_.data() + pos_);
  pos_ += 4;
  return v;
}

Result<uint64_t> WireReader::u64() {
  if (remaining() < 8) return truncated("uint64");
  uint64_t v = load_be64(data_.data() + pos_);
  pos_ += 8;
  return v;
}

Result<ByteView> WireReader::string(size_t max) {
  uint32_t len = SSH_TRY(u32());
  if (len > max) return fail(ErrorCode::limit, "string length " + std::to_string(len) + " over limit");
  if (len > remaining()) return truncated("string");
  ByteView v = data_.subspan(pos_, len);
  pos_ += len;
  return v;
}

Result<std::string_view> WireReader::text(size_t max) {
  ByteView v = SSH_TRY(string(max));
  return as_text(v);
}

Result<ByteView> WireReader::mpint_positive(size_t max) {
  ByteView v = SSH_TRY(string(max));
  if (v.empty()) return v;
  if (v[0] & 0x80) return fail(ErrorCode::parse, "negative mpint");
  if (v[0] == 0) {
    if (v.size() == 1 || !(v[1] & 0x80)) return fail(ErrorCode::parse, "non-minimal mpint");
    v = v.subspan(1);
  }
  return v;
}

Result<std::vector<std::string>> WireReader::name_list(size_t max) {
  std::string_view s = SSH_TRY(text(max));
  std::vector<std::string> names;
  if (s.empty()) return names;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    std::string_view name = s.substr(start, comma == std::string_view::npos ? s.npos : comma - start);
    if (name.empty()) return fail(ErrorCode::parse, "empty name in name-list");
    for (char c : name) {
      if (c <= ' ' || c > '~') return fail(ErrorCode::parse, "bad character in name-list");
    }
    names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return names;
}

Result<ByteView> WireReader::raw(size_t n) {
  if (n > remaining()) return truncated("field");
  ByteView v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

Status WireReader::expect_end() const {
  if (remaining() != 0) return fail(ErrorCode::parse, "trailing bytes");
  return {};
}

}  // namespace ssh
