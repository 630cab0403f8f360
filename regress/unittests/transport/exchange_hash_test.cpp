#include "transport/exchange_hash.h"

#include <gtest/gtest.h>

#include "vec_loader.h"

namespace ssh::transport {
namespace {

using test::unhex;

crypto::HashAlg hash_of(const std::string& name) {
  return name == "sha512" ? crypto::HashAlg::sha512 : crypto::HashAlg::sha256;
}

TEST(ExchangeHash, KeyDerivationKnownAnswers) {
  auto vecs = test::load_vectors("kdf.vec");
  ASSERT_EQ(vecs.size(), 12u);
  for (auto& v : vecs) {
    SecretBytes k = encode_shared_secret(unhex(v["k"]));
    auto out = derive_key(hash_of(v["hash"]), k.view(), unhex(v["h"]), v["letter"][0],
                          unhex(v["session_id"]), size_t(std::stoul(v["length"])));
    ASSERT_TRUE(out);
    EXPECT_EQ(to_hex(out->view()), v["out"]) << v["hash"] << " " << v["letter"];
  }
}

TEST(ExchangeHash, SharedSecretMpintEncoding) {
  EXPECT_EQ(to_hex(encode_shared_secret(unhex("0000ff01")).view()), "0000000300ff01");
  EXPECT_EQ(to_hex(encode_shared_secret(unhex("7f")).view()), "000000017f");
  EXPECT_EQ(to_hex(encode_shared_secret(unhex("0000")).view()), "00000000");
}

TEST(ExchangeHash, KnownAnswers) {
  auto vecs = test::load_vectors("exchange_hash.vec");
  ASSERT_EQ(vecs.size(), 2u);
  for (auto& v : vecs) {
    Bytes vc = unhex(v["v_c"]), vs = unhex(v["v_s"]), ic = unhex(v["i_c"]), is = unhex(v["i_s"]);
    HashPrefix prefix{as_text(vc), as_text(vs), ic, is};
    auto h = ExchangeHash::create(hash_of(v["hash"]), prefix, unhex(v["k_s"]));
    ASSERT_TRUE(h);
    if (v["kind"] == "ecdh") {
      h->string(unhex(v["q_c"])).string(unhex(v["q_s"]));
    } else {
      h->u32(2048).u32(3072).u32(8192);
      h->mpint(unhex(v["p"])).mpint(unhex(v["g"])).mpint(unhex(v["e"])).mpint(unhex(v["f"]));
    }
    SecretBytes k = encode_shared_secret(unhex(v["k"]));
    EXPECT_EQ(to_hex(h->finish(k.view())), v["h"]) << v["kind"];
  }
}

}  // namespace
}  // namespace ssh::transport
