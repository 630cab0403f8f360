#include "transport/kexinit.h"

#include <gtest/gtest.h>

#include "transport/algorithms.h"

namespace ssh::transport {
namespace {

KexInit sample(bool client) {
  KexInit k;
  for (size_t i = 0; i < 16; ++i) k.cookie[i] = uint8_t(i);
  k.kex = default_algorithms(AlgorithmKind::kex);
  k.kex.emplace_back(client ? marker::kExtInfoClient : marker::kExtInfoServer);
  k.kex.emplace_back(client ? marker::kStrictClient : marker::kStrictServer);
  k.host_key = default_algorithms(AlgorithmKind::host_key);
  k.cipher_c2s = k.cipher_s2c = default_algorithms(AlgorithmKind::cipher);
  k.mac_c2s = k.mac_s2c = default_algorithms(AlgorithmKind::mac);
  k.compression_c2s = k.compression_s2c = {"none", "zlib@openssh.com"};
  return k;
}

TEST(KexInit, RoundTrip) {
  KexInit k = sample(true);
  k.first_kex_packet_follows = true;
  Bytes enc = k.encode();
  EXPECT_EQ(enc[0], 20);
  auto d = KexInit::decode(enc);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kex, k.kex);
  EXPECT_EQ(d->cookie, k.cookie);
  EXPECT_EQ(d->compression_s2c, k.compression_s2c);
  EXPECT_TRUE(d->first_kex_packet_follows);
  EXPECT_TRUE(d->has_kex_name("kex-strict-c-v00@openssh.com"));
  EXPECT_FALSE(d->has_kex_name("kex-strict-s-v00@openssh.com"));
  EXPECT_TRUE(d->language_c2s.empty());
}

TEST(KexInit, TruncationAtEveryOffsetFails) {
  Bytes enc = sample(false).encode();
  for (size_t n = 0; n < enc.size(); ++n) {
    EXPECT_FALSE(KexInit::decode(ByteView(enc).first(n))) << n;
  }
}

TEST(KexInit, RejectsBadNameLists) {
  KexInit k = sample(true);
  Bytes enc = k.encode();
  // Put a control character into the first name of the kex list.
  enc[1 + 16 + 4] = 0x01;
  EXPECT_FALSE(KexInit::decode(enc));
  Bytes other = sample(true).encode();
  other[0] = 21;
  EXPECT_FALSE(KexInit::decode(other));
}

TEST(KexInit, NegotiatesAndSkipsMarkers) {
  KexInit c = sample(true), s = sample(false);
  c.kex.insert(c.kex.begin(), "ext-info-s");  // a marker both "support" is never chosen
  s.kex.insert(s.kex.begin(), "ext-info-s");
  auto n = negotiate(c, s, Role::client);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kex, "curve25519-sha256");
  EXPECT_EQ(n->host_key, "ssh-ed25519");
  EXPECT_EQ(n->c2s.cipher, "chacha20-poly1305@openssh.com");
  EXPECT_EQ(n->c2s.mac, kImplicitMac);
  EXPECT_EQ(n->s2c.compression, "none");
  EXPECT_FALSE(n->ignore_guessed_packet);
}

TEST(KexInit, DirectionsNegotiateIndependently) {
  KexInit c = sample(true), s = sample(false);
  s.cipher_c2s = {"aes256-ctr"};
  s.mac_c2s = {"hmac-sha2-512"};
  s.compression_s2c = {"zlib@openssh.com"};
  auto n = negotiate(c, s, Role::server);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->c2s.cipher, "aes256-ctr");
  EXPECT_EQ(n->c2s.mac, "hmac-sha2-512");
  EXPECT_EQ(n->s2c.cipher, "chacha20-poly1305@openssh.com");
  EXPECT_EQ(n->s2c.compression, "zlib@openssh.com");
}

TEST(KexInit, NoMatchErrors) {
  KexInit c = sample(true), s = sample(false);
  s.kex = {"sntrup761x25519-sha512@openssh.com", "kex-strict-s-v00@openssh.com"};
  auto n = negotiate(c, s, Role::client);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().context,
            "no matching key exchange method found. Their offer: "
            "sntrup761x25519-sha512@openssh.com,kex-strict-s-v00@openssh.com");
  KexInit s2 = sample(false);
  s2.host_key = {"ssh-dss"};
  EXPECT_EQ(negotiate(c, s2, Role::client).error().context,
            "no matching host key type found. Their offer: ssh-dss");
  KexInit s3 = sample(false);
  s3.mac_s2c = {"umac-64@openssh.com"};
  s3.cipher_s2c = {"aes128-ctr"};
  EXPECT_EQ(negotiate(c, s3, Role::client).error().context,
            "no matching MAC found. Their offer: umac-64@openssh.com");
}

TEST(KexInit, GuessRules) {
  KexInit c = sample(true), s = sample(false);
  s.first_kex_packet_follows = true;
  auto right = negotiate(c, s, Role::client);
  ASSERT_TRUE(right);
  EXPECT_FALSE(right->ignore_guessed_packet);  // same first kex and host key
  s.kex.insert(s.kex.begin(), "ecdh-sha2-nistp256");
  auto wrong = negotiate(c, s, Role::client);
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(wrong->ignore_guessed_packet);
  EXPECT_EQ(wrong->kex, "curve25519-sha256");  // still the client's preference
  // Our own guess flag is not what matters.
  KexInit s2 = sample(false);
  s2.host_key = {"rsa-sha2-512", "ssh-ed25519"};
  c.first_kex_packet_follows = true;
  EXPECT_FALSE(negotiate(c, s2, Role::client)->ignore_guessed_packet);
  EXPECT_TRUE(negotiate(c, s2, Role::server)->ignore_guessed_packet);
}

}  // namespace
}  // namespace ssh::transport
