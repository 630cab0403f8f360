// The public/private key model and the SSH public key and signature blob codecs:
// ssh-ed25519 (RFC 8709), ecdsa-sha2-nistp256/384/521 (RFC 5656 §3), ssh-rsa
// (RFC 4253 §6.6) with rsa-sha2-256/512 signatures (RFC 8332).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/ecdh.h"
#include "crypto/signature.h"

namespace ssh::keys {

enum class KeyType : uint8_t { ed25519, ecdsa_p256, ecdsa_p384, ecdsa_p521, rsa };

// Signature algorithms: the names that appear in signature blobs, server-sig-algs,
// HostKeyAlgorithms and PubkeyAcceptedAlgorithms.
enum class SigAlg : uint8_t {
  ssh_ed25519,
  ecdsa_sha2_nistp256,
  ecdsa_sha2_nistp384,
  ecdsa_sha2_nistp521,
  rsa_sha2_256,
  rsa_sha2_512,
  ssh_rsa,  // RSA with SHA-1: only when explicitly allowed
};

// RSA modulus limits (OpenSSH: SSH_RSA_MINIMUM_MODULUS_SIZE, SSHBUF_MAX_BIGNUM).
constexpr int kRsaMinBits = 1024;
constexpr int kRsaMaxBits = 16384;
constexpr int kRsaDefaultBits = 3072;
// Upper bound for any public key or signature blob we accept.
constexpr size_t kMaxBlobSize = 16 * 1024;

std::string_view key_type_name(KeyType type);  // "ssh-ed25519", "ssh-rsa", ...
std::optional<KeyType> key_type_from_name(std::string_view name);
// The label ssh-keygen -l prints in parentheses: "ED25519", "ECDSA", "RSA".
std::string_view key_type_short_name(KeyType type);
bool is_ecdsa(KeyType type);
// Only meaningful for ECDSA types.
crypto::Curve key_type_curve(KeyType type);
std::string_view curve_identifier(crypto::Curve curve);  // "nistp256" ...

std::string_view sig_alg_name(SigAlg alg);
std::optional<SigAlg> sig_alg_from_name(std::string_view name);
KeyType sig_alg_key_type(SigAlg alg);
// Signature algorithms usable with a key type, most preferred first. ssh-rsa (SHA-1)
// only appears when allow_sha1 is set.
std::vector<SigAlg> sig_algs_for_key_type(KeyType type, bool allow_sha1 = false);
// The algorithm a key signs with when nothing else is negotiated (rsa-sha2-512 for RSA).
SigAlg default_sig_alg(KeyType type);

class PublicKey {
 public:
  // Decodes and validates an SSH public key blob; trailing bytes are rejected.
  static Result<PublicKey> from_blob(ByteView blob);
  static Result<PublicKey> from_ed25519(ByteView public_key);
  static Result<PublicKey> from_ecdsa(crypto::Curve curve, ByteView point);
  static Result<PublicKey> from_rsa(ByteView n, ByteView e);

  KeyType type() const { return type_; }
  std::string_view type_name() const { return key_type_name(type_); }
  int bits() const;
  // The canonical wire encoding (RFC 4253 §6.6).
  const Bytes& blob() const { return blob_; }

  // Components: ed25519: a = 32-byte key; ecdsa: a = SEC1 point; rsa: a = n, b = e
  // (big-endian magnitudes without sign padding).
  ByteView ed25519_key() const { return a_; }
  ByteView ecdsa_point() const { return a_; }
  ByteView rsa_n() const { return a_; }
  ByteView rsa_e() const { return b_; }

  bool operator==(const PublicKey& o) const { return type_ == o.type_ && blob_ == o.blob_; }

 private:
  PublicKey() = default;
  void encode();
  KeyType type_ = KeyType::ed25519;
  Bytes a_;
  Bytes b_;
  Bytes blob_;
};

class PrivateKey {
 public:
  // bits: only for RSA (0 = kRsaDefaultBits); must be 0 or the curve size for ECDSA.
  static Result<PrivateKey> generate(KeyType type, int bits = 0);
  // Builders used by key file parsers; each checks that the parts belong together.
  static Result<PrivateKey> from_ed25519_seed(ByteView seed, ByteView expected_public = {});
  static Result<PrivateKey> from_ecdsa(crypto::Curve curve, ByteView scalar, ByteView expected_point = {});
  static Result<PrivateKey> from_rsa(crypto::RsaPrivateKey&& rsa);

  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  PrivateKey clone() const;

  KeyType type() const { return public_.type(); }
  const PublicKey& public_key() const { return public_; }
  int bits() const { return public_.bits(); }

  // Signs data and returns the signature blob (string alg, string signature). The
  // algorithm must belong to the key type (ssh-rsa is allowed here: the caller decides).
  Result<Bytes> sign(SigAlg alg, ByteView data) const;
  Result<Bytes> sign(ByteView data) const { return sign(default_sig_alg(type()), data); }

  // Secret parts for the key file writer: ed25519 seed (32 bytes), ECDSA scalar, RSA.
  ByteView ed25519_seed() const { return secret_.view(); }
  ByteView ecdsa_scalar() const { return secret_.view(); }
  const crypto::RsaPrivateKey& rsa() const { return rsa_; }

 private:
  explicit PrivateKey(PublicKey pub) : public_(std::move(pub)) {}
  PublicKey public_;
  SecretBytes secret_;         // ed25519 seed or ECDSA scalar
  crypto::RsaPrivateKey rsa_;  // RSA only
};

struct VerifyOptions {
  // Accept "ssh-rsa" (RSA with SHA-1) signatures; off by default as in OpenSSH.
  bool allow_ssh_rsa = false;
};

// Verifies an SSH signature blob over data with the key in key_blob. The blob's
// algorithm name must suit the key type; if expected_alg is non-empty it must equal it.
// Weak RSA keys (< kRsaMinBits) and SHA-1 (unless allowed) are refused.
Status verify_signature(std::string_view expected_alg, ByteView key_blob, ByteView sig_blob, ByteView data,
                        VerifyOptions options = {});
Status verify_signature(std::string_view expected_alg, const PublicKey& key, ByteView sig_blob, ByteView data,
                        VerifyOptions options = {});

// The algorithm name inside a signature blob (without verifying it).
Result<std::string> signature_alg_name(ByteView sig_blob);

}  // namespace ssh::keys
