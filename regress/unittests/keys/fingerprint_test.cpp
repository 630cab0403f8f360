#include "keys/fingerprint.h"

#include <gtest/gtest.h>

#include "keys/key_file.h"
#include "regress/unittests/keys/test_util.h"

namespace ssh::keys {
namespace {

using test::quote;
using test::run;

TEST(Fingerprint, KnownVector) {
  // SHA-256 of an empty blob is e3b0c442...; base64 without padding.
  EXPECT_EQ(fingerprint(ByteView{}), "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
  EXPECT_EQ(fingerprint(ByteView{}, FingerprintHash::md5),
            "MD5:d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e");
}

class FingerprintOracle : public ::testing::TestWithParam<const char*> {};

TEST_P(FingerprintOracle, MatchesSshKeygen) {
  if (!test::have_tool("ssh-keygen")) GTEST_SKIP() << "ssh-keygen not installed";
  test::TempDir dir;
  std::string file = dir.file("k");
  ASSERT_EQ(run("ssh-keygen -q " + std::string(GetParam()) + " -N '' -C c -f " + quote(file))
                .status,
            0);
  auto pub = load_public_key_file(file + ".pub");
  ASSERT_TRUE(pub);
  const PublicKey& key = pub->key;
  // "256 SHA256:... c (ED25519)"
  std::string expect_sha = std::to_string(key.bits()) + " " + fingerprint(key) + " c (" +
                           std::string(key_type_short_name(key.type())) + ")\n";
  EXPECT_EQ(run("ssh-keygen -l -f " + quote(file + ".pub")).out, expect_sha);
  std::string expect_md5 = std::to_string(key.bits()) + " " +
                           fingerprint(key, FingerprintHash::md5) + " c (" +
                           std::string(key_type_short_name(key.type())) + ")\n";
  EXPECT_EQ(run("ssh-keygen -l -E md5 -f " + quote(file + ".pub")).out, expect_md5);
  // -v adds the randomart after the fingerprint line.
  EXPECT_EQ(run("ssh-keygen -lv -f " + quote(file + ".pub")).out,
            expect_sha + randomart(key) + "\n");
  EXPECT_EQ(run("ssh-keygen -lv -E md5 -f " + quote(file + ".pub")).out,
            expect_md5 + randomart(key, FingerprintHash::md5) + "\n");
}

INSTANTIATE_TEST_SUITE_P(AllTypes, FingerprintOracle,
                         ::testing::Values("-t ed25519", "-t ecdsa -b 256", "-t ecdsa -b 384",
                                           "-t ecdsa -b 521", "-t rsa -b 2048",
                                           "-t rsa -b 3072"));

}  // namespace
}  // namespace ssh::keys
