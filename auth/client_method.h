// One client authentication method; ClientAuth drives a sequence of them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/client_auth.h"

namespace ssh::auth {

struct MethodContext {
  const ClientAuthConfig& config;
  Prompter& prompter;
  ByteView session_id;
  const std::vector<std::string>* server_sig_algs;  // null without ext-info
  const std::optional<Bytes>& hostbound_key;
  std::vector<std::unique_ptr<ClientIdentity>>& identities;
};

class ClientMethod {
 public:
  virtual ~ClientMethod() = default;
  virtual const char* name() const = 0;
  // Sends the next attempt of this method; false when it has nothing (more) to try.
  virtual Result<bool> attempt(std::vector<Bytes>& out) = 0;
  // A method-specific message (60..79); true when it sent a follow-up.
  virtual Result<bool> on_message(ByteView payload, std::vector<Bytes>& out) = 0;
};

std::unique_ptr<ClientMethod> make_publickey_method(MethodContext ctx);
std::unique_ptr<ClientMethod> make_password_method(MethodContext ctx);
std::unique_ptr<ClientMethod> make_kbdint_method(MethodContext ctx);

}  // namespace ssh::auth
