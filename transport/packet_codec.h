// Binary packet framing (RFC 4253 §6): padding, sequence numbers, size caps, and the
// hand-off to packet protection and compression. Sans-I/O; decrypts in place in its
// input buffer and encrypts in place in the caller's output buffer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/random.h"
#include "transport/compression.h"
#include "transport/packet_protection.h"

namespace ssh::transport {

// Largest packet_length we accept or produce (OpenSSH PACKET_MAX_SIZE, RFC 4253 §6.1
// requires at least 35000).
constexpr uint32_t kMaxPacketLength = 256 * 1024;
// Largest payload we send: leaves room for padding and compression growth.
constexpr size_t kMaxSendPayload = kMaxPacketLength - 1024;

struct DirectionCounters {
  uint64_t packets = 0;
  uint64_t bytes = 0;              // on-the-wire bytes including MAC
  uint64_t blocks_since_keys = 0;  // cipher blocks since the current keys took effect
  uint64_t packets_since_keys = 0;
};

// The codec's counters and unprocessed input, for transport state export/import.
struct PacketCodecState {
  uint32_t send_seq = 0;
  uint32_t receive_seq = 0;
  DirectionCounters sent;
  DirectionCounters received;
  // Bytes fed but not yet returned as packets. When packet_length is set, the packet at
  // the front has had its length read (for encrypt-and-MAC AES-CTR its first block is
  // already decrypted in place and the receive stream is past it).
  Bytes input;
  std::optional<uint32_t> packet_length;
};

class PacketCodec {
 public:
  explicit PacketCodec(crypto::RandomSource& rng) : rng_(&rng) {}

  // --- sending ---
  // Appends one protected packet carrying payload to out.
  Status write_packet(ByteView payload, Bytes& out);
  void set_send_protection(PacketProtection&& p);
  void set_send_compression(std::optional<Compressor>&& c) { compressor_ = std::move(c); }
  bool send_compression_active() const { return compressor_.has_value(); }
  void reset_send_seq() { send_seq_ = 0; }
  uint32_t send_seq() const { return send_seq_; }
  const DirectionCounters& sent() const { return sent_; }
  const PacketProtection& send_protection() const { return send_; }

  // --- receiving ---
  // Buffers bytes from the peer. Invalidates views returned by read_packet().
  void feed(ByteView data);
  // The next payload, or nullopt if a whole packet is not buffered yet. The view stays
  // valid until the next feed() or read_packet().
  Result<std::optional<ByteView>> read_packet();
  void set_receive_protection(PacketProtection&& p);
  void set_receive_compression(std::optional<Decompressor>&& d) { decompressor_ = std::move(d); }
  bool receive_compression_active() const { return decompressor_.has_value(); }
  void reset_receive_seq() { receive_seq_ = 0; }
  uint32_t receive_seq() const { return receive_seq_; }
  const DirectionCounters& received() const { return received_; }
  const PacketProtection& receive_protection() const { return receive_; }
  size_t buffered_input() const { return in_.size() - in_pos_; }
  bool send_compression_pristine() const { return !compressor_ || compressor_->pristine(); }
  bool receive_compression_pristine() const { return !decompressor_ || decompressor_->pristine(); }

  // --- state transfer ---
  // Sequence numbers, counters and unprocessed input (not protections or compression).
  PacketCodecState state() const;
  // Call after installing the protections: installing resets the per-key counters.
  void restore_state(PacketCodecState&& s);

 private:
  Result<uint32_t> read_length();
  void fill_padding(uint8_t* p, size_t n);

  crypto::RandomSource* rng_;
  // Padding comes from a pool refilled from rng_: one RNG call per 4 KiB instead of one
  // per packet (OpenSSL's RAND_bytes checks for fork on every call).
  std::array<uint8_t, 4096> padding_pool_{};
  size_t padding_pos_ = sizeof(padding_pool_);
  PacketProtection send_;
  PacketProtection receive_;
  uint32_t send_seq_ = 0;
  uint32_t receive_seq_ = 0;
  DirectionCounters sent_;
  DirectionCounters received_;
  std::optional<Compressor> compressor_;
  std::optional<Decompressor> decompressor_;
  Bytes compressed_;  // scratch for outgoing compression
  Bytes inflated_;    // holds the last inflated payload
  Bytes in_;
  size_t in_pos_ = 0;
  std::optional<uint32_t> packet_length_;  // of the packet at in_pos_, once known
};

}  // namespace ssh::transport
