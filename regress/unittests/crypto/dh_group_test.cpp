#include "crypto/dh_group.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

namespace ssh::crypto {
namespace {

Bytes openssl_prime(BIGNUM* (*get)(BIGNUM*)) {
  BIGNUM* p = get(nullptr);
  Bytes out(size_t(BN_num_bytes(p)));
  BN_bn2bin(p, out.data());
  BN_free(p);
  return out;
}

// The RFC 3526 primes in our table equal OpenSSL's independent copies.
TEST(DhGroup, Rfc3526PrimesMatchOpenSsl) {
  EXPECT_EQ(to_hex(modp_group14().p), to_hex(openssl_prime(BN_get_rfc3526_prime_2048)));
  EXPECT_EQ(to_hex(modp_group16().p), to_hex(openssl_prime(BN_get_rfc3526_prime_4096)));
  EXPECT_EQ(to_hex(modp_group18().p), to_hex(openssl_prime(BN_get_rfc3526_prime_8192)));
  EXPECT_EQ(modp_group14().p.size(), 256u);
  EXPECT_EQ(modp_group18().p.size(), 1024u);
  EXPECT_EQ(modp_group14().g, Bytes{2});
  // RFC 3526 §3: p = 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 }, so it starts
  // and ends with 64 one bits.
  Bytes p = modp_group14().p;
  EXPECT_EQ(to_hex(ByteView(p).first(8)), "ffffffffffffffff");
  EXPECT_EQ(to_hex(ByteView(p).last(8)), "ffffffffffffffff");
}

TEST(DhGroup, TwoPartiesAgreeOnGroup14) {
  auto a = DhKey::generate(modp_group14(), 112);
  auto b = DhKey::generate(modp_group14(), 112);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->public_value(), b->public_value());
  auto ka = a->derive(b->public_value());
  auto kb = b->derive(a->public_value());
  ASSERT_TRUE(ka.has_value() && kb.has_value());
  EXPECT_EQ(to_hex(ka->view()), to_hex(kb->view()));
  EXPECT_GT(ka->size(), 200u);
}

TEST(DhGroup, TwoPartiesAgreeOnGroup16) {
  auto a = DhKey::generate(modp_group16(), 128);
  auto b = DhKey::generate(modp_group16(), 128);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(to_hex(a->derive(b->public_value())->view()),
            to_hex(b->derive(a->public_value())->view()));
}

// RFC 4253 §8: f outside [1, p-1] is refused; we also refuse 1 and p-1 (trivial K).
TEST(DhGroup, DegeneratePeerValuesRejected) {
  DhGroupParams g = modp_group14();
  auto a = DhKey::generate(g, 112);
  ASSERT_TRUE(a.has_value());
  Bytes p_minus_1 = g.p;
  p_minus_1.back() -= 1;  // p is odd: no borrow
  Bytes p_plus_0 = g.p;
  Bytes longer(g.p.size() + 1, 0xff);
  for (const Bytes& f : {Bytes{}, Bytes{0}, Bytes{1}, p_minus_1, p_plus_0, longer}) {
    auto k = a->derive(f);
    ASSERT_FALSE(k.has_value()) << to_hex(ByteView(f).first(std::min<size_t>(f.size(), 4)));
    EXPECT_EQ(k.error().reason, DisconnectReason::key_exchange_failed);
  }
  Bytes two = {2};
  EXPECT_TRUE(a->derive(two).has_value());
}

TEST(DhGroup, BadGroupsRejected) {
  DhGroupParams small;
  small.p = Bytes(128, 0xff);  // 1024 bits: below the 2048-bit floor
  small.g = {2};
  EXPECT_FALSE(DhKey::generate(small, 112).has_value());

  DhGroupParams even = modp_group14();
  even.p.back() &= 0xfe;
  EXPECT_FALSE(DhKey::generate(even, 112).has_value());

  DhGroupParams g1 = modp_group14();
  g1.g = {1};
  EXPECT_FALSE(DhKey::generate(g1, 112).has_value());

  DhGroupParams gp = modp_group14();
  gp.g = gp.p;
  gp.g.back() -= 1;  // g = p - 1
  EXPECT_FALSE(DhKey::generate(gp, 112).has_value());
}

}  // namespace
}  // namespace ssh::crypto
