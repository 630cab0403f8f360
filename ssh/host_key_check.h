// The client's host key policy (ssh(1) VERIFYING HOST KEYS): the KEX signature must
// verify, and the key must be known in known_hosts, or be accepted under
// StrictHostKeyChecking. Messages follow OpenSSH's wording exactly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/client_auth.h"
#include "transport/host_key_interfaces.h"

namespace ssh::client {

enum class StrictMode { no, yes, ask, accept_new };

struct HostKeyPolicy {
  std::string host;  // HostKeyAlias, or the HostName connected to
  int port = 22;
  std::vector<std::string> user_files;
  std::vector<std::string> global_files;
  StrictMode strict = StrictMode::ask;
  bool hash_known_hosts = false;
  bool batch_mode = false;
  bool visual = false;
  std::string revoked_file;    // RevokedHostKeys; empty or "none": no file
  int required_rsa_size = 1024;  // RequiredRSASize
};

// OpenSSH's client moves the host key algorithms whose key types known_hosts already
// holds for this host to the front, so a known host is not asked about a new key type.
std::vector<std::string> order_by_known_keys(const HostKeyPolicy& policy,
                                             std::vector<std::string> algorithms);

class HostKeyCheck final : public transport::HostKeyVerifier {
 public:
  HostKeyCheck(HostKeyPolicy policy, auth::Prompter& prompter)
      : policy_(std::move(policy)), prompter_(prompter) {}

  Status verify(std::string_view algorithm, ByteView host_key_blob, ByteView signature_blob,
                ByteView exchange_hash) override;

  // Set when a changed key was accepted under StrictHostKeyChecking=no: OpenSSH then
  // refuses to send passwords over the connection.
  bool mitm_suspected() const { return mitm_suspected_; }
  const Bytes& accepted_key() const { return accepted_; }

 private:
  Status check_known_hosts(ByteView host_key_blob);

  HostKeyPolicy policy_;
  auth::Prompter& prompter_;
  Bytes accepted_;
  bool mitm_suspected_ = false;
};

}  // namespace ssh::client
