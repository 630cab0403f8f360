#include "crypto/x25519.h"

#include <gtest/gtest.h>

#include "vector_file.h"

namespace ssh::crypto {
namespace {

// RFC 7748 §5.2 and §6.1 (regress/vectors/crypto/x25519.vec).
TEST(X25519, Rfc7748ScalarMult) {
  int n = 0;
  for (const auto& r : test::load_vectors("crypto/x25519.vec")) {
    if (r.section != "scalarmult") continue;
    auto out = x25519_shared(r.bytes("Scalar"), r.bytes("U"));
    ASSERT_TRUE(out.has_value()) << r.where();
    EXPECT_EQ(to_hex(out->view()), to_hex(r.bytes("Out"))) << r.where();
    ++n;
  }
  EXPECT_EQ(n, 2);
}

// §5.2: k = u = 9; repeatedly k, u = X25519(k, u), k.
TEST(X25519, Rfc7748Iterated) {
  int n = 0;
  for (const auto& r : test::load_vectors("crypto/x25519.vec")) {
    if (r.section != "iterated") continue;
    Bytes k(32, 0), u(32, 0);
    k[0] = u[0] = 9;
    for (uint64_t i = 0; i < r.number("Iterations"); ++i) {
      auto out = x25519_shared(k, u);
      ASSERT_TRUE(out.has_value());
      u = k;
      k.assign(out->view().begin(), out->view().end());
    }
    EXPECT_EQ(to_hex(k), to_hex(r.bytes("Out"))) << r.where();
    ++n;
  }
  EXPECT_EQ(n, 2);
}

TEST(X25519, Rfc7748DiffieHellman) {
  auto records = test::load_vectors("crypto/x25519.vec");
  const test::VectorRecord* dh = nullptr;
  for (const auto& r : records) {
    if (r.section == "dh") dh = &r;
  }
  ASSERT_NE(dh, nullptr);
  Bytes a = dh->bytes("AlicePrivate"), b = dh->bytes("BobPrivate");
  EXPECT_EQ(to_hex(x25519_public(a)), to_hex(dh->bytes("AlicePublic")));
  EXPECT_EQ(to_hex(x25519_public(b)), to_hex(dh->bytes("BobPublic")));
  auto ab = x25519_shared(a, dh->bytes("BobPublic"));
  auto ba = x25519_shared(b, dh->bytes("AlicePublic"));
  ASSERT_TRUE(ab.has_value() && ba.has_value());
  EXPECT_EQ(to_hex(ab->view()), to_hex(dh->bytes("Shared")));
  EXPECT_EQ(to_hex(ba->view()), to_hex(dh->bytes("Shared")));
}

// RFC 7748 §6.1 / RFC 8731 §3: an all-zero shared secret MUST be refused. Peer values 0
// and 1 are points of small order that force it.
TEST(X25519, AllZeroSharedSecretRejected) {
  Bytes priv(32, 0x5a);
  Bytes zero(32, 0), one(32, 0);
  one[0] = 1;
  for (const Bytes& peer : {zero, one}) {
    auto out = x25519_shared(priv, peer);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().reason, DisconnectReason::key_exchange_failed);
  }
}

TEST(X25519, RejectsWrongSizes) {
  EXPECT_FALSE(x25519_shared(Bytes(32, 1), Bytes(31, 9)).has_value());
  EXPECT_FALSE(x25519_shared(Bytes(31, 1), Bytes(32, 9)).has_value());
}

TEST(X25519, GeneratedPairsAgree) {
  DeterministicRandom rng(as_bytes("x25519 test"));
  X25519KeyPair a = x25519_generate(rng);
  X25519KeyPair b = x25519_generate(rng);
  EXPECT_NE(a.public_key, b.public_key);
  auto ab = x25519_shared(a.private_key.view(), b.public_key);
  auto ba = x25519_shared(b.private_key.view(), a.public_key);
  ASSERT_TRUE(ab.has_value() && ba.has_value());
  EXPECT_EQ(to_hex(ab->view()), to_hex(ba->view()));
}

}  // namespace
}  // namespace ssh::crypto
