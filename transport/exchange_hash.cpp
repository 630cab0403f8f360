#include "transport/exchange_hash.h"

#include "base/wire_writer.h"

namespace ssh::transport {

SecretBytes encode_shared_secret(ByteView magnitude) {
  size_t skip = 0;
  while (skip < magnitude.size() && magnitude[skip] == 0) ++skip;
  ByteView m = magnitude.subspan(skip);
  bool pad = !m.empty() && (m[0] & 0x80);
  SecretBytes out(4 + (pad ? 1 : 0) + m.size());
  store_be32(out.data(), uint32_t(out.size() - 4));
  if (pad) out.data()[4] = 0;
  std::copy(m.begin(), m.end(), out.data() + 4 + (pad ? 1 : 0));
  return out;
}

Result<ExchangeHash> ExchangeHash::create(crypto::HashAlg alg, const HashPrefix& prefix,
                                          ByteView host_key_blob) {
  ExchangeHash h(SSH_TRY(crypto::Hash::create(alg)));
  h.string(as_bytes(prefix.client_version))
      .string(as_bytes(prefix.server_version))
      .string(prefix.client_kexinit)
      .string(prefix.server_kexinit)
      .string(host_key_blob);
  return h;
}

ExchangeHash& ExchangeHash::u32(uint32_t v) {
  uint8_t b[4];
  store_be32(b, v);
  hash_.update(ByteView(b, 4));
  return *this;
}

ExchangeHash& ExchangeHash::string(ByteView v) {
  u32(uint32_t(v.size()));
  hash_.update(v);
  return *this;
}

ExchangeHash& ExchangeHash::mpint(ByteView magnitude) {
  WireWriter w;
  w.mpint_positive(magnitude);
  hash_.update(w.view());
  return *this;
}

Bytes ExchangeHash::finish(ByteView k_mpint) {
  hash_.update(k_mpint);
  return hash_.finish();
}

Result<SecretBytes> derive_key(crypto::HashAlg alg, ByteView k_mpint, ByteView h, char letter,
                               ByteView session_id, size_t length) {
  SecretBytes out;
  {
    auto first = SSH_TRY(crypto::Hash::create(alg));
    uint8_t x = uint8_t(letter);
    first.update(k_mpint);
    first.update(h);
    first.update(ByteView(&x, 1));
    first.update(session_id);
    Bytes d = first.finish();
    out.append(d);
    wipe(d.data(), d.size());
  }
  while (out.size() < length) {
    auto more = SSH_TRY(crypto::Hash::create(alg));
    more.update(k_mpint);
    more.update(h);
    more.update(out.view());
    Bytes d = more.finish();
    out.append(d);
    wipe(d.data(), d.size());
  }
  out.resize(length);
  return out;
}

}  // namespace ssh::transport
