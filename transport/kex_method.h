// One key exchange method behind one interface. Methods are sans-I/O: they take the
// kex-specific messages (numbers 30..49) and return messages to send.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/dh_group.h"
#include "crypto/random.h"
#include "transport/algorithms.h"
#include "transport/exchange_hash.h"
#include "transport/host_key_interfaces.h"
#include "transport/version.h"

namespace ssh::transport {

struct KexParams {
  Role role = Role::client;
  const KexInfo* info = nullptr;
  std::string host_key_alg;
  HashPrefix prefix;                // views into storage the session keeps for the whole kex
  size_t need_bytes = 0;            // max of key, block, IV and MAC key sizes (bytes)
  HostKeySigner* signer = nullptr;  // server role
  crypto::RandomSource* rng = nullptr;
};

// What a finished kex yields.
struct KexOutcome {
  SecretBytes k_mpint;  // K, mpint-encoded
  Bytes h;              // exchange hash
  Bytes host_key_blob;  // K_S
  Bytes signature;      // signature blob over H (received or sent)
};

struct KexStep {
  std::vector<Bytes> send;  // payloads, in order
  bool done = false;        // take_outcome() is now valid
};

class KexMethod {
 public:
  virtual ~KexMethod() = default;
  // Client: the first messages (ECDH_INIT, GEX_REQUEST). Server: nothing.
  virtual Result<KexStep> start() = 0;
  // payload starts with the message number (30..49).
  virtual Result<KexStep> handle(ByteView payload) = 0;
  // The message we wait for now, e.g. "SSH2_MSG_KEX_ECDH_REPLY".
  virtual const char* expecting() const = 0;
  // A client that guessed (RFC 4253 §7.1, first_kex_packet_follows) starts its method
  // before the server's KEXINIT exists; the full hash prefix arrives here once it does.
  virtual void set_prefix(const HashPrefix& prefix) = 0;
  KexOutcome take_outcome() { return std::move(outcome_); }

 protected:
  KexOutcome outcome_;
};

// One-round-trip key agreement (RFC 5656 §4 shape): curve25519, ECDH, fixed DH groups.
class KeyAgreement {
 public:
  virtual ~KeyAgreement() = default;
  virtual Bytes public_value() const = 0;
  // K as a big-endian magnitude.
  virtual Result<SecretBytes> shared_secret(ByteView peer_public) = 0;
  // DH carries e/f as mpint (RFC 4253 §8); ECDH/X25519 as string (RFC 5656 §4).
  virtual bool publics_are_mpint() const = 0;
};

Result<std::unique_ptr<KeyAgreement>> make_curve25519_agreement(crypto::RandomSource& rng);
Result<std::unique_ptr<KeyAgreement>> make_ecdh_agreement(crypto::Curve curve);
Result<std::unique_ptr<KeyAgreement>> make_dh_agreement(const crypto::DhGroupParams& group,
                                                        size_t need_bytes);
crypto::DhGroupParams fixed_dh_group(DhGroup group);

// Builds the method for params.info.
Result<std::unique_ptr<KexMethod>> make_kex_method(const KexParams& params);
// Families (kex_method.cpp builds the one-round-trip ones, kex_dh_gex.cpp the gex one).
Result<std::unique_ptr<KexMethod>> make_dh_gex_method(const KexParams& params);

// OpenSSH's group-exchange sizes (dh.h): min 2048, max 8192, n from the cipher strength.
struct GexSizes {
  uint32_t min = 2048;
  uint32_t n = 3072;
  uint32_t max = 8192;
};
GexSizes gex_sizes_for(size_t need_bytes);

}  // namespace ssh::transport
