#include "config/algorithm_defaults.h"

#include <gtest/gtest.h>

namespace ssh::config {
namespace {

TEST(AlgorithmDefaults, Validate) {
  EXPECT_TRUE(validate_algorithm_list(AlgorithmKind::cipher, "aes128-ctr"));
  EXPECT_TRUE(validate_algorithm_list(AlgorithmKind::cipher, "-aes*"));
  EXPECT_TRUE(validate_algorithm_list(AlgorithmKind::host_key, "+ssh-rsa"));
  EXPECT_EQ(validate_algorithm_list(AlgorithmKind::cipher, "foo").error().context,
            "Bad SSH2 cipher spec 'foo'.");
  EXPECT_EQ(validate_algorithm_list(AlgorithmKind::mac, "hmac-sha1").error().context,
            "Bad SSH2 MAC spec 'hmac-sha1'.");
  EXPECT_FALSE(validate_algorithm_list(AlgorithmKind::cipher, "^aes128-ctr,aes*"));
  EXPECT_FALSE(validate_algorithm_list(AlgorithmKind::kex, "curve25519-sha256,"));
}

TEST(AlgorithmDefaults, Resolve) {
  EXPECT_EQ(resolve_algorithm_list(AlgorithmKind::cipher, ""),
            default_algorithms(AlgorithmKind::cipher).default_list);
  EXPECT_EQ(resolve_algorithm_list(AlgorithmKind::cipher, "aes256-ctr"), "aes256-ctr");
  EXPECT_EQ(resolve_algorithm_list(AlgorithmKind::cipher, "-aes*"),
            "chacha20-poly1305@openssh.com");
  EXPECT_EQ(resolve_algorithm_list(AlgorithmKind::mac, "^hmac-sha2-512"),
            "hmac-sha2-512,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
            "hmac-sha2-256");
  EXPECT_EQ(resolve_algorithm_list(AlgorithmKind::host_key, "+ssh-rsa"),
            std::string(default_algorithms(AlgorithmKind::host_key).default_list) + ",ssh-rsa");
}

}  // namespace
}  // namespace ssh::config
