// The pre-auth process's end of the monitor: every ServerBackend call and every host key
// signature becomes one request and one blocking answer. The child is single-purpose and
// sandboxed, so waiting on its monitor is all it could do anyway.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "auth/server_backend.h"
#include "base/unique_fd.h"
#include "sshd/monitor_protocol.h"
#include "transport/host_key_interfaces.h"

namespace ssh::sshd {

class MonitorClient final : public auth::ServerBackend, public transport::HostKeySigner {
 public:
  // host_keys: algorithm -> public blob, in preference order (public data only: the
  // private keys stay with the monitor).
  MonitorClient(int socket, std::vector<std::pair<std::string, Bytes>> host_keys)
      : socket_(socket), host_keys_(std::move(host_keys)) {}

  // transport::HostKeySigner
  std::vector<std::string> algorithms() const override;
  Result<Bytes> public_blob(std::string_view algorithm) const override;
  Result<Bytes> sign(std::string_view algorithm, ByteView data) override;

  // auth::ServerBackend
  Result<auth::UserInfo> lookup_user(std::string_view user) override;
  Result<auth::PublickeyCheck> check_publickey(std::string_view user, std::string_view algorithm,
                                               ByteView key_blob) override;
  Result<bool> verify_publickey(std::string_view user, std::string_view algorithm, ByteView key_blob,
                                ByteView signature, ByteView signed_data) override;
  Result<bool> check_password(std::string_view user, const SecretBytes& password) override;
  Result<auth::KbdintStep> kbdint_start(std::string_view user, std::string_view submethods) override;
  Result<auth::KbdintStep> kbdint_respond(std::vector<SecretBytes> responses) override;
  void kbdint_stop() override;
  Result<bool> account_allowed(std::string_view user) override;

  Result<bool> auth_done(const std::string& user, const std::vector<std::string>& methods);
  Status send_transport_state(ByteView state, ByteView presecret);
  // continuation@sshc.dev: asks the monitor to hand this connection to the suspended
  // session; on ok this process must not touch the connection again.
  Result<ResumeVerdict> resume(const std::string& user, ByteView body, ByteView state, ByteView presecret);
  // Session child: publishes its continuation; the listening registry entry.
  Result<UniqueFd> register_continuation(ByteView handle);
  // Session child: its continuation suspended, or has a connection again (the monitor
  // keeps count of suspended sessions, PROTOCOL.continuation §9). No answer.
  void suspend_state(bool suspended);
  // The resumption policy of the session's login for a new connection (sshd/monitor.h).
  Result<ResumeVerdict> resume_policy(const ResumePolicyRequest& request);
  // Forwards a log line (the chrooted child cannot reach syslog).
  void log_line(int level, const char* text);

 private:
  Result<Bytes> call(ByteView request);
  Status send_only(ByteView request);

  int socket_;
  std::vector<std::pair<std::string, Bytes>> host_keys_;
};

}  // namespace ssh::sshd
