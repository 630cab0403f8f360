// diffie-hellman-group-exchange-sha256 (RFC 4419, RFC 8270 for the 2048-bit minimum).
#include <algorithm>

#include "base/log.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "transport/kex_method.h"
#include "transport/messages.h"

namespace ssh::transport {

namespace {

constexpr uint32_t kGexMinBits = 2048;  // RFC 8270 §4
constexpr uint32_t kGexMaxBits = 8192;

uint32_t bit_length(ByteView magnitude) {
  size_t i = 0;
  while (i < magnitude.size() && magnitude[i] == 0) ++i;
  if (i == magnitude.size()) return 0;
  uint32_t bits = uint32_t(magnitude.size() - i - 1) * 8;
  for (uint8_t top = magnitude[i]; top != 0; top >>= 1) ++bits;
  return bits;
}

class DhGexKex final : public KexMethod {
 public:
  explicit DhGexKex(const KexParams& params) : params_(params) {}

  Result<KexStep> start() override {
    KexStep step;
    if (params_.role == Role::server) return step;
    sizes_ = gex_sizes_for(params_.need_bytes);
    WireWriter w;
    w.u8(msg::kKexDhGexRequest).u32(sizes_.min).u32(sizes_.n).u32(sizes_.max);
    step.send.push_back(w.take());
    LOG_DEBUG1("SSH2_MSG_KEX_DH_GEX_REQUEST(%u<%u<%u) sent", sizes_.min, sizes_.n, sizes_.max);
    LOG_DEBUG1("expecting SSH2_MSG_KEX_DH_GEX_GROUP");
    return step;
  }

  Result<KexStep> handle(ByteView payload) override {
    uint8_t type = payload[0];
    WireReader r(payload.subspan(1));
    if (params_.role == Role::client) {
      if (state_ == State::group && type == msg::kKexDhGexGroup) return client_group(r);
      if (state_ == State::reply && type == msg::kKexDhGexReply) return client_reply(r);
    } else {
      if (state_ == State::group && type == msg::kKexDhGexRequest) return server_request(r);
      if (state_ == State::reply && type == msg::kKexDhGexInit) return server_init(r);
    }
    return fail(ErrorCode::protocol, "unexpected message type " + std::to_string(type) +
                                         " during key exchange, expecting " + expecting());
  }

  void set_prefix(const HashPrefix& prefix) override { params_.prefix = prefix; }

  const char* expecting() const override {
    if (params_.role == Role::client) {
      return state_ == State::group ? "SSH2_MSG_KEX_DH_GEX_GROUP" : "SSH2_MSG_KEX_DH_GEX_REPLY";
    }
    return state_ == State::group ? "SSH2_MSG_KEX_DH_GEX_REQUEST" : "SSH2_MSG_KEX_DH_GEX_INIT";
  }

 private:
  enum class State { group, reply, done };

  Result<KexStep> client_group(WireReader& r) {
    LOG_DEBUG1("SSH2_MSG_KEX_DH_GEX_GROUP received");
    group_.p = to_vec(SSH_TRY(r.mpint_positive()));
    group_.g = to_vec(SSH_TRY(r.mpint_positive()));
    SSH_TRY(r.expect_end());
    uint32_t bits = bit_length(group_.p);
    if (bits < sizes_.min || bits > sizes_.max) {
      return fail(ErrorCode::protocol,
                  "DH_GEX group out of range: " + std::to_string(sizes_.min) + " !< " + std::to_string(bits) +
                      " !< " + std::to_string(sizes_.max),
                  DisconnectReason::key_exchange_failed);
    }
    agreement_ = SSH_TRY(make_dh_agreement(group_, params_.need_bytes));
    our_public_ = agreement_->public_value();
    WireWriter w;
    w.u8(msg::kKexDhGexInit).mpint_positive(our_public_);
    state_ = State::reply;
    LOG_DEBUG1("expecting SSH2_MSG_KEX_DH_GEX_REPLY");
    KexStep step;
    step.send.push_back(w.take());
    return step;
  }

  Result<KexStep> client_reply(WireReader& r) {
    LOG_DEBUG1("SSH2_MSG_KEX_DH_GEX_REPLY received");
    ByteView host_key = SSH_TRY(r.string(16 * 1024));
    ByteView f = SSH_TRY(r.mpint_positive());
    ByteView signature = SSH_TRY(r.string(16 * 1024));
    SSH_TRY(r.expect_end());
    SecretBytes k = SSH_TRY(agreement_->shared_secret(f));
    outcome_.k_mpint = encode_shared_secret(k.view());
    outcome_.h = SSH_TRY(compute_hash(host_key, our_public_, f));
    outcome_.host_key_blob = to_vec(host_key);
    outcome_.signature = to_vec(signature);
    state_ = State::done;
    KexStep step;
    step.done = true;
    return step;
  }

  Result<KexStep> server_request(WireReader& r) {
    sizes_.min = SSH_TRY(r.u32());
    sizes_.n = SSH_TRY(r.u32());
    sizes_.max = SSH_TRY(r.u32());
    SSH_TRY(r.expect_end());
    if (sizes_.min > sizes_.n || sizes_.n > sizes_.max || sizes_.max < kGexMinBits ||
        sizes_.min > kGexMaxBits) {
      return fail(ErrorCode::protocol, "DH_GEX_REQUEST, bad parameters",
                  DisconnectReason::key_exchange_failed);
    }
    // Without a moduli file we offer the RFC 3526 groups (2048/4096/8192 bits): the
    // smallest one at least n bits, else the largest that fits under max.
    static constexpr std::pair<uint32_t, DhGroup> kGroups[] = {
        {2048, DhGroup::group14}, {4096, DhGroup::group16}, {8192, DhGroup::group18}};
    DhGroup chosen = DhGroup::none;
    for (const auto& [bits, g] : kGroups) {
      if (bits >= sizes_.min && bits <= sizes_.max) {
        chosen = g;
        if (bits >= sizes_.n) break;
      }
    }
    if (chosen == DhGroup::none) {
      return fail(ErrorCode::protocol, "no DH group in requested range",
                  DisconnectReason::key_exchange_failed);
    }
    group_ = fixed_dh_group(chosen);
    agreement_ = SSH_TRY(make_dh_agreement(group_, params_.need_bytes));
    our_public_ = agreement_->public_value();
    WireWriter w;
    w.u8(msg::kKexDhGexGroup).mpint_positive(group_.p).mpint_positive(group_.g);
    state_ = State::reply;
    KexStep step;
    step.send.push_back(w.take());
    return step;
  }

  Result<KexStep> server_init(WireReader& r) {
    ByteView e = SSH_TRY(r.mpint_positive());
    SSH_TRY(r.expect_end());
    SecretBytes k = SSH_TRY(agreement_->shared_secret(e));
    outcome_.k_mpint = encode_shared_secret(k.view());
    outcome_.host_key_blob = SSH_TRY(params_.signer->public_blob(params_.host_key_alg));
    outcome_.h = SSH_TRY(compute_hash(outcome_.host_key_blob, e, our_public_));
    outcome_.signature = SSH_TRY(params_.signer->sign(params_.host_key_alg, outcome_.h));
    WireWriter w;
    w.u8(msg::kKexDhGexReply).string(outcome_.host_key_blob).mpint_positive(our_public_);
    w.string(outcome_.signature);
    state_ = State::done;
    KexStep step;
    step.send.push_back(w.take());
    step.done = true;
    return step;
  }

  // RFC 4419 §3: H = hash(V_C || V_S || I_C || I_S || K_S || min || n || max || p || g ||
  // e || f || K).
  Result<Bytes> compute_hash(ByteView host_key, ByteView e, ByteView f) const {
    auto h = SSH_TRY(ExchangeHash::create(params_.info->hash, params_.prefix, host_key));
    h.u32(sizes_.min).u32(sizes_.n).u32(sizes_.max);
    h.mpint(group_.p).mpint(group_.g).mpint(e).mpint(f);
    return h.finish(outcome_.k_mpint.view());
  }

  static Bytes to_vec(ByteView v) { return Bytes(v.begin(), v.end()); }

  KexParams params_;
  State state_ = State::group;
  GexSizes sizes_;
  crypto::DhGroupParams group_;
  std::unique_ptr<KeyAgreement> agreement_;
  Bytes our_public_;
};

// OpenSSH dh.c dh_estimate(): symmetric strength in bits -> modulus size.
uint32_t estimate_modulus_bits(size_t strength_bits) {
  if (strength_bits <= 112) return 2048;
  if (strength_bits <= 128) return 3072;
  if (strength_bits <= 192) return 7680;
  return 8192;
}

}  // namespace

GexSizes gex_sizes_for(size_t need_bytes) {
  GexSizes s;
  s.min = kGexMinBits;
  s.max = kGexMaxBits;
  s.n = std::clamp(estimate_modulus_bits(need_bytes * 8), s.min, s.max);
  return s;
}

Result<std::unique_ptr<KexMethod>> make_dh_gex_method(const KexParams& params) {
  return std::make_unique<DhGexKex>(params);
}

}  // namespace ssh::transport
