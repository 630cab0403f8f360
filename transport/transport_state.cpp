// TransportSession::export_state() / import_state(): the blob layout is documented in
// transport_state.h. Secret parts are written into buffers reserved up front (so no
// reallocation leaves copies behind) and wiped once copied into the SecretBytes blob.
#include "transport/transport_state.h"

#include <algorithm>

#include "base/log.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "transport/transport_kex_round.h"
#include "transport/transport_session.h"

namespace ssh::transport {

namespace {

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxVersionLength = kMaxVersionLine;
constexpr size_t kMaxHashLength = 64;
constexpr size_t kMaxHostKeyBlob = 16 * 1024;
constexpr size_t kMaxKeyMaterial = 256;
constexpr uint32_t kMaxExtensions = 1024;

// A writer whose buffer never reallocates for up to `capacity` bytes.
WireWriter reserved_writer(size_t capacity) {
  Bytes b;
  b.reserve(capacity);
  return WireWriter(std::move(b));
}

// Moves w's bytes into blob and wipes w's buffer.
void append_wiped(SecretBytes& blob, WireWriter& w) {
  Bytes b = w.take();
  blob.append(b);
  wipe(b.data(), b.capacity());
}

void write_counters(WireWriter& w, const DirectionCounters& c) {
  w.u64(c.packets).u64(c.bytes).u64(c.blocks_since_keys).u64(c.packets_since_keys);
}

Result<DirectionCounters> read_counters(WireReader& r) {
  DirectionCounters c;
  c.packets = SSH_TRY(r.u64());
  c.bytes = SSH_TRY(r.u64());
  c.blocks_since_keys = SSH_TRY(r.u64());
  c.packets_since_keys = SSH_TRY(r.u64());
  return c;
}

void write_direction(WireWriter& w, const PacketProtection& p, bool compression) {
  w.string(p.cipher().name).string(p.mac() ? p.mac()->name : std::string_view());
  w.string(p.keys().iv.view()).string(p.keys().key.view()).string(p.keys().mac_key.view());
  w.u64(p.stream_position()).boolean(compression);
}

struct DirectionState {
  PacketProtection protection;
  bool compression = false;
};

Result<DirectionState> read_direction(WireReader& r) {
  std::string_view cipher_name = SSH_TRY(r.text(kMaxNameLength));
  std::string_view mac_name = SSH_TRY(r.text(kMaxNameLength));
  const CipherInfo* cipher = cipher_name == cipher_none().name ? &cipher_none() : find_cipher(cipher_name);
  const MacInfo* mac = mac_name.empty() ? nullptr : find_mac(mac_name);
  if (!cipher || (!mac_name.empty() && !mac))
    return fail(ErrorCode::parse, "transport state: unknown algorithm");
  if (cipher->kind != CipherKind::none && cipher->tag_len == 0 && !mac) {
    return fail(ErrorCode::parse, "transport state: cipher without MAC");
  }
  DirectionKeys keys;
  keys.iv = SecretBytes(SSH_TRY(r.string(kMaxKeyMaterial)));
  keys.key = SecretBytes(SSH_TRY(r.string(kMaxKeyMaterial)));
  keys.mac_key = SecretBytes(SSH_TRY(r.string(kMaxKeyMaterial)));
  const uint64_t position = SSH_TRY(r.u64());
  DirectionState d;
  d.compression = SSH_TRY(r.boolean());
  if (cipher->kind == CipherKind::none) {
    if (!keys.iv.empty() || !keys.key.empty() || !keys.mac_key.empty() || position != 0) {
      return fail(ErrorCode::parse, "transport state: keys for cipher none");
    }
    return d;
  }
  if (keys.key.size() != cipher->key_len || keys.iv.size() < cipher->iv_len ||
      (mac && cipher->tag_len == 0 && keys.mac_key.size() != mac->key_len)) {
    return fail(ErrorCode::parse, "transport state: key material of wrong size");
  }
  d.protection = SSH_TRY(PacketProtection::create(*cipher, mac, keys, position));
  return d;
}

void write_algorithms(WireWriter& w, const NegotiatedAlgorithms& a) {
  w.string(a.kex).string(a.host_key);
  for (const auto* d : {&a.c2s, &a.s2c}) w.string(d->cipher).string(d->mac).string(d->compression);
}

Result<NegotiatedAlgorithms> read_algorithms(WireReader& r) {
  NegotiatedAlgorithms a;
  a.kex = std::string(SSH_TRY(r.text(kMaxNameLength)));
  a.host_key = std::string(SSH_TRY(r.text(kMaxNameLength)));
  for (auto* d : {&a.c2s, &a.s2c}) {
    d->cipher = std::string(SSH_TRY(r.text(kMaxNameLength)));
    d->mac = std::string(SSH_TRY(r.text(kMaxNameLength)));
    d->compression = std::string(SSH_TRY(r.text(kMaxNameLength)));
    CompressionKind kind;
    if (!find_cipher(d->cipher) || !find_compression(d->compression, kind) ||
        (d->mac != kImplicitMac && !find_mac(d->mac))) {
      return fail(ErrorCode::parse, "transport state: unknown negotiated algorithm");
    }
  }
  if (!find_kex(a.kex) || !find_host_key_alg(a.host_key)) {
    return fail(ErrorCode::parse, "transport state: unknown negotiated algorithm");
  }
  return a;
}

Bytes to_bytes(ByteView v) {
  return Bytes(v.begin(), v.end());
}

}  // namespace

struct TransportSession::StateCodec {
  static Status check_exportable(const TransportSession& s);
  static void write_session(const TransportSession& s, WireWriter& w);
  static Status read_session(TransportSession& s, WireReader& r);
  static Status read_codec(TransportSession& s, WireReader& r);
};

Status TransportSession::StateCodec::check_exportable(const TransportSession& s) {
  if (s.error_) return fail(ErrorCode::protocol, "cannot export transport state: session is dead");
  if (!s.initial_done_) {
    return fail(ErrorCode::protocol, "cannot export transport state: initial key exchange not finished");
  }
  if (s.kex_ || !s.held_.empty() || !s.peer_first_kexinit_) {
    return fail(ErrorCode::protocol, "cannot export transport state: key exchange in progress");
  }
  if (!s.codec_.send_compression_pristine() || !s.codec_.receive_compression_pristine()) {
    return fail(ErrorCode::protocol,
                "cannot export transport state: zlib compression has carried data and its "
                "stream cannot be exported (hand over before delayed compression starts)");
  }
  if (s.codec_.buffered_input() > kMaxStateBuffer || s.pending_output().size() > kMaxStateBuffer) {
    return fail(ErrorCode::limit, "cannot export transport state: too much buffered data");
  }
  return {};
}

void TransportSession::StateCodec::write_session(const TransportSession& s, WireWriter& w) {
  w.string(kTransportStateMagic).u32(kTransportStateVersion);
  w.u8(s.config_.role == Role::client ? 0 : 1);
  w.string(s.our_version_).string(s.version_.peer_version());
  w.boolean(s.strict_).boolean(s.authenticated_);
  w.string(s.peer_first_kexinit_->encode());
  write_algorithms(w, s.algorithms_);
  w.string(s.session_id_).string(s.last_h_).string(s.host_key_blob_);
  w.u64(s.max_blocks_out_).u64(s.max_blocks_in_);
  auto age = std::chrono::duration_cast<Millis>(Clock::now() - s.keys_time_);
  w.u64(uint64_t(std::max<Millis::rep>(age.count(), 0)));
  w.u32(uint32_t(s.ext_info_.size()));
  for (const auto& e : s.ext_info_) w.string(e.name).string(e.value);
  w.boolean(s.server_sig_algs_.has_value());
  if (s.server_sig_algs_) w.name_list(*s.server_sig_algs_);
}

Result<SecretBytes> TransportSession::export_state() const {
  SSH_TRY(StateCodec::check_exportable(*this));
  WireWriter head;  // nothing secret in here
  StateCodec::write_session(*this, head);

  WireWriter keys = reserved_writer(1024);  // two directions of names and key material
  write_direction(keys, codec_.send_protection(), codec_.send_compression_active());
  write_direction(keys, codec_.receive_protection(), codec_.receive_compression_active());

  PacketCodecState cs = codec_.state();
  ByteView output = pending_output();
  // The input may hold a decrypted first block (see PacketCodecState).
  WireWriter tail = reserved_writer(128 + cs.input.size() + output.size());
  tail.u32(cs.send_seq).u32(cs.receive_seq);
  write_counters(tail, cs.sent);
  write_counters(tail, cs.received);
  tail.string(cs.input).boolean(cs.packet_length.has_value());
  if (cs.packet_length) tail.u32(*cs.packet_length);
  tail.string(output);
  wipe(cs.input.data(), cs.input.capacity());

  SecretBytes blob;
  append_wiped(blob, head);
  append_wiped(blob, keys);
  append_wiped(blob, tail);
  LOG_DEBUG1("transport state exported: %zu bytes, %zu input and %zu output bytes pending", blob.size(),
             codec_.buffered_input(), output.size());
  return blob;
}

Status TransportSession::StateCodec::read_session(TransportSession& s, WireReader& r) {
  s.our_version_ = std::string(SSH_TRY(r.text(kMaxVersionLength)));
  std::string peer(SSH_TRY(r.text(kMaxVersionLength)));
  peer += "\r\n";
  auto used = s.version_.feed(as_bytes(peer));
  if (!used || *used != peer.size() || !s.version_.done()) {
    return fail(ErrorCode::parse, "transport state: bad peer version");
  }
  s.strict_ = SSH_TRY(r.boolean());
  s.authenticated_ = SSH_TRY(r.boolean());
  s.peer_first_kexinit_ = SSH_TRY(KexInit::decode(SSH_TRY(r.string(kMaxPacketLength))));
  s.algorithms_ = SSH_TRY(read_algorithms(r));
  s.session_id_ = to_bytes(SSH_TRY(r.string(kMaxHashLength)));
  s.last_h_ = to_bytes(SSH_TRY(r.string(kMaxHashLength)));
  s.host_key_blob_ = to_bytes(SSH_TRY(r.string(kMaxHostKeyBlob)));
  if (s.session_id_.empty() || s.last_h_.empty() || s.host_key_blob_.empty()) {
    return fail(ErrorCode::parse, "transport state: missing session id");
  }
  s.max_blocks_out_ = SSH_TRY(r.u64());
  s.max_blocks_in_ = SSH_TRY(r.u64());
  // The age, not the time point: monotonic clocks differ between hosts and boots.
  const uint64_t age_ms = SSH_TRY(r.u64());
  const TimePoint now = Clock::now();
  const auto uptime = std::chrono::duration_cast<Millis>(now.time_since_epoch()).count();
  const uint64_t clamped = std::min<uint64_t>(age_ms, uint64_t(std::max<Millis::rep>(uptime, 0)));
  s.keys_time_ = now - Millis(Millis::rep(clamped));
  const uint32_t count = SSH_TRY(r.u32());
  if (count > kMaxExtensions) return fail(ErrorCode::parse, "transport state: too many extensions");
  for (uint32_t i = 0; i < count; ++i) {
    Extension e;
    e.name = std::string(SSH_TRY(r.text(256)));
    e.value = to_bytes(SSH_TRY(r.string(64 * 1024)));
    s.ext_info_.push_back(std::move(e));
  }
  if (SSH_TRY(r.boolean())) s.server_sig_algs_ = SSH_TRY(r.name_list());
  return {};
}

Status TransportSession::StateCodec::read_codec(TransportSession& s, WireReader& r) {
  const bool client = s.config_.role == Role::client;
  const NegotiatedAlgorithms& a = s.algorithms_;
  DirectionState send = SSH_TRY(read_direction(r));
  DirectionState recv = SSH_TRY(read_direction(r));
  // The protections must be the ones the negotiated algorithms call for.
  if (send.protection.cipher().name != (client ? a.c2s : a.s2c).cipher ||
      recv.protection.cipher().name != (client ? a.s2c : a.c2s).cipher) {
    return fail(ErrorCode::parse, "transport state: keys do not match the algorithms");
  }
  for (const auto& [dir, compression] : {std::pair{&a.c2s, client ? send.compression : recv.compression},
                                         std::pair{&a.s2c, client ? recv.compression : send.compression}}) {
    CompressionKind kind = CompressionKind::none;
    find_compression(dir->compression, kind);
    if (compression &&
        !(kind == CompressionKind::zlib || (kind == CompressionKind::zlib_delayed && s.authenticated_))) {
      return fail(ErrorCode::parse, "transport state: compression not negotiated");
    }
  }
  s.codec_.set_send_protection(std::move(send.protection));
  s.codec_.set_receive_protection(std::move(recv.protection));
  if (send.compression) s.codec_.set_send_compression(SSH_TRY(Compressor::create()));
  if (recv.compression) s.codec_.set_receive_compression(SSH_TRY(Decompressor::create()));

  PacketCodecState cs;
  cs.send_seq = SSH_TRY(r.u32());
  cs.receive_seq = SSH_TRY(r.u32());
  cs.sent = SSH_TRY(read_counters(r));
  cs.received = SSH_TRY(read_counters(r));
  cs.input = to_bytes(SSH_TRY(r.string(kMaxStateBuffer)));
  if (SSH_TRY(r.boolean())) {
    cs.packet_length = SSH_TRY(r.u32());
    if (*cs.packet_length > kMaxPacketLength ||
        cs.input.size() < s.codec_.receive_protection().length_prefix_size()) {
      return fail(ErrorCode::parse, "transport state: bad pending packet length");
    }
  }
  s.codec_.restore_state(std::move(cs));
  append(s.out_, SSH_TRY(r.string(kMaxStateBuffer)));
  return {};
}

Result<std::unique_ptr<TransportSession>> TransportSession::import_state(ByteView state,
                                                                         TransportConfig config) {
  WireReader r(state);
  if (SSH_TRY(r.text(kTransportStateMagic.size())) != kTransportStateMagic) {
    return fail(ErrorCode::parse, "transport state: bad magic");
  }
  const uint32_t version = SSH_TRY(r.u32());
  if (version != kTransportStateVersion) {
    return fail(ErrorCode::parse, "transport state: unsupported version " + std::to_string(version));
  }
  const uint8_t role = SSH_TRY(r.u8());
  if (role > 1 || (role == 0) != (config.role == Role::client)) {
    return fail(ErrorCode::parse, "transport state: role does not match");
  }
  if (config.role == Role::client ? !config.verifier : !config.signer) {
    return fail(ErrorCode::internal, "transport state: config lacks host key verifier/signer");
  }
  std::unique_ptr<TransportSession> s(new TransportSession(std::move(config), RestoreTag{}));
  SSH_TRY(StateCodec::read_session(*s, r));
  SSH_TRY(StateCodec::read_codec(*s, r));
  SSH_TRY(r.expect_end());
  s->initial_done_ = true;
  LOG_DEBUG1("transport state imported: %s, %zu input and %zu output bytes pending",
             s->algorithms_.kex.c_str(), s->codec_.buffered_input(), s->pending_output().size());
  return s;
}

}  // namespace ssh::transport
