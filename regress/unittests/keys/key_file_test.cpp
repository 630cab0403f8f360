// Key files against the real ssh-keygen and openssl as oracles.
#include "keys/key_file.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "keys/base64.h"
#include "keys/pem_key.h"
#include "regress/unittests/keys/test_util.h"

namespace ssh::keys {
namespace {

using test::quote;
using test::run;

constexpr const char* kPass = "correct horse";

struct GenCase {
  const char* name;
  const char* args;  // ssh-keygen -t/-b/-m/-Z options
  bool encrypted;
};

const GenCase kOpensshCases[] = {
    {"ed25519", "-t ed25519", false},
    {"ecdsa256", "-t ecdsa -b 256", false},
    {"ecdsa384", "-t ecdsa -b 384", false},
    {"ecdsa521", "-t ecdsa -b 521", false},
    {"rsa2048", "-t rsa -b 2048", false},
    {"rsa3072", "-t rsa -b 3072", false},
    {"ed25519_enc", "-t ed25519", true},
    {"ecdsa256_enc", "-t ecdsa -b 256", true},
    {"ecdsa384_enc", "-t ecdsa -b 384", true},
    {"ecdsa521_enc", "-t ecdsa -b 521", true},
    {"rsa2048_enc", "-t rsa -b 2048", true},
    {"rsa3072_enc", "-t rsa -b 3072", true},
    {"ed25519_gcm", "-t ed25519 -Z aes256-gcm@openssh.com", true},
    {"ecdsa256_ctr128", "-t ecdsa -Z aes128-ctr", true},
};

const GenCase kPemCases[] = {
    {"rsa_pem", "-t rsa -b 2048 -m PEM", false},
    {"ecdsa_pem", "-t ecdsa -b 384 -m PEM", false},
    {"rsa_pem_enc", "-t rsa -b 2048 -m PEM", true},
    {"ecdsa_pem_enc", "-t ecdsa -b 521 -m PEM", true},
    {"rsa_pkcs8", "-t rsa -b 2048 -m PKCS8", false},
    {"ecdsa_pkcs8_enc", "-t ecdsa -b 256 -m PKCS8", true},
};

class KeyFileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::have_tool("ssh-keygen")) return;
    dir_ = new test::TempDir();
    std::vector<GenCase> all(std::begin(kOpensshCases), std::end(kOpensshCases));
    all.insert(all.end(), std::begin(kPemCases), std::end(kPemCases));
    for (const GenCase& c : all) {
      std::string cmd = "ssh-keygen -q " + std::string(c.args) + " -C " +
                        quote(std::string("comment ") + c.name) + " -N " +
                        quote(c.encrypted ? kPass : "") + " -f " + quote(path(c.name));
      ASSERT_EQ(run(cmd).status, 0) << cmd;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "ssh-keygen not installed";
  }
  static std::string path(const std::string& name) { return dir_->file(name); }
  // ssh-keygen's own idea of the public key of a private key file.
  static std::string oracle_public(const std::string& file, const std::string& pass) {
    auto r = run("ssh-keygen -y -P " + quote(pass) + " -f " + quote(file));
    EXPECT_EQ(r.status, 0);
    std::string line = r.out.substr(0, r.out.find('\n'));
    // Drop a trailing comment if present: keep "type base64".
    size_t sp = line.find(' ');
    size_t sp2 = sp == std::string::npos ? sp : line.find(' ', sp + 1);
    return line.substr(0, sp2);
  }

  static test::TempDir* dir_;
};
test::TempDir* KeyFileTest::dir_ = nullptr;

TEST_F(KeyFileTest, OpensshFilesMatchPubFiles) {
  for (const GenCase& c : kOpensshCases) {
    SCOPED_TRACE(c.name);
    auto loaded = load_private_key_file(path(c.name), c.encrypted ? kPass : "");
    ASSERT_TRUE(loaded) << loaded.error().context;
    EXPECT_EQ(loaded->format, PrivateKeyFormat::openssh);
    EXPECT_EQ(loaded->comment, std::string("comment ") + c.name);
    auto pub = load_public_key_file(path(c.name) + ".pub");
    ASSERT_TRUE(pub) << pub.error().context;
    EXPECT_EQ(pub->key.blob(), loaded->key.public_key().blob());
    EXPECT_EQ(pub->comment, loaded->comment);
    EXPECT_EQ(format_public_key_line(pub->key, pub->comment) + "\n",
              test::read_text(path(c.name) + ".pub"));
    auto contents = read_private_key_file(path(c.name));
    ASSERT_TRUE(contents);
    EXPECT_EQ(*private_key_is_encrypted(contents->view()), c.encrypted);
    auto header_pub = openssh_public_key(contents->view());
    ASSERT_TRUE(header_pub);
    EXPECT_TRUE(*header_pub == pub->key);
    // The loaded key signs verifiably.
    auto sig = loaded->key.sign(to_bytes("data"));
    ASSERT_TRUE(sig);
    EXPECT_TRUE(verify_signature("", pub->key, *sig, to_bytes("data")));
  }
}

TEST_F(KeyFileTest, WrongOrMissingPassphraseIsDistinct) {
  for (const GenCase& c : kOpensshCases) {
    if (!c.encrypted) continue;
    SCOPED_TRACE(c.name);
    auto wrong = load_private_key_file(path(c.name), "wrong horse");
    ASSERT_FALSE(wrong);
    EXPECT_TRUE(is_wrong_passphrase(wrong.error())) << wrong.error().context;
    auto none = load_private_key_file(path(c.name), "");
    ASSERT_FALSE(none);
    EXPECT_TRUE(is_wrong_passphrase(none.error()));
  }
  for (const GenCase& c : kPemCases) {
    if (!c.encrypted) continue;
    SCOPED_TRACE(c.name);
    auto wrong = load_private_key_file(path(c.name), "wrong horse");
    ASSERT_FALSE(wrong);
    EXPECT_TRUE(is_wrong_passphrase(wrong.error())) << wrong.error().context;
  }
}

TEST_F(KeyFileTest, PemFilesMatchPubFiles) {
  for (const GenCase& c : kPemCases) {
    SCOPED_TRACE(c.name);
    auto loaded = load_private_key_file(path(c.name), c.encrypted ? kPass : "");
    ASSERT_TRUE(loaded) << loaded.error().context;
    EXPECT_EQ(loaded->format, PrivateKeyFormat::pem);
    auto pub = load_public_key_file(path(c.name) + ".pub");
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub->key.blob(), loaded->key.public_key().blob());
    auto contents = read_private_key_file(path(c.name));
    EXPECT_EQ(*private_key_is_encrypted(contents->view()), c.encrypted);
  }
}

TEST_F(KeyFileTest, OpensslPkcs8Files) {
  if (!test::have_tool("openssl")) GTEST_SKIP() << "openssl not installed";
  const struct {
    const char* name;
    const char* args;
    bool encrypted;
  } cases[] = {
      {"o_ed25519", "-algorithm ed25519", false},
      {"o_ed25519_enc", "-algorithm ed25519 -aes256 -pass pass:secret", true},
      {"o_ec384", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384", false},
      {"o_rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-128-cbc -pass pass:secret",
       true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string file = path(c.name);
    ASSERT_EQ(run("openssl genpkey " + std::string(c.args) + " -out " + quote(file) +
                  " 2>/dev/null && chmod 600 " + quote(file))
                  .status,
              0);
    auto loaded = load_private_key_file(file, c.encrypted ? "secret" : "");
    ASSERT_TRUE(loaded) << loaded.error().context;
    std::string pass = c.encrypted ? "secret" : "";
    if (loaded->key.type() == KeyType::ed25519) {
      // ssh-keygen 9.x cannot read PKCS#8 Ed25519; take the raw key from openssl (the
      // last 32 bytes of the SubjectPublicKeyInfo DER).
      auto r = run("openssl pkey -in " + quote(file) + " -passin pass:" + pass +
                   " -pubout -outform DER | tail -c 32 | base64");
      auto raw = base64_decode_wrapped(r.out);
      ASSERT_TRUE(raw);
      auto expect = PublicKey::from_ed25519(*raw);
      ASSERT_TRUE(expect);
      EXPECT_TRUE(*expect == loaded->key.public_key());
    } else {
      EXPECT_EQ(format_public_key(loaded->key.public_key()), oracle_public(file, pass));
    }
    if (c.encrypted) {
      auto wrong = load_private_key_file(file, "nope");
      ASSERT_FALSE(wrong);
      EXPECT_TRUE(is_wrong_passphrase(wrong.error()));
    }
  }
}

TEST_F(KeyFileTest, OurOpensshFilesReadBySshKeygen) {
  for (KeyType t : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384,
                    KeyType::ecdsa_p521, KeyType::rsa}) {
    for (const char* pass : {"", "s3cret"}) {
      SCOPED_TRACE(std::string(key_type_name(t)) + " pass=" + pass);
      auto key = PrivateKey::generate(t, t == KeyType::rsa ? 2048 : 0);
      ASSERT_TRUE(key);
      std::string file = path(std::string("ours_") + std::string(key_type_name(t)) + pass);
      ASSERT_TRUE(write_private_key_file(file, *key, "our comment", pass));
      struct stat st {};
      ASSERT_EQ(::stat(file.c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 0777, 0600u);
      EXPECT_EQ(oracle_public(file, pass), format_public_key(key->public_key()));
      auto back = load_private_key_file(file, pass);
      ASSERT_TRUE(back) << back.error().context;
      EXPECT_EQ(back->comment, "our comment");
      EXPECT_TRUE(back->key.public_key() == key->public_key());
      // ssh-keygen can re-encrypt our file (it parses the private section too).
      if (*pass) {
        EXPECT_EQ(run("ssh-keygen -q -p -P " + quote(pass) + " -N newpass -f " + quote(file) +
                      " >/dev/null")
                      .status,
                  0);
        EXPECT_TRUE(load_private_key_file(file, "newpass"));
      }
    }
  }
}

TEST_F(KeyFileTest, GroupReadableFileRefused) {
  std::string file = path("perm_test");
  ASSERT_EQ(run("cp " + quote(path("ed25519")) + " " + quote(file)).status, 0);
  ::chmod(file.c_str(), 0644);
  auto r = load_private_key_file(file, "");
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_bad_permissions(r.error()));
  EXPECT_FALSE(check_private_key_permissions(file));
  EXPECT_TRUE(load_private_key_file(file, "", {.check_permissions = false}));
  ::chmod(file.c_str(), 0600);
  EXPECT_TRUE(load_private_key_file(file, ""));
  EXPECT_TRUE(check_private_key_permissions(file));
  std::string banner = unprotected_private_key_banner(file, 0644);
  EXPECT_NE(banner.find("@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n"),
            std::string::npos);
  EXPECT_NE(banner.find("Permissions 0644 for '" + file + "' are too open.\n"), std::string::npos);
}

TEST_F(KeyFileTest, TruncatedOrCorruptFilesFailCleanly) {
  std::string text = test::read_text(path("ecdsa256"));
  // Every cut that removes base64 characters must fail (the trailing newline is free).
  size_t body_end = text.find_last_not_of('\n', text.find("-----END") - 1) + 1;
  for (size_t n = 0; n < body_end; n += 5) {
    std::string cut = text.substr(0, n) + "\n-----END OPENSSH PRIVATE KEY-----\n";
    EXPECT_FALSE(parse_private_key(as_bytes(cut), "")) << n;
  }
  // Flip characters inside the base64 body.
  for (size_t i = 40; i + 40 < text.size(); i += 11) {
    std::string bad = text;
    if (bad[i] == '\n') continue;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    auto r = parse_private_key(as_bytes(bad), "");
    (void)r;  // may parse if the flip hits the comment or padding region; must not crash
  }
  EXPECT_FALSE(parse_private_key(as_bytes("not a key"), ""));
}

TEST(PublicKeyLine, ParseAndFormat) {
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key);
  std::string line = format_public_key_line(key->public_key(), "user@host with spaces");
  auto parsed = parse_public_key_line("  " + line + " \r\n");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->key == key->public_key());
  EXPECT_EQ(parsed->comment, "user@host with spaces");
  // The type name must match the blob.
  std::string mismatched = "ssh-rsa" + line.substr(line.find(' '));
  EXPECT_FALSE(parse_public_key_line(mismatched));
  EXPECT_FALSE(parse_public_key_line("ssh-ed25519"));
  EXPECT_FALSE(parse_public_key_line("ssh-ed25519 !!!!"));
}

}  // namespace
}  // namespace ssh::keys
