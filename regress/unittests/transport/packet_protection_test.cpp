#include "transport/packet_protection.h"

#include <gtest/gtest.h>

#include "transport/packet_codec.h"

namespace ssh::transport {
namespace {

struct Combo {
  std::string cipher;
  std::string mac;
};

std::vector<Combo> combos() {
  std::vector<Combo> out;
  for (const auto& c : supported_algorithms(AlgorithmKind::cipher)) {
    if (find_cipher(c)->tag_len) {
      out.push_back({c, ""});
      continue;
    }
    for (const auto& m : supported_algorithms(AlgorithmKind::mac)) out.push_back({c, m});
  }
  return out;
}

DirectionKeys keys_for(const Combo& c, uint8_t seed) {
  const CipherInfo* ci = find_cipher(c.cipher);
  DirectionKeys k;
  k.key = SecretBytes(ci->key_len);
  k.iv = SecretBytes(ci->iv_len);
  for (size_t i = 0; i < k.key.size(); ++i) k.key.data()[i] = uint8_t(seed + i);
  for (size_t i = 0; i < k.iv.size(); ++i) k.iv.data()[i] = uint8_t(seed * 3 + i);
  if (const MacInfo* m = find_mac(c.mac)) {
    k.mac_key = SecretBytes(m->key_len);
    for (size_t i = 0; i < k.mac_key.size(); ++i) k.mac_key.data()[i] = uint8_t(seed * 7 + i);
  }
  return k;
}

PacketProtection make(const Combo& c, uint8_t seed = 1) {
  auto p = PacketProtection::create(*find_cipher(c.cipher), find_mac(c.mac), keys_for(c, seed));
  EXPECT_TRUE(p);
  return std::move(*p);
}

// A plaintext packet already padded for the protection in use.
Bytes plain_packet(const PacketProtection& p, size_t payload_len) {
  const size_t block = std::max<size_t>(p.block_size(), 8);
  size_t aligned = (p.length_excluded_from_padding() ? 0 : 4) + 1 + payload_len;
  size_t pad = block - aligned % block;
  if (pad < 4) pad += block;
  Bytes b(4 + 1 + payload_len + pad);
  store_be32(b.data(), uint32_t(b.size() - 4));
  b[4] = uint8_t(pad);
  for (size_t i = 5; i < b.size(); ++i) b[i] = uint8_t(i * 13);
  return b;
}

class Protection : public ::testing::TestWithParam<Combo> {};

TEST_P(Protection, SealOpenRoundTripOverManyPackets) {
  PacketProtection tx = make(GetParam()), rx = make(GetParam());
  for (uint32_t seq = 0; seq < 20; ++seq) {
    Bytes plain = plain_packet(tx, 1 + seq * 37);
    Bytes wire = plain;
    wire.resize(plain.size() + tx.tag_size());
    ASSERT_TRUE(tx.seal(seq, std::span<uint8_t>(wire.data(), plain.size()), wire.data() + plain.size()));
    if (GetParam().cipher.find("ctr") != std::string::npos || GetParam().cipher.find("chacha") != std::string::npos) {
      EXPECT_NE(Bytes(wire.begin() + 5, wire.begin() + ptrdiff_t(plain.size())),
                Bytes(plain.begin() + 5, plain.end()));
    }
    uint32_t len = rx.read_length(seq, std::span<uint8_t>(wire.data(), rx.length_prefix_size()));
    ASSERT_EQ(len, plain.size() - 4);
    ASSERT_TRUE(rx.open(seq, std::span<uint8_t>(wire.data(), plain.size()), wire.data() + plain.size()));
    // chacha20-poly1305 leaves the (separately keyed) length encrypted in place.
    EXPECT_EQ(Bytes(wire.begin() + 4, wire.begin() + ptrdiff_t(plain.size())), Bytes(plain.begin() + 4, plain.end()));
  }
}

TEST_P(Protection, EveryTamperedByteIsRejected) {
  PacketProtection probe = make(GetParam());
  Bytes plain = plain_packet(probe, 50);
  Bytes sealed = plain;
  sealed.resize(plain.size() + probe.tag_size());
  ASSERT_TRUE(probe.seal(7, std::span<uint8_t>(sealed.data(), plain.size()), sealed.data() + plain.size()));
  // Bytes of the encrypted length may instead be caught by the codec's length checks
  // for encrypt-and-MAC; every byte after the length must fail authentication here.
  for (size_t i = 4; i < sealed.size(); ++i) {
    PacketProtection rx = make(GetParam());
    Bytes wire = sealed;
    wire[i] ^= 0x01;
    (void)rx.read_length(7, std::span<uint8_t>(wire.data(), rx.length_prefix_size()));
    EXPECT_FALSE(rx.open(7, std::span<uint8_t>(wire.data(), plain.size()), wire.data() + plain.size())) << i;
  }
  if (probe.length_prefix_size() == 4) {
    for (size_t i = 0; i < 4; ++i) {
      PacketProtection rx = make(GetParam());
      Bytes wire = sealed;
      wire[i] ^= 0x80;
      EXPECT_FALSE(rx.open(7, std::span<uint8_t>(wire.data(), plain.size()), wire.data() + plain.size())) << i;
    }
  }
}

TEST_P(Protection, WrongSequenceNumberOrKeyIsRejected) {
  PacketProtection tx = make(GetParam());
  Bytes plain = plain_packet(tx, 20);
  Bytes wire = plain;
  wire.resize(plain.size() + tx.tag_size());
  ASSERT_TRUE(tx.seal(3, std::span<uint8_t>(wire.data(), plain.size()), wire.data() + plain.size()));
  {
    PacketProtection rx = make(GetParam());
    Bytes w = wire;
    (void)rx.read_length(4, std::span<uint8_t>(w.data(), rx.length_prefix_size()));
    // GCM's nonce is its own counter, not the sequence number; it still must fail on a
    // wrong key below.
    if (GetParam().cipher.find("gcm") == std::string::npos) {
      EXPECT_FALSE(rx.open(4, std::span<uint8_t>(w.data(), plain.size()), w.data() + plain.size()));
    }
  }
  PacketProtection other = make(GetParam(), 2);
  Bytes w = wire;
  (void)other.read_length(3, std::span<uint8_t>(w.data(), other.length_prefix_size()));
  EXPECT_FALSE(other.open(3, std::span<uint8_t>(w.data(), plain.size()), w.data() + plain.size()));
}

INSTANTIATE_TEST_SUITE_P(All, Protection, ::testing::ValuesIn(combos()), [](const auto& info) {
  std::string n = info.param.cipher + "_" + (info.param.mac.empty() ? "implicit" : info.param.mac);
  for (char& c : n) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
});

TEST(Protection, Geometry) {
  PacketProtection none;
  EXPECT_EQ(none.tag_size(), 0u);
  EXPECT_EQ(none.block_size(), 8u);
  EXPECT_FALSE(none.length_excluded_from_padding());
  PacketProtection em = make({"aes128-ctr", "hmac-sha2-256"});
  EXPECT_EQ(em.length_prefix_size(), 16u);
  EXPECT_FALSE(em.length_excluded_from_padding());
  EXPECT_EQ(em.tag_size(), 32u);
  PacketProtection etm = make({"aes256-ctr", "hmac-sha2-512-etm@openssh.com"});
  EXPECT_EQ(etm.length_prefix_size(), 4u);
  EXPECT_TRUE(etm.length_excluded_from_padding());
  EXPECT_EQ(etm.tag_size(), 64u);
  PacketProtection chacha = make({"chacha20-poly1305@openssh.com", ""});
  EXPECT_EQ(chacha.block_size(), 8u);
  EXPECT_EQ(chacha.tag_size(), 16u);
}

TEST(Protection, RejectsWrongKeySizes) {
  DirectionKeys k;
  k.key = SecretBytes(10);
  k.iv = SecretBytes(16);
  EXPECT_FALSE(PacketProtection::create(*find_cipher("aes128-ctr"), find_mac("hmac-sha2-256"), k));
}

}  // namespace
}  // namespace ssh::transport
