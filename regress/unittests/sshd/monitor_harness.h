// A Monitor with a backend that says yes to everything and a fake host key, plus the
// well-formed request of every type, so tests and the fuzzer can reach each phase the way
// a real child would and then see what the dispatch table does. No gtest here: the
// libFuzzer target (regress/fuzz/monitor_fuzz.cpp) includes it too.
#pragma once

#include <fcntl.h>

#include <array>
#include <memory>
#include <string>

#include "auth/server_backend.h"
#include "base/log.h"
#include "base/wire_writer.h"
#include "sshd/monitor.h"
#include "sshd/monitor_protocol.h"
#include "transport/host_key_interfaces.h"

namespace ssh::sshd::test {

inline constexpr const char* kUser = "alice";
inline constexpr const char* kKeyAlgorithm = "ssh-ed25519";

// Every request type the protocol defines, answers included (a child must not send those).
inline constexpr std::array kAllTypes = {MonitorType::sign,
                                         MonitorType::lookup_user,
                                         MonitorType::check_publickey,
                                         MonitorType::verify_publickey,
                                         MonitorType::check_password,
                                         MonitorType::kbdint_start,
                                         MonitorType::kbdint_respond,
                                         MonitorType::kbdint_stop,
                                         MonitorType::account,
                                         MonitorType::auth_done,
                                         MonitorType::transport_state,
                                         MonitorType::log,
                                         MonitorType::resume,
                                         MonitorType::register_continuation,
                                         MonitorType::resume_policy,
                                         MonitorType::suspend_state,
                                         MonitorType::answer,
                                         MonitorType::refused};

inline constexpr std::array kAllPhases = {Monitor::Phase::preauth, Monitor::Phase::authenticated,
                                          Monitor::Phase::state_received, Monitor::Phase::resumed};

inline Bytes exchange_hash() {
  return Bytes(32, 0x11);
}
inline Bytes user_key_blob() {
  return to_bytes("user key blob");
}

// Says yes to everything; lookup_user answers `info` (a test may set a policy on it).
class AcceptingBackend : public auth::ServerBackend {
 public:
  auth::UserInfo info{true, false};
  Result<auth::UserInfo> lookup_user(std::string_view) override { return info; }
  Result<auth::PublickeyCheck> check_publickey(std::string_view, std::string_view, ByteView) override {
    auth::PublickeyCheck c;
    c.allowed = true;
    return c;
  }
  Result<bool> verify_publickey(std::string_view, std::string_view, ByteView, ByteView, ByteView) override {
    return true;
  }
  Result<bool> check_password(std::string_view, const SecretBytes&) override { return true; }
  Result<auth::KbdintStep> kbdint_start(std::string_view, std::string_view) override { return success(); }
  Result<auth::KbdintStep> kbdint_respond(std::vector<SecretBytes>) override { return success(); }
  void kbdint_stop() override {}
  Result<bool> account_allowed(std::string_view) override { return true; }

 private:
  static auth::KbdintStep success() {
    auth::KbdintStep s;
    s.kind = auth::KbdintStep::Kind::success;
    return s;
  }
};

class FakeSigner : public transport::HostKeySigner {
 public:
  std::vector<std::string> algorithms() const override { return {kKeyAlgorithm}; }
  Result<Bytes> public_blob(std::string_view) const override { return to_bytes("host key blob"); }
  Result<Bytes> sign(std::string_view, ByteView) override { return to_bytes("signature"); }
};

// RFC 4252 §7 signed data naming this session, kUser and user_key_blob().
inline Bytes signed_data() {
  WireWriter w;
  w.string(exchange_hash()).u8(50).string(kUser).string("ssh-connection").string("publickey");
  w.boolean(true).string(kKeyAlgorithm).string(user_key_blob());
  return w.take();
}

inline Bytes plain(SecretBytes&& s) {
  return Bytes(s.view().begin(), s.view().end());
}

// A well-formed request of `type` for kUser (answers: a bare type byte).
inline Bytes valid_request(MonitorType type) {
  using T = MonitorType;
  switch (type) {
    case T::sign: return encode(SignRequest{kKeyAlgorithm, exchange_hash()});
    case T::lookup_user: return encode(UserRequest{kUser}, T::lookup_user);
    case T::check_publickey: return encode(PublickeyRequest{kUser, kKeyAlgorithm, user_key_blob()});
    case T::verify_publickey:
      return encode(VerifyRequest{kUser, kKeyAlgorithm, user_key_blob(), to_bytes("sig"), signed_data()});
    case T::check_password: return plain(encode(PasswordRequest{kUser, SecretBytes(to_bytes("pw"))}));
    case T::kbdint_start: return encode(KbdintStartRequest{kUser, ""});
    case T::kbdint_respond: return plain(encode(KbdintRespondRequest{}));
    case T::account: return encode(UserRequest{kUser}, T::account);
    case T::auth_done: return encode(AuthDoneRequest{kUser, {"password"}});
    case T::transport_state:
      return plain(encode(TransportHandoff{SecretBytes(Bytes(64, 7)), SecretBytes(Bytes(32, 9))}));
    case T::log: return encode(LogLine{uint8_t(log::Level::debug3), "hello from the child"});
    case T::resume:
      return plain(encode(
          ResumeRequest{kUser, to_bytes("body"), SecretBytes(Bytes(64, 7)), SecretBytes(Bytes(32, 9))}));
    case T::register_continuation: return encode(RegisterRequest{Bytes(16, 3)});
    case T::resume_policy: return encode(ResumePolicyRequest{"127.0.0.2", 40000, "127.0.0.1", 22});
    case T::suspend_state: return encode(SuspendState{true});
    default: return encode_type_only(type);
  }
}

// Owns a Monitor wired to the fakes; continuations on (resume and register callbacks set).
class MonitorRig {
 public:
  MonitorRig() : monitor_(backend_, signer_) {
    monitor_.on_resume([this](const ResumeRequest&, const Bytes&) {
      return Result<ResumeVerdict>(ResumeVerdict{resume_ok, resume_ok ? "" : "no such session"});
    });
    monitor_.on_register(
        [](ByteView) -> Result<UniqueFd> { return UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC)); });
  }
  MonitorRig(const MonitorRig&) = delete;
  MonitorRig& operator=(const MonitorRig&) = delete;

  Monitor& monitor() { return monitor_; }
  Result<std::optional<Bytes>> send(MonitorType type) { return monitor_.handle(valid_request(type)); }

  // The requests a real child makes to get to `phase`; false if any was refused. In
  // preauth only the key exchange's signature has happened (no user yet).
  bool reach(Monitor::Phase phase) {
    using P = Monitor::Phase;
    using T = MonitorType;
    if (!send(T::sign)) return false;
    if (phase == P::preauth) return true;
    if (!send(T::lookup_user)) return false;
    if (phase == P::resumed) {
      resume_ok = true;
      bool ok = send(T::resume).has_value();
      resume_ok = false;
      return ok && monitor_.phase() == P::resumed;
    }
    for (T t : {T::check_password, T::account, T::auth_done}) {
      if (!send(t)) return false;
    }
    if (phase == P::authenticated) return true;
    return send(T::transport_state).has_value() && monitor_.phase() == P::state_received;
  }

  // In preauth, the requests that must come first for `type` to succeed on its merits
  // (a user for everything user-bound; a proven method before account; both before
  // auth_done). Not for the table: it only decides phase and repetition.
  bool prepare_preauth(MonitorType type) {
    using T = MonitorType;
    bool needs_user = type != T::sign && type != T::lookup_user && type != T::log && type != T::kbdint_stop;
    if (needs_user && !send(T::lookup_user)) return false;
    if ((type == T::account || type == T::auth_done) && !send(T::check_password)) return false;
    if (type == T::auth_done && !send(T::account)) return false;
    return true;
  }

  bool resume_ok = false;

 private:
  AcceptingBackend backend_;
  FakeSigner signer_;
  Monitor monitor_;
};

}  // namespace ssh::sshd::test
