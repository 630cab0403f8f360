#include "transport/packet_protection.h"

#include <array>

namespace ssh::transport {

Result<PacketProtection> PacketProtection::create(const CipherInfo& cipher, const MacInfo* mac,
                                                  const DirectionKeys& keys, uint64_t stream_position) {
  PacketProtection p;
  p.cipher_ = &cipher;
  if (keys.key.size() != cipher.key_len || keys.iv.size() < cipher.iv_len) {
    return fail(ErrorCode::internal, "key material of wrong size");
  }
  switch (cipher.kind) {
    case CipherKind::none: break;
    case CipherKind::aes_ctr:
      p.ctr_.emplace(
          SSH_TRY(crypto::AesCtr::create_at(keys.key.view(), keys.iv.view().first(16), stream_position)));
      break;
    case CipherKind::aes_gcm:
      p.gcm_.emplace(
          SSH_TRY(crypto::AesGcm::create_at(keys.key.view(), keys.iv.view().first(12), stream_position)));
      break;
    case CipherKind::chacha20_poly1305:
      p.chacha_.emplace(SSH_TRY(crypto::ChaCha20Poly1305::create(keys.key.view())));
      break;
  }
  if (cipher.tag_len == 0 && cipher.kind != CipherKind::none) {
    if (!mac) return fail(ErrorCode::internal, "cipher without MAC");
    if (keys.mac_key.size() != mac->key_len) return fail(ErrorCode::internal, "MAC key of wrong size");
    p.mac_ = mac;
    p.hmac_.emplace(SSH_TRY(crypto::Hmac::create(mac->hash, keys.mac_key.view())));
  }
  if (cipher.kind != CipherKind::none) p.keys_ = keys.clone();
  return p;
}

uint64_t PacketProtection::stream_position() const {
  if (ctr_) return ctr_->position();
  if (gcm_) return gcm_->invocations();
  return 0;
}

size_t PacketProtection::tag_size() const {
  if (cipher_->tag_len) return cipher_->tag_len;
  return mac_ ? mac_->mac_len : 0;
}

bool PacketProtection::length_excluded_from_padding() const {
  return cipher_->tag_len != 0 || (mac_ && mac_->etm);
}

size_t PacketProtection::length_prefix_size() const {
  if (cipher_->kind == CipherKind::aes_ctr && !(mac_ && mac_->etm)) return cipher_->block_size;
  return 4;
}

void PacketProtection::compute_mac(uint32_t seq, ByteView data, uint8_t* out) {
  // RFC 4253 §6.4: mac = MAC(key, sequence_number || data).
  uint8_t s[4];
  store_be32(s, seq);
  hmac_->reset();
  hmac_->update(ByteView(s, 4));
  hmac_->update(data);
  hmac_->finish(out);
}

Status PacketProtection::check_mac(uint32_t seq, ByteView data, const uint8_t* tag) {
  std::array<uint8_t, 64> expect{};
  compute_mac(seq, data, expect.data());
  bool ok = constant_time_equal(ByteView(expect.data(), mac_->mac_len), ByteView(tag, mac_->mac_len));
  if (!ok)
    return fail(ErrorCode::crypto, "message authentication code incorrect", DisconnectReason::mac_error);
  return {};
}

Status PacketProtection::seal(uint32_t seq, std::span<uint8_t> packet, uint8_t* tag) {
  uint8_t* p = packet.data();
  size_t n = packet.size();
  switch (cipher_->kind) {
    case CipherKind::none: return {};
    case CipherKind::chacha20_poly1305: chacha_->seal(seq, p, n, tag); return {};
    case CipherKind::aes_gcm: return gcm_->seal(ByteView(p, 4), p + 4, n - 4, tag);
    case CipherKind::aes_ctr:
      if (mac_->etm) {
        ctr_->apply(p + 4, p + 4, n - 4);
        compute_mac(seq, ByteView(p, n), tag);
      } else {
        compute_mac(seq, ByteView(p, n), tag);
        ctr_->apply(p, p, n);
      }
      return {};
  }
  return fail(ErrorCode::internal, "unknown cipher kind");
}

uint32_t PacketProtection::read_length(uint32_t seq, std::span<uint8_t> prefix) {
  uint8_t* p = prefix.data();
  if (cipher_->kind == CipherKind::chacha20_poly1305) {
    uint8_t len[4];
    chacha_->decrypt_length(seq, p, len);
    return load_be32(len);
  }
  if (cipher_->kind == CipherKind::aes_ctr && !mac_->etm) {
    ctr_->apply(p, p, cipher_->block_size);
  }
  return load_be32(p);
}

Status PacketProtection::open(uint32_t seq, std::span<uint8_t> packet, const uint8_t* tag) {
  uint8_t* p = packet.data();
  size_t n = packet.size();
  switch (cipher_->kind) {
    case CipherKind::none: return {};
    case CipherKind::chacha20_poly1305: return chacha_->open(seq, p, n, tag);
    case CipherKind::aes_gcm: return gcm_->open(ByteView(p, 4), p + 4, n - 4, tag);
    case CipherKind::aes_ctr:
      if (mac_->etm) {
        // Verify before decrypting anything (encrypt-then-MAC).
        SSH_TRY(check_mac(seq, ByteView(p, n), tag));
        ctr_->apply(p + 4, p + 4, n - 4);
        return {};
      } else {
        size_t done = cipher_->block_size;  // decrypted by read_length
        ctr_->apply(p + done, p + done, n - done);
        return check_mac(seq, ByteView(p, n), tag);
      }
  }
  return fail(ErrorCode::internal, "unknown cipher kind");
}

}  // namespace ssh::transport
