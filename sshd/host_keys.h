// The server's host keys: loaded from HostKey files in the privileged process, where
// they sign exchange hashes for the monitor; only their public halves reach the pre-auth
// child.
#pragma once

#include <string>
#include <vector>

#include "keys/key.h"
#include "transport/host_key_interfaces.h"

namespace ssh::sshd {

class HostKeys final : public transport::HostKeySigner {
 public:
  // Loads every file; a file that cannot be read is logged and skipped like OpenSSH
  // ("Unable to load host key ..."); no usable key at all is an error.
  static Result<HostKeys> load(const std::vector<std::string>& paths);
  static HostKeys from_keys(std::vector<keys::PrivateKey> keys);

  std::vector<std::string> algorithms() const override;
  Result<Bytes> public_blob(std::string_view algorithm) const override;
  Result<Bytes> sign(std::string_view algorithm, ByteView data) override;

  // (algorithm, public blob) pairs for the pre-auth child.
  std::vector<std::pair<std::string, Bytes>> public_table() const;
  const std::vector<keys::PrivateKey>& keys() const { return keys_; }
  // Wipes the private keys (the forked pre-auth child must not keep them).
  void forget_private_keys() { keys_.clear(); }

 private:
  const keys::PrivateKey* find(std::string_view algorithm) const;
  std::vector<keys::PrivateKey> keys_;
};

// The default HostKey files (/etc/ssh/ssh_host_{rsa,ecdsa,ed25519}_key), and our
// equivalent of `ssh-keygen -A`: creates the missing ones (0600, .pub 0644).
std::vector<std::string> default_host_key_paths(const std::string& dir = "/etc/ssh");
Status generate_missing_host_keys(const std::string& dir = "/etc/ssh");

}  // namespace ssh::sshd
