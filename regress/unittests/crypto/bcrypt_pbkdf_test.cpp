#include "crypto/bcrypt_pbkdf.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/wire_reader.h"
#include "crypto/aes_ctr.h"
#include "crypto/signature.h"
#include "vector_file.h"

namespace ssh::crypto {
namespace {

// OpenBSD's bcrypt_pbkdf regression vectors (regress/vectors/crypto/bcrypt_pbkdf.vec).
TEST(BcryptPbkdf, KnownAnswers) {
  auto records = test::load_vectors("crypto/bcrypt_pbkdf.vec");
  ASSERT_EQ(records.size(), 9u);
  for (const auto& r : records) {
    Bytes want = r.bytes("Out");
    auto key = bcrypt_pbkdf(r.bytes("Password"), r.bytes("Salt"), uint32_t(r.number("Rounds")),
                            want.size());
    ASSERT_TRUE(key.has_value()) << r.where();
    EXPECT_EQ(to_hex(key->view()), to_hex(want)) << r.where();
  }
}

TEST(BcryptPbkdf, RejectsBadParameters) {
  Bytes pw = to_bytes("pw"), salt = to_bytes("salt");
  EXPECT_FALSE(bcrypt_pbkdf(pw, salt, 0, 32).has_value());
  EXPECT_FALSE(bcrypt_pbkdf({}, salt, 1, 32).has_value());
  EXPECT_FALSE(bcrypt_pbkdf(pw, {}, 1, 32).has_value());
  EXPECT_FALSE(bcrypt_pbkdf(pw, salt, 1, 0).has_value());
  EXPECT_FALSE(bcrypt_pbkdf(pw, salt, 1, 1025).has_value());
  EXPECT_TRUE(bcrypt_pbkdf(pw, salt, 1, 1024).has_value());
}

// ---- Cross-check with a key file written by OpenSSH's ssh-keygen (PROTOCOL.key) ----

Bytes base64_body(const std::string& pem) {
  const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  const std::string end = "-----END OPENSSH PRIVATE KEY-----";
  size_t b = pem.find(begin), e = pem.find(end);
  EXPECT_NE(b, std::string::npos);
  EXPECT_NE(e, std::string::npos);
  std::string b64;
  for (char c : pem.substr(b + begin.size(), e - b - begin.size())) {
    if (!isspace(static_cast<unsigned char>(c))) b64.push_back(c);
  }
  Bytes out(b64.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const uint8_t*>(b64.data()), int(b64.size()));
  EXPECT_GT(n, 0);
  size_t pad = 0;
  while (pad < b64.size() && b64[b64.size() - 1 - pad] == '=') ++pad;
  out.resize(size_t(n) - pad);
  return out;
}

struct DecryptedKey {
  bool check_ints_match = false;
  std::string key_type;
  Bytes public_key;
  Bytes seed;
};

// Just enough of openssh-key-v1 to decrypt the private section with bcrypt + aes256-ctr.
DecryptedKey decrypt_key_file(const std::string& pem, std::string_view passphrase) {
  DecryptedKey out;
  Bytes blob = base64_body(pem);
  const std::string_view magic("openssh-key-v1\0", 15);
  EXPECT_EQ(as_text(ByteView(blob).first(15)), magic);
  WireReader r(ByteView(blob).subspan(15));
  EXPECT_EQ(*r.text(), "aes256-ctr");
  EXPECT_EQ(*r.text(), "bcrypt");
  WireReader kdf(*r.string());
  ByteView salt = *kdf.string();
  uint32_t rounds = *kdf.u32();
  EXPECT_EQ(*r.u32(), 1u);  // one key
  (void)*r.string();        // public key blob
  ByteView encrypted = *r.string();
  Bytes priv(encrypted.begin(), encrypted.end());
  // aes256-ctr: 32-byte key followed by 16-byte IV from one bcrypt_pbkdf output.
  auto kiv = bcrypt_pbkdf(as_bytes(passphrase), salt, rounds, 48);
  EXPECT_TRUE(kiv.has_value());
  auto ctr = AesCtr::create(kiv->view().first(32), kiv->view().subspan(32));
  ctr->apply(priv.data(), priv.data(), priv.size());
  WireReader p(priv);
  uint32_t check1 = *p.u32(), check2 = *p.u32();
  out.check_ints_match = check1 == check2;
  if (!out.check_ints_match) return out;
  out.key_type = std::string(*p.text());
  ByteView pub = *p.string();
  ByteView sk = *p.string();
  out.public_key.assign(pub.begin(), pub.end());
  out.seed.assign(sk.begin(), sk.begin() + 32);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void expect_valid_ed25519(const DecryptedKey& k) {
  ASSERT_TRUE(k.check_ints_match);
  EXPECT_EQ(k.key_type, "ssh-ed25519");
  // The decrypted seed must regenerate the stored public key.
  auto pub = ed25519_public_from_seed(k.seed);
  EXPECT_EQ(to_hex(pub), to_hex(k.public_key));
}

TEST(BcryptPbkdf, DecryptsStoredSshKeygenFile) {
  std::string pem = read_file(test::vector_path("crypto/ed25519_pass.key"));
  expect_valid_ed25519(decrypt_key_file(pem, "pass"));
  EXPECT_FALSE(decrypt_key_file(pem, "wrong").check_ints_match);
}

TEST(BcryptPbkdf, DecryptsFreshSshKeygenFile) {
  if (std::system("command -v ssh-keygen >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "ssh-keygen not installed";
  }
  auto dir = std::filesystem::temp_directory_path() /
             ("crypto-bcrypt-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string file = (dir / "id").string();
  std::string cmd = "ssh-keygen -q -t ed25519 -a 4 -N 'sekrit phrase' -C t -f '" + file + "'";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd;
  std::string pem = read_file(file);
  std::filesystem::remove_all(dir);
  expect_valid_ed25519(decrypt_key_file(pem, "sekrit phrase"));
  EXPECT_FALSE(decrypt_key_file(pem, "sekrit phrasf").check_ints_match);
}

}  // namespace
}  // namespace ssh::crypto
