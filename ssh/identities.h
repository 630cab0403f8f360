// The keys our client offers: identity files (IdentityFile, -i) and keys held by an agent
// (SSH_AUTH_SOCK, IdentityAgent), in OpenSSH's order: agent keys that match a file first,
// then other agent keys (unless IdentitiesOnly), then files without an agent copy.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/client_auth.h"
#include "keys/key.h"

namespace ssh::client {

struct IdentityOptions {
  std::vector<std::string> files;  // already ~- and %-expanded
  bool files_explicit = false;     // given by -i/IdentityFile: warn when missing
  bool identities_only = false;
  std::string agent_socket;  // empty: no agent
  bool batch_mode = false;
  int passphrase_prompts = 3;
  int required_rsa_size = 1024;  // RequiredRSASize: smaller RSA keys are not offered
};

std::vector<std::unique_ptr<auth::ClientIdentity>> load_identities(const IdentityOptions& options,
                                                                   auth::Prompter& prompter);

}  // namespace ssh::client
