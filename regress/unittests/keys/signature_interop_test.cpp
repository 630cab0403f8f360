// Signatures cross-checked with ssh-keygen -Y (OpenSSH PROTOCOL.sshsig): the SSHSIG
// envelope wraps an ordinary SSH signature blob over a small structure, so it lets the
// real tool verify our signatures and us verify its signatures.
#include <gtest/gtest.h>

#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "crypto/hash.h"
#include "keys/base64.h"
#include "keys/key.h"
#include "keys/key_file.h"
#include "regress/unittests/keys/test_util.h"

namespace ssh::keys {
namespace {

using test::quote;
using test::run;

constexpr std::string_view kNamespace = "file";
const std::string kMessage = "message signed by the test\n";

Bytes signed_data(std::string_view hash_alg, ByteView message) {
  Bytes h = crypto::digest(hash_alg == "sha256" ? crypto::HashAlg::sha256 : crypto::HashAlg::sha512,
                           message);
  return WireWriter().raw(as_bytes("SSHSIG")).string(kNamespace).string("").string(hash_alg)
      .string(ByteView(h)).take();
}

std::string armour_sshsig(const PublicKey& key, ByteView sig) {
  Bytes blob = WireWriter().raw(as_bytes("SSHSIG")).u32(1).string(ByteView(key.blob()))
                   .string(kNamespace).string("").string("sha512").string(sig).take();
  std::string b64 = base64_encode(blob);
  std::string out = "-----BEGIN SSH SIGNATURE-----\n";
  for (size_t i = 0; i < b64.size(); i += 70) out += b64.substr(i, 70) + "\n";
  return out + "-----END SSH SIGNATURE-----\n";
}

class SshsigInterop : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!test::have_tool("ssh-keygen")) GTEST_SKIP() << "ssh-keygen not installed";
    key_file_ = dir_.file("key");
    ASSERT_EQ(run("ssh-keygen -q " + std::string(GetParam()) + " -N '' -f " + quote(key_file_)).status, 0);
    msg_file_ = dir_.file("msg");
    test::write_text(msg_file_, kMessage, 0644);
  }
  test::TempDir dir_;
  std::string key_file_;
  std::string msg_file_;
};

TEST_P(SshsigInterop, WeVerifySshKeygenSignature) {
  ASSERT_EQ(run("ssh-keygen -q -Y sign -f " + quote(key_file_) + " -n file " + quote(msg_file_) +
                " 2>/dev/null").status, 0);
  std::string armoured = test::read_text(msg_file_ + ".sig");
  size_t b = armoured.find('\n') + 1;
  size_t e = armoured.find("-----END");
  auto blob = base64_decode_wrapped(armoured.substr(b, e - b));
  ASSERT_TRUE(blob);
  WireReader r(*blob);
  ASSERT_EQ(as_text(*r.raw(6)), "SSHSIG");
  ASSERT_EQ(*r.u32(), 1u);
  ByteView pub = *r.string();
  ASSERT_EQ(*r.text(), kNamespace);
  ASSERT_TRUE(r.string());
  std::string hash_alg(*r.text());
  ByteView sig = *r.string();
  ASSERT_TRUE(r.expect_end());
  Bytes data = signed_data(hash_alg, as_bytes(kMessage));
  EXPECT_TRUE(verify_signature("", pub, sig, data));
  // Ed25519 is deterministic: our signature must be byte for byte the same.
  auto ours = load_private_key_file(key_file_, "");
  ASSERT_TRUE(ours);
  if (ours->key.type() == KeyType::ed25519) {
    auto mine = ours->key.sign(data);
    ASSERT_TRUE(mine);
    EXPECT_TRUE(std::ranges::equal(*mine, sig));
  }
  data.back() ^= 1;
  EXPECT_FALSE(verify_signature("", pub, sig, data));
}

TEST_P(SshsigInterop, SshKeygenVerifiesOurSignature) {
  auto loaded = load_private_key_file(key_file_, "");
  ASSERT_TRUE(loaded) << loaded.error().context;
  for (SigAlg alg : sig_algs_for_key_type(loaded->key.type())) {
    SCOPED_TRACE(std::string(sig_alg_name(alg)));
    auto sig = loaded->key.sign(alg, signed_data("sha512", as_bytes(kMessage)));
    ASSERT_TRUE(sig);
    std::string sig_file = dir_.file("ours.sig");
    test::write_text(sig_file, armour_sshsig(loaded->key.public_key(), *sig), 0644);
    std::string check = "ssh-keygen -q -Y check-novalidate -n file -s " + quote(sig_file) +
                        " < " + quote(msg_file_) + " >/dev/null 2>&1";
    EXPECT_EQ(run(check).status, 0);
    // And the tool must reject a signature over something else.
    auto wrong = loaded->key.sign(alg, signed_data("sha512", as_bytes("other")));
    test::write_text(sig_file, armour_sshsig(loaded->key.public_key(), *wrong), 0644);
    EXPECT_NE(run(check).status, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SshsigInterop,
                         ::testing::Values("-t ed25519", "-t ecdsa -b 256", "-t ecdsa -b 384",
                                           "-t ecdsa -b 521", "-t rsa -b 2048"));

}  // namespace
}  // namespace ssh::keys
