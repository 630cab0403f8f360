// The continuation key schedule (PROTOCOL.continuation §6, §7.2): HMAC-SHA256 with the
// labels of the specification. Every secret lives in a SecretArray and is wiped.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "continuation/names.h"

namespace ssh::continuation {

using Secret = SecretArray<kSecretSize>;
using Proof = std::array<uint8_t, kSecretSize>;

// A pre-secret handed over as bytes (from another process): exactly kSecretSize bytes.
Result<Secret> secret_from(ByteView bytes);

// §6.1: P = HMAC-SHA256(mpint(K), "sshc continuation presecret v00" || string(H)).
// k_mpint is K exactly as transport::KexSecrets::shared_secret gives it (uint32 length ||
// magnitude); the HMAC key is those bytes.
Secret derive_presecret(ByteView k_mpint, ByteView exchange_hash);
// §3.4: S = HMAC-SHA256(P, "sshc continuation secret v00" || string(handle)).
Secret derive_resume_secret(const Secret& presecret, const Handle& handle);
// §6.3: S' = HMAC-SHA256(S, "sshc continuation ratchet v00" || string(P_new)).
Secret ratchet(const Secret& secret, const Secret& new_presecret);
// §7.2: HMAC-SHA256(S, "sshc continuation proof v00" || string(H_new) || string(handle)
//        || uint64(r_c)).
Proof make_proof(const Secret& secret, ByteView new_exchange_hash, const Handle& handle, uint64_t received);
// §7.4: HMAC-SHA256(S', "sshc continuation confirm v01" || string(H_new) || string(handle)).
Proof make_confirmation(const Secret& ratcheted, ByteView new_exchange_hash, const Handle& handle);
bool verify_confirmation(const Secret& ratcheted, ByteView new_exchange_hash, const Handle& handle,
                         ByteView mac);
// Constant-time comparison against make_proof().
bool verify_proof(const Secret& secret, ByteView new_exchange_hash, const Handle& handle, uint64_t received,
                  ByteView proof);

}  // namespace ssh::continuation
