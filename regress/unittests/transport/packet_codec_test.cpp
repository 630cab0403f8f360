#include "transport/packet_codec.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace ssh::transport {
namespace {

crypto::RandomSource& rng() { return crypto::system_random(); }

PacketProtection protection(const char* cipher, const char* mac) {
  const CipherInfo* c = find_cipher(cipher);
  DirectionKeys k;
  k.key = SecretBytes(c->key_len);
  k.iv = SecretBytes(c->iv_len);
  const MacInfo* m = mac ? find_mac(mac) : nullptr;
  if (m) k.mac_key = SecretBytes(m->key_len);
  return std::move(*PacketProtection::create(*c, m, k));
}

Bytes payload(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(i + 1);
  return b;
}

TEST(PacketCodec, ClearPacketsWithPaddingRules) {
  PacketCodec tx(rng()), rx(rng());
  for (size_t n : {1u, 2u, 3u, 7u, 8u, 100u, 35000u}) {
    Bytes wire;
    ASSERT_TRUE(tx.write_packet(payload(n), wire));
    EXPECT_EQ(wire.size() % 8, 0u);           // RFC 4253 §6: total multiple of 8
    EXPECT_GE(wire[4], 4);                    // at least 4 bytes of padding
    EXPECT_EQ(load_be32(wire.data()) + 4, wire.size());
    rx.feed(wire);
    auto got = rx.read_packet();
    ASSERT_TRUE(got);
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(Bytes((*got)->begin(), (*got)->end()), payload(n));
  }
  EXPECT_EQ(tx.send_seq(), 7u);
  EXPECT_EQ(rx.receive_seq(), 7u);
}

TEST(PacketCodec, TruncatedInputWaitsAtEveryOffset) {
  for (auto [cipher, mac] : std::vector<std::pair<const char*, const char*>>{
           {"aes128-ctr", "hmac-sha2-256"}, {"aes128-ctr", "hmac-sha2-256-etm@openssh.com"},
           {"aes256-gcm@openssh.com", nullptr}, {"chacha20-poly1305@openssh.com", nullptr}}) {
    PacketCodec tx(rng()), rx(rng());
    tx.set_send_protection(protection(cipher, mac));
    rx.set_receive_protection(protection(cipher, mac));
    Bytes wire;
    ASSERT_TRUE(tx.write_packet(payload(300), wire));
    ASSERT_TRUE(tx.write_packet(payload(5), wire));
    size_t delivered = 0;
    for (size_t i = 0; i < wire.size(); ++i) {
      rx.feed(ByteView(&wire[i], 1));
      while (true) {
        auto got = rx.read_packet();
        ASSERT_TRUE(got) << cipher << " at " << i << ": " << got.error().context;
        if (!*got) break;
        EXPECT_EQ((*got)->size(), delivered == 0 ? 300u : 5u);
        ++delivered;
      }
    }
    EXPECT_EQ(delivered, 2u) << cipher;
  }
}

TEST(PacketCodec, OversizedLengthRejectedBeforeBuffering) {
  PacketCodec rx(rng());
  uint8_t header[8] = {0x7f, 0xff, 0xff, 0xf8, 4, 0, 0, 0};
  rx.feed(header);
  auto got = rx.read_packet();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::limit);
  EXPECT_EQ(got.error().context, "Bad packet length 2147483640.");
  PacketCodec rx2(rng());
  uint8_t just_over[4];
  store_be32(just_over, kMaxPacketLength + 4);
  rx2.feed(just_over);
  EXPECT_FALSE(rx2.read_packet());
}

Result<std::optional<ByteView>> feed_raw(PacketCodec& rx, uint32_t len, uint8_t pad, size_t body) {
  Bytes b(4 + body);
  store_be32(b.data(), len);
  if (body) b[4] = pad;
  rx.feed(b);
  return rx.read_packet();
}

TEST(PacketCodec, MalformedFramingIsRejected) {
  {
    PacketCodec rx(rng());  // length not a multiple of the block size
    EXPECT_FALSE(feed_raw(rx, 13, 4, 13));
  }
  {
    PacketCodec rx(rng());  // padding below 4
    auto r = feed_raw(rx, 12, 3, 12);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().context, "Corrupted padlen 3 on input.");
  }
  {
    PacketCodec rx(rng());  // padding consumes the whole packet: no message type
    EXPECT_FALSE(feed_raw(rx, 12, 11, 12));
  }
  {
    PacketCodec rx(rng());  // too short to hold anything
    EXPECT_FALSE(feed_raw(rx, 4, 4, 4));
  }
  {
    PacketCodec rx(rng());  // minimal valid packet
    auto r = feed_raw(rx, 12, 10, 12);
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->size(), 1u);
  }
}

TEST(PacketCodec, MacFailureIsReported) {
  PacketCodec tx(rng()), rx(rng());
  tx.set_send_protection(protection("aes128-ctr", "hmac-sha2-512-etm@openssh.com"));
  rx.set_receive_protection(protection("aes128-ctr", "hmac-sha2-512-etm@openssh.com"));
  Bytes wire;
  ASSERT_TRUE(tx.write_packet(payload(40), wire));
  wire[10] ^= 1;
  rx.feed(wire);
  auto r = rx.read_packet();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, DisconnectReason::mac_error);
}

TEST(PacketCodec, SequenceNumbersResetAndCount) {
  PacketCodec tx(rng()), rx(rng());
  Bytes wire;
  ASSERT_TRUE(tx.write_packet(payload(10), wire));
  ASSERT_TRUE(tx.write_packet(payload(10), wire));
  EXPECT_EQ(tx.send_seq(), 2u);
  tx.reset_send_seq();
  EXPECT_EQ(tx.send_seq(), 0u);
  EXPECT_EQ(tx.sent().packets, 2u);
  EXPECT_EQ(tx.sent().bytes, wire.size());
  tx.set_send_protection(protection("aes128-gcm@openssh.com", nullptr));
  EXPECT_EQ(tx.sent().packets_since_keys, 0u);
}

TEST(PacketCodec, CompressedPayloads) {
  PacketCodec tx(rng()), rx(rng());
  tx.set_send_compression(*Compressor::create());
  rx.set_receive_compression(*Decompressor::create());
  Bytes big(50000, 'z');
  Bytes wire;
  ASSERT_TRUE(tx.write_packet(big, wire));
  ASSERT_TRUE(tx.write_packet(payload(3), wire));
  EXPECT_LT(wire.size(), 2000u);
  rx.feed(wire);
  auto a = rx.read_packet();
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ(Bytes((*a)->begin(), (*a)->end()), big);
  auto b = rx.read_packet();
  ASSERT_TRUE(b && b->has_value());
  EXPECT_EQ(Bytes((*b)->begin(), (*b)->end()), payload(3));
}

TEST(PacketCodec, RefusesOversizedOutgoingPayload) {
  PacketCodec tx(rng());
  Bytes out;
  EXPECT_FALSE(tx.write_packet(Bytes(kMaxSendPayload + 1, 1), out));
  EXPECT_FALSE(tx.write_packet(Bytes(), out));
}

}  // namespace
}  // namespace ssh::transport
