// libFuzzer target: everything a client can send to sshd's pre-auth child. A server-role
// TransportSession (fixed ed25519 host key, in-process signer) and auth::ServerAuth (fake
// ServerBackend) are driven the way sshd/preauth_child.cpp drives them: SERVICE_REQUEST
// "ssh-userauth" first, then USERAUTH messages (50..79) into ServerAuth, replies back out.
//
// Input byte 0 picks the mode:
//  - even: raw client bytes (version line, then packets in the clear) into a fresh
//    server session, fed in two pieces: version exchange, KEXINIT, the kex init message,
//    strict-KEX ordering, and whatever the transport lets through before NEWKEYS.
//  - odd: after a completed key exchange. Both ends of an in-process connection are
//    restored from a snapshot taken once at start-up (bits 1-2 pick the cipher), and the
//    rest of the input is a list of records, each encrypted by the client end and fed to
//    the server end: the auth state machine behind real packet protection, rekeys in the
//    middle of authentication, and garbage in the encrypted stream.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/messages.h"
#include "auth/server_auth.h"
#include "auth/server_backend.h"
#include "base/log.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "transport/transport_session.h"

namespace {

using namespace ssh;

constexpr uint8_t kHostSeed[32] = {0x5e, 0x1f, 0x3a, 0x77, 0x02, 0x9c, 0xd4, 0x61, 0x88, 0x0b, 0xe3,
                                   0x45, 0x6a, 0x12, 0xf0, 0x9d, 0x37, 0xc2, 0x58, 0x7e, 0x04, 0xab,
                                   0x91, 0x6d, 0x2f, 0xb8, 0x13, 0xce, 0x60, 0x4a, 0xd9, 0x25};
constexpr std::string_view kUser = "alice";
constexpr std::string_view kPassword = "secret";
constexpr std::string_view kExternalMethod = "continuation@sshc.dev";
constexpr size_t kMaxRecords = 64;

// The host key, as sshd's HostKeys would hold it, but with a fixed seed.
class FixedSigner final : public transport::HostKeySigner {
 public:
  std::vector<std::string> algorithms() const override { return {"ssh-ed25519"}; }
  Result<Bytes> public_blob(std::string_view algorithm) const override {
    if (algorithm != "ssh-ed25519") return fail(ErrorCode::internal, "fuzz: no such host key");
    auto pub = crypto::ed25519_public_from_seed(ByteView(kHostSeed));
    return WireWriter().string("ssh-ed25519").string(ByteView(pub)).take();
  }
  Result<Bytes> sign(std::string_view algorithm, ByteView data) override {
    if (algorithm != "ssh-ed25519") return fail(ErrorCode::internal, "fuzz: no such host key");
    Bytes sig = SSH_TRY(crypto::ed25519_sign(ByteView(kHostSeed), data));
    return WireWriter().string("ssh-ed25519").string(sig).take();
  }
};

// The in-process client end trusts the fixed key without checking: only the server is
// under test.
class TrustingVerifier final : public transport::HostKeyVerifier {
 public:
  Status verify(std::string_view, ByteView, ByteView, ByteView) override { return {}; }
};

// Answers like the monitor for one account "alice" (password "secret"), "root" (refused
// by the default PermitRootLogin for passwords) and invalid users otherwise.
class FakeBackend final : public auth::ServerBackend {
 public:
  explicit FakeBackend(ByteView session_id) : session_id_(session_id.begin(), session_id.end()) {}

  Result<auth::UserInfo> lookup_user(std::string_view user) override {
    return auth::UserInfo{user == kUser || user == "root", user == "root"};
  }
  Result<auth::PublickeyCheck> check_publickey(std::string_view user, std::string_view,
                                               ByteView key_blob) override {
    auth::PublickeyCheck c;
    // Half of all keys are "authorized", so both PK_OK and failure paths run.
    c.allowed = user == kUser && !key_blob.empty() && (key_blob.back() & 1) != 0;
    if (c.allowed) c.source = "fuzz:1";
    return c;
  }
  Result<bool> verify_publickey(std::string_view user, std::string_view algorithm, ByteView key_blob,
                                ByteView, ByteView signed_data) override {
    // The monitor's own check of the signed block, then a signature that never verifies.
    (void)auth::check_publickey_signed_data(signed_data, session_id_, user, algorithm, key_blob, std::nullopt);
    return false;
  }
  Result<bool> check_password(std::string_view user, const SecretBytes& password) override {
    return user == kUser && as_text(password.view()) == kPassword;
  }
  Result<auth::KbdintStep> kbdint_start(std::string_view user, std::string_view) override {
    kbdint_user_ = std::string(user);
    auth::KbdintStep s;
    s.kind = auth::KbdintStep::Kind::prompts;
    s.instruction = "fuzz";
    s.prompts = {{"Password: ", false}, {"Code: ", true}};
    return s;
  }
  Result<auth::KbdintStep> kbdint_respond(std::vector<SecretBytes> responses) override {
    auth::KbdintStep s;
    bool ok = kbdint_user_ == kUser && responses.size() == 2 && as_text(responses[0].view()) == kPassword;
    s.kind = ok ? auth::KbdintStep::Kind::success : auth::KbdintStep::Kind::failure;
    return s;
  }
  void kbdint_stop() override { kbdint_user_.clear(); }
  Result<bool> account_allowed(std::string_view) override { return true; }

 private:
  Bytes session_id_;
  std::string kbdint_user_;
};

transport::TransportConfig server_config(FixedSigner& signer) {
  transport::TransportConfig c;
  c.role = transport::Role::server;
  c.signer = &signer;
  c.server_sig_algs = {"ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256"};
  c.extra_kex_markers = {"continuation-s-v01@sshc.dev"};
  return c;
}

// sshd/preauth_child.cpp's message handling, without the monitor and the event loop.
class PreauthDriver {
 public:
  explicit PreauthDriver(transport::TransportSession& session) : session_(session) {}

  // false: the connection is over (error, or authentication finished).
  bool on_message(ByteView payload) {
    if (!service_accepted_) return on_service_request(payload);
    if (payload[0] < 50 || payload[0] > 79) return false;
    if (!auth_) {
      auth::ServerAuthConfig cfg;
      cfg.kbdint = true;
      cfg.banner = "fuzz banner\r\n";
      cfg.client_label = "from 127.0.0.1 port 1";
      cfg.external_methods = {std::string(kExternalMethod)};
      auto host_key = session_.host_key_blob();
      cfg.host_key_blob = Bytes(host_key.begin(), host_key.end());
      auto sid = session_.session_id();
      backend_ = std::make_unique<FakeBackend>(sid);
      auth_ = std::make_unique<auth::ServerAuth>(cfg, *backend_, Bytes(sid.begin(), sid.end()));
    }
    std::vector<Bytes> out;
    auto state = auth_->on_message(payload, out);
    if (state && *state == auth::ServerAuth::State::external) {
      // The monitor found no suspended session for the handle.
      state = auth_->external_failed("fuzz: no such session", out);
    }
    if (!state) {
      session_.disconnect(state.error().reason, state.error().context);
      return false;
    }
    for (const auto& m : out) {
      if (!session_.send(m)) return false;
    }
    return *state == auth::ServerAuth::State::in_progress;
  }

 private:
  bool on_service_request(ByteView payload) {
    WireReader r(payload);
    auto type = r.u8();
    if (!type || *type != auth::kServiceRequest) return false;
    auto name = r.text(256);
    if (!name || *name != "ssh-userauth" || !r.expect_end()) return false;
    service_accepted_ = true;
    return session_.send(WireWriter().u8(auth::kServiceAccept).string("ssh-userauth").take()).has_value();
  }

  transport::TransportSession& session_;
  std::unique_ptr<FakeBackend> backend_;
  std::unique_ptr<auth::ServerAuth> auth_;
  bool service_accepted_ = false;
};

// Runs every service message the server has ready through the driver.
bool drain_server(transport::TransportSession& server, PreauthDriver& driver) {
  while (true) {
    auto m = server.next_message();
    if (!m) return false;
    if (!*m) return true;
    if (!driver.on_message(**m)) return false;
  }
}

void fuzz_raw(ByteView data) {
  FixedSigner signer;
  transport::TransportSession server(server_config(signer));
  PreauthDriver driver(server);
  size_t half = data.size() / 2;
  for (ByteView part : {data.first(half), data.subspan(half)}) {
    if (!server.feed(part) || !drain_server(server, driver)) return;
    server.consume_output(server.pending_output().size());
  }
}

// Both ends of a connection right after its first key exchange, as exported state.
struct Snapshot {
  SecretBytes client;
  SecretBytes server;
};

struct Cipher {
  const char* cipher;
  const char* mac;
};
constexpr Cipher kCiphers[] = {
    {"chacha20-poly1305@openssh.com", "hmac-sha2-256-etm@openssh.com"},
    {"aes128-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com"},
    {"aes256-ctr", "hmac-sha2-256-etm@openssh.com"},
    {"aes128-ctr", "hmac-sha2-512"},
};

// libFuzzer gives no context pointer: the snapshots (one per entry of kCiphers) are made
// once in LLVMFuzzerInitialize and only read afterwards.
TrustingVerifier g_verifier;
FixedSigner g_signer;
std::vector<Snapshot> g_snaps;

transport::TransportConfig client_config(const Cipher& c) {
  transport::TransportConfig cfg;
  cfg.role = transport::Role::client;
  cfg.verifier = &g_verifier;
  cfg.kex_algorithms = {"curve25519-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com"};
  cfg.ciphers = {c.cipher};
  cfg.macs = {c.mac};
  cfg.compression = {"none"};
  return cfg;
}

// Moves everything one side has written to the other; false when the receiver died.
bool move_bytes(transport::TransportSession& from, transport::TransportSession& to) {
  if (!from.has_output()) return true;
  Bytes chunk(from.pending_output().begin(), from.pending_output().end());
  from.consume_output(chunk.size());
  return to.feed(chunk).has_value();
}

Snapshot make_snapshot(const Cipher& c) {
  transport::TransportSession client(client_config(c));
  transport::TransportSession server(server_config(g_signer));
  for (int i = 0; i < 50 && !(client.initial_kex_done() && server.initial_kex_done()); ++i) {
    if (!move_bytes(client, server) || !move_bytes(server, client)) break;
    while (true) {
      auto m = server.next_message();
      if (!m || !*m) break;
    }
    while (true) {
      auto m = client.next_message();
      if (!m || !*m) break;
    }
  }
  // The server's EXT_INFO reaches the client before the snapshot.
  (void)move_bytes(server, client);
  while (true) {
    auto m = client.next_message();
    if (!m || !*m) break;
  }
  auto cs = client.export_state();
  auto ss = server.export_state();
  if (!cs || !ss) __builtin_trap();  // the harness itself is broken
  return Snapshot{std::move(*cs), std::move(*ss)};
}

// Records: u8 op, u16 length, payload. op % 4: 0 = a message the client end encrypts
// (any type but kex messages), 1 = the client starts a rekey, 2 = raw bytes into the
// server's encrypted stream, 3 = the server starts a rekey.
void fuzz_encrypted(uint8_t selector, ByteView data) {
  const Snapshot& snap = g_snaps[(selector >> 1) % g_snaps.size()];
  auto client = transport::TransportSession::import_state(snap.client.view(),
                                                          client_config(kCiphers[(selector >> 1) % 4]));
  auto server = transport::TransportSession::import_state(snap.server.view(), server_config(g_signer));
  if (!client || !server) __builtin_trap();
  PreauthDriver driver(**server);
  WireReader r(data);
  for (size_t n = 0; n < kMaxRecords && r.remaining() > 0; ++n) {
    auto op = r.u8();
    auto len = r.u8();
    auto len2 = r.u8();
    if (!op || !len || !len2) return;
    size_t size = std::min<size_t>((size_t(*len) << 8) | *len2, r.remaining());
    auto payload = *r.raw(size);
    switch (*op % 4) {
      case 0:
        if (payload.empty() || !(*client)->send(payload)) return;
        break;
      case 1:
        if (!(*client)->rekey()) return;
        break;
      case 2:
        if (!(*server)->feed(payload)) return;
        break;
      default:
        if (!(*server)->rekey()) return;
        break;
    }
    // Round trips until both ends are quiet, as the sockets would carry them.
    for (int i = 0; i < 8 && ((*client)->has_output() || (*server)->has_output()); ++i) {
      if (!move_bytes(**client, **server) || !drain_server(**server, driver)) return;
      if (!move_bytes(**server, **client)) return;
      while (true) {
        auto m = (*client)->next_message();
        if (!m) return;
        if (!*m) break;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Every line is formatted (the peer's strings reach log lines) and dropped.
  ssh::log::Options o;
  o.level = ssh::log::Level::debug3;
  o.sink = [](ssh::log::Level, const char*) {};
  ssh::log::configure(o);
  for (const auto& c : kCiphers) g_snaps.push_back(make_snapshot(c));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ssh::ByteView rest(data + 1, size - 1);
  if (data[0] & 1) {
    fuzz_encrypted(data[0], rest);
  } else {
    fuzz_raw(rest);
  }
  return 0;
}
