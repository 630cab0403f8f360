// Interop: our client TransportSession against Debian's stock OpenSSH sshd, run as
// `sshd -i -f cfg -e` over a socketpair, for every kex, host key, cipher and MAC we
// implement, plus compression (after a real publickey login) and rekeying.
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "base/unique_fd.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "test_host_keys.h"
#include "transport/messages.h"
#include "transport/transport_session.h"

namespace ssh::transport {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr const char* kKeygen = "/usr/bin/ssh-keygen";

std::string base64(ByteView in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = uint32_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint32_t(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= in[i + 2];
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? t[v & 63] : '=';
  }
  return out;
}

std::string current_user() {
  struct passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : "root";
}

// Keys and files shared by every test in this binary.
struct SshdFixtureFiles {
  fs::path dir;
  SecretBytes user_seed{32};
  Bytes user_blob;

  SshdFixtureFiles() {
    char tmpl[] = "/tmp/transport-interop-XXXXXX";
    dir = mkdtemp(tmpl);
    const std::pair<const char*, const char*> keys[] = {
        {"ed25519", "-t ed25519"}, {"ecdsa256", "-t ecdsa -b 256"}, {"ecdsa384", "-t ecdsa -b 384"},
        {"ecdsa521", "-t ecdsa -b 521"}, {"rsa", "-t rsa -b 2048"}};
    for (const auto& [name, args] : keys) {
      std::string cmd = std::string(kKeygen) + " -q -N '' " + args + " -f " +
                        (dir / ("host_" + std::string(name))).string();
      if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "ssh-keygen failed: " << cmd;
    }
    crypto::system_random().fill(user_seed.span());
    auto pub = crypto::ed25519_public_from_seed(user_seed.view());
    WireWriter w;
    w.string("ssh-ed25519").string(ByteView(pub));
    user_blob = w.take();
    std::ofstream(dir / "authorized_keys") << "ssh-ed25519 " << base64(user_blob) << " test\n";
    mkdir("/run/sshd", 0755);  // privilege separation directory sshd insists on
  }
  ~SshdFixtureFiles() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

SshdFixtureFiles& files() {
  static SshdFixtureFiles f;
  return f;
}

// One `sshd -i` child on a socketpair.
class SshdConnection {
 public:
  explicit SshdConnection(const std::string& extra_config) {
    static int counter = 0;
    auto& f = files();
    std::string tag = std::to_string(getpid()) + "_" + std::to_string(counter++);
    fs::path cfg = f.dir / ("sshd_config_" + tag);
    log_ = f.dir / ("sshd_log_" + tag);
    std::ofstream c(cfg);
    for (const char* k : {"ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa"}) {
      c << "HostKey " << (f.dir / ("host_" + std::string(k))).string() << "\n";
    }
    c << "UsePAM no\nStrictModes no\nPermitRootLogin yes\nPubkeyAuthentication yes\n"
      << "PasswordAuthentication no\nKbdInteractiveAuthentication no\nLogLevel DEBUG3\n"
      << "AuthorizedKeysFile " << (f.dir / "authorized_keys").string() << "\n"
      << extra_config;
    c.close();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    UniqueFd ours(sv[0]), theirs(sv[1]);
    int log_fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(theirs.get(), 0);
      dup2(theirs.get(), 1);
      dup2(log_fd, 2);
      execl(kSshd, kSshd, "-i", "-e", "-f", cfg.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(log_fd);
    fd_ = std::move(ours);
  }
  ~SshdConnection() {
    fd_.reset();
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  int fd() const { return fd_.get(); }
  std::string full_log() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string log_text() const {
    std::string s = full_log();
    return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
  }

 private:
  UniqueFd fd_;
  pid_t pid_ = -1;
  fs::path log_;
};

// Blocking driver for a client session over a socket.
class Driver {
 public:
  Driver(TransportSession& s, int fd) : s_(s), fd_(fd) {}

  Status flush() {
    while (s_.has_output()) {
      ByteView out = s_.pending_output();
      ssize_t n = ::write(fd_, out.data(), out.size());
      if (n < 0) return fail(ErrorCode::io, "write failed");
      s_.consume_output(size_t(n));
    }
    return {};
  }

  // Next service message; transport messages are handled on the way.
  Result<Bytes> wait_message(int timeout_ms = 30000) {
    while (true) {
      auto m = SSH_TRY(s_.next_message());
      SSH_TRY(flush());
      if (m) return Bytes(m->begin(), m->end());
      struct pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return fail(ErrorCode::io, "timeout waiting for sshd");
      uint8_t buf[65536];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return fail(ErrorCode::io, "sshd closed the connection");
      SSH_TRY(s_.feed(ByteView(buf, size_t(n))));
    }
  }

  // Reads whatever is available without blocking (keeps rekeys moving while we push).
  Status pump_nonblocking() {
    while (true) {
      struct pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) break;
      uint8_t buf[65536];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return fail(ErrorCode::io, "sshd closed the connection");
      SSH_TRY(s_.feed(ByteView(buf, size_t(n))));
      while (auto m = SSH_TRY(s_.next_message())) {
        // sshd announces its host keys after login (hostkeys-00@openssh.com).
        if ((*m)[0] == 80) continue;
        return fail(ErrorCode::protocol, "unexpected service message " + std::to_string((*m)[0]));
      }
    }
    return flush();
  }

 private:
  TransportSession& s_;
  int fd_;
};

Status expect_type(const Bytes& m, uint8_t type) {
  if (m.empty() || m[0] != type) {
    return fail(ErrorCode::protocol, "expected message " + std::to_string(type) + ", got " +
                                         (m.empty() ? std::string("nothing") : std::to_string(m[0])));
  }
  return {};
}

Status service_request(TransportSession& s, Driver& d) {
  SSH_TRY(s.send_service_request("ssh-userauth"));
  SSH_TRY(d.flush());
  Bytes m = SSH_TRY(d.wait_message());
  SSH_TRY(expect_type(m, msg::kServiceAccept));
  WireReader r(ByteView(m).subspan(1));
  if (SSH_TRY(r.text()) != "ssh-userauth") return fail(ErrorCode::protocol, "wrong service accepted");
  return {};
}

// RFC 4252 §7 publickey login with the fixture's ed25519 user key.
Status login(TransportSession& s, Driver& d) {
  const std::string user = current_user();
  auto body = [&](WireWriter& w) {
    w.u8(50).string(user).string("ssh-connection").string("publickey").boolean(true);
    w.string("ssh-ed25519").string(files().user_blob);
  };
  WireWriter signed_data;
  signed_data.string(s.session_id());
  body(signed_data);
  Bytes sig = SSH_TRY(crypto::ed25519_sign(files().user_seed.view(), signed_data.view()));
  WireWriter req;
  body(req);
  size_t mark = req.begin_string();
  req.string("ssh-ed25519").string(sig);
  req.end_string(mark);
  SSH_TRY(s.send(req.view()));
  SSH_TRY(d.flush());
  Bytes m = SSH_TRY(d.wait_message());
  return expect_type(m, msg::kUserauthSuccess);
}

// Post-auth liveness: a global request sshd does not know gets REQUEST_FAILURE.
Status ping(TransportSession& s, Driver& d) {
  WireWriter w;
  w.u8(80).string("nonexistent@example.org").boolean(true);
  SSH_TRY(s.send(w.view()));
  SSH_TRY(d.flush());
  Bytes m = SSH_TRY(d.wait_message());
  // Skip sshd's own global requests (hostkeys-00@openssh.com, want-reply false).
  while (!m.empty() && m[0] == 80) m = SSH_TRY(d.wait_message());
  return expect_type(m, 82);
}

struct Case {
  std::string name;
  AlgorithmKind kind;
  std::string algorithm;
  std::string host_key_file_hint;
};

std::string sshd_option(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kex: return "KexAlgorithms";
    case AlgorithmKind::host_key: return "HostKeyAlgorithms";
    case AlgorithmKind::cipher: return "Ciphers";
    case AlgorithmKind::mac: return "MACs";
    case AlgorithmKind::compression: return "Compression";
  }
  return {};
}

class SshdInterop : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (access(kSshd, X_OK) != 0 || access(kKeygen, X_OK) != 0) GTEST_SKIP() << "no stock OpenSSH";
    // TRANSPORT_TEST_DEBUG=1 shows our debug1: lines (as `ssh -v` would).
    if (std::getenv("TRANSPORT_TEST_DEBUG")) log::set_level(log::Level::debug1);
  }
};

TEST_P(SshdInterop, KexThenServiceAccept) {
  const Case& c = GetParam();
  std::string extra = sshd_option(c.kind) + " " + c.algorithm + "\n";
  TransportConfig cfg;
  switch (c.kind) {
    case AlgorithmKind::kex: cfg.kex_algorithms = {c.algorithm}; break;
    case AlgorithmKind::host_key: cfg.host_key_algorithms = {c.algorithm}; break;
    case AlgorithmKind::cipher: cfg.ciphers = {c.algorithm}; break;
    case AlgorithmKind::mac:
      cfg.macs = {c.algorithm};
      cfg.ciphers = {"aes128-ctr"};  // a MAC only matters with a non-AEAD cipher
      break;
    case AlgorithmKind::compression: break;
  }
  SshdConnection sshd(extra);
  test::TestVerifier verifier;
  cfg.verifier = &verifier;
  TransportSession s(std::move(cfg));
  Driver d(s, sshd.fd());
  auto ok = service_request(s, d);
  ASSERT_TRUE(ok) << ok.error().context << "\n--- sshd log ---\n" << sshd.log_text();
  EXPECT_TRUE(s.initial_kex_done());
  EXPECT_TRUE(s.strict_kex());
  EXPECT_EQ(verifier.calls, 1);
  EXPECT_NE(s.peer_version().find("OpenSSH"), std::string::npos);
  switch (c.kind) {
    case AlgorithmKind::kex: EXPECT_EQ(s.algorithms().kex, c.algorithm); break;
    case AlgorithmKind::host_key: EXPECT_EQ(verifier.last_algorithm, c.algorithm); break;
    case AlgorithmKind::cipher: EXPECT_EQ(s.algorithms().s2c.cipher, c.algorithm); break;
    case AlgorithmKind::mac: EXPECT_EQ(s.algorithms().c2s.mac, c.algorithm); break;
    case AlgorithmKind::compression: break;
  }
  // sshd announces server-sig-algs in EXT_INFO (RFC 8308).
  EXPECT_TRUE(s.server_sig_algs().has_value());
  auto logged = login(s, d);
  ASSERT_TRUE(logged) << logged.error().context << "\n--- sshd log ---\n" << sshd.log_text();
  auto alive = ping(s, d);
  ASSERT_TRUE(alive) << alive.error().context << "\n--- sshd log ---\n" << sshd.log_text();
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (auto kind : {AlgorithmKind::kex, AlgorithmKind::host_key, AlgorithmKind::cipher, AlgorithmKind::mac}) {
    for (const auto& a : supported_algorithms(kind)) {
      std::string name = sshd_option(kind) + "_" + a;
      for (char& ch : name) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      cases.push_back({name, kind, a, {}});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Stock, SshdInterop, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return info.param.name; });

class SshdInteropExtra : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kSshd, X_OK) != 0 || access(kKeygen, X_OK) != 0) GTEST_SKIP() << "no stock OpenSSH";
  }
};

// RFC 4253 §7.1 against stock sshd: a guess that matches its first choice is taken, one
// that does not is ignored by sshd while we start the negotiated method.
TEST_F(SshdInteropExtra, GuessedFirstKexPacket) {
  for (const char* sshd_kex : {"curve25519-sha256", "ecdh-sha2-nistp256,curve25519-sha256"}) {
    SshdConnection sshd(std::string("KexAlgorithms ") + sshd_kex + "\nHostKeyAlgorithms ssh-ed25519\n");
    test::TestVerifier verifier;
    TransportConfig cfg;
    cfg.verifier = &verifier;
    cfg.guess_first_kex = true;
    cfg.kex_algorithms = {"curve25519-sha256", "ecdh-sha2-nistp256"};
    cfg.host_key_algorithms = {"ssh-ed25519"};
    TransportSession s(std::move(cfg));
    Driver d(s, sshd.fd());
    auto ok = service_request(s, d);
    ASSERT_TRUE(ok) << sshd_kex << ": " << ok.error().context << "\n--- sshd log ---\n" << sshd.log_text();
    EXPECT_TRUE(s.initial_kex_done());
  }
}

// Delayed compression starts after USERAUTH_SUCCESS on both sides; exercise it with a
// real login and compressible traffic.
TEST_F(SshdInteropExtra, DelayedCompressionAfterLogin) {
  SshdConnection sshd("Compression yes\n");
  test::TestVerifier verifier;
  TransportConfig cfg;
  cfg.compression = {"zlib@openssh.com", "none"};
  cfg.verifier = &verifier;
  TransportSession s(std::move(cfg));
  Driver d(s, sshd.fd());
  auto ok = service_request(s, d);
  ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
  EXPECT_EQ(s.algorithms().c2s.compression, "zlib@openssh.com");
  ok = login(s, d);
  ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
  uint64_t before = s.sent().bytes;
  Bytes ignore(30000, 'x');
  ignore[0] = msg::kIgnore;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(s.send(ignore));
  EXPECT_LT(s.sent().bytes - before, 30000u);  // compressed
  ok = ping(s, d);
  ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
}

// Pushes ~6 MB after login and checks the connection survives the rekeys.
void push_with_rekeys(const std::string& sshd_extra, uint64_t our_limit) {
  SshdConnection sshd(sshd_extra);
  test::TestVerifier verifier;
  TransportConfig cfg;
  cfg.rekey_limit_bytes = our_limit;
  cfg.verifier = &verifier;
  TransportSession s(std::move(cfg));
  Driver d(s, sshd.fd());
  auto ok = service_request(s, d);
  ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
  ok = login(s, d);
  ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
  Bytes ignore(16000, 0);
  ignore[0] = msg::kIgnore;
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(s.send(ignore));
    auto pumped = d.pump_nonblocking();
    ASSERT_TRUE(pumped) << pumped.error().context << "\n" << sshd.log_text();
  }
  ok = ping(s, d);
  ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
  EXPECT_GE(verifier.calls, 4);
  EXPECT_FALSE(s.kex_in_progress());
}

// sshd starts every rekey (our limit is the cipher default, 1 GiB for chacha20).
TEST_F(SshdInteropExtra, RekeyStartedBySshd) { push_with_rekeys("RekeyLimit 256K\n", 0); }

// We start every rekey (sshd's limit is its default).
TEST_F(SshdInteropExtra, RekeyStartedByUs) { push_with_rekeys("", 256 * 1024); }

// Privilege separation and continuations: our client exports its transport state,
// destroys the session and continues the same connection from an imported copy (same
// keys, IVs, sequence numbers and counters), before and right after authentication and
// after a rekey; stock sshd must not notice.
struct StateCase {
  std::string name;
  std::string cipher;
  std::string mac;  // empty: AEAD
  bool delayed_compression = false;
};

class SshdInteropState : public ::testing::TestWithParam<StateCase> {
 protected:
  void SetUp() override {
    if (access(kSshd, X_OK) != 0 || access(kKeygen, X_OK) != 0) GTEST_SKIP() << "no stock OpenSSH";
  }
  TransportConfig config() {
    const StateCase& c = GetParam();
    TransportConfig cfg;
    cfg.ciphers = {c.cipher};
    if (!c.mac.empty()) cfg.macs = {c.mac};
    if (c.delayed_compression) cfg.compression = {"zlib@openssh.com"};
    cfg.verifier = &verifier_;
    return cfg;
  }
  // Replaces s by a session imported from its exported state.
  Status hand_over(std::unique_ptr<TransportSession>& s) {
    SecretBytes blob = SSH_TRY(s->export_state());
    s.reset();
    s = SSH_TRY(TransportSession::import_state(blob.view(), config()));
    return {};
  }
  test::TestVerifier verifier_;
};

TEST_P(SshdInteropState, ImportedClientContinues) {
  const StateCase& c = GetParam();
  std::string extra = "Ciphers " + c.cipher + "\n";
  if (!c.mac.empty()) extra += "MACs " + c.mac + "\n";
  if (c.delayed_compression) extra += "Compression delayed\n";
  SshdConnection sshd(extra);
  auto s = std::make_unique<TransportSession>(config());
  auto ok = [&] {
    Driver d(*s, sshd.fd());
    return service_request(*s, d);
  }();
  ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
  ASSERT_EQ(s->algorithms().c2s.cipher, c.cipher);
  ASSERT_TRUE(ok = hand_over(s)) << ok.error().context;
  {
    Driver d(*s, sshd.fd());
    ok = login(*s, d);
    ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
  }
  // Right after USERAUTH_SUCCESS: the privsep hand-over point (delayed zlib still fresh).
  ASSERT_TRUE(ok = hand_over(s)) << ok.error().context;
  {
    Driver d(*s, sshd.fd());
    ok = ping(*s, d);
    ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
    uint64_t before = s->sent().bytes;
    Bytes ignore(20000, 'x');
    ignore[0] = msg::kIgnore;
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(s->send(ignore));
    if (c.delayed_compression) {
      EXPECT_LT(s->sent().bytes - before, 20000u);
    }
    ASSERT_TRUE(s->rekey());
    ok = ping(*s, d);
    ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
    EXPECT_EQ(verifier_.calls, 2);
  }
  if (c.delayed_compression) {
    EXPECT_FALSE(s->export_state());  // the zlib streams have history now
    return;
  }
  ASSERT_TRUE(ok = hand_over(s)) << ok.error().context;
  Driver d(*s, sshd.fd());
  ok = ping(*s, d);
  ASSERT_TRUE(ok) << ok.error().context << "\n" << sshd.log_text();
}

std::vector<StateCase> state_cases() {
  std::vector<StateCase> cases;
  for (const auto& cipher : supported_algorithms(AlgorithmKind::cipher)) {
    if (find_cipher(cipher)->tag_len) {
      cases.push_back({cipher, cipher, "", false});
      continue;
    }
    for (const auto& mac : supported_algorithms(AlgorithmKind::mac)) cases.push_back({cipher + "_" + mac, cipher, mac, false});
  }
  cases.push_back({"chacha_delayed_zlib", "chacha20-poly1305@openssh.com", "", true});
  cases.push_back({"aes128ctr_delayed_zlib", "aes128-ctr", "hmac-sha2-256", true});
  for (auto& c : cases) {
    for (char& ch : c.name) {
      if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Stock, SshdInteropState, ::testing::ValuesIn(state_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ssh::transport
