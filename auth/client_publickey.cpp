// "publickey" (RFC 4252 §7) and publickey-hostbound-v00@openssh.com: offer each identity
// without a signature first, sign only after the server accepts the key (PK_OK).
#include <algorithm>

#include "auth/client_method.h"
#include "base/log.h"

namespace ssh::auth {

namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class PublickeyMethod final : public ClientMethod {
 public:
  explicit PublickeyMethod(MethodContext ctx) : ctx_(ctx) {}
  const char* name() const override { return "publickey"; }

  Result<bool> attempt(std::vector<Bytes>& out) override {
    while (next_ < ctx_.identities.size()) {
      ClientIdentity& id = *ctx_.identities[next_++];
      std::string alg = signature_algorithm(id.key_type());
      if (alg.empty()) {
        LOG_DEBUG1("Skipping %s key %s: no mutual signature algorithm", id.key_type().c_str(),
                   id.description().c_str());
        continue;
      }
      current_ = &id;
      fields_ = PublickeyFields{alg, id.public_blob(), ctx_.hostbound_key};
      LOG_DEBUG1("Offering public key: %s", id.description().c_str());
      out.push_back(encode_publickey_query(header(), fields_));
      return true;
    }
    return false;
  }

  Result<bool> on_message(ByteView payload, std::vector<Bytes>& out) override {
    PkOk ok = SSH_TRY(decode_pk_ok(payload));
    if (current_ == nullptr || ok.key_blob != fields_.key_blob || ok.algorithm != fields_.algorithm) {
      return fail(ErrorCode::protocol, "server accepted a key we did not offer");
    }
    LOG_DEBUG1("Server accepts key: %s", current_->description().c_str());
    Bytes data = publickey_signed_data(ctx_.session_id, header(), fields_);
    auto signature = current_->sign(fields_.algorithm, data);
    if (!signature) {
      LOG_DEBUG1("Skipping key %s: %s", current_->description().c_str(), signature.error().context.c_str());
      return attempt(out);
    }
    out.push_back(encode_publickey_signed(header(), fields_, *signature));
    return true;
  }

 private:
  RequestHeader header() const {
    return {ctx_.config.user, std::string(kConnectionService),
            ctx_.hostbound_key ? std::string(kHostboundMethod) : "publickey"};
  }

  // The signature algorithm for a key type: for RSA the first SHA-2 variant both we and the
  // server's server-sig-algs accept (RFC 8332 §3.3); other key types sign as themselves.
  std::string signature_algorithm(const std::string& key_type) const {
    const auto& ours = ctx_.config.pubkey_algorithms;
    if (key_type != "ssh-rsa") return contains(ours, key_type) ? key_type : "";
    for (const auto& alg : ours) {
      if (alg.rfind("rsa-sha2-", 0) != 0 && alg != "ssh-rsa") continue;
      if (ctx_.server_sig_algs == nullptr || contains(*ctx_.server_sig_algs, alg)) return alg;
    }
    return "";
  }

  MethodContext ctx_;
  size_t next_ = 0;
  ClientIdentity* current_ = nullptr;
  PublickeyFields fields_;
};

}  // namespace

std::unique_ptr<ClientMethod> make_publickey_method(MethodContext ctx) {
  return std::make_unique<PublickeyMethod>(ctx);
}

}  // namespace ssh::auth
