#include "transport/kexinit.h"

#include <algorithm>

#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "transport/algorithms.h"
#include "transport/messages.h"

namespace ssh::transport {

Bytes KexInit::encode() const {
  WireWriter w;
  w.u8(msg::kKexinit).raw(cookie);
  for (const auto* list : {&kex, &host_key, &cipher_c2s, &cipher_s2c, &mac_c2s, &mac_s2c, &compression_c2s,
                           &compression_s2c, &language_c2s, &language_s2c}) {
    w.name_list(*list);
  }
  w.boolean(first_kex_packet_follows).u32(reserved);
  return w.take();
}

Result<KexInit> KexInit::decode(ByteView payload) {
  WireReader r(payload);
  if (SSH_TRY(r.u8()) != msg::kKexinit) return fail(ErrorCode::protocol, "not a KEXINIT");
  KexInit k;
  ByteView cookie = SSH_TRY(r.raw(16));
  std::copy(cookie.begin(), cookie.end(), k.cookie.begin());
  for (auto* list : {&k.kex, &k.host_key, &k.cipher_c2s, &k.cipher_s2c, &k.mac_c2s, &k.mac_s2c,
                     &k.compression_c2s, &k.compression_s2c, &k.language_c2s, &k.language_s2c}) {
    *list = SSH_TRY(r.name_list());
  }
  k.first_kex_packet_follows = SSH_TRY(r.boolean());
  k.reserved = SSH_TRY(r.u32());
  // RFC 4253 §7.1 leaves no room for trailing data; OpenSSH ignores it, so do we
  // (future extensions), but the fields above are mandatory.
  return k;
}

bool KexInit::has_kex_name(std::string_view name) const {
  return std::find(kex.begin(), kex.end(), name) != kex.end();
}

namespace {

std::unexpected<Error> no_match(const char* what, const std::vector<std::string>& their_offer) {
  return fail(ErrorCode::protocol,
              std::string("no matching ") + what + " found. Their offer: " + join_names(their_offer),
              DisconnectReason::key_exchange_failed);
}

Result<std::string> pick(const char* what, const std::vector<std::string>& client,
                         const std::vector<std::string>& server, Role our_role) {
  std::string chosen = choose_algorithm(client, server);
  if (chosen.empty()) return no_match(what, our_role == Role::client ? server : client);
  return chosen;
}

Result<DirectionAlgorithms> pick_direction(const std::vector<std::string>& c_cipher,
                                           const std::vector<std::string>& s_cipher,
                                           const std::vector<std::string>& c_mac,
                                           const std::vector<std::string>& s_mac,
                                           const std::vector<std::string>& c_comp,
                                           const std::vector<std::string>& s_comp, Role role) {
  DirectionAlgorithms d;
  d.cipher = SSH_TRY(pick("cipher", c_cipher, s_cipher, role));
  const CipherInfo* ci = find_cipher(d.cipher);
  if (!ci) return fail(ErrorCode::protocol, "negotiated unknown cipher " + d.cipher);
  if (ci->tag_len > 0) {
    d.mac = kImplicitMac;  // AEAD: the MAC lists are not consulted (RFC 5647 §5.1 as amended)
  } else {
    d.mac = SSH_TRY(pick("MAC", c_mac, s_mac, role));
    if (!find_mac(d.mac)) return fail(ErrorCode::protocol, "negotiated unknown MAC " + d.mac);
  }
  d.compression = SSH_TRY(pick("compression method", c_comp, s_comp, role));
  CompressionKind kind;
  if (!find_compression(d.compression, kind)) {
    return fail(ErrorCode::protocol, "negotiated unknown compression " + d.compression);
  }
  return d;
}

}  // namespace

Result<NegotiatedAlgorithms> negotiate(const KexInit& client, const KexInit& server, Role role) {
  NegotiatedAlgorithms n;
  // Only methods we implement qualify, so markers (ext-info-c, kex-strict-*, ...) that
  // happen to appear in both lists are never chosen.
  for (const auto& c : client.kex) {
    if (find_kex(c) && server.has_kex_name(c)) {
      n.kex = c;
      break;
    }
  }
  if (n.kex.empty()) {
    return no_match("key exchange method", role == Role::client ? server.kex : client.kex);
  }
  // All our kex methods need a signature-capable host key, which every host key
  // algorithm we implement is.
  n.host_key = SSH_TRY(pick("host key type", client.host_key, server.host_key, role));
  if (!find_host_key_alg(n.host_key)) {
    return fail(ErrorCode::protocol, "negotiated unknown host key type " + n.host_key);
  }
  n.c2s = SSH_TRY(pick_direction(client.cipher_c2s, server.cipher_c2s, client.mac_c2s, server.mac_c2s,
                                 client.compression_c2s, server.compression_c2s, role));
  n.s2c = SSH_TRY(pick_direction(client.cipher_s2c, server.cipher_s2c, client.mac_s2c, server.mac_s2c,
                                 client.compression_s2c, server.compression_s2c, role));
  // RFC 4253 §7.1: a guess is right only if both first kex and first host key
  // algorithms agree; otherwise the guessed packet is silently ignored.
  const KexInit& sender = role == Role::client ? server : client;
  if (sender.first_kex_packet_follows) {
    bool right = !client.kex.empty() && !server.kex.empty() && client.kex[0] == server.kex[0] &&
                 !client.host_key.empty() && !server.host_key.empty() &&
                 client.host_key[0] == server.host_key[0];
    n.ignore_guessed_packet = !right;
  }
  return n;
}

}  // namespace ssh::transport
