// Key exchange driving for TransportSession: KEXINIT, the method, NEWKEYS, key
// installation (RFC 4253 §7-§9), strict KEX and ext-info.
#include <algorithm>

#include "base/log.h"
#include "base/wire_writer.h"
#include "transport/exchange_hash.h"
#include "transport/messages.h"
#include "transport/transport_kex_round.h"
#include "transport/transport_session.h"

namespace ssh::transport {

namespace {
// The proposal dump of OpenSSH's -vv output.
void log_proposal(const char* who, const KexInit& k) {
  if (!log::enabled(log::Level::debug2)) return;
  LOG_DEBUG2("%s KEXINIT proposal", who);
  LOG_DEBUG2("KEX algorithms: %s", join_names(k.kex).c_str());
  LOG_DEBUG2("host key algorithms: %s", join_names(k.host_key).c_str());
  LOG_DEBUG2("ciphers ctos: %s", join_names(k.cipher_c2s).c_str());
  LOG_DEBUG2("ciphers stoc: %s", join_names(k.cipher_s2c).c_str());
  LOG_DEBUG2("MACs ctos: %s", join_names(k.mac_c2s).c_str());
  LOG_DEBUG2("MACs stoc: %s", join_names(k.mac_s2c).c_str());
  LOG_DEBUG2("compression ctos: %s", join_names(k.compression_c2s).c_str());
  LOG_DEBUG2("compression stoc: %s", join_names(k.compression_s2c).c_str());
  LOG_DEBUG2("languages ctos: %s", join_names(k.language_c2s).c_str());
  LOG_DEBUG2("languages stoc: %s", join_names(k.language_s2c).c_str());
  LOG_DEBUG2("first_kex_follows %d ", k.first_kex_packet_follows ? 1 : 0);
  LOG_DEBUG2("reserved %u ", k.reserved);
}
}  // namespace

namespace {

void log_direction(const char* dir, const DirectionAlgorithms& d) {
  LOG_DEBUG1("kex: %s cipher: %s MAC: %s compression: %s", dir, d.cipher.c_str(), d.mac.c_str(),
             d.compression.c_str());
}

// OpenSSH kex_choose_conf(): the largest of key, block, IV and MAC key sizes.
size_t need_bytes(const NegotiatedAlgorithms& a) {
  size_t need = 0;
  for (const auto* d : {&a.c2s, &a.s2c}) {
    const CipherInfo* c = find_cipher(d->cipher);
    need = std::max({need, c->key_len, c->block_size, c->iv_len});
    if (const MacInfo* m = find_mac(d->mac)) need = std::max(need, m->key_len);
  }
  return need;
}

Result<PacketProtection> make_protection(const DirectionAlgorithms& d, crypto::HashAlg hash, ByteView k,
                                         ByteView h, ByteView session_id, char iv_letter) {
  // RFC 4253 §7.2: A/B IVs, C/D keys, E/F MAC keys (c2s then s2c).
  const CipherInfo* cipher = find_cipher(d.cipher);
  const MacInfo* mac = find_mac(d.mac);
  DirectionKeys keys;
  keys.iv = SSH_TRY(derive_key(hash, k, h, iv_letter, session_id, cipher->iv_len));
  keys.key = SSH_TRY(derive_key(hash, k, h, char(iv_letter + 2), session_id, cipher->key_len));
  if (mac) keys.mac_key = SSH_TRY(derive_key(hash, k, h, char(iv_letter + 4), session_id, mac->key_len));
  return PacketProtection::create(*cipher, cipher->tag_len ? nullptr : mac, keys);
}

}  // namespace

Status TransportSession::begin_kex() {
  kex_ = std::make_unique<KexRound>();
  KexInit k;
  rng_->fill(k.cookie);
  k.kex = config_.kex_algorithms;
  if (!initial_done_) {
    // Markers only go in the first KEXINIT (RFC 8308 §2.1; OpenSSH PROTOCOL §1.10).
    bool client = config_.role == Role::client;
    k.kex.emplace_back(client ? marker::kExtInfoClient : marker::kExtInfoServer);
    k.kex.emplace_back(client ? marker::kStrictClient : marker::kStrictServer);
    for (const auto& m : config_.extra_kex_markers) k.kex.push_back(m);
  }
  if (config_.role == Role::server) {
    if (!config_.signer) return fail(ErrorCode::internal, "server without host keys");
    auto ours = config_.signer->algorithms();
    for (const auto& a : config_.host_key_algorithms) {
      if (std::find(ours.begin(), ours.end(), a) != ours.end()) k.host_key.push_back(a);
    }
  } else {
    if (!config_.verifier) return fail(ErrorCode::internal, "client without host key verifier");
    k.host_key = config_.host_key_algorithms;
  }
  k.cipher_c2s = k.cipher_s2c = config_.ciphers;
  k.mac_c2s = k.mac_s2c = config_.macs;
  k.compression_c2s = k.compression_s2c = config_.compression;
  bool guess = config_.role == Role::client && !initial_done_ && config_.guess_first_kex;
  k.first_kex_packet_follows = guess;
  kex_->our_kexinit = k.encode();
  log_proposal(config_.role == Role::client ? "local client" : "local server", k);
  SSH_TRY(codec_.write_packet(kex_->our_kexinit, out_));
  LOG_DEBUG1("SSH2_MSG_KEXINIT sent");
  if (guess) SSH_TRY(start_guessed_kex());
  return {};
}

Status TransportSession::start_guessed_kex() {
  const KexInfo* info = config_.kex_algorithms.empty() ? nullptr : find_kex(config_.kex_algorithms[0]);
  if (!info || info->family == KexFamily::dh_gex || info->family == KexFamily::dh_fixed ||
      config_.host_key_algorithms.empty()) {
    return {};  // nothing we can guess without the negotiated ciphers: the KEXINIT says so anyway
  }
  KexParams params;
  params.role = config_.role;
  params.info = info;
  params.host_key_alg = config_.host_key_algorithms[0];
  params.rng = rng_;
  kex_->method = SSH_TRY(make_kex_method(params));
  kex_->guessed = true;
  auto step = SSH_TRY(kex_->method->start());
  LOG_DEBUG1("guessing %s with %s", std::string(info->name).c_str(), params.host_key_alg.c_str());
  return send_kex_step(std::move(step.send));
}

Status TransportSession::handle_kexinit(ByteView payload) {
  if (peer_in_kex())
    return fail(ErrorCode::protocol, "KEXINIT in the wrong place: key exchange already in progress");
  if (!kex_) SSH_TRY(begin_kex());  // peer-initiated rekey
  LOG_DEBUG1("SSH2_MSG_KEXINIT received");
  KexRound& round = *kex_;
  round.peer_kexinit.assign(payload.begin(), payload.end());
  round.peer_kexinit_received = true;
  KexInit peer = SSH_TRY(KexInit::decode(payload));
  log_proposal(config_.role == Role::client ? "peer server" : "peer client", peer);
  if (!initial_done_) {
    bool client = config_.role == Role::client;
    strict_ = peer.has_kex_name(client ? marker::kStrictServer : marker::kStrictClient);
    // Strict KEX: the peer's KEXINIT must be the very first packet it sent.
    if (strict_ && codec_.received().packets != 1) {
      return fail(ErrorCode::protocol, "strict KEX violation: KEXINIT was not the first packet");
    }
    peer_first_kexinit_ = peer;
  }
  KexInit ours = SSH_TRY(KexInit::decode(round.our_kexinit));
  const bool client = config_.role == Role::client;
  round.algorithms = SSH_TRY(negotiate(client ? ours : peer, client ? peer : ours, config_.role));
  round.ignore_next_kex_packet = round.algorithms.ignore_guessed_packet;
  const auto& a = round.algorithms;
  LOG_DEBUG1("kex: algorithm: %s", a.kex.c_str());
  LOG_DEBUG1("kex: host key algorithm: %s", a.host_key.c_str());
  log_direction(client ? "server->client" : "client->server", client ? a.s2c : a.c2s);
  log_direction(client ? "client->server" : "server->client", client ? a.c2s : a.s2c);

  KexParams params;
  params.role = config_.role;
  params.info = find_kex(a.kex);
  params.host_key_alg = a.host_key;
  params.prefix.client_version = client ? our_version_ : version_.peer_version();
  params.prefix.server_version = client ? version_.peer_version() : our_version_;
  params.prefix.client_kexinit = client ? round.our_kexinit : round.peer_kexinit;
  params.prefix.server_kexinit = client ? round.peer_kexinit : round.our_kexinit;
  params.need_bytes = need_bytes(a);
  params.signer = config_.signer;
  params.rng = rng_;
  if (round.guessed) {
    // RFC 4253 §7.1: right when both sides list the same kex and host key algorithm first.
    round.guessed = false;
    bool right = !peer.kex.empty() && peer.kex[0] == ours.kex[0] && !peer.host_key.empty() &&
                 peer.host_key[0] == ours.host_key[0] && a.kex == ours.kex[0] &&
                 a.host_key == ours.host_key[0];
    if (right) {
      round.method->set_prefix(params.prefix);
      return {};
    }
    LOG_DEBUG1("kex guess was wrong: starting %s", a.kex.c_str());
  }
  round.method = SSH_TRY(make_kex_method(params));
  auto step = SSH_TRY(round.method->start());
  return send_kex_step(std::move(step.send));
}

Status TransportSession::send_kex_step(std::vector<Bytes>&& messages) {
  for (const auto& m : messages) SSH_TRY(codec_.write_packet(m, out_));
  return {};
}

Status TransportSession::handle_kex_message(ByteView payload) {
  if (!kex_ || !kex_->method || kex_->method_done) {
    return fail(ErrorCode::protocol, "unexpected key exchange message type " + std::to_string(payload[0]));
  }
  if (kex_->ignore_next_kex_packet) {
    // RFC 4253 §7.1: the peer guessed wrong; drop its guessed packet.
    kex_->ignore_next_kex_packet = false;
    return {};
  }
  auto step = SSH_TRY(kex_->method->handle(payload));
  SSH_TRY(send_kex_step(std::move(step.send)));
  if (step.done) SSH_TRY(finish_kex_method());
  return {};
}

Status TransportSession::finish_kex_method() {
  KexRound& round = *kex_;
  round.method_done = true;
  KexOutcome out = round.method->take_outcome();
  if (config_.role == Role::client) {
    if (initial_done_ && out.host_key_blob != host_key_blob_) {
      return fail(ErrorCode::protocol, "Server host key changed during rekey",
                  DisconnectReason::host_key_not_verifiable);
    }
    auto verified =
        config_.verifier->verify(round.algorithms.host_key, out.host_key_blob, out.signature, out.h);
    if (!verified) {
      Error e = verified.error();
      if (e.reason == DisconnectReason::protocol_error) e.reason = DisconnectReason::host_key_not_verifiable;
      return std::unexpected(std::move(e));
    }
  }
  host_key_blob_ = std::move(out.host_key_blob);
  if (session_id_.empty()) session_id_ = out.h;
  last_h_ = out.h;
  algorithms_ = round.algorithms;
  const crypto::HashAlg hash = find_kex(algorithms_.kex)->hash;
  const bool client = config_.role == Role::client;
  const auto& send_dir = client ? algorithms_.c2s : algorithms_.s2c;
  const auto& recv_dir = client ? algorithms_.s2c : algorithms_.c2s;
  // Client-to-server material uses letters A/C/E, server-to-client B/D/F.
  auto send_prot =
      SSH_TRY(make_protection(send_dir, hash, out.k_mpint.view(), out.h, session_id_, client ? 'A' : 'B'));
  round.receive_protection =
      SSH_TRY(make_protection(recv_dir, hash, out.k_mpint.view(), out.h, session_id_, client ? 'B' : 'A'));
  if (config_.on_kex_secrets) {
    config_.on_kex_secrets(KexSecrets{out.k_mpint.view(), last_h_, session_id_, !initial_done_});
  }
  // NEWKEYS goes out under the old keys; everything after it under the new ones.
  const Bytes newkeys{msg::kNewkeys};
  SSH_TRY(codec_.write_packet(newkeys, out_));
  LOG_DEBUG1("SSH2_MSG_NEWKEYS sent");
  codec_.set_send_protection(std::move(send_prot));
  if (strict_) codec_.reset_send_seq();
  max_blocks_out_ = max_blocks(codec_.send_protection().cipher());
  LOG_DEBUG1("rekey out after %llu blocks", static_cast<unsigned long long>(max_blocks_out_));
  SSH_TRY(start_compression(true));
  round.newkeys_sent = true;
  LOG_DEBUG1("expecting SSH2_MSG_NEWKEYS");
  if (!initial_done_ && config_.role == Role::server) SSH_TRY(send_ext_info());
  // Release what the service layer sent meanwhile, in order.
  while (!held_.empty()) {
    SecretBytes m = std::move(held_.front());
    held_.pop_front();
    held_bytes_ -= m.size();
    SSH_TRY(codec_.write_packet(m.view(), out_));
  }
  return {};
}

Status TransportSession::handle_newkeys() {
  if (!kex_ || !kex_->method_done || !kex_->receive_protection) {
    return fail(ErrorCode::protocol, "unexpected SSH2_MSG_NEWKEYS");
  }
  LOG_DEBUG1("SSH2_MSG_NEWKEYS received");
  codec_.set_receive_protection(std::move(*kex_->receive_protection));
  if (strict_) codec_.reset_receive_seq();
  max_blocks_in_ = max_blocks(codec_.receive_protection().cipher());
  LOG_DEBUG1("rekey in after %llu blocks", static_cast<unsigned long long>(max_blocks_in_));
  SSH_TRY(start_compression(false));
  kex_.reset();
  initial_done_ = true;
  keys_time_ = Clock::now();
  return {};
}

Status TransportSession::send_ext_info() {
  if (config_.server_sig_algs.empty() || !peer_offered(marker::kExtInfoClient)) return {};
  WireWriter w;
  w.u8(msg::kExtInfo).u32(1).string("server-sig-algs").string(join_names(config_.server_sig_algs));
  SSH_TRY(codec_.write_packet(w.view(), out_));
  return {};
}

uint64_t TransportSession::max_blocks(const CipherInfo& cipher) const {
  // RFC 4344 §3.2 / OpenSSH: 2^(L/4) blocks for L >= 128-bit blocks, else 1 GiB of data.
  const uint64_t bs = cipher.block_size;
  uint64_t blocks = bs >= 16 ? (uint64_t{1} << (bs * 2)) : (uint64_t{1} << 30) / bs;
  if (config_.rekey_limit_bytes != 0) blocks = std::min(blocks, config_.rekey_limit_bytes / bs);
  return std::max<uint64_t>(blocks, 1);
}

Status TransportSession::start_compression(bool outgoing) {
  const bool client = config_.role == Role::client;
  const auto& dir = (outgoing == client) ? algorithms_.c2s : algorithms_.s2c;
  CompressionKind kind = CompressionKind::none;
  find_compression(dir.compression, kind);
  const bool want =
      kind == CompressionKind::zlib || (kind == CompressionKind::zlib_delayed && authenticated_);
  // RFC 4253 §6.2: "The compression context is initialized after each key exchange";
  // OpenSSH restarts both zlib streams at every NEWKEYS, so a fresh stream each time.
  if (outgoing) {
    codec_.set_send_compression(std::nullopt);
    if (want) codec_.set_send_compression(SSH_TRY(Compressor::create()));
  } else {
    codec_.set_receive_compression(std::nullopt);
    if (want) codec_.set_receive_compression(SSH_TRY(Decompressor::create()));
  }
  return {};
}

void TransportSession::enable_delayed_compression() {
  if (authenticated_) return;
  authenticated_ = true;
  if (!initial_done_) return;
  // Keys in effect: compression of the current algorithms starts now in both directions
  // (a direction whose NEWKEYS is still pending starts when it arrives).
  auto out = start_compression(true);
  auto in = kex_ ? out : start_compression(false);
  if (!out || !in) (void)fatal(out ? in.error() : out.error());
}

}  // namespace ssh::transport
