// Client side of the ssh-agent protocol (draft-miller-ssh-agent): list identities and
// ask for signatures over a Unix socket (SSH_AUTH_SOCK or IdentityAgent). The agent is
// local, so I/O is blocking, but every read and write is bounded by a timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "keys/key.h"

namespace ssh::keys {

// draft-miller-ssh-agent §5.1 message numbers and §5.2.1 signature flags.
namespace agent {
constexpr uint8_t kFailure = 5;
constexpr uint8_t kSuccess = 6;
constexpr uint8_t kRequestIdentities = 11;
constexpr uint8_t kIdentitiesAnswer = 12;
constexpr uint8_t kSignRequest = 13;
constexpr uint8_t kSignResponse = 14;
constexpr uint8_t kExtensionFailure = 28;
constexpr uint32_t kFlagRsaSha2_256 = 2;
constexpr uint32_t kFlagRsaSha2_512 = 4;
// Largest message either side may send (OpenSSH's AGENT_MAX_LEN) and most identities.
constexpr size_t kMaxMessage = 256 * 1024;
constexpr size_t kMaxIdentities = 2048;
constexpr int kDefaultTimeoutMs = 30000;
}  // namespace agent

struct AgentIdentity {
  Bytes blob;  // as the agent sent it (may be a type we do not support)
  std::string comment;
  // Parsed key, when the blob is a plain key type we support.
  std::optional<PublicKey> key() const;
};

class AgentClient {
 public:
  static Result<AgentClient> connect(const std::string& socket_path,
                                     int timeout_ms = agent::kDefaultTimeoutMs);
  // Takes an already connected stream (e.g. one end of a socketpair in tests).
  static AgentClient from_fd(UniqueFd fd, int timeout_ms = agent::kDefaultTimeoutMs);

  Result<std::vector<AgentIdentity>> request_identities();
  // Returns the signature blob. flags: agent::kFlagRsaSha2_* for RSA keys.
  Result<Bytes> sign(ByteView key_blob, ByteView data, uint32_t flags);
  // Picks the flags for alg and checks the answer uses alg.
  Result<Bytes> sign(ByteView key_blob, ByteView data, SigAlg alg);

  // One raw request/answer exchange: payload is the message without its length.
  Result<Bytes> transact(ByteView request);
  int fd() const { return fd_.get(); }

 private:
  AgentClient(UniqueFd fd, int timeout_ms) : fd_(std::move(fd)), timeout_ms_(timeout_ms) {}
  Status write_all(ByteView data);
  Status read_exact(uint8_t* out, size_t n);

  UniqueFd fd_;
  int timeout_ms_;
};

}  // namespace ssh::keys
