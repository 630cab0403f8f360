#include "transport/packet_codec.h"

#include <algorithm>
#include <cstring>

namespace ssh::transport {

namespace {
// RFC 4253 §6: at least four bytes of padding.
constexpr size_t kMinPadding = 4;
}  // namespace

void PacketCodec::set_send_protection(PacketProtection&& p) {
  send_ = std::move(p);
  sent_.blocks_since_keys = 0;
  sent_.packets_since_keys = 0;
}

void PacketCodec::set_receive_protection(PacketProtection&& p) {
  receive_ = std::move(p);
  received_.blocks_since_keys = 0;
  received_.packets_since_keys = 0;
}

PacketCodecState PacketCodec::state() const {
  PacketCodecState s;
  s.send_seq = send_seq_;
  s.receive_seq = receive_seq_;
  s.sent = sent_;
  s.received = received_;
  s.input.assign(in_.begin() + ptrdiff_t(in_pos_), in_.end());
  s.packet_length = packet_length_;
  return s;
}

void PacketCodec::restore_state(PacketCodecState&& s) {
  send_seq_ = s.send_seq;
  receive_seq_ = s.receive_seq;
  sent_ = s.sent;
  received_ = s.received;
  in_ = std::move(s.input);
  in_pos_ = 0;
  packet_length_ = s.packet_length;
}

Status PacketCodec::write_packet(ByteView payload, Bytes& out) {
  if (payload.empty() || payload.size() > kMaxSendPayload) {
    return fail(ErrorCode::internal, "outgoing payload size out of range");
  }
  if (compressor_) {
    compressed_.clear();
    SSH_TRY(compressor_->compress(payload, compressed_));
    payload = compressed_;
  }
  const size_t block = std::max<size_t>(send_.block_size(), 8);
  const size_t aligned = (send_.length_excluded_from_padding() ? 0 : 4) + 1 + payload.size();
  size_t padding = block - aligned % block;
  if (padding < kMinPadding) padding += block;
  const size_t packet_length = 1 + payload.size() + padding;
  const size_t tag = send_.tag_size();
  const size_t start = out.size();
  out.resize(start + 4 + packet_length + tag);
  uint8_t* p = out.data() + start;
  store_be32(p, uint32_t(packet_length));
  p[4] = uint8_t(padding);
  std::memcpy(p + 5, payload.data(), payload.size());
  fill_padding(p + 5 + payload.size(), padding);
  SSH_TRY(send_.seal(send_seq_, std::span<uint8_t>(p, 4 + packet_length), p + 4 + packet_length));
  ++send_seq_;
  ++sent_.packets;
  ++sent_.packets_since_keys;
  sent_.bytes += 4 + packet_length + tag;
  sent_.blocks_since_keys += (4 + packet_length) / block;
  return {};
}

void PacketCodec::fill_padding(uint8_t* p, size_t n) {
  if (padding_pos_ + n > padding_pool_.size()) {
    rng_->fill(padding_pool_);
    padding_pos_ = 0;
  }
  std::memcpy(p, padding_pool_.data() + padding_pos_, n);
  padding_pos_ += n;
}

void PacketCodec::feed(ByteView data) {
  // Compact lazily: the consumed prefix (decrypted in place, so plaintext) is dropped and
  // wiped before the buffer grows.
  if (in_pos_ > 0 && (in_pos_ == in_.size() || in_pos_ >= 64 * 1024)) {
    erase_front(in_, in_pos_);
    in_pos_ = 0;
  }
  in_.insert(in_.end(), data.begin(), data.end());
}

Result<uint32_t> PacketCodec::read_length() {
  const size_t need = receive_.length_prefix_size();
  uint32_t len = receive_.read_length(receive_seq_, std::span<uint8_t>(in_.data() + in_pos_, need));
  // Refuse absurd lengths before waiting for (or buffering) the body.
  if (len < 5 || len > kMaxPacketLength) {
    return fail(ErrorCode::limit, "Bad packet length " + std::to_string(len) + ".");
  }
  const size_t block = std::max<size_t>(receive_.block_size(), 8);
  const size_t aligned = receive_.length_excluded_from_padding() ? len : size_t(len) + 4;
  if (aligned % block != 0) {
    return fail(ErrorCode::protocol,
                "Bad packet length " + std::to_string(len) + " (block " + std::to_string(block) + ").");
  }
  return len;
}

Result<std::optional<ByteView>> PacketCodec::read_packet() {
  if (!packet_length_) {
    if (buffered_input() < receive_.length_prefix_size()) return std::optional<ByteView>();
    packet_length_ = SSH_TRY(read_length());
  }
  const size_t len = *packet_length_;
  const size_t tag = receive_.tag_size();
  if (buffered_input() < 4 + len + tag) return std::optional<ByteView>();
  uint8_t* p = in_.data() + in_pos_;
  auto opened = receive_.open(receive_seq_, std::span<uint8_t>(p, 4 + len), p + 4 + len);
  if (!opened) {
    return fail(ErrorCode::crypto, "message authentication code incorrect", DisconnectReason::mac_error);
  }
  const size_t padding = p[4];
  if (padding < kMinPadding || padding + 1 >= len) {
    return fail(ErrorCode::protocol, "Corrupted padlen " + std::to_string(padding) + " on input.");
  }
  ByteView payload(p + 5, len - 1 - padding);
  const size_t block = std::max<size_t>(receive_.block_size(), 8);
  in_pos_ += 4 + len + tag;
  packet_length_.reset();
  ++receive_seq_;
  ++received_.packets;
  ++received_.packets_since_keys;
  received_.bytes += 4 + len + tag;
  received_.blocks_since_keys += (4 + len) / block;
  if (decompressor_) {
    SSH_TRY(decompressor_->decompress(payload, inflated_));
    if (inflated_.empty()) return fail(ErrorCode::protocol, "empty payload after decompression");
    return std::optional<ByteView>(ByteView(inflated_));
  }
  return std::optional<ByteView>(payload);
}

}  // namespace ssh::transport
