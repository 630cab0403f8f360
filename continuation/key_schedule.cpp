#include "continuation/key_schedule.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "base/secret.h"
#include "crypto/hmac.h"

namespace ssh::continuation {

namespace {

// The labels of §3.4, §6.1, §6.3, §7.2 and §7.4: raw bytes, no length prefix.
constexpr std::string_view kPresecretLabel = "sshc continuation presecret v00";
constexpr std::string_view kSecretLabel = "sshc continuation secret v00";
constexpr std::string_view kRatchetLabel = "sshc continuation ratchet v00";
constexpr std::string_view kProofLabel = "sshc continuation proof v00";
constexpr std::string_view kConfirmLabel = "sshc continuation confirm v01";

// HMAC-SHA256 fed piecewise, so that no concatenated message (which for the ratchet
// contains P_new) ever sits in an unwiped buffer, and the result goes straight into the
// caller's secret storage.
class Mac {
 public:
  explicit Mac(ByteView key) : mac_(make(key)) {}
  Mac& raw(ByteView b) {
    mac_.update(b);
    return *this;
  }
  Mac& label(std::string_view s) { return raw(as_bytes(s)); }
  // RFC 4251 §5 string: uint32 length || bytes.
  Mac& string(ByteView b) {
    uint8_t len[4];
    store_be32(len, uint32_t(b.size()));
    return raw(ByteView(len, 4)).raw(b);
  }
  Mac& u64(uint64_t v) {
    uint8_t be[8];
    store_be64(be, v);
    return raw(ByteView(be, 8));
  }
  void finish(uint8_t* out) { mac_.finish(out); }

 private:
  static crypto::Hmac make(ByteView key) {
    auto mac = crypto::Hmac::create(crypto::HashAlg::sha256, key);
    // Only an allocation failure inside libcrypto; fatal like bad_alloc (as crypto::hmac).
    if (!mac) std::abort();
    return std::move(*mac);
  }
  crypto::Hmac mac_;
};

}  // namespace

Result<Secret> secret_from(ByteView bytes) {
  if (bytes.size() != kSecretSize) return fail(ErrorCode::protocol, "continuation secret of the wrong size");
  Secret s;
  std::copy(bytes.begin(), bytes.end(), s.data());
  return s;
}

Secret derive_presecret(ByteView k_mpint, ByteView exchange_hash) {
  Secret p;
  Mac(k_mpint).label(kPresecretLabel).string(exchange_hash).finish(p.data());
  return p;
}

Secret derive_resume_secret(const Secret& presecret, const Handle& handle) {
  Secret s;
  Mac(presecret.view()).label(kSecretLabel).string(ByteView(handle)).finish(s.data());
  return s;
}

Secret ratchet(const Secret& secret, const Secret& new_presecret) {
  Secret next;
  Mac(secret.view()).label(kRatchetLabel).string(new_presecret.view()).finish(next.data());
  return next;
}

Proof make_proof(const Secret& secret, ByteView new_exchange_hash, const Handle& handle, uint64_t received) {
  Proof proof{};
  Mac(secret.view())
      .label(kProofLabel)
      .string(new_exchange_hash)
      .string(ByteView(handle))
      .u64(received)
      .finish(proof.data());
  return proof;
}

bool verify_proof(const Secret& secret, ByteView new_exchange_hash, const Handle& handle, uint64_t received,
                  ByteView proof) {
  Proof expected = make_proof(secret, new_exchange_hash, handle, received);
  bool ok = constant_time_equal(ByteView(expected), proof);
  // The expected proof is as good as a password for this connection until it is used.
  wipe(expected.data(), expected.size());
  return ok;
}

Proof make_confirmation(const Secret& ratcheted, ByteView new_exchange_hash, const Handle& handle) {
  Proof mac{};
  Mac(ratcheted.view()).label(kConfirmLabel).string(new_exchange_hash).string(ByteView(handle)).finish(mac.data());
  return mac;
}

bool verify_confirmation(const Secret& ratcheted, ByteView new_exchange_hash, const Handle& handle,
                         ByteView mac) {
  Proof expected = make_confirmation(ratcheted, new_exchange_hash, handle);
  bool ok = constant_time_equal(ByteView(expected), mac);
  wipe(expected.data(), expected.size());
  return ok;
}

}  // namespace ssh::continuation
