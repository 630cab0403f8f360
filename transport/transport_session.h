// The SSH transport as a sans-I/O object (RFC 4253): bytes in, service-layer payloads
// out; key exchange, strict KEX, ext-info, rekeying and compression handled inside.
//
// Typical loop:
//   session.feed(bytes_read);
//   while (auto m = SSH_TRY(session.next_message())) handle(*m);   // service payloads
//   write(fd, session.pending_output()); session.consume_output(n_written);
// On any error the session is dead; pending_output() may still hold a DISCONNECT that
// the caller should write before closing.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/random.h"
#include "transport/algorithms.h"
#include "transport/host_key_interfaces.h"
#include "transport/kexinit.h"
#include "transport/packet_codec.h"
#include "transport/version.h"

namespace ssh::transport {

// What TransportConfig::on_kex_secrets sees after each key exchange. The views are valid
// only during the call.
struct KexSecrets {
  // The shared secret K in its mpint encoding (uint32 length || magnitude, RFC 4251 §5),
  // exactly as it enters H and the key derivation of RFC 4253 §7.2.
  ByteView shared_secret;
  ByteView exchange_hash;  // H of this exchange
  ByteView session_id;     // H of the first exchange
  bool initial = false;    // the first key exchange of the connection
};

struct TransportConfig {
  Role role = Role::client;
  std::string software_version = "sshc_0.1";  // our banner is "SSH-2.0-" + this
  std::string banner_comment;
  std::vector<std::string> kex_algorithms = default_algorithms(AlgorithmKind::kex);
  std::vector<std::string> host_key_algorithms = default_algorithms(AlgorithmKind::host_key);
  std::vector<std::string> ciphers = default_algorithms(AlgorithmKind::cipher);
  std::vector<std::string> macs = default_algorithms(AlgorithmKind::mac);
  std::vector<std::string> compression = default_algorithms(AlgorithmKind::compression);
  // Extra marker names appended to the first KEXINIT's kex list (e.g. continuation).
  std::vector<std::string> extra_kex_markers;
  // Client: send the first key exchange message of kex_algorithms[0] with
  // host_key_algorithms[0] right behind the first KEXINIT (RFC 4253 §7.1
  // first_kex_packet_follows), saving a round trip when the server prefers the same pair,
  // as a resuming client expects (PROTOCOL.continuation §7.5). One-round-trip methods only.
  bool guess_first_kex = false;
  // RekeyLimit: 0 = the cipher's default (RFC 4344 §3.2: 2^(L/4) blocks for block length L
  // >= 128 bits, else 1 GiB, as OpenSSH does); otherwise the smaller of the two.
  uint64_t rekey_limit_bytes = 0;
  std::chrono::seconds rekey_interval{0};  // 0 = no time-based rekeying
  HostKeyVerifier* verifier = nullptr;     // client role: required
  HostKeySigner* signer = nullptr;         // server role: required
  crypto::RandomSource* rng = nullptr;     // null = crypto::system_random()
  // Server role: the value of server-sig-algs sent in EXT_INFO (RFC 8308 §3.1) when the
  // client offers ext-info-c; empty = do not send EXT_INFO.
  std::vector<std::string> server_sig_algs;
  // Called once per completed key exchange (initial and every rekey, both roles) right
  // after the new keys are derived and, for a client, after the host key verified; K is
  // wiped as soon as it returns. This is the only way to see K: the continuation layer
  // derives its resume secret from K and H here (DESIGN §4.2). Copy what you keep into
  // SecretBytes. It may queue service-layer messages with send() (they leave right behind
  // our NEWKEYS); it must not call anything else on the session.
  std::function<void(const KexSecrets&)> on_kex_secrets;
};

// One extension from SSH_MSG_EXT_INFO (RFC 8308 §2.3).
struct Extension {
  std::string name;
  Bytes value;
};

struct PeerDisconnect {
  uint32_t reason = 0;
  std::string description;
};

class TransportSession {
 public:
  explicit TransportSession(TransportConfig config);
  ~TransportSession();
  TransportSession(const TransportSession&) = delete;
  TransportSession& operator=(const TransportSession&) = delete;

  // --- I/O ---
  // Bytes read from the socket. Invalidates views from next_message().
  Status feed(ByteView data);
  // The next service-layer payload (message number first), or nullopt when more input
  // is needed. Transport messages (IGNORE, DEBUG, UNIMPLEMENTED, KEXINIT, NEWKEYS, kex
  // messages, EXT_INFO) are consumed here. The view is valid until the next feed() or
  // next_message(). A peer DISCONNECT is an error with code ErrorCode::closed.
  Result<std::optional<ByteView>> next_message();
  // Sends a service-layer payload. Held (copied) while a key exchange is in progress
  // and flushed right after our NEWKEYS; otherwise encrypted straight into the output.
  Status send(ByteView payload);
  // Convenience: SSH_MSG_SERVICE_REQUEST (RFC 4253 §10), e.g. "ssh-userauth".
  Status send_service_request(std::string_view service);
  // Bytes to write to the socket, and how many were written.
  ByteView pending_output() const { return ByteView(out_).subspan(out_pos_); }
  bool has_output() const { return out_pos_ < out_.size(); }
  void consume_output(size_t n);

  // --- control ---
  // Starts a key exchange now (no-op while one is running or before the first is done).
  Status rekey();
  // Time-based rekeying: call when next_deadline() passes.
  Status on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  // Queues SSH_MSG_DISCONNECT; the session is dead afterwards.
  void disconnect(DisconnectReason reason, std::string_view description);
  // zlib@openssh.com starts after USERAUTH_SUCCESS. The session notices that message
  // itself (received as client, sent as server); this call is idempotent.
  void enable_delayed_compression();

  // --- state ---
  Role role() const { return config_.role; }
  bool version_exchanged() const { return version_.done(); }
  bool initial_kex_done() const { return initial_done_; }
  bool kex_in_progress() const { return kex_ != nullptr; }
  bool is_dead() const { return error_.has_value(); }
  const std::optional<Error>& error() const { return error_; }
  const std::optional<PeerDisconnect>& peer_disconnect() const { return peer_disconnect_; }
  bool strict_kex() const { return strict_; }
  ByteView session_id() const { return session_id_; }
  ByteView exchange_hash() const { return last_h_; }  // H of the latest key exchange
  ByteView host_key_blob() const { return host_key_blob_; }
  const NegotiatedAlgorithms& algorithms() const { return algorithms_; }
  const std::string& our_version() const { return our_version_; }
  const std::string& peer_version() const { return version_.peer_version(); }
  std::string_view peer_software() const { return version_.peer_software(); }
  // Marker names from the peer's first KEXINIT (ext-info-c, continuation markers, ...).
  bool peer_offered(std::string_view kex_name) const;
  const std::vector<Extension>& ext_info() const { return ext_info_; }
  // server-sig-algs from the server's EXT_INFO (client role), if it sent one.
  const std::optional<std::vector<std::string>>& server_sig_algs() const { return server_sig_algs_; }
  const DirectionCounters& sent() const { return codec_.sent(); }
  const DirectionCounters& received() const { return codec_.received(); }
  // The sequence number of the packet next_message() returned last (RFC 4253 §6.4; reset
  // by strict KEX), for SSH_MSG_UNIMPLEMENTED.
  uint32_t last_received_seq() const { return codec_.receive_seq() - 1; }
  size_t held_messages() const { return held_.size(); }

  // --- state transfer (transport_state.cpp; format in transport/transport_state.h) ---
  // The complete state of this connection (keys, IVs, cipher positions, sequence
  // numbers, counters, session id, algorithms, strict-kex, ext-info, rekey accounting,
  // unprocessed input and unwritten output) so that another process can continue it.
  // Fails while a key exchange runs, before the first one completes, on a dead session,
  // and once a zlib stream has carried data (zlib history cannot be exported). After a
  // successful export this object must not be used for I/O any more: the imported copy
  // owns the connection.
  Result<SecretBytes> export_state() const;
  // Rebuilds a session from export_state() output. config supplies role (must match),
  // rng, verifier/signer, algorithm preferences and limits for later rekeys, and hooks;
  // our banner comes from the state. Corrupt or truncated input fails cleanly.
  static Result<std::unique_ptr<TransportSession>> import_state(ByteView state, TransportConfig config);

 private:
  struct KexRound;
  struct StateCodec;  // transport_state.cpp
  struct RestoreTag {};
  TransportSession(TransportConfig config, RestoreTag);

  // transport_session.cpp
  Result<bool> dispatch(ByteView payload);
  Status write_now(ByteView payload);
  Status after_send(uint8_t type);
  Status check_rekey();
  std::unexpected<Error> fatal(Error e);
  Status handle_disconnect(ByteView payload);
  Status handle_ext_info(ByteView payload);
  bool peer_in_kex() const;

  // transport_kex.cpp
  Status begin_kex();
  Status start_guessed_kex();
  Status handle_kexinit(ByteView payload);
  Status handle_kex_message(ByteView payload);
  Status finish_kex_method();
  Status handle_newkeys();
  Status send_kex_step(std::vector<Bytes>&& messages);
  Status install_send_keys();
  Status send_ext_info();
  Status start_compression(bool outgoing);
  uint64_t max_blocks(const CipherInfo& cipher) const;

  TransportConfig config_;
  crypto::RandomSource* rng_;
  std::string our_version_;
  VersionExchange version_;
  PacketCodec codec_;
  Bytes out_;
  size_t out_pos_ = 0;

  std::unique_ptr<KexRound> kex_;
  std::deque<SecretBytes> held_;  // plaintext (keystrokes, output): wiped when sent
  size_t held_bytes_ = 0;
  bool initial_done_ = false;
  bool strict_ = false;
  bool authenticated_ = false;  // delayed compression may start
  std::optional<KexInit> peer_first_kexinit_;
  NegotiatedAlgorithms algorithms_;
  Bytes session_id_;
  Bytes last_h_;
  Bytes host_key_blob_;
  uint64_t max_blocks_out_ = 0;
  uint64_t max_blocks_in_ = 0;
  TimePoint keys_time_{};
  std::vector<Extension> ext_info_;
  std::optional<std::vector<std::string>> server_sig_algs_;
  std::optional<PeerDisconnect> peer_disconnect_;
  std::optional<Error> error_;
};

}  // namespace ssh::transport
