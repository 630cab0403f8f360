#include "test_host_keys.h"

#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "crypto/random.h"
#include "crypto/signature.h"

namespace ssh::transport::test {

namespace {

bool curve_for(std::string_view name, crypto::Curve& c) {
  if (name == "ecdsa-sha2-nistp256") c = crypto::Curve::p256;
  else if (name == "ecdsa-sha2-nistp384") c = crypto::Curve::p384;
  else if (name == "ecdsa-sha2-nistp521") c = crypto::Curve::p521;
  else return false;
  return true;
}

std::string_view curve_id(std::string_view name) { return name.substr(std::string_view("ecdsa-sha2-").size()); }

}  // namespace

Status TestVerifier::verify(std::string_view algorithm, ByteView blob, ByteView sig_blob, ByteView h) {
  ++calls;
  last_algorithm = algorithm;
  last_blob.assign(blob.begin(), blob.end());
  if (reject) return fail(ErrorCode::auth, "Host key verification failed.");
  WireReader k(blob);
  std::string_view type = SSH_TRY(k.text());
  WireReader s(sig_blob);
  std::string_view sig_alg = SSH_TRY(s.text());
  ByteView sig = SSH_TRY(s.string());
  SSH_TRY(s.expect_end());
  if (sig_alg != algorithm) return fail(ErrorCode::crypto, "signature algorithm mismatch");
  bool ok = false;
  crypto::Curve curve;
  if (type == "ssh-ed25519" && algorithm == "ssh-ed25519") {
    ByteView pub = SSH_TRY(k.string());
    ok = crypto::ed25519_verify(pub, h, sig);
  } else if (curve_for(type, curve) && algorithm == type) {
    std::string_view id = SSH_TRY(k.text());
    if (id != curve_id(type)) return fail(ErrorCode::parse, "ecdsa curve mismatch");
    ByteView q = SSH_TRY(k.string());
    WireReader rs(sig);
    crypto::EcdsaSignature es;
    ByteView r = SSH_TRY(rs.mpint_positive());
    ByteView sv = SSH_TRY(rs.mpint_positive());
    es.r.assign(r.begin(), r.end());
    es.s.assign(sv.begin(), sv.end());
    ok = crypto::ecdsa_verify(curve, q, h, es);
  } else if (type == "ssh-rsa" && (algorithm == "rsa-sha2-256" || algorithm == "rsa-sha2-512")) {
    ByteView e = SSH_TRY(k.mpint_positive());
    ByteView n = SSH_TRY(k.mpint_positive());
    auto hash = algorithm == "rsa-sha2-256" ? crypto::HashAlg::sha256 : crypto::HashAlg::sha512;
    ok = crypto::rsa_verify(hash, n, e, h, sig);
  } else {
    return fail(ErrorCode::crypto, "unsupported host key type");
  }
  SSH_TRY(k.expect_end());
  if (!ok) return fail(ErrorCode::crypto, "incorrect signature", DisconnectReason::key_exchange_failed);
  return {};
}

struct TestSigner::Keys {
  SecretBytes ed_seed;
  std::map<std::string, crypto::EcdsaKeyPair, std::less<>> ecdsa;
  std::optional<crypto::RsaPrivateKey> rsa;
};

TestSigner::TestSigner(std::vector<std::string> algorithms)
    : algorithms_(std::move(algorithms)), keys_(std::make_unique<Keys>()) {
  keys_->ed_seed = SecretBytes(32);
  crypto::system_random().fill(keys_->ed_seed.span());
  for (const auto& a : algorithms_) {
    crypto::Curve c;
    if (curve_for(a, c)) keys_->ecdsa.emplace(a, *crypto::ecdsa_generate(c));
    if (a.starts_with("rsa-") && !keys_->rsa) keys_->rsa = *crypto::rsa_generate(2048);
  }
}

TestSigner::~TestSigner() = default;

Result<Bytes> TestSigner::public_blob(std::string_view a) const {
  WireWriter w;
  if (a == "ssh-ed25519") {
    auto pub = crypto::ed25519_public_from_seed(keys_->ed_seed.view());
    w.string("ssh-ed25519").string(ByteView(pub));
  } else if (auto it = keys_->ecdsa.find(a); it != keys_->ecdsa.end()) {
    w.string(a).string(curve_id(a)).string(it->second.public_point);
  } else if (a.starts_with("rsa-") && keys_->rsa) {
    w.string("ssh-rsa").mpint_positive(keys_->rsa->e).mpint_positive(keys_->rsa->n);
  } else {
    return fail(ErrorCode::internal, "no such test key");
  }
  return w.take();
}

Result<Bytes> TestSigner::sign(std::string_view a, ByteView data) {
  Bytes sig;
  crypto::Curve c;
  if (a == "ssh-ed25519") {
    sig = SSH_TRY(crypto::ed25519_sign(keys_->ed_seed.view(), data));
  } else if (curve_for(a, c)) {
    auto es = SSH_TRY(crypto::ecdsa_sign(c, keys_->ecdsa.at(std::string(a)).private_scalar.view(), data));
    WireWriter inner;
    inner.mpint_positive(es.r).mpint_positive(es.s);
    sig = inner.take();
  } else if (a == "rsa-sha2-256" || a == "rsa-sha2-512") {
    auto hash = a == "rsa-sha2-256" ? crypto::HashAlg::sha256 : crypto::HashAlg::sha512;
    sig = SSH_TRY(crypto::rsa_sign(hash, *keys_->rsa, data));
  } else {
    return fail(ErrorCode::internal, "no such test key");
  }
  if (corrupt_signatures) sig[sig.size() / 2] ^= 1;
  WireWriter w;
  w.string(a).string(sig);
  return w.take();
}

}  // namespace ssh::transport::test
