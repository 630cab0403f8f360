#include "base/wire_writer.h"

namespace ssh {

WireWriter& WireWriter::u8(uint8_t v) {
  out_.push_back(v);
  return *this;
}

WireWriter& WireWriter::u32(uint32_t v) {
  uint8_t b[4];
  store_be32(b, v);
  out_.insert(out_.end(), b, b + 4);
  return *this;
}

WireWriter& WireWriter::u64(uint64_t v) {
  uint8_t b[8];
  store_be64(b, v);
  out_.insert(out_.end(), b, b + 8);
  return *this;
}

WireWriter& WireWriter::string(ByteView v) {
  u32(uint32_t(v.size()));
  return raw(v);
}

WireWriter& WireWriter::mpint_positive(ByteView magnitude) {
  size_t skip = 0;
  while (skip < magnitude.size() && magnitude[skip] == 0) ++skip;
  ByteView m = magnitude.subspan(skip);
  bool pad = !m.empty() && (m[0] & 0x80);
  u32(uint32_t(m.size() + (pad ? 1 : 0)));
  if (pad) out_.push_back(0);
  return raw(m);
}

WireWriter& WireWriter::name_list(const std::vector<std::string>& names) {
  return string(join_names(names));
}

WireWriter& WireWriter::raw(ByteView v) {
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}

size_t WireWriter::begin_string() {
  size_t mark = out_.size();
  u32(0);
  return mark;
}

void WireWriter::end_string(size_t mark) {
  store_be32(out_.data() + mark, uint32_t(out_.size() - mark - 4));
}

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    if (!s.empty()) s.push_back(',');
    s += n;
  }
  return s;
}

}  // namespace ssh
