#include "crypto/signature.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/evp.h>

#include "vector_file.h"

namespace ssh::crypto {
namespace {

// ---- Ed25519: RFC 8032 §7.1 TEST 1-3 (regress/vectors/crypto/ed25519.vec) ----

TEST(Ed25519, Rfc8032Vectors) {
  auto records = test::load_vectors("crypto/ed25519.vec");
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records) {
    Bytes seed = r.bytes("Secret"), pub = r.bytes("Public"), msg = r.bytes("Message");
    EXPECT_EQ(to_hex(ed25519_public_from_seed(seed)), to_hex(pub)) << r.where();
    auto sig = ed25519_sign(seed, msg);
    ASSERT_TRUE(sig.has_value());
    EXPECT_EQ(to_hex(*sig), to_hex(r.bytes("Signature"))) << r.where();
    EXPECT_TRUE(ed25519_verify(pub, msg, r.bytes("Signature"))) << r.where();
  }
}

TEST(Ed25519, TamperedInputsFail) {
  auto r = test::load_vectors("crypto/ed25519.vec")[2];
  Bytes pub = r.bytes("Public"), msg = r.bytes("Message"), sig = r.bytes("Signature");
  Bytes bad_msg = msg;
  bad_msg[0] ^= 1;
  EXPECT_FALSE(ed25519_verify(pub, bad_msg, sig));
  Bytes bad_sig = sig;
  bad_sig[10] ^= 1;
  EXPECT_FALSE(ed25519_verify(pub, msg, bad_sig));
  EXPECT_FALSE(ed25519_verify(pub, msg, ByteView(sig).first(63)));
  EXPECT_FALSE(ed25519_verify(ByteView(pub).first(31), msg, sig));
  EXPECT_FALSE(ed25519_sign(Bytes(31), msg).has_value());
}

// ---- ECDSA ----

class EcdsaCurve : public ::testing::TestWithParam<Curve> {};

TEST_P(EcdsaCurve, SignVerifyRoundTrip) {
  Curve c = GetParam();
  auto kp = ecdsa_generate(c);
  ASSERT_TRUE(kp.has_value());
  auto derived = ecdsa_public_from_private(c, kp->private_scalar.view());
  ASSERT_TRUE(derived.has_value());
  EXPECT_EQ(to_hex(*derived), to_hex(kp->public_point));

  Bytes msg = to_bytes("exchange hash stand-in");
  auto sig = ecdsa_sign(c, kp->private_scalar.view(), msg);
  ASSERT_TRUE(sig.has_value());
  EXPECT_LE(sig->r.size(), curve_field_size(c));
  EXPECT_TRUE(ecdsa_verify(c, kp->public_point, msg, *sig));

  Bytes bad_msg = msg;
  bad_msg.back() ^= 1;
  EXPECT_FALSE(ecdsa_verify(c, kp->public_point, bad_msg, *sig));
  EcdsaSignature bad_sig = *sig;
  bad_sig.s.back() ^= 1;
  EXPECT_FALSE(ecdsa_verify(c, kp->public_point, msg, bad_sig));
  EcdsaSignature swapped{sig->s, sig->r};
  EXPECT_FALSE(ecdsa_verify(c, kp->public_point, msg, swapped));
  EXPECT_FALSE(ecdsa_verify(c, kp->public_point, msg, EcdsaSignature{{}, sig->s}));

  auto other = ecdsa_generate(c);
  EXPECT_FALSE(ecdsa_verify(c, other->public_point, msg, *sig));
}

INSTANTIATE_TEST_SUITE_P(Nist, EcdsaCurve, ::testing::Values(Curve::p256, Curve::p384, Curve::p521));

TEST(Ecdsa, HashPerCurve) {
  EXPECT_EQ(ecdsa_hash(Curve::p256), HashAlg::sha256);
  EXPECT_EQ(ecdsa_hash(Curve::p384), HashAlg::sha384);
  EXPECT_EQ(ecdsa_hash(Curve::p521), HashAlg::sha512);
}

// RFC 6979 A.2.5 (regress/vectors/crypto/ecdsa_rfc6979.vec): a fixed signature verifies.
TEST(Ecdsa, Rfc6979VerifyVector) {
  auto r = test::load_vectors("crypto/ecdsa_rfc6979.vec").at(0);
  auto pub = ecdsa_public_from_private(Curve::p256, r.bytes("Private"));
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(to_hex(*pub), to_hex(r.bytes("Public")));
  EcdsaSignature sig{r.bytes("R"), r.bytes("S")};
  EXPECT_TRUE(ecdsa_verify(Curve::p256, r.bytes("Public"), r.bytes("Message"), sig));
  EXPECT_FALSE(ecdsa_verify(Curve::p256, r.bytes("Public"), as_bytes("samplf"), sig));
}

TEST(Ecdsa, PrivateScalarOutOfRangeRejected) {
  EXPECT_FALSE(ecdsa_public_from_private(Curve::p256, Bytes(32, 0)).has_value());
  EXPECT_FALSE(ecdsa_public_from_private(Curve::p256, Bytes(32, 0xff)).has_value());  // >= n
  EXPECT_FALSE(ecdsa_sign(Curve::p256, Bytes(32, 0), as_bytes("m")).has_value());
}

// ---- RSA ----

class Rsa : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto k = rsa_generate(2048);
    ASSERT_TRUE(k.has_value());
    key_ = new RsaPrivateKey(std::move(*k));
  }
  static void TearDownTestSuite() {
    delete key_;
    key_ = nullptr;
  }
  static RsaPrivateKey* key_;
};
RsaPrivateKey* Rsa::key_ = nullptr;

TEST_F(Rsa, GeneratedKeyShape) {
  EXPECT_EQ(key_->n.size(), 256u);
  EXPECT_EQ(to_hex(key_->e), "010001");
  EXPECT_EQ(key_->p.size() + key_->q.size(), 256u);
}

TEST_F(Rsa, SignVerifyBothHashes) {
  Bytes msg = to_bytes("session identifier and friends");
  for (HashAlg h : {HashAlg::sha256, HashAlg::sha512}) {
    auto sig = rsa_sign(h, *key_, msg);
    ASSERT_TRUE(sig.has_value());
    EXPECT_EQ(sig->size(), 256u);
    EXPECT_TRUE(rsa_verify(h, key_->n, key_->e, msg, *sig));
    // Wrong hash (rsa-sha2-256 vs -512 confusion) fails.
    HashAlg other = h == HashAlg::sha256 ? HashAlg::sha512 : HashAlg::sha256;
    EXPECT_FALSE(rsa_verify(other, key_->n, key_->e, msg, *sig));
    EXPECT_FALSE(rsa_verify(HashAlg::sha1, key_->n, key_->e, msg, *sig));
    Bytes bad = msg;
    bad[0] ^= 1;
    EXPECT_FALSE(rsa_verify(h, key_->n, key_->e, bad, *sig));
    Bytes bad_sig = *sig;
    bad_sig[100] ^= 1;
    EXPECT_FALSE(rsa_verify(h, key_->n, key_->e, msg, bad_sig));
    Bytes long_sig = *sig;
    long_sig.insert(long_sig.begin(), 0);
    EXPECT_FALSE(rsa_verify(h, key_->n, key_->e, msg, long_sig));
  }
}

TEST_F(Rsa, Sha1SignsForLegacyPeersAndVerifies) {
  Bytes msg = to_bytes("legacy ssh-rsa");
  auto own = rsa_sign(HashAlg::sha1, *key_, msg);
  ASSERT_TRUE(own.has_value());
  EXPECT_TRUE(rsa_verify(HashAlg::sha1, key_->n, key_->e, msg, *own));
  EXPECT_FALSE(rsa_verify(HashAlg::sha256, key_->n, key_->e, msg, *own));
  EXPECT_FALSE(rsa_sign(HashAlg::sha384, *key_, msg).has_value());

  // Produce a SHA-1 PKCS#1 signature with OpenSSL directly as the legacy signer.
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM* n = BN_bin2bn(key_->n.data(), int(key_->n.size()), nullptr);
  BIGNUM* e = BN_bin2bn(key_->e.data(), int(key_->e.size()), nullptr);
  BIGNUM* d = BN_bin2bn(key_->d.data(), int(key_->d.size()), nullptr);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* fctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  ASSERT_EQ(EVP_PKEY_fromdata_init(fctx), 1);
  ASSERT_EQ(EVP_PKEY_fromdata(fctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  Bytes sig(256);
  size_t len = sig.size();
  ASSERT_EQ(EVP_DigestSignInit_ex(md, nullptr, "SHA1", nullptr, nullptr, pkey, nullptr), 1);
  ASSERT_EQ(EVP_DigestSign(md, sig.data(), &len, msg.data(), msg.size()), 1);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(fctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  BN_clear_free(d);

  EXPECT_TRUE(rsa_verify(HashAlg::sha1, key_->n, key_->e, msg, sig));
  EXPECT_FALSE(rsa_verify(HashAlg::sha256, key_->n, key_->e, msg, sig));
}

TEST(RsaLimits, SmallModulusRefused) {
  EXPECT_FALSE(rsa_generate(768).has_value());
  // A 1023-bit modulus is below kRsaMinBits whatever the signature.
  Bytes n(128, 0xff);
  n[0] = 0x7f;
  EXPECT_FALSE(rsa_verify(HashAlg::sha256, n, Bytes{1, 0, 1}, as_bytes("m"), Bytes(128, 1)));
}

}  // namespace
}  // namespace ssh::crypto
