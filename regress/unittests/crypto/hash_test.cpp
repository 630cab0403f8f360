#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "vector_file.h"

namespace ssh::crypto {
namespace {

HashAlg alg_for(const std::string& section) {
  if (section == "sha1") return HashAlg::sha1;
  if (section == "sha256") return HashAlg::sha256;
  if (section == "sha384") return HashAlg::sha384;
  EXPECT_EQ(section, "sha512");
  return HashAlg::sha512;
}

// FIPS 180-1/180-2 examples (regress/vectors/crypto/sha2.vec).
TEST(Hash, FipsExamplesOneShot) {
  auto records = test::load_vectors("crypto/sha2.vec");
  ASSERT_EQ(records.size(), 11u);
  for (const auto& r : records) {
    EXPECT_EQ(to_hex(digest(alg_for(r.section), r.bytes("In"))), to_hex(r.bytes("Out"))) << r.where();
  }
}

TEST(Hash, FipsExamplesIncrementalInOddPieces) {
  for (const auto& r : test::load_vectors("crypto/sha2.vec")) {
    Bytes in = r.bytes("In");
    auto h = Hash::create(alg_for(r.section));
    ASSERT_TRUE(h.has_value());
    size_t pos = 0;
    for (size_t piece = 1; pos < in.size(); piece = piece * 3 + 1) {
      size_t n = std::min(piece, in.size() - pos);
      h->update(ByteView(in).subspan(pos, n));
      pos += n;
    }
    EXPECT_EQ(h->size(), r.bytes("Out").size());
    EXPECT_EQ(to_hex(h->finish()), to_hex(r.bytes("Out"))) << r.where();
  }
}

TEST(Hash, SizesAndNames) {
  EXPECT_EQ(hash_size(HashAlg::sha1), 20u);
  EXPECT_EQ(hash_size(HashAlg::sha256), 32u);
  EXPECT_EQ(hash_size(HashAlg::sha384), 48u);
  EXPECT_EQ(hash_size(HashAlg::sha512), 64u);
  EXPECT_STREQ(hash_name(HashAlg::sha256), "SHA256");
  EXPECT_STREQ(hash_name(HashAlg::sha512), "SHA512");
}

TEST(Hash, EmptyInput) {
  // FIPS 180-2 does not list it; this is the well-known SHA-256 of the empty string.
  EXPECT_EQ(to_hex(digest(HashAlg::sha256, {})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace ssh::crypto
