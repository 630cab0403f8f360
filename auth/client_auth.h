// Client side of RFC 4252: asks "none" first to learn the server's methods, then tries
// the configured methods in PreferredAuthentications order, as OpenSSH's client does.
// Sans-I/O: messages in, messages out.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/messages.h"
#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::auth {

// A key the client may offer: from a file, or held by an agent.
class ClientIdentity {
 public:
  virtual ~ClientIdentity() = default;
  virtual std::string key_type() const = 0;  // "ssh-ed25519", "ssh-rsa", ...
  virtual const Bytes& public_blob() const = 0;
  virtual std::string description() const = 0;  // for debug lines: path or agent comment
  // Signs data with the given signature algorithm, returning the SSH signature blob. May
  // ask for a passphrase; an auth error means "skip this key".
  virtual Result<Bytes> sign(std::string_view algorithm, ByteView data) = 0;
};

// Talks to the user (tty or askpass); the client implements it.
class Prompter {
 public:
  virtual ~Prompter() = default;
  virtual std::optional<SecretBytes> ask(std::string_view prompt, bool echo) = 0;
  virtual void show(std::string_view text) = 0;  // banners and instructions
};

struct ClientAuthConfig {
  std::string user;
  std::string host_label;  // "user@host" in password prompts
  std::vector<std::string> preferred = {"publickey", "keyboard-interactive", "password"};
  bool pubkey = true;
  bool password = true;
  bool kbdint = true;
  std::string kbdint_devices;  // KbdInteractiveDevices, sent as the submethods hint
  bool batch_mode = false;
  int password_prompts = 3;
  // Signature algorithms we accept for user keys (PubkeyAcceptedAlgorithms).
  std::vector<std::string> pubkey_algorithms = {"ssh-ed25519",         "ecdsa-sha2-nistp256",
                                                "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                                                "rsa-sha2-512",        "rsa-sha2-256"};
};

class ClientMethod;

class ClientAuth {
 public:
  enum class State { in_progress, success, failure };

  ClientAuth(ClientAuthConfig config, std::vector<std::unique_ptr<ClientIdentity>> identities,
             Prompter& prompter, Bytes session_id);
  ~ClientAuth();

  // From ext-info (RFC 8308): server-sig-algs and publickey-hostbound@openssh.com "0".
  void set_server_sig_algs(std::vector<std::string> algs);
  void set_hostbound(Bytes server_host_key_blob);

  // Queues the first request (method "none").
  void start(std::vector<Bytes>& out);
  // Handles one message numbered 50..79.
  Result<State> on_message(ByteView payload, std::vector<Bytes>& out);

  // The methods the server last offered, for "Permission denied (publickey,password).".
  std::string last_methods() const;
  const std::string& used_method() const { return used_method_; }

 private:
  Status next_method(std::vector<Bytes>& out);
  bool method_allowed(const std::string& name) const;

  ClientAuthConfig config_;
  std::vector<std::unique_ptr<ClientIdentity>> identities_;
  Prompter& prompter_;
  Bytes session_id_;
  std::vector<std::string> server_sig_algs_;
  bool have_server_sig_algs_ = false;
  std::optional<Bytes> hostbound_key_;
  std::vector<std::string> server_methods_;
  std::vector<std::string> tried_;  // methods exhausted
  std::unique_ptr<ClientMethod> current_;
  std::string used_method_;
  bool started_ = false;
};

}  // namespace ssh::auth
