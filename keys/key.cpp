#include "keys/key.h"

#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <array>
#include <memory>

#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "crypto/random.h"

namespace ssh::keys {

namespace {

struct KeyTypeInfo {
  KeyType type;
  std::string_view name;
  std::string_view short_name;
};
constexpr std::array<KeyTypeInfo, 5> kKeyTypes{{
    {KeyType::ed25519, "ssh-ed25519", "ED25519"},
    {KeyType::ecdsa_p256, "ecdsa-sha2-nistp256", "ECDSA"},
    {KeyType::ecdsa_p384, "ecdsa-sha2-nistp384", "ECDSA"},
    {KeyType::ecdsa_p521, "ecdsa-sha2-nistp521", "ECDSA"},
    {KeyType::rsa, "ssh-rsa", "RSA"},
}};

struct SigAlgInfo {
  SigAlg alg;
  std::string_view name;
  KeyType key_type;
};
constexpr std::array<SigAlgInfo, 7> kSigAlgs{{
    {SigAlg::ssh_ed25519, "ssh-ed25519", KeyType::ed25519},
    {SigAlg::ecdsa_sha2_nistp256, "ecdsa-sha2-nistp256", KeyType::ecdsa_p256},
    {SigAlg::ecdsa_sha2_nistp384, "ecdsa-sha2-nistp384", KeyType::ecdsa_p384},
    {SigAlg::ecdsa_sha2_nistp521, "ecdsa-sha2-nistp521", KeyType::ecdsa_p521},
    {SigAlg::rsa_sha2_256, "rsa-sha2-256", KeyType::rsa},
    {SigAlg::rsa_sha2_512, "rsa-sha2-512", KeyType::rsa},
    {SigAlg::ssh_rsa, "ssh-rsa", KeyType::rsa},
}};

constexpr size_t kEd25519KeySize = 32;
constexpr size_t kEd25519SigSize = 64;

int magnitude_bits(ByteView m) {
  size_t i = 0;
  while (i < m.size() && m[i] == 0) ++i;
  if (i == m.size()) return 0;
  int top = 0;
  for (uint8_t b = m[i]; b != 0; b >>= 1) ++top;
  return int((m.size() - i - 1) * 8) + top;
}

ByteView strip_zeros(ByteView m) {
  size_t i = 0;
  while (i < m.size() && m[i] == 0) ++i;
  return m.subspan(i);
}

int curve_nid(crypto::Curve curve) {
  switch (curve) {
    case crypto::Curve::p256: return NID_X9_62_prime256v1;
    case crypto::Curve::p384: return NID_secp384r1;
    case crypto::Curve::p521: return NID_secp521r1;
  }
  return NID_undef;
}

// RFC 5656 §3.1: Q is an uncompressed point on the named curve, not the identity.
Status validate_ec_point(crypto::Curve curve, ByteView point) {
  size_t field = crypto::curve_field_size(curve);
  if (point.size() != 1 + 2 * field || point[0] != 0x04) {
    return fail(ErrorCode::parse, "ECDSA point not uncompressed or wrong size");
  }
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(EC_GROUP_new_by_curve_name(curve_nid(curve)),
                                                            EC_GROUP_free);
  if (!group) return fail(ErrorCode::internal, "EC group");
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> p(EC_POINT_new(group.get()), EC_POINT_free);
  if (!p) return fail(ErrorCode::internal, "EC point");
  if (EC_POINT_oct2point(group.get(), p.get(), point.data(), point.size(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(group.get(), p.get()) ||
      EC_POINT_is_on_curve(group.get(), p.get(), nullptr) != 1) {
    return fail(ErrorCode::parse, "ECDSA point not on curve");
  }
  return {};
}

size_t ecdsa_bits(crypto::Curve curve) {
  switch (curve) {
    case crypto::Curve::p384: return 384;
    case crypto::Curve::p521: return 521;
    default: return 256;
  }
}

crypto::HashAlg rsa_hash(SigAlg alg) {
  switch (alg) {
    case SigAlg::rsa_sha2_256: return crypto::HashAlg::sha256;
    case SigAlg::ssh_rsa: return crypto::HashAlg::sha1;
    default: return crypto::HashAlg::sha512;
  }
}

}  // namespace

std::string_view key_type_name(KeyType type) {
  for (const auto& k : kKeyTypes) {
    if (k.type == type) return k.name;
  }
  return "unknown";
}

std::optional<KeyType> key_type_from_name(std::string_view name) {
  for (const auto& k : kKeyTypes) {
    if (k.name == name) return k.type;
  }
  return std::nullopt;
}

std::string_view key_type_short_name(KeyType type) {
  for (const auto& k : kKeyTypes) {
    if (k.type == type) return k.short_name;
  }
  return "UNKNOWN";
}

bool is_ecdsa(KeyType type) {
  return type == KeyType::ecdsa_p256 || type == KeyType::ecdsa_p384 || type == KeyType::ecdsa_p521;
}

crypto::Curve key_type_curve(KeyType type) {
  switch (type) {
    case KeyType::ecdsa_p384: return crypto::Curve::p384;
    case KeyType::ecdsa_p521: return crypto::Curve::p521;
    default: return crypto::Curve::p256;
  }
}

static KeyType curve_key_type(crypto::Curve curve) {
  switch (curve) {
    case crypto::Curve::p384: return KeyType::ecdsa_p384;
    case crypto::Curve::p521: return KeyType::ecdsa_p521;
    default: return KeyType::ecdsa_p256;
  }
}

std::string_view curve_identifier(crypto::Curve curve) {
  switch (curve) {
    case crypto::Curve::p384: return "nistp384";
    case crypto::Curve::p521: return "nistp521";
    default: return "nistp256";
  }
}

std::string_view sig_alg_name(SigAlg alg) {
  for (const auto& s : kSigAlgs) {
    if (s.alg == alg) return s.name;
  }
  return "unknown";
}

std::optional<SigAlg> sig_alg_from_name(std::string_view name) {
  for (const auto& s : kSigAlgs) {
    if (s.name == name) return s.alg;
  }
  return std::nullopt;
}

KeyType sig_alg_key_type(SigAlg alg) {
  for (const auto& s : kSigAlgs) {
    if (s.alg == alg) return s.key_type;
  }
  return KeyType::rsa;
}

std::vector<SigAlg> sig_algs_for_key_type(KeyType type, bool allow_sha1) {
  switch (type) {
    case KeyType::ed25519: return {SigAlg::ssh_ed25519};
    case KeyType::ecdsa_p256: return {SigAlg::ecdsa_sha2_nistp256};
    case KeyType::ecdsa_p384: return {SigAlg::ecdsa_sha2_nistp384};
    case KeyType::ecdsa_p521: return {SigAlg::ecdsa_sha2_nistp521};
    case KeyType::rsa:
      if (allow_sha1) return {SigAlg::rsa_sha2_512, SigAlg::rsa_sha2_256, SigAlg::ssh_rsa};
      return {SigAlg::rsa_sha2_512, SigAlg::rsa_sha2_256};
  }
  return {};
}

SigAlg default_sig_alg(KeyType type) {
  return sig_algs_for_key_type(type).front();
}

// ---- PublicKey ----

void PublicKey::encode() {
  WireWriter w;
  w.string(key_type_name(type_));
  switch (type_) {
    case KeyType::ed25519: w.string(ByteView(a_)); break;
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521: w.string(curve_identifier(key_type_curve(type_))).string(ByteView(a_)); break;
    case KeyType::rsa: w.mpint_positive(b_).mpint_positive(a_); break;
  }
  blob_ = w.take();
}

Result<PublicKey> PublicKey::from_ed25519(ByteView public_key) {
  if (public_key.size() != kEd25519KeySize) return fail(ErrorCode::parse, "ed25519 key size");
  PublicKey k;
  k.type_ = KeyType::ed25519;
  k.a_.assign(public_key.begin(), public_key.end());
  k.encode();
  return k;
}

Result<PublicKey> PublicKey::from_ecdsa(crypto::Curve curve, ByteView point) {
  SSH_TRY(validate_ec_point(curve, point));
  PublicKey k;
  k.type_ = curve_key_type(curve);
  k.a_.assign(point.begin(), point.end());
  k.encode();
  return k;
}

Result<PublicKey> PublicKey::from_rsa(ByteView n, ByteView e) {
  n = strip_zeros(n);
  e = strip_zeros(e);
  int bits = magnitude_bits(n);
  if (bits < kRsaMinBits) return fail(ErrorCode::limit, "RSA key too small");
  if (bits > kRsaMaxBits) return fail(ErrorCode::limit, "RSA key too large");
  if ((n.back() & 1) == 0) return fail(ErrorCode::parse, "RSA modulus even");
  if (e.empty() || (e.back() & 1) == 0 || (e.size() == 1 && e[0] < 3) || e.size() > n.size()) {
    return fail(ErrorCode::parse, "bad RSA exponent");
  }
  PublicKey k;
  k.type_ = KeyType::rsa;
  k.a_.assign(n.begin(), n.end());
  k.b_.assign(e.begin(), e.end());
  k.encode();
  return k;
}

Result<PublicKey> PublicKey::from_blob(ByteView blob) {
  if (blob.size() > kMaxBlobSize) return fail(ErrorCode::limit, "public key blob too large");
  WireReader r(blob);
  std::string_view name = SSH_TRY(r.text(64));
  auto type = key_type_from_name(name);
  if (!type) return fail(ErrorCode::protocol, "unsupported key type");
  Result<PublicKey> key = fail(ErrorCode::internal, "key type");
  if (*type == KeyType::ed25519) {
    ByteView pk = SSH_TRY(r.string(kEd25519KeySize));
    key = from_ed25519(pk);
  } else if (is_ecdsa(*type)) {
    crypto::Curve curve = key_type_curve(*type);
    std::string_view id = SSH_TRY(r.text(64));
    if (id != curve_identifier(curve)) return fail(ErrorCode::parse, "ECDSA curve mismatch");
    ByteView q = SSH_TRY(r.string(1 + 2 * crypto::curve_field_size(curve)));
    key = from_ecdsa(curve, q);
  } else {
    ByteView e = SSH_TRY(r.mpint_positive());
    ByteView n = SSH_TRY(r.mpint_positive());
    key = from_rsa(n, e);
  }
  if (!key) return key;
  SSH_TRY(r.expect_end());
  return key;
}

int PublicKey::bits() const {
  switch (type_) {
    case KeyType::ed25519: return 256;
    case KeyType::ecdsa_p256: return 256;
    case KeyType::ecdsa_p384: return 384;
    case KeyType::ecdsa_p521: return 521;
    case KeyType::rsa: return magnitude_bits(a_);
  }
  return 0;
}

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::from_ed25519_seed(ByteView seed, ByteView expected_public) {
  if (seed.size() != 32) return fail(ErrorCode::parse, "ed25519 seed size");
  auto pub = crypto::ed25519_public_from_seed(seed);
  if (!expected_public.empty() && !constant_time_equal(expected_public, pub)) {
    return fail(ErrorCode::parse, "ed25519 public key does not match private key");
  }
  PrivateKey k(SSH_TRY(PublicKey::from_ed25519(pub)));
  k.secret_ = SecretBytes(seed);
  return k;
}

Result<PrivateKey> PrivateKey::from_ecdsa(crypto::Curve curve, ByteView scalar, ByteView expected_point) {
  scalar = strip_zeros(scalar);
  if (scalar.empty() || scalar.size() > crypto::curve_field_size(curve)) {
    return fail(ErrorCode::parse, "ECDSA private scalar size");
  }
  Bytes point = SSH_TRY(crypto::ecdsa_public_from_private(curve, scalar));
  if (!expected_point.empty() && !std::ranges::equal(ByteView(point), expected_point)) {
    return fail(ErrorCode::parse, "ECDSA public key does not match private key");
  }
  PrivateKey k(SSH_TRY(PublicKey::from_ecdsa(curve, point)));
  k.secret_ = SecretBytes(scalar);
  return k;
}

Result<PrivateKey> PrivateKey::from_rsa(crypto::RsaPrivateKey&& rsa) {
  PrivateKey k(SSH_TRY(PublicKey::from_rsa(rsa.n, rsa.e)));
  if (rsa.d.empty() || rsa.p.empty() || rsa.q.empty() || rsa.iqmp.empty()) {
    return fail(ErrorCode::parse, "RSA private key incomplete");
  }
  k.rsa_ = std::move(rsa);
  return k;
}

Result<PrivateKey> PrivateKey::generate(KeyType type, int bits) {
  if (type == KeyType::ed25519) {
    SecretArray<32> seed;
    crypto::system_random().fill(seed.span());
    return from_ed25519_seed(seed.view());
  }
  if (is_ecdsa(type)) {
    crypto::Curve curve = key_type_curve(type);
    if (bits != 0 && size_t(bits) != ecdsa_bits(curve)) {
      return fail(ErrorCode::config, "invalid ECDSA key length");
    }
    auto pair = SSH_TRY(crypto::ecdsa_generate(curve));
    return from_ecdsa(curve, pair.private_scalar.view(), pair.public_point);
  }
  if (bits == 0) bits = kRsaDefaultBits;
  if (bits < kRsaMinBits || bits > kRsaMaxBits) return fail(ErrorCode::config, "invalid RSA key length");
  return from_rsa(SSH_TRY(crypto::rsa_generate(bits)));
}

PrivateKey PrivateKey::clone() const {
  PrivateKey k(public_);
  k.secret_ = secret_.clone();
  k.rsa_.n = rsa_.n;
  k.rsa_.e = rsa_.e;
  k.rsa_.d = rsa_.d.clone();
  k.rsa_.p = rsa_.p.clone();
  k.rsa_.q = rsa_.q.clone();
  k.rsa_.iqmp = rsa_.iqmp.clone();
  return k;
}

Result<Bytes> PrivateKey::sign(SigAlg alg, ByteView data) const {
  if (sig_alg_key_type(alg) != type()) {
    return fail(ErrorCode::protocol, "signature algorithm does not match key type");
  }
  WireWriter w;
  w.string(sig_alg_name(alg));
  if (type() == KeyType::ed25519) {
    Bytes sig = SSH_TRY(crypto::ed25519_sign(secret_.view(), data));
    w.string(ByteView(sig));
  } else if (is_ecdsa(type())) {
    auto sig = SSH_TRY(crypto::ecdsa_sign(key_type_curve(type()), secret_.view(), data));
    size_t mark = w.begin_string();
    w.mpint_positive(sig.r).mpint_positive(sig.s);
    w.end_string(mark);
  } else {
    Bytes sig = SSH_TRY(crypto::rsa_sign(rsa_hash(alg), rsa_, data));
    w.string(ByteView(sig));
  }
  return w.take();
}

// ---- verification ----

Result<std::string> signature_alg_name(ByteView sig_blob) {
  WireReader r(sig_blob);
  std::string_view name = SSH_TRY(r.text(64));
  return std::string(name);
}

namespace {

Status verify_ecdsa(const PublicKey& key, ByteView sig, ByteView data) {
  WireReader r(sig);
  crypto::EcdsaSignature es;
  size_t field = crypto::curve_field_size(key_type_curve(key.type()));
  ByteView rr = SSH_TRY(r.mpint_positive(field + 1));
  ByteView ss = SSH_TRY(r.mpint_positive(field + 1));
  SSH_TRY(r.expect_end());
  if (rr.empty() || ss.empty()) return fail(ErrorCode::crypto, "ECDSA signature zero");
  es.r.assign(rr.begin(), rr.end());
  es.s.assign(ss.begin(), ss.end());
  if (!crypto::ecdsa_verify(key_type_curve(key.type()), key.ecdsa_point(), data, es)) {
    return fail(ErrorCode::crypto, "incorrect signature");
  }
  return {};
}

Status verify_rsa(const PublicKey& key, SigAlg alg, ByteView sig, ByteView data) {
  if (key.bits() < kRsaMinBits) return fail(ErrorCode::limit, "RSA key too small");
  size_t mod_len = key.rsa_n().size();
  if (sig.empty() || sig.size() > mod_len) return fail(ErrorCode::crypto, "RSA signature length");
  // RFC 8332 §3 wants the signature as long as the modulus; some signers strip leading
  // zero bytes, so pad them back before the PKCS#1 check.
  Bytes padded(mod_len - sig.size(), 0);
  append(padded, sig);
  if (!crypto::rsa_verify(rsa_hash(alg), key.rsa_n(), key.rsa_e(), data, padded)) {
    return fail(ErrorCode::crypto, "incorrect signature");
  }
  return {};
}

}  // namespace

Status verify_signature(std::string_view expected_alg, const PublicKey& key, ByteView sig_blob, ByteView data,
                        VerifyOptions options) {
  if (sig_blob.size() > kMaxBlobSize) return fail(ErrorCode::limit, "signature blob too large");
  WireReader r(sig_blob);
  std::string_view name = SSH_TRY(r.text(64));
  ByteView sig = SSH_TRY(r.string(kMaxBlobSize));
  SSH_TRY(r.expect_end());
  auto alg = sig_alg_from_name(name);
  if (!alg) return fail(ErrorCode::protocol, "unsupported signature algorithm");
  if (sig_alg_key_type(*alg) != key.type()) {
    return fail(ErrorCode::protocol, "signature algorithm does not match key type");
  }
  if (!expected_alg.empty() && expected_alg != name) {
    return fail(ErrorCode::protocol, "signature algorithm mismatch");
  }
  if (*alg == SigAlg::ssh_rsa && !options.allow_ssh_rsa) {
    return fail(ErrorCode::protocol, "ssh-rsa (SHA-1) signatures not allowed");
  }
  switch (key.type()) {
    case KeyType::ed25519:
      if (sig.size() != kEd25519SigSize) return fail(ErrorCode::crypto, "ed25519 signature size");
      if (!crypto::ed25519_verify(key.ed25519_key(), data, sig)) {
        return fail(ErrorCode::crypto, "incorrect signature");
      }
      return {};
    case KeyType::rsa: return verify_rsa(key, *alg, sig, data);
    default: return verify_ecdsa(key, sig, data);
  }
}

Status verify_signature(std::string_view expected_alg, ByteView key_blob, ByteView sig_blob, ByteView data,
                        VerifyOptions options) {
  PublicKey key = SSH_TRY(PublicKey::from_blob(key_blob));
  return verify_signature(expected_alg, key, sig_blob, data, options);
}

}  // namespace ssh::keys
