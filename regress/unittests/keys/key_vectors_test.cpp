// Stored key files (regress/vectors/keys, made once with ssh-keygen) so the key file and
// fingerprint code is checked even where ssh-keygen is not installed.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "keys/fingerprint.h"
#include "keys/key_file.h"

namespace ssh::keys {
namespace {

const std::string kDir = KEYS_VECTORS_DIR;

std::map<std::string, std::vector<std::string>> expected_fingerprints() {
  std::map<std::string, std::vector<std::string>> out;
  std::ifstream in(kDir + "/fingerprints.txt");
  std::string name, fp;
  while (in >> name >> fp) out[name].push_back(fp);
  return out;
}

TEST(KeyVectors, LoadAndFingerprint) {
  auto fps = expected_fingerprints();
  ASSERT_EQ(fps.size(), 3u);
  for (const auto& [name, pass] : {std::pair{"ed25519_bcrypt", "vector pass"},
                                   std::pair{"ecdsa256_plain", ""},
                                   std::pair{"rsa2048_pem_enc", "vector pass"}}) {
    SCOPED_TRACE(name);
    // Git does not keep the 0600 mode, so skip the permission check here.
    LoadOptions no_perm{.check_permissions = false};
    auto key = load_private_key_file(kDir + "/" + name, pass, no_perm);
    ASSERT_TRUE(key) << key.error().context;
    auto pub = load_public_key_file(kDir + "/" + name + ".pub");
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->key == key->key.public_key());
    ASSERT_EQ(fps[name].size(), 2u);
    EXPECT_EQ(fingerprint(pub->key), fps[name][0]);
    EXPECT_EQ(fingerprint(pub->key, FingerprintHash::md5), fps[name][1]);
    if (*pass) {
      auto wrong = load_private_key_file(kDir + "/" + name, "vector pas", no_perm);
      ASSERT_FALSE(wrong);
      EXPECT_TRUE(is_wrong_passphrase(wrong.error()));
    }
  }
}

}  // namespace
}  // namespace ssh::keys
