// "password" (RFC 4252 §8) and "keyboard-interactive" (RFC 4256) client methods; both ask
// a person, at most NumberOfPasswordPrompts times.
#include "auth/client_method.h"
#include "base/log.h"

namespace ssh::auth {

namespace {

RequestHeader header_for(const ClientAuthConfig& c, const char* method) {
  return {c.user, std::string(kConnectionService), method};
}

class PasswordMethod final : public ClientMethod {
 public:
  explicit PasswordMethod(MethodContext ctx) : ctx_(ctx) {}
  const char* name() const override { return "password"; }

  Result<bool> attempt(std::vector<Bytes>& out) override {
    if (attempts_ >= ctx_.config.password_prompts) return false;
    if (attempts_ > 0) ctx_.prompter.show("Permission denied, please try again.\n");
    ++attempts_;
    std::string prompt = ctx_.config.host_label + "'s password: ";
    auto password = ctx_.prompter.ask(prompt, false);
    if (!password) return false;
    out.push_back(encode_password_request(header_for(ctx_.config, "password"), password->view()));
    return true;
  }

  Result<bool> on_message(ByteView, std::vector<Bytes>&) override {
    // SSH_MSG_USERAUTH_PASSWD_CHANGEREQ: expired passwords are not handled yet.
    LOG_INFO("Password change required but not supported.");
    return false;
  }

 private:
  MethodContext ctx_;
  int attempts_ = 0;
};

class KbdintMethod final : public ClientMethod {
 public:
  explicit KbdintMethod(MethodContext ctx) : ctx_(ctx) {}
  const char* name() const override { return "keyboard-interactive"; }

  Result<bool> attempt(std::vector<Bytes>& out) override {
    if (attempts_ >= ctx_.config.password_prompts) return false;
    ++attempts_;
    out.push_back(encode_kbdint_request(header_for(ctx_.config, "keyboard-interactive"),
                                         ctx_.config.kbdint_devices));
    return true;
  }

  Result<bool> on_message(ByteView payload, std::vector<Bytes>& out) override {
    InfoRequest req = SSH_TRY(decode_info_request(payload));
    if (!req.name.empty()) ctx_.prompter.show(req.name + "\n");
    if (!req.instruction.empty()) ctx_.prompter.show(req.instruction + "\n");
    std::vector<SecretBytes> answers;
    for (const auto& p : req.prompts) {
      // OpenSSH names the account in keyboard-interactive prompts.
      auto answer = ctx_.prompter.ask("(" + ctx_.config.host_label + ") " + p.text, p.echo);
      if (!answer) return false;
      answers.push_back(std::move(*answer));
    }
    out.push_back(encode_info_response(answers));
    return true;
  }

 private:
  MethodContext ctx_;
  int attempts_ = 0;
};

}  // namespace

std::unique_ptr<ClientMethod> make_password_method(MethodContext ctx) {
  return std::make_unique<PasswordMethod>(ctx);
}

std::unique_ptr<ClientMethod> make_kbdint_method(MethodContext ctx) {
  return std::make_unique<KbdintMethod>(ctx);
}

}  // namespace ssh::auth
