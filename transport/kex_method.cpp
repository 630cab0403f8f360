// The one-round-trip kex shape shared by curve25519 (RFC 8731), ECDH (RFC 5656 §4) and
// the fixed DH groups (RFC 4253 §8 / RFC 8268): client sends its public value, server
// answers K_S, its public value and a signature over H.
#include "transport/kex_method.h"

#include "base/log.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "transport/messages.h"

namespace ssh::transport {

namespace {

class OneRoundTripKex final : public KexMethod {
 public:
  OneRoundTripKex(const KexParams& params, std::unique_ptr<KeyAgreement> agreement)
      : params_(params), agreement_(std::move(agreement)), our_public_(agreement_->public_value()) {}

  Result<KexStep> start() override {
    KexStep step;
    if (params_.role == Role::client) {
      WireWriter w;
      w.u8(msg::kKexdhInit);
      put_public(w, our_public_);
      step.send.push_back(w.take());
      LOG_DEBUG1("expecting SSH2_MSG_KEX_ECDH_REPLY");
    }
    return step;
  }

  Result<KexStep> handle(ByteView payload) override {
    if (done_) return unexpected(payload[0]);
    if (params_.role == Role::client) {
      if (payload[0] != msg::kKexdhReply) return unexpected(payload[0]);
      return client_reply(payload);
    }
    if (payload[0] != msg::kKexdhInit) return unexpected(payload[0]);
    return server_init(payload);
  }

  void set_prefix(const HashPrefix& prefix) override { params_.prefix = prefix; }

  const char* expecting() const override {
    return params_.role == Role::client ? "SSH2_MSG_KEX_ECDH_REPLY" : "SSH2_MSG_KEX_ECDH_INIT";
  }

 private:
  std::unexpected<Error> unexpected(uint8_t type) const {
    return fail(ErrorCode::protocol, "unexpected message type " + std::to_string(type) +
                                         " during key exchange, " + "expecting " + expecting());
  }

  void put_public(WireWriter& w, ByteView v) const {
    if (agreement_->publics_are_mpint()) {
      w.mpint_positive(v);
    } else {
      w.string(v);
    }
  }
  Result<ByteView> get_public(WireReader& r) const {
    if (agreement_->publics_are_mpint()) return r.mpint_positive();
    return r.string(1024);
  }
  void hash_public(ExchangeHash& h, ByteView v) const {
    if (agreement_->publics_are_mpint()) {
      h.mpint(v);
    } else {
      h.string(v);
    }
  }

  Result<Bytes> compute_hash(ByteView host_key, ByteView client_pub, ByteView server_pub,
                             ByteView k_mpint) const {
    auto h = SSH_TRY(ExchangeHash::create(params_.info->hash, params_.prefix, host_key));
    hash_public(h, client_pub);
    hash_public(h, server_pub);
    return h.finish(k_mpint);
  }

  Result<KexStep> client_reply(ByteView payload) {
    LOG_DEBUG1("SSH2_MSG_KEX_ECDH_REPLY received");
    WireReader r(payload.subspan(1));
    ByteView host_key = SSH_TRY(r.string(16 * 1024));
    ByteView server_pub = SSH_TRY(get_public(r));
    ByteView signature = SSH_TRY(r.string(16 * 1024));
    SSH_TRY(r.expect_end());
    SecretBytes k = SSH_TRY(agreement_->shared_secret(server_pub));
    outcome_.k_mpint = encode_shared_secret(k.view());
    outcome_.h = SSH_TRY(compute_hash(host_key, our_public_, server_pub, outcome_.k_mpint.view()));
    outcome_.host_key_blob.assign(host_key.begin(), host_key.end());
    outcome_.signature.assign(signature.begin(), signature.end());
    done_ = true;
    KexStep step;
    step.done = true;
    return step;
  }

  Result<KexStep> server_init(ByteView payload) {
    WireReader r(payload.subspan(1));
    ByteView client_pub = SSH_TRY(get_public(r));
    SSH_TRY(r.expect_end());
    SecretBytes k = SSH_TRY(agreement_->shared_secret(client_pub));
    outcome_.k_mpint = encode_shared_secret(k.view());
    outcome_.host_key_blob = SSH_TRY(params_.signer->public_blob(params_.host_key_alg));
    outcome_.h =
        SSH_TRY(compute_hash(outcome_.host_key_blob, client_pub, our_public_, outcome_.k_mpint.view()));
    outcome_.signature = SSH_TRY(params_.signer->sign(params_.host_key_alg, outcome_.h));
    WireWriter w;
    w.u8(msg::kKexdhReply).string(outcome_.host_key_blob);
    put_public(w, our_public_);
    w.string(outcome_.signature);
    done_ = true;
    KexStep step;
    step.send.push_back(w.take());
    step.done = true;
    return step;
  }

  KexParams params_;
  std::unique_ptr<KeyAgreement> agreement_;
  Bytes our_public_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<KexMethod>> make_kex_method(const KexParams& params) {
  if (!params.info) return fail(ErrorCode::internal, "no kex method");
  if (params.role == Role::server && !params.signer) {
    return fail(ErrorCode::internal, "server kex without host key signer");
  }
  std::unique_ptr<KeyAgreement> agreement;
  switch (params.info->family) {
    case KexFamily::curve25519: agreement = SSH_TRY(make_curve25519_agreement(*params.rng)); break;
    case KexFamily::ecdh: agreement = SSH_TRY(make_ecdh_agreement(params.info->curve)); break;
    case KexFamily::dh_fixed:
      agreement = SSH_TRY(make_dh_agreement(fixed_dh_group(params.info->group), params.need_bytes));
      break;
    case KexFamily::dh_gex: return make_dh_gex_method(params);
  }
  return std::make_unique<OneRoundTripKex>(params, std::move(agreement));
}

}  // namespace ssh::transport
