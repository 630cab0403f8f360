#include <gtest/gtest.h>

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh {
namespace {

Bytes hex(std::string_view h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out));
  return out;
}

// RFC 4251 §5 mpint examples.
TEST(Wire, MpintRfc4251Examples) {
  struct Case {
    const char* magnitude;
    const char* encoded;
  } cases[] = {
      {"", "00000000"},
      {"09a378f9b2e332a7", "0000000809a378f9b2e332a7"},
      {"80", "000000020080"},
  };
  for (const auto& c : cases) {
    WireWriter w;
    w.mpint_positive(hex(c.magnitude));
    EXPECT_EQ(to_hex(w.view()), c.encoded);
    Bytes enc = hex(c.encoded);
    WireReader r(enc);
    auto m = r.mpint_positive();
    ASSERT_TRUE(m);
    EXPECT_EQ(to_hex(*m), c.magnitude);
    EXPECT_TRUE(r.expect_end());
  }
}

TEST(Wire, MpintRejectsNegativeAndNonMinimal) {
  for (const char* bad : {"00000002edcc", "000000020001", "0000000100"}) {
    Bytes enc = hex(bad);
    WireReader r(enc);
    EXPECT_FALSE(r.mpint_positive()) << bad;
  }
}

TEST(Wire, RoundTripAllTypes) {
  WireWriter w;
  w.u8(7).boolean(true).u32(0xdeadbeef).u64(0x0102030405060708ull).string("hello");
  w.name_list({"zlib", "none"});
  Bytes data = w.take();
  WireReader r(data);
  EXPECT_EQ(*r.u8(), 7);
  EXPECT_EQ(*r.boolean(), true);
  EXPECT_EQ(*r.u32(), 0xdeadbeefu);
  EXPECT_EQ(*r.u64(), 0x0102030405060708ull);
  EXPECT_EQ(*r.text(), "hello");
  auto names = r.name_list();
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, (std::vector<std::string>{"zlib", "none"}));
  EXPECT_TRUE(r.expect_end());
}

// Every prefix of a valid encoding must fail cleanly, never read past the end.
TEST(Wire, TruncationAtEveryOffset) {
  WireWriter w;
  w.u32(1).u64(2).string("abcdef").name_list({"a", "b"}).mpint_positive(hex("ff01"));
  Bytes full = w.take();
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + long(n));
    WireReader r(cut);
    bool ok = r.u32() && r.u64() && r.string() && r.name_list() && r.mpint_positive();
    EXPECT_FALSE(ok) << "prefix " << n;
  }
}

TEST(Wire, OversizedLengthRejected) {
  Bytes data = hex("ffffffff41");
  WireReader r(data);
  auto s = r.string();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::limit);
  Bytes small = hex("0000000a4142");
  WireReader r2(small);
  auto s2 = r2.string();
  ASSERT_FALSE(s2);
  EXPECT_EQ(s2.error().code, ErrorCode::parse);
}

TEST(Wire, NameListRejectsEmptyNamesAndControlChars) {
  for (std::string_view bad : {"a,,b", ",a", "a,", "a b", "a\x01"}) {
    WireWriter w;
    w.string(bad);
    Bytes data = w.take();
    WireReader r(data);
    EXPECT_FALSE(r.name_list()) << bad;
  }
}

TEST(Wire, TrailingBytesDetected) {
  Bytes data = hex("0000000100");
  WireReader r(data);
  ASSERT_TRUE(r.u32());
  EXPECT_FALSE(r.expect_end());
}

TEST(Wire, NestedStringPatchesLength) {
  WireWriter w;
  size_t mark = w.begin_string();
  w.u32(5).string("xy");
  w.end_string(mark);
  EXPECT_EQ(to_hex(w.view()), "0000000a00000005000000027879");
}

}  // namespace
}  // namespace ssh
