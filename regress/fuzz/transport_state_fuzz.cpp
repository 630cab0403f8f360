// libFuzzer target: TransportSession::import_state() (transport/transport_state.cpp), the
// blob the pre-auth child hands the monitor and the monitor hands the session process.
// The monitor treats it as untrusted (a compromised pre-auth child wrote it), so import
// must refuse any malformed blob cleanly. Random bytes rarely get past the magic, so the
// first input byte also picks a real exported state (from an in-memory key exchange per
// cipher family, made once) that the rest of the input edits. An accepted state must
// export again and import again; the imported session then reads the leftover input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "regress/unittests/transport/session_pair.h"
#include "transport/transport_session.h"

namespace {

using ssh::Bytes;
using ssh::ByteView;
using ssh::transport::Role;
using ssh::transport::TransportConfig;
using ssh::transport::TransportSession;

struct Seed {
  Role role;
  Bytes blob;
};

// One pair per cipher family, past its key exchange with a message in flight each way
// (so the states carry unprocessed input and pending output too).
void add_seeds(std::vector<Seed>& out, const char* cipher, const char* mac) {
  TransportConfig cfg;
  cfg.ciphers = {cipher};
  if (mac != nullptr) cfg.macs = {mac};
  ssh::transport::test::SessionPair pair(cfg, cfg);
  if (!pair.pump()) return;
  Bytes ping(40, 7);
  ping[0] = 94;
  (void)pair.client->send(ping);
  (void)pair.server->send(ping);
  for (Role role : {Role::client, Role::server}) {
    auto& s = role == Role::client ? pair.client : pair.server;
    auto blob = s->export_state();
    if (blob) out.push_back({role, Bytes(blob->view().begin(), blob->view().end())});
  }
}

const std::vector<Seed>& seeds() {
  static const std::vector<Seed> kSeeds = [] {
    std::vector<Seed> out;
    add_seeds(out, "chacha20-poly1305@openssh.com", nullptr);
    add_seeds(out, "aes256-gcm@openssh.com", nullptr);
    add_seeds(out, "aes128-ctr", "hmac-sha2-256-etm@openssh.com");
    add_seeds(out, "aes256-ctr", "hmac-sha2-512");
    return out;
  }();
  return kSeeds;
}

// Edits of 4 bytes each: u16 offset, u8 value, u8 op (xor, set, cut here, insert).
Bytes edit(Bytes blob, ByteView ops) {
  for (size_t i = 0; i + 4 <= ops.size() && !blob.empty(); i += 4) {
    size_t at = ((size_t(ops[i]) << 8) | ops[i + 1]) % blob.size();
    uint8_t v = ops[i + 2];
    switch (ops[i + 3] % 4) {
      case 0: blob[at] ^= v; break;
      case 1: blob[at] = v; break;
      case 2: blob.resize(at); break;
      default: blob.insert(blob.begin() + long(at), v); break;
    }
  }
  return blob;
}

struct Keys {
  ssh::transport::test::TestVerifier verifier;
  ssh::transport::test::TestSigner signer{{"ssh-ed25519"}};
};

TransportConfig config_for(Role role, Keys& keys) {
  TransportConfig cfg;
  cfg.role = role;
  if (role == Role::client)
    cfg.verifier = &keys.verifier;
  else
    cfg.signer = &keys.signer;
  return cfg;
}

void use(TransportSession& s, ByteView input) {
  if (!s.feed(input)) return;
  for (int i = 0; i < 64; ++i) {
    auto m = s.next_message();
    if (!m || !*m) break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static Keys keys;
  ByteView rest(data + 1, size - 1);
  const auto& all = seeds();
  // Selector: low bit picks the role for raw input; otherwise it names a seed to edit.
  size_t pick = data[0] >> 1;
  Role role = (data[0] & 1) ? Role::server : Role::client;
  Bytes blob;
  ByteView tail;
  if (pick == 0 || all.empty()) {
    blob.assign(rest.begin(), rest.end());
  } else {
    const Seed& seed = all[(pick - 1) % all.size()];
    role = seed.role;
    size_t ops = std::min(rest.size(), size_t(4 * 16));
    blob = edit(seed.blob, rest.first(ops));
    tail = rest.subspan(ops);
  }
  auto imported = TransportSession::import_state(blob, config_for(role, keys));
  if (!imported) return 0;
  // Whatever import accepted, export must reproduce and import must accept again.
  auto again = (*imported)->export_state();
  if (!again) return 0;  // e.g. a compression stream that cannot be exported
  auto second = TransportSession::import_state(again->view(), config_for(role, keys));
  if (!second) __builtin_trap();
  use(**second, tail);
  return 0;
}
