// Finite-field DH (RFC 4253 §8, RFC 8268, RFC 4419) with BIGNUM modular exponentiation in
// constant time. The MODP primes are RFC 3526 §3 (group 14), §5 (group 16) and §7
// (group 18), all with generator 2; the unit test checks them against OpenSSL's copies.
#include "crypto/dh_group.h"

#include <openssl/bn.h>

#include <string_view>

#include "crypto/evp_util.h"
#include "crypto/ossl_ptr.h"

namespace ssh::crypto {
namespace {

// kGroup14Prime (2048 bits)
constexpr std::string_view kGroup14Prime =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";
// kGroup16Prime (4096 bits)
constexpr std::string_view kGroup16Prime =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
    "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
    "DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
    "233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
    "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF";
// kGroup18Prime (8192 bits)
constexpr std::string_view kGroup18Prime =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
    "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
    "DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
    "233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
    "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C93402849236C3FAB4D27C7026"
    "C1D4DCB2602646DEC9751E763DBA37BDF8FF9406AD9E530EE5DB382F413001AE"
    "B06A53ED9027D831179727B0865A8918DA3EDBEBCF9B14ED44CE6CBACED4BB1B"
    "DB7F1447E6CC254B332051512BD7AF426FB8F401378CD2BF5983CA01C64B92EC"
    "F032EA15D1721D03F482D7CE6E74FEF6D55E702F46980C82B5A84031900B1C9E"
    "59E7C97FBEC7E8F323A97A7E36CC88BE0F1D45B7FF585AC54BD407B22B4154AA"
    "CC8F6D7EBF48E1D814CC5ED20F8037E0A79715EEF29BE32806A1D58BB7C5DA76"
    "F550AA3D8A1FBFF0EB19CCB1A313D55CDA56C9EC2EF29632387FE8D76E3C0468"
    "043E8F663F4860EE12BF2D5B0B7474D6E694F91E6DBE115974A3926F12FEE5E4"
    "38777CB6A932DF8CD8BEC4D073B931BA3BC832B68D9DD300741FA7BF8AFC47ED"
    "2576F6936BA424663AAB639C5AE4F5683423B4742BF1C978238F16CBE39D652D"
    "E3FDB8BEFC848AD922222E04A4037C0713EB57A81A23F0C73473FC646CEA306B"
    "4BCBC8862F8385DDFA9D4B7FA2C087E879683303ED5BDD3A062B3CF5B3A278A6"
    "6D2A13F83F44F82DDF310EE074AB6A364597E899A0255DC164F31CC50846851D"
    "F9AB48195DED7EA1B1D510BD7EE74D73FAF36BC31ECFA268359046F4EB879F92"
    "4009438B481C6CD7889A002ED5EE382BC9190DA6FC026E479558E4475677E9AA"
    "9E3050E2765694DFC81F56E880B96E7160C980DD98EDD3DFFFFFFFFFFFFFFFFF";

constexpr int kMinModulusBits = 2048;  // RFC 8270 / OpenSSH's DH_GRP_MIN
constexpr int kMaxModulusBits = 8192;  // RFC 4419 / OpenSSH's DH_GRP_MAX

DhGroupParams make_group(std::string_view prime_hex) {
  DhGroupParams group;
  from_hex(prime_hex, group.p);
  group.g = {2};
  return group;
}

BignumPtr to_bn(ByteView magnitude) {
  return BignumPtr(BN_bin2bn(magnitude.data(), int(magnitude.size()), nullptr));
}

Bytes bn_bytes(const BIGNUM* bn) {
  Bytes out(size_t(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

// True when 1 < v < p - 1 (RFC 4253 §8: values outside [1, p-1] MUST NOT be accepted;
// 1 and p-1 are also refused since they force a trivial shared secret).
bool strictly_inside(const BIGNUM* v, const BIGNUM* p_minus_1) {
  return BN_cmp(v, BN_value_one()) > 0 && BN_cmp(v, p_minus_1) < 0;
}

}  // namespace

DhGroupParams modp_group14() {
  return make_group(kGroup14Prime);
}
DhGroupParams modp_group16() {
  return make_group(kGroup16Prime);
}
DhGroupParams modp_group18() {
  return make_group(kGroup18Prime);
}

struct DhKey::Impl {
  BignumPtr p;
  BignumPtr p_minus_1;
  SecretBignumPtr x;
  BignumPtr e;
  BnCtxPtr bn_ctx;
};

DhKey::DhKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DhKey::DhKey(DhKey&&) noexcept = default;
DhKey& DhKey::operator=(DhKey&&) noexcept = default;
DhKey::~DhKey() = default;

Result<DhKey> DhKey::generate(const DhGroupParams& group, int security_bits) {
  auto impl = std::make_unique<Impl>();
  impl->p = to_bn(group.p);
  BignumPtr g = to_bn(group.g);
  impl->p_minus_1.reset(BN_new());
  impl->x.reset(BN_new());
  impl->e.reset(BN_new());
  impl->bn_ctx.reset(BN_CTX_secure_new());
  if (!impl->p || !g || !impl->p_minus_1 || !impl->x || !impl->e || !impl->bn_ctx ||
      BN_sub(impl->p_minus_1.get(), impl->p.get(), BN_value_one()) != 1) {
    return detail::ossl_fail("dh alloc");
  }
  int bits = BN_num_bits(impl->p.get());
  if (!BN_is_odd(impl->p.get()) || bits < kMinModulusBits || bits > kMaxModulusBits) {
    return fail(ErrorCode::protocol, "dh modulus size", DisconnectReason::key_exchange_failed);
  }
  if (!strictly_inside(g.get(), impl->p_minus_1.get())) {
    return fail(ErrorCode::protocol, "dh generator", DisconnectReason::key_exchange_failed);
  }
  // Exponent of twice the security level (RFC 8268 §4, as OpenSSH), well below |p|.
  int x_bits = 2 * security_bits;
  if (security_bits < 112 || x_bits >= bits - 1) {
    return fail(ErrorCode::internal, "dh security bits");
  }
  BN_set_flags(impl->x.get(), BN_FLG_CONSTTIME);
  // A generated e of 1 or p-1 is impossible in practice but checked like a peer's value.
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (BN_priv_rand_ex(impl->x.get(), x_bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY, 0, impl->bn_ctx.get()) !=
            1 ||
        BN_mod_exp_mont_consttime(impl->e.get(), g.get(), impl->x.get(), impl->p.get(), impl->bn_ctx.get(),
                                  nullptr) != 1) {
      return detail::ossl_fail("dh keygen");
    }
    if (strictly_inside(impl->e.get(), impl->p_minus_1.get())) return DhKey(std::move(impl));
  }
  return fail(ErrorCode::internal, "dh keygen degenerate");
}

Bytes DhKey::public_value() const {
  return bn_bytes(impl_->e.get());
}

Result<SecretBytes> DhKey::derive(ByteView peer_public) const {
  if (peer_public.size() > size_t(BN_num_bytes(impl_->p.get()))) {
    return fail(ErrorCode::protocol, "dh public value too large", DisconnectReason::key_exchange_failed);
  }
  BignumPtr f = to_bn(peer_public);
  SecretBignumPtr k(BN_new());
  if (!f || !k) return detail::ossl_fail("dh alloc");
  if (!strictly_inside(f.get(), impl_->p_minus_1.get())) {
    return fail(ErrorCode::protocol, "dh public value out of range", DisconnectReason::key_exchange_failed);
  }
  if (BN_mod_exp_mont_consttime(k.get(), f.get(), impl_->x.get(), impl_->p.get(), impl_->bn_ctx.get(),
                                nullptr) != 1) {
    return detail::ossl_fail("dh derive");
  }
  SecretBytes out(size_t(BN_num_bytes(k.get())));
  BN_bn2bin(k.get(), out.data());
  return out;
}

}  // namespace ssh::crypto
