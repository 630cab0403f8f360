#include "auth/client_auth.h"

#include <algorithm>

#include "auth/client_method.h"
#include "base/log.h"

namespace ssh::auth {

namespace {
bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

ClientAuth::ClientAuth(ClientAuthConfig config, std::vector<std::unique_ptr<ClientIdentity>> identities,
                       Prompter& prompter, Bytes session_id)
    : config_(std::move(config)),
      identities_(std::move(identities)),
      prompter_(prompter),
      session_id_(std::move(session_id)) {}

ClientAuth::~ClientAuth() = default;

void ClientAuth::set_server_sig_algs(std::vector<std::string> algs) {
  server_sig_algs_ = std::move(algs);
  have_server_sig_algs_ = true;
}

void ClientAuth::set_hostbound(Bytes server_host_key_blob) {
  hostbound_key_ = std::move(server_host_key_blob);
}

void ClientAuth::start(std::vector<Bytes>& out) {
  started_ = true;
  out.push_back(encode_none_request({config_.user, std::string(kConnectionService), "none"}));
}

bool ClientAuth::method_allowed(const std::string& name) const {
  if (name == "publickey") return config_.pubkey;
  if (config_.batch_mode) return false;  // nothing that needs a person
  if (name == "password") return config_.password;
  if (name == "keyboard-interactive") return config_.kbdint;
  return false;
}

Status ClientAuth::next_method(std::vector<Bytes>& out) {
  if (current_) {
    bool sent = SSH_TRY(current_->attempt(out));
    if (sent) return {};
    tried_.push_back(current_->name());
    current_.reset();
  }
  for (const auto& name : config_.preferred) {
    if (contains(tried_, name) || !contains(server_methods_, name) || !method_allowed(name)) continue;
    MethodContext ctx{config_,        prompter_,
                      session_id_,    have_server_sig_algs_ ? &server_sig_algs_ : nullptr,
                      hostbound_key_, identities_};
    if (name == "publickey")
      current_ = make_publickey_method(ctx);
    else if (name == "password")
      current_ = make_password_method(ctx);
    else if (name == "keyboard-interactive")
      current_ = make_kbdint_method(ctx);
    else
      continue;
    LOG_DEBUG1("Next authentication method: %s", name.c_str());
    bool sent = SSH_TRY(current_->attempt(out));
    if (sent) return {};
    tried_.push_back(name);
    current_.reset();
  }
  return {};
}

Result<ClientAuth::State> ClientAuth::on_message(ByteView payload, std::vector<Bytes>& out) {
  if (payload.empty() || !started_) return fail(ErrorCode::protocol, "unexpected authentication message");
  switch (payload[0]) {
    case kUserauthSuccess:
      if (current_)
        used_method_ = current_->name();
      else
        used_method_ = "none";
      LOG_DEBUG1("Authentication succeeded (%s).", used_method_.c_str());
      return State::success;
    case kUserauthBanner: {
      Banner b = SSH_TRY(decode_banner(payload));
      prompter_.show(b.message);
      return State::in_progress;
    }
    case kUserauthFailure: {
      Failure f = SSH_TRY(decode_failure(payload));
      server_methods_ = f.methods;
      if (f.partial_success)
        LOG_DEBUG1("Authenticated using \"%s\" with partial success.", current_ ? current_->name() : "none");
      LOG_DEBUG1("Authentications that can continue: %s", last_methods().c_str());
      size_t before = out.size();
      SSH_TRY(next_method(out));
      return out.size() == before ? State::failure : State::in_progress;
    }
    default:
      if (payload[0] >= 60 && payload[0] <= 79 && current_) {
        bool sent = SSH_TRY(current_->on_message(payload, out));
        if (!sent) {
          tried_.push_back(current_->name());
          current_.reset();
          size_t before = out.size();
          SSH_TRY(next_method(out));
          if (out.size() == before) return State::failure;
        }
        return State::in_progress;
      }
      return fail(ErrorCode::protocol, "unexpected authentication message " + std::to_string(payload[0]));
  }
}

std::string ClientAuth::last_methods() const {
  std::string s;
  for (const auto& m : server_methods_) {
    if (!s.empty()) s += ',';
    s += m;
  }
  return s;
}

}  // namespace ssh::auth
