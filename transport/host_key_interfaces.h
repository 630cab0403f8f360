// How the transport reaches host keys without depending on keys/ (a higher layer).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::transport {

// Client role. Called once per key exchange (the initial one and every rekey) with the
// negotiated host key algorithm (e.g. "rsa-sha2-512"), the server's K_S blob, the
// signature blob (string alg, string sig) from the KEX reply and the exchange hash H.
// It must check BOTH that the signature over H verifies under the key with that
// algorithm AND that the key is acceptable (known_hosts, CheckHostIP, ...). On a rekey
// the transport itself already insists that K_S is unchanged.
class HostKeyVerifier {
 public:
  virtual ~HostKeyVerifier() = default;
  virtual Status verify(std::string_view algorithm, ByteView host_key_blob, ByteView signature_blob,
                        ByteView exchange_hash) = 0;
};

// Server role.
class HostKeySigner {
 public:
  virtual ~HostKeySigner() = default;
  // Host key algorithms we can sign with (e.g. "ssh-ed25519", "rsa-sha2-512",
  // "rsa-sha2-256"), in preference order.
  virtual std::vector<std::string> algorithms() const = 0;
  // The public key blob (K_S) for an algorithm from algorithms().
  virtual Result<Bytes> public_blob(std::string_view algorithm) const = 0;
  // A complete signature blob (string alg-name, string signature) over data.
  virtual Result<Bytes> sign(std::string_view algorithm, ByteView data) = 0;
};

}  // namespace ssh::transport
