#include "transport/algorithms.h"

#include <gtest/gtest.h>

namespace ssh::transport {
namespace {

using V = std::vector<std::string>;

TEST(Algorithms, DefaultsFollowOpenSsh92Order) {
  EXPECT_EQ(default_algorithms(AlgorithmKind::kex),
            (V{"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
               "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256",
               "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
               "diffie-hellman-group14-sha256"}));
  EXPECT_EQ(default_algorithms(AlgorithmKind::cipher),
            (V{"chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
               "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}));
  EXPECT_EQ(default_algorithms(AlgorithmKind::mac),
            (V{"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256",
               "hmac-sha2-512"}));
  EXPECT_EQ(default_algorithms(AlgorithmKind::host_key),
            (V{"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
               "rsa-sha2-512", "rsa-sha2-256"}));
  EXPECT_EQ(default_algorithms(AlgorithmKind::compression), (V{"none"}));
  EXPECT_EQ(supported_algorithms(AlgorithmKind::compression), (V{"none", "zlib@openssh.com", "zlib"}));
}

TEST(Algorithms, Tables) {
  const CipherInfo* c = find_cipher("chacha20-poly1305@openssh.com");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->key_len, 64u);
  EXPECT_EQ(c->tag_len, 16u);
  EXPECT_EQ(find_cipher("aes192-ctr")->key_len, 24u);
  EXPECT_EQ(find_cipher("3des-cbc"), nullptr);
  EXPECT_TRUE(find_mac("hmac-sha2-512-etm@openssh.com")->etm);
  EXPECT_FALSE(find_mac("hmac-sha2-512")->etm);
  EXPECT_EQ(find_host_key_alg("rsa-sha2-256")->key_type, "ssh-rsa");
  EXPECT_EQ(find_kex("diffie-hellman-group16-sha512")->group, DhGroup::group16);
  EXPECT_EQ(find_kex("ext-info-c"), nullptr);
}

TEST(Algorithms, PlainListReplaces) {
  auto r = apply_algorithm_spec(AlgorithmKind::cipher, "aes256-ctr,aes128-ctr");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (V{"aes256-ctr", "aes128-ctr"}));
}

TEST(Algorithms, PlusAppends) {
  auto r = apply_algorithm_spec(AlgorithmKind::compression, "+zlib@openssh.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (V{"none", "zlib@openssh.com"}));
  auto again = apply_algorithm_spec(AlgorithmKind::mac, "+hmac-sha2-256");  // already there
  EXPECT_EQ(*again, default_algorithms(AlgorithmKind::mac));
}

TEST(Algorithms, MinusRemovesWithWildcards) {
  auto r = apply_algorithm_spec(AlgorithmKind::cipher, "-aes*-ctr,chacha20*");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (V{"aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}));
  auto k = apply_algorithm_spec(AlgorithmKind::kex, "-diffie-hellman-group1?-sha512");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->size(), 7u);
  // Removing something unknown is not an error (OpenSSH does not validate '-' lists).
  EXPECT_TRUE(apply_algorithm_spec(AlgorithmKind::mac, "-umac-64@openssh.com"));
}

TEST(Algorithms, CaretMovesToFront) {
  auto r = apply_algorithm_spec(AlgorithmKind::host_key, "^rsa-sha2-256,ecdsa-sha2-nistp384");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (V{"rsa-sha2-256", "ecdsa-sha2-nistp384", "ssh-ed25519", "ecdsa-sha2-nistp256",
                   "ecdsa-sha2-nistp521", "rsa-sha2-512"}));
}

TEST(Algorithms, ErrorsUseOpenSshWording) {
  auto r = apply_algorithm_spec(AlgorithmKind::cipher, "aes128-ctr,blowfish-cbc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().context, "Bad SSH2 cipher spec 'aes128-ctr,blowfish-cbc'.");
  EXPECT_EQ(r.error().code, ErrorCode::config);
  EXPECT_EQ(apply_algorithm_spec(AlgorithmKind::mac, "+umac-64@openssh.com").error().context,
            "Bad SSH2 MAC spec '+umac-64@openssh.com'.");
  EXPECT_EQ(apply_algorithm_spec(AlgorithmKind::kex, "sntrup761x25519-sha512").error().context,
            "Bad SSH2 KexAlgorithms 'sntrup761x25519-sha512'.");
  EXPECT_EQ(apply_algorithm_spec(AlgorithmKind::host_key, "ssh-dss").error().context,
            "Bad key types 'ssh-dss'.");
  EXPECT_FALSE(apply_algorithm_spec(AlgorithmKind::cipher, ""));
  EXPECT_FALSE(apply_algorithm_spec(AlgorithmKind::cipher, "aes128-ctr,,aes256-ctr"));
  EXPECT_FALSE(apply_algorithm_spec(AlgorithmKind::cipher, "aes*"));  // no wildcards here
  EXPECT_FALSE(apply_algorithm_spec(AlgorithmKind::cipher, "-*"));  // nothing left
}

TEST(Algorithms, Patterns) {
  EXPECT_TRUE(match_pattern("aes128-ctr", "aes*"));
  EXPECT_TRUE(match_pattern("aes128-ctr", "*ctr"));
  EXPECT_TRUE(match_pattern("aes128-ctr", "aes1?8-ctr"));
  EXPECT_TRUE(match_pattern("abc", "*"));
  EXPECT_FALSE(match_pattern("aes128-ctr", "aes*-gcm"));
  EXPECT_FALSE(match_pattern("ab", "abc"));
  EXPECT_TRUE(match_pattern("a-b-c", "a*c"));
}

TEST(Algorithms, ChooseFirstClientAlgorithmServerSupports) {
  EXPECT_EQ(choose_algorithm({"a", "b", "c"}, {"c", "b"}), "b");
  EXPECT_EQ(choose_algorithm({"a"}, {"b"}), "");
  EXPECT_EQ(choose_algorithm({}, {"b"}), "");
}

}  // namespace
}  // namespace ssh::transport
