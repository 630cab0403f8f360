// Test helpers for the server side: a scripted ServerBackend, real-key client identities
// and a harness that wires our ClientAuth and ServerAuth back to back in memory.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/client_auth.h"
#include "auth/server_auth.h"
#include "auth/server_backend.h"
#include "keys/key.h"

namespace ssh::auth::test {

// Decides like the monitor would, from tables; records every call.
class ScriptedBackend : public ServerBackend {
 public:
  std::map<std::string, UserInfo> users;                       // absent: invalid user
  std::map<Bytes, keys::AuthorizedKeyOptions> authorized;     // keys any valid user may use
  std::map<std::string, std::string> passwords;               // user -> password
  Bytes session_id;
  std::optional<Bytes> host_key;
  bool account_ok = true;
  std::vector<std::string> calls;

  Result<UserInfo> lookup_user(std::string_view user) override;
  Result<PublickeyCheck> check_publickey(std::string_view user, std::string_view algorithm,
                                         ByteView key_blob) override;
  Result<bool> verify_publickey(std::string_view user, std::string_view algorithm,
                                ByteView key_blob, ByteView signature,
                                ByteView signed_data) override;
  Result<bool> check_password(std::string_view user, const SecretBytes& password) override;
  // A two-round conversation: "Password: " (echo off), then "Code: " (echo on); success
  // when the answers are the user's password and "42".
  Result<KbdintStep> kbdint_start(std::string_view user, std::string_view submethods) override;
  Result<KbdintStep> kbdint_respond(std::vector<SecretBytes> responses) override;
  void kbdint_stop() override;
  Result<bool> account_allowed(std::string_view user) override;

 private:
  bool valid(std::string_view user) const { return users.count(std::string(user)) != 0; }
  int kbdint_round_ = 0;
  bool password_ok_ = false;
  std::string kbdint_user_;
};

// Signs with a real private key; `corrupt` flips a bit of every signature.
class KeyIdentity : public ClientIdentity {
 public:
  KeyIdentity(keys::PrivateKey key, bool corrupt = false);
  std::string key_type() const override;
  const Bytes& public_blob() const override { return blob_; }
  std::string description() const override { return "test key"; }
  Result<Bytes> sign(std::string_view algorithm, ByteView data) override;

 private:
  keys::PrivateKey key_;
  Bytes blob_;
  bool corrupt_;
};

class ScriptedPrompter : public Prompter {
 public:
  std::optional<SecretBytes> ask(std::string_view prompt, bool echo) override;
  void show(std::string_view text) override { shown += text; }
  std::deque<std::string> answers;
  std::vector<std::string> prompts;
  std::string shown;
};

// The result of one back-to-back run.
struct RunResult {
  bool server_success = false;
  ClientAuth::State client_state = ClientAuth::State::in_progress;
  std::optional<Error> server_error;
  std::vector<Bytes> server_messages;  // everything the server sent, in order
  std::vector<uint8_t> server_types() const;
};

RunResult run_pair(ClientAuth& client, ServerAuth& server);

}  // namespace ssh::auth::test
