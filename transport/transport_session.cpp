#include "transport/transport_session.h"

#include <algorithm>

#include "base/log.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "transport/messages.h"
#include "transport/transport_kex_round.h"

namespace ssh::transport {

namespace {

// Held service messages while a kex runs: bounded so a stalled kex cannot eat memory.
constexpr size_t kMaxHeldBytes = 16 * 1024 * 1024;

bool is_kex_type(uint8_t t) {
  return t == msg::kKexinit || t == msg::kNewkeys || (t >= msg::kKexFirst && t <= msg::kKexLast);
}
// Messages allowed while a key exchange runs (RFC 4253 §7.1): generic transport ones
// (1..19 except the service ones) and kex ones.
bool allowed_during_kex(uint8_t t) {
  return t == msg::kDisconnect || t == msg::kIgnore || t == msg::kUnimplemented || t == msg::kDebug ||
         is_kex_type(t);
}

}  // namespace

TransportSession::TransportSession(TransportConfig config)
    : config_(std::move(config)),
      rng_(config_.rng ? config_.rng : &crypto::system_random()),
      our_version_(make_banner(config_.software_version, config_.banner_comment)),
      version_(config_.role),
      codec_(*rng_) {
  append(out_, as_bytes(our_version_));
  our_version_.resize(our_version_.size() - 2);  // hashed without CR LF
  auto started = begin_kex();
  if (!started) error_ = started.error();
}

// For import_state(): no banner, no KEXINIT; transport_state.cpp fills in the rest.
TransportSession::TransportSession(TransportConfig config, RestoreTag)
    : config_(std::move(config)),
      rng_(config_.rng ? config_.rng : &crypto::system_random()),
      version_(config_.role),
      codec_(*rng_) {}

TransportSession::~TransportSession() = default;

void TransportSession::consume_output(size_t n) {
  out_pos_ += std::min(n, out_.size() - out_pos_);
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  } else if (out_pos_ >= 1024 * 1024 && out_pos_ * 2 >= out_.size()) {
    out_.erase(out_.begin(), out_.begin() + ptrdiff_t(out_pos_));
    out_pos_ = 0;
  }
}

std::unexpected<Error> TransportSession::fatal(Error e) {
  if (!error_) {
    // Peer-caused protocol errors get a clean DISCONNECT (RFC 4253 §11.1); a closed or
    // broken connection does not.
    if (e.code != ErrorCode::closed && e.code != ErrorCode::io) {
      WireWriter w;
      w.u8(msg::kDisconnect).u32(uint32_t(e.reason)).string(e.context).string("");
      (void)codec_.write_packet(w.view(), out_);
    }
    error_ = e;
  }
  return std::unexpected(*error_);
}

void TransportSession::disconnect(DisconnectReason reason, std::string_view description) {
  if (error_) return;
  WireWriter w;
  w.u8(msg::kDisconnect).u32(uint32_t(reason)).string(description).string("");
  (void)codec_.write_packet(w.view(), out_);
  error_ = Error{ErrorCode::closed, reason, "disconnected by application"};
}

Status TransportSession::feed(ByteView data) {
  if (error_) return std::unexpected(*error_);
  if (!version_.done()) {
    auto used = version_.feed(data);
    if (!used) {
      error_ = used.error();
      return std::unexpected(*error_);
    }
    data = data.subspan(*used);
    if (version_.done()) {
      LOG_DEBUG1("Remote protocol version %s, remote software version %.*s",
                 version_.peer_version().substr(4, version_.peer_version().find('-', 4) - 4).c_str(),
                 int(peer_software().size()), peer_software().data());
    }
  }
  if (!data.empty()) codec_.feed(data);
  return {};
}

Result<std::optional<ByteView>> TransportSession::next_message() {
  while (true) {
    if (error_) return std::unexpected(*error_);
    if (!version_.done()) return std::optional<ByteView>();
    auto packet = codec_.read_packet();
    if (!packet) return fatal(packet.error());
    if (!*packet) return std::optional<ByteView>();
    ByteView payload = **packet;
    auto deliver = dispatch(payload);
    if (!deliver) return fatal(deliver.error());
    auto rekey = check_rekey();
    if (!rekey) return fatal(rekey.error());
    if (*deliver) return std::optional<ByteView>(payload);
  }
}

bool TransportSession::peer_in_kex() const {
  return kex_ && kex_->peer_kexinit_received;
}

// Returns true when the payload is for the service layer.
Result<bool> TransportSession::dispatch(ByteView payload) {
  const uint8_t type = payload[0];
  if (type == msg::kDisconnect) {
    SSH_TRY(handle_disconnect(payload));
    return false;
  }
  // Strict KEX (OpenSSH PROTOCOL §1.10): during the initial kex only kex messages.
  if (strict_ && !initial_done_ && !is_kex_type(type)) {
    return fail(ErrorCode::protocol, "strict KEX violation: unexpected message type " + std::to_string(type) +
                                         " during initial key exchange");
  }
  switch (type) {
    case msg::kIgnore: return false;
    case msg::kDebug: {
      WireReader r(payload.subspan(1));
      auto always = r.boolean();
      auto text = r.text(1024);
      if (always && text) LOG_DEBUG1("Remote: %.*s", int(text->size()), text->data());
      return false;
    }
    case msg::kUnimplemented: LOG_DEBUG1("Received SSH2_MSG_UNIMPLEMENTED"); return false;
    case msg::kKexinit: SSH_TRY(handle_kexinit(payload)); return false;
    case msg::kNewkeys: SSH_TRY(handle_newkeys()); return false;
    default: break;
  }
  if (type >= msg::kKexFirst && type <= msg::kKexLast) {
    SSH_TRY(handle_kex_message(payload));
    return false;
  }
  if (!initial_done_ || peer_in_kex()) {
    return fail(ErrorCode::protocol, "unexpected message type " + std::to_string(type) +
                                         (initial_done_ ? " during key exchange" : " before key exchange"));
  }
  if (type == msg::kExtInfo) {
    SSH_TRY(handle_ext_info(payload));
    return false;
  }
  if (type == msg::kUserauthSuccess && config_.role == Role::client) {
    // Everything after this packet may be compressed (zlib@openssh.com).
    enable_delayed_compression();
  }
  return true;
}

Status TransportSession::handle_disconnect(ByteView payload) {
  WireReader r(payload.subspan(1));
  PeerDisconnect d;
  d.reason = SSH_TRY(r.u32());
  std::string_view desc = SSH_TRY(r.text(4096));
  // Keep only printable characters: the text ends up on a terminal.
  for (char c : desc) d.description.push_back((c >= ' ' && c <= '~') ? c : '?');
  std::string context = "Received disconnect: " + std::to_string(d.reason) + ": " + d.description;
  peer_disconnect_ = std::move(d);
  return fail(ErrorCode::closed, context, DisconnectReason(peer_disconnect_->reason));
}

Status TransportSession::handle_ext_info(ByteView payload) {
  // RFC 8308 §2.3: uint32 count, then (string name, string value) pairs.
  WireReader r(payload.subspan(1));
  uint32_t count = SSH_TRY(r.u32());
  if (count > 1024) return fail(ErrorCode::limit, "too many extensions in EXT_INFO");
  LOG_DEBUG1("SSH2_MSG_EXT_INFO received");
  std::vector<Extension> exts;
  for (uint32_t i = 0; i < count; ++i) {
    Extension e;
    e.name = std::string(SSH_TRY(r.text(256)));
    ByteView value = SSH_TRY(r.string(64 * 1024));
    e.value.assign(value.begin(), value.end());
    std::string shown;
    for (uint8_t c : value.first(std::min<size_t>(value.size(), 1024))) {
      shown.push_back(c >= ' ' && c <= '~' ? char(c) : '?');
    }
    LOG_DEBUG1("kex_input_ext_info: %s=<%s>", e.name.c_str(), shown.c_str());
    if (e.name == "server-sig-algs" && config_.role == Role::client) {
      WireWriter w;
      w.string(value);
      WireReader lr(w.view());
      server_sig_algs_ = SSH_TRY(lr.name_list());
    }
    exts.push_back(std::move(e));
  }
  // A later EXT_INFO (RFC 8308 §2.4, after authentication) updates earlier values.
  for (auto& e : exts) {
    auto it = std::find_if(ext_info_.begin(), ext_info_.end(),
                           [&](const Extension& x) { return x.name == e.name; });
    if (it != ext_info_.end()) {
      *it = std::move(e);
    } else {
      ext_info_.push_back(std::move(e));
    }
  }
  return {};
}

Status TransportSession::send(ByteView payload) {
  if (error_) return std::unexpected(*error_);
  if (payload.empty()) return fail(ErrorCode::internal, "empty payload");
  if (payload.size() > kMaxSendPayload) return fail(ErrorCode::internal, "payload too large");
  const uint8_t type = payload[0];
  if (is_kex_type(type)) return fail(ErrorCode::internal, "service layer may not send kex messages");
  if (kex_ && !kex_->newkeys_sent && !allowed_during_kex(type)) {
    // RFC 4253 §7.1: nothing but transport messages between KEXINIT and NEWKEYS.
    if (held_bytes_ + payload.size() > kMaxHeldBytes) {
      return fail(ErrorCode::limit, "too much data queued during key exchange");
    }
    held_.emplace_back(payload);
    held_bytes_ += payload.size();
    return {};
  }
  return write_now(payload);
}

Status TransportSession::write_now(ByteView payload) {
  auto written = codec_.write_packet(payload, out_);
  if (!written) return fatal(written.error());
  auto after = after_send(payload[0]);
  if (!after) return fatal(after.error());
  return {};
}

Status TransportSession::after_send(uint8_t type) {
  if (type == msg::kUserauthSuccess && config_.role == Role::server) {
    enable_delayed_compression();
    // Not now: sshd exports this state right after the success, which a key exchange
    // in progress would prevent. The next packet either way starts it if due.
    return {};
  }
  return check_rekey();
}

Status TransportSession::send_service_request(std::string_view service) {
  WireWriter w;
  w.u8(msg::kServiceRequest).string(service);
  return send(w.view());
}

Status TransportSession::check_rekey() {
  // Like OpenSSH, no volume rekeying before the login: a server may not take a KEXINIT
  // then (OpenSSH answers UNIMPLEMENTED and both sides would wait for ever).
  if (!initial_done_ || kex_ || !authenticated_) return {};
  const auto& s = codec_.sent();
  const auto& r = codec_.received();
  // Sequence numbers must not wrap under one set of keys (RFC 4344 §3.1).
  constexpr uint64_t kMaxPackets = uint64_t{1} << 31;
  if (s.blocks_since_keys >= max_blocks_out_ || r.blocks_since_keys >= max_blocks_in_ ||
      s.packets_since_keys >= kMaxPackets || r.packets_since_keys >= kMaxPackets) {
    LOG_DEBUG1("ssh_packet_need_rekeying: rekey limit reached");
    return begin_kex();
  }
  return {};
}

Status TransportSession::rekey() {
  if (error_) return std::unexpected(*error_);
  if (!initial_done_ || kex_) return {};
  auto started = begin_kex();
  if (!started) return fatal(started.error());
  return {};
}

std::optional<TimePoint> TransportSession::next_deadline() const {
  if (config_.rekey_interval.count() == 0 || !initial_done_ || kex_ || error_) return std::nullopt;
  return keys_time_ + config_.rekey_interval;
}

Status TransportSession::on_timer(TimePoint now) {
  auto deadline = next_deadline();
  if (deadline && now >= *deadline) {
    LOG_DEBUG1("ssh_packet_need_rekeying: time limit expired");
    return rekey();
  }
  return {};
}

bool TransportSession::peer_offered(std::string_view kex_name) const {
  return peer_first_kexinit_ && peer_first_kexinit_->has_kex_name(kex_name);
}

}  // namespace ssh::transport
