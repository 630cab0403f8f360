#include "server_test_util.h"

namespace ssh::auth::test {

Result<UserInfo> ScriptedBackend::lookup_user(std::string_view user) {
  calls.push_back("lookup " + std::string(user));
  auto it = users.find(std::string(user));
  return it == users.end() ? UserInfo{} : it->second;
}

Result<PublickeyCheck> ScriptedBackend::check_publickey(std::string_view user, std::string_view,
                                                        ByteView key_blob) {
  calls.push_back("check_publickey");
  PublickeyCheck check;
  auto it = authorized.find(Bytes(key_blob.begin(), key_blob.end()));
  if (valid(user) && it != authorized.end()) {
    check.allowed = true;
    check.options = it->second;
  }
  return check;
}

Result<bool> ScriptedBackend::verify_publickey(std::string_view user, std::string_view algorithm,
                                               ByteView key_blob, ByteView signature,
                                               ByteView signed_data) {
  calls.push_back("verify_publickey");
  PublickeyCheck check = SSH_TRY(check_publickey(user, algorithm, key_blob));
  if (!check.allowed) return false;
  if (!check_publickey_signed_data(signed_data, session_id, user, algorithm, key_blob, host_key)) {
    return false;
  }
  return keys::verify_signature(algorithm, key_blob, signature, signed_data).has_value();
}

Result<bool> ScriptedBackend::check_password(std::string_view user, const SecretBytes& password) {
  calls.push_back("check_password");
  auto it = passwords.find(std::string(user));
  return valid(user) && it != passwords.end() && it->second == password.text();
}

Result<KbdintStep> ScriptedBackend::kbdint_start(std::string_view user, std::string_view) {
  calls.push_back("kbdint_start");
  kbdint_round_ = 1;
  kbdint_user_ = std::string(user);
  KbdintStep step;
  step.kind = KbdintStep::Kind::prompts;
  step.instruction = "Two factors";
  step.prompts.push_back({"Password: ", false});
  return step;
}

Result<KbdintStep> ScriptedBackend::kbdint_respond(std::vector<SecretBytes> responses) {
  calls.push_back("kbdint_respond");
  KbdintStep step;
  if (kbdint_round_ == 1 && responses.size() == 1) {
    // Ask the second question whatever the answer, so a wrong password is not revealed early.
    auto it = passwords.find(kbdint_user_);
    password_ok_ = valid(kbdint_user_) && it != passwords.end() && it->second == responses[0].text();
    kbdint_round_ = 2;
    step.kind = KbdintStep::Kind::prompts;
    step.prompts.push_back({"Code: ", true});
    return step;
  }
  if (kbdint_round_ == 2 && responses.size() == 1 && responses[0].text() == "42" && password_ok_) {
    step.kind = KbdintStep::Kind::success;
  }
  kbdint_round_ = 0;
  return step;
}

void ScriptedBackend::kbdint_stop() {
  calls.push_back("kbdint_stop");
  kbdint_round_ = 0;
}

Result<bool> ScriptedBackend::account_allowed(std::string_view) {
  calls.push_back("account_allowed");
  return account_ok;
}

KeyIdentity::KeyIdentity(keys::PrivateKey key, bool corrupt)
    : key_(std::move(key)), blob_(key_.public_key().blob()), corrupt_(corrupt) {}

std::string KeyIdentity::key_type() const { return std::string(key_.public_key().type_name()); }

Result<Bytes> KeyIdentity::sign(std::string_view algorithm, ByteView data) {
  auto alg = keys::sig_alg_from_name(algorithm);
  if (!alg) return fail(ErrorCode::auth, "unknown algorithm");
  Bytes sig = SSH_TRY(key_.sign(*alg, data));
  if (corrupt_) sig.back() ^= 1;
  return sig;
}

std::optional<SecretBytes> ScriptedPrompter::ask(std::string_view prompt, bool) {
  prompts.emplace_back(prompt);
  if (answers.empty()) return std::nullopt;
  SecretBytes s(as_bytes(answers.front()));
  answers.pop_front();
  return s;
}

std::vector<uint8_t> RunResult::server_types() const {
  std::vector<uint8_t> types;
  for (const auto& m : server_messages) types.push_back(m.at(0));
  return types;
}

RunResult run_pair(ClientAuth& client, ServerAuth& server) {
  RunResult result;
  std::deque<Bytes> to_server;
  std::deque<Bytes> to_client;
  std::vector<Bytes> out;
  client.start(out);
  to_server.insert(to_server.end(), out.begin(), out.end());
  for (int steps = 0; steps < 1000; ++steps) {
    out.clear();
    if (!to_server.empty()) {
      Bytes msg = std::move(to_server.front());
      to_server.pop_front();
      auto state = server.on_message(msg, out);
      if (!state) {
        result.server_error = state.error();
        return result;
      }
      result.server_success = *state == ServerAuth::State::success;
      result.server_messages.insert(result.server_messages.end(), out.begin(), out.end());
      to_client.insert(to_client.end(), out.begin(), out.end());
    } else if (!to_client.empty()) {
      Bytes msg = std::move(to_client.front());
      to_client.pop_front();
      auto state = client.on_message(msg, out);
      if (!state) return result;
      result.client_state = *state;
      if (*state != ClientAuth::State::in_progress) return result;
      to_server.insert(to_server.end(), out.begin(), out.end());
    } else {
      break;
    }
  }
  return result;
}

}  // namespace ssh::auth::test
