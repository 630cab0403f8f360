#include "crypto/ecdh.h"

#include <gtest/gtest.h>

namespace ssh::crypto {
namespace {

class EcdhCurve : public ::testing::TestWithParam<Curve> {};

TEST_P(EcdhCurve, TwoPartiesAgree) {
  Curve c = GetParam();
  auto a = EcdhKey::generate(c);
  auto b = EcdhKey::generate(c);
  ASSERT_TRUE(a.has_value() && b.has_value());
  Bytes qa = a->public_point(), qb = b->public_point();
  ASSERT_EQ(qa.size(), 1 + 2 * curve_field_size(c));
  EXPECT_EQ(qa[0], 0x04);  // uncompressed SEC1 (RFC 5656 §4)
  auto ka = a->derive(qb);
  auto kb = b->derive(qa);
  ASSERT_TRUE(ka.has_value() && kb.has_value());
  EXPECT_EQ(ka->size(), curve_field_size(c));
  EXPECT_EQ(to_hex(ka->view()), to_hex(kb->view()));
}

TEST_P(EcdhCurve, InvalidPeerPointsRejected) {
  Curve c = GetParam();
  auto a = EcdhKey::generate(c);
  auto b = EcdhKey::generate(c);
  Bytes q = b->public_point();

  Bytes off_curve = q;
  off_curve.back() ^= 0x01;  // y no longer matches x
  EXPECT_FALSE(a->derive(off_curve).has_value());

  Bytes compressed(q.begin(), q.begin() + 1 + curve_field_size(c));
  compressed[0] = 0x02 | (q.back() & 1);
  EXPECT_FALSE(a->derive(compressed).has_value());

  Bytes infinity = {0x00};
  EXPECT_FALSE(a->derive(infinity).has_value());

  Bytes wrong_prefix = q;
  wrong_prefix[0] = 0x06;  // hybrid form
  EXPECT_FALSE(a->derive(wrong_prefix).has_value());

  Bytes zeros(q.size(), 0);
  zeros[0] = 0x04;
  EXPECT_FALSE(a->derive(zeros).has_value());

  Bytes truncated(q.begin(), q.end() - 1);
  EXPECT_FALSE(a->derive(truncated).has_value());
}

INSTANTIATE_TEST_SUITE_P(Nist, EcdhCurve, ::testing::Values(Curve::p256, Curve::p384, Curve::p521));

TEST(Ecdh, CrossCurvePointRejected) {
  auto a = EcdhKey::generate(Curve::p256);
  auto b = EcdhKey::generate(Curve::p384);
  EXPECT_FALSE(a->derive(b->public_point()).has_value());
}

}  // namespace
}  // namespace ssh::crypto
