#include "transport/compression.h"

#include <gtest/gtest.h>

namespace ssh::transport {
namespace {

TEST(Compression, StreamRoundTripPerPacket) {
  auto c = Compressor::create();
  auto d = Decompressor::create();
  ASSERT_TRUE(c && d);
  for (int i = 0; i < 50; ++i) {
    Bytes in(size_t(100 + i * 997), uint8_t('a' + i % 26));
    for (size_t j = 0; j < in.size(); j += 7) in[j] = uint8_t(j);
    Bytes packed, out;
    ASSERT_TRUE(c->compress(in, packed));
    ASSERT_TRUE(d->decompress(packed, out));  // each packet decodes on its own (partial flush)
    EXPECT_EQ(out, in);
  }
}

TEST(Compression, InflationIsBounded) {
  auto c = Compressor::create();
  auto d = Decompressor::create();
  Bytes zeros(kMaxInflatedPayload + 1, 0), packed, out;
  ASSERT_TRUE(c->compress(zeros, packed));
  EXPECT_LT(packed.size(), 2000u);
  auto r = d->decompress(packed, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::limit);
  EXPECT_EQ(r.error().reason, DisconnectReason::compression_error);
}

TEST(Compression, GarbageFails) {
  auto d = Decompressor::create();
  Bytes junk = {0xff, 0xff, 0xff, 0xff, 0x12, 0x34}, out;
  EXPECT_FALSE(d->decompress(junk, out));
}

}  // namespace
}  // namespace ssh::transport
