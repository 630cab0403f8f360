#include "keys/openssh_key_format.h"

#include <algorithm>
#include <array>

#include "base/wire_reader.h"
#include "base/wire_writer.h"
#include "crypto/aes_ctr.h"
#include "crypto/aes_gcm.h"
#include "crypto/bcrypt_pbkdf.h"
#include "crypto/random.h"
#include "keys/base64.h"
#include "keys/key_errors.h"

namespace ssh::keys {

namespace {

// PROTOCOL.key: the magic includes its terminating NUL.
constexpr std::string_view kMagic{"openssh-key-v1\0", 15};
constexpr size_t kMaxFileSize = 1024 * 1024;
constexpr size_t kMaxSaltSize = 1024;
constexpr size_t kSaltSize = 16;
constexpr size_t kLineWidth = 70;

struct CipherInfo {
  std::string_view name;
  size_t key_len;
  size_t iv_len;
  size_t block_size;
  size_t tag_len;
};
constexpr std::array<CipherInfo, 6> kCiphers{{
    {"none", 0, 0, 8, 0},
    {"aes128-ctr", 16, 16, 16, 0},
    {"aes192-ctr", 24, 16, 16, 0},
    {"aes256-ctr", 32, 16, 16, 0},
    {"aes128-gcm@openssh.com", 16, 12, 16, 16},
    {"aes256-gcm@openssh.com", 32, 12, 16, 16},
}};

const CipherInfo* find_cipher(std::string_view name) {
  for (const auto& c : kCiphers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

struct Header {
  const CipherInfo* cipher = nullptr;
  std::string_view kdf;
  ByteView kdf_options;
  ByteView public_blob;
  ByteView encrypted;
  ByteView tag;
};

// The decoded binary; it holds the private section in clear for unencrypted keys.
Result<SecretBytes> dearmour(ByteView contents) {
  if (contents.size() > kMaxFileSize) return fail(ErrorCode::limit, "key file too large");
  std::string_view text = as_text(contents);
  size_t begin = text.find(kOpensshBegin);
  if (begin == text.npos || (begin != 0 && text[begin - 1] != '\n')) {
    return fail(ErrorCode::parse, "not an OpenSSH private key");
  }
  begin += kOpensshBegin.size();
  size_t end = text.find(kOpensshEnd, begin);
  if (end == text.npos) return fail(ErrorCode::parse, "OpenSSH private key end marker missing");
  Bytes raw = SSH_TRY(base64_decode_wrapped(text.substr(begin, end - begin)));
  SecretBytes out(raw);
  wipe(raw.data(), raw.size());
  return out;
}

Result<Header> parse_header(ByteView decoded) {
  WireReader r(decoded);
  ByteView magic = SSH_TRY(r.raw(std::min(decoded.size(), kMagic.size())));
  if (as_text(magic) != kMagic) return fail(ErrorCode::parse, "bad OpenSSH key magic");
  Header h;
  std::string_view cipher = SSH_TRY(r.text(64));
  h.cipher = find_cipher(cipher);
  if (h.cipher == nullptr) return fail(ErrorCode::protocol, "unsupported key file cipher");
  h.kdf = SSH_TRY(r.text(64));
  h.kdf_options = SSH_TRY(r.string(kMaxSaltSize + 64));
  bool plain = h.cipher->name == "none";
  if (plain ? (h.kdf != "none" || !h.kdf_options.empty()) : h.kdf != "bcrypt") {
    return fail(ErrorCode::protocol, "unsupported key file kdf");
  }
  uint32_t nkeys = SSH_TRY(r.u32());
  if (nkeys != 1) return fail(ErrorCode::protocol, "key files with several keys unsupported");
  h.public_blob = SSH_TRY(r.string(kMaxBlobSize));
  h.encrypted = SSH_TRY(r.string(kMaxFileSize));
  if (h.encrypted.size() % h.cipher->block_size != 0) {
    return fail(ErrorCode::parse, "private section not a multiple of the block size");
  }
  h.tag = SSH_TRY(r.raw(h.cipher->tag_len));
  SSH_TRY(r.expect_end());
  return h;
}

Result<SecretBytes> decrypt_section(const Header& h, std::string_view passphrase) {
  if (h.cipher->name == "none") return SecretBytes(h.encrypted);
  if (passphrase.empty()) return fail_wrong_passphrase();
  WireReader opts(h.kdf_options);
  ByteView salt = SSH_TRY(opts.string(kMaxSaltSize));
  uint32_t rounds = SSH_TRY(opts.u32());
  SSH_TRY(opts.expect_end());
  if (rounds == 0 || rounds > kMaxKdfRounds) return fail(ErrorCode::limit, "bcrypt rounds");
  const CipherInfo& c = *h.cipher;
  SecretBytes kiv = SSH_TRY(crypto::bcrypt_pbkdf(as_bytes(passphrase), salt, rounds, c.key_len + c.iv_len));
  ByteView key = kiv.view().subspan(0, c.key_len);
  ByteView iv = kiv.view().subspan(c.key_len, c.iv_len);
  SecretBytes out(h.encrypted);
  if (c.tag_len == 0) {
    auto ctr = SSH_TRY(crypto::AesCtr::create(key, iv));
    ctr.apply(out.data(), out.data(), out.size());
    return out;
  }
  auto gcm = SSH_TRY(crypto::AesGcm::create(key, iv));
  if (!gcm.open({}, out.data(), out.size(), h.tag.data())) return fail_wrong_passphrase();
  return out;
}

Result<PrivateKey> read_private_fields(WireReader& r) {
  std::string_view name = SSH_TRY(r.text(64));
  auto type = key_type_from_name(name);
  if (!type) return fail(ErrorCode::protocol, "unsupported private key type");
  if (*type == KeyType::ed25519) {
    ByteView pk = SSH_TRY(r.string(32));
    ByteView sk = SSH_TRY(r.string(64));
    if (pk.size() != 32 || sk.size() != 64) return fail(ErrorCode::parse, "ed25519 key sizes");
    // sk is seed || public key.
    if (!std::ranges::equal(sk.subspan(32), pk)) {
      return fail(ErrorCode::parse, "ed25519 private key inconsistent");
    }
    return PrivateKey::from_ed25519_seed(sk.subspan(0, 32), pk);
  }
  if (is_ecdsa(*type)) {
    crypto::Curve curve = key_type_curve(*type);
    std::string_view id = SSH_TRY(r.text(64));
    if (id != curve_identifier(curve)) return fail(ErrorCode::parse, "ECDSA curve mismatch");
    ByteView q = SSH_TRY(r.string(1 + 2 * crypto::curve_field_size(curve)));
    ByteView d = SSH_TRY(r.mpint_positive(crypto::curve_field_size(curve) + 1));
    return PrivateKey::from_ecdsa(curve, d, q);
  }
  crypto::RsaPrivateKey rsa;
  ByteView n = SSH_TRY(r.mpint_positive());
  ByteView e = SSH_TRY(r.mpint_positive());
  rsa.n.assign(n.begin(), n.end());
  rsa.e.assign(e.begin(), e.end());
  rsa.d = SecretBytes(SSH_TRY(r.mpint_positive()));
  rsa.iqmp = SecretBytes(SSH_TRY(r.mpint_positive()));
  rsa.p = SecretBytes(SSH_TRY(r.mpint_positive()));
  rsa.q = SecretBytes(SSH_TRY(r.mpint_positive()));
  return PrivateKey::from_rsa(std::move(rsa));
}

Result<OpensshPrivateKey> parse_private_section(const Header& h, ByteView plain) {
  bool encrypted = h.cipher->name != "none";
  WireReader r(plain);
  uint32_t check1 = SSH_TRY(r.u32());
  uint32_t check2 = SSH_TRY(r.u32());
  // With a wrong key the two decrypted check integers differ (PROTOCOL.key).
  if (check1 != check2) {
    if (encrypted) return fail_wrong_passphrase();
    return fail(ErrorCode::parse, "key file check integers differ");
  }
  PrivateKey key = SSH_TRY(read_private_fields(r));
  std::string comment(SSH_TRY(r.text(4096)));
  ByteView pad = r.rest();
  if (pad.size() >= h.cipher->block_size) return fail(ErrorCode::parse, "key file padding");
  for (size_t i = 0; i < pad.size(); ++i) {
    if (pad[i] != uint8_t(i + 1)) return fail(ErrorCode::parse, "key file padding");
  }
  if (!std::ranges::equal(ByteView(key.public_key().blob()), h.public_blob)) {
    return fail(ErrorCode::parse, "public and private keys in file differ");
  }
  return OpensshPrivateKey{std::move(key), std::move(comment)};
}

void write_private_fields(WireWriter& w, const PrivateKey& key) {
  w.string(key_type_name(key.type()));
  const PublicKey& pub = key.public_key();
  switch (key.type()) {
    case KeyType::ed25519: {
      w.string(pub.ed25519_key());
      size_t mark = w.begin_string();
      w.raw(key.ed25519_seed()).raw(pub.ed25519_key());
      w.end_string(mark);
      break;
    }
    case KeyType::rsa: {
      const auto& rsa = key.rsa();
      w.mpint_positive(rsa.n).mpint_positive(rsa.e).mpint_positive(rsa.d.view());
      w.mpint_positive(rsa.iqmp.view()).mpint_positive(rsa.p.view()).mpint_positive(rsa.q.view());
      break;
    }
    default:
      w.string(curve_identifier(key_type_curve(key.type())));
      w.string(pub.ecdsa_point()).mpint_positive(key.ecdsa_scalar());
      break;
  }
}

std::string armour(ByteView binary) {
  std::string b64 = base64_encode(binary);
  std::string out;
  out.reserve(b64.size() + b64.size() / kLineWidth + kOpensshBegin.size() * 2 + 8);
  out += kOpensshBegin;
  out += '\n';
  for (size_t i = 0; i < b64.size(); i += kLineWidth) {
    out.append(b64, i, kLineWidth);
    out += '\n';
  }
  out += kOpensshEnd;
  out += '\n';
  wipe(b64.data(), b64.size());
  return out;
}

}  // namespace

bool is_openssh_private_key(ByteView contents) {
  return as_text(contents).find(kOpensshBegin) != std::string_view::npos;
}

Result<bool> openssh_key_is_encrypted(ByteView contents) {
  SecretBytes decoded = SSH_TRY(dearmour(contents));
  Header h = SSH_TRY(parse_header(decoded.view()));
  return h.cipher->name != "none";
}

Result<PublicKey> openssh_public_key(ByteView contents) {
  SecretBytes decoded = SSH_TRY(dearmour(contents));
  Header h = SSH_TRY(parse_header(decoded.view()));
  return PublicKey::from_blob(h.public_blob);
}

Result<OpensshPrivateKey> parse_openssh_private_key(ByteView contents, std::string_view passphrase) {
  SecretBytes decoded = SSH_TRY(dearmour(contents));
  Header h = SSH_TRY(parse_header(decoded.view()));
  SecretBytes plain = SSH_TRY(decrypt_section(h, passphrase));
  return parse_private_section(h, plain.view());
}

Result<SecretBytes> encode_openssh_private_key(const PrivateKey& key, std::string_view comment,
                                               std::string_view passphrase, uint32_t rounds) {
  const CipherInfo& c = *find_cipher(passphrase.empty() ? "none" : "aes256-ctr");
  if (!passphrase.empty() && (rounds == 0 || rounds > kMaxKdfRounds)) {
    return fail(ErrorCode::config, "bcrypt rounds");
  }
  // Reserve up front so the secret section is never reallocated (and copied) while built.
  Bytes storage;
  storage.reserve(4 * kMaxBlobSize + comment.size());
  WireWriter priv(std::move(storage));
  std::array<uint8_t, 4> check{};
  crypto::system_random().fill(check);
  priv.raw(check).raw(check);
  write_private_fields(priv, key);
  priv.string(comment);
  for (uint8_t i = 1; priv.size() % c.block_size != 0; ++i) priv.u8(i);
  Bytes section_raw = priv.take();
  SecretBytes section(section_raw);
  wipe(section_raw.data(), section_raw.capacity());

  WireWriter kdf_options;
  if (!passphrase.empty()) {
    std::array<uint8_t, kSaltSize> salt{};
    crypto::system_random().fill(salt);
    kdf_options.string(ByteView(salt)).u32(rounds);
    SecretBytes kiv = SSH_TRY(crypto::bcrypt_pbkdf(as_bytes(passphrase), salt, rounds, c.key_len + c.iv_len));
    auto ctr = SSH_TRY(
        crypto::AesCtr::create(kiv.view().subspan(0, c.key_len), kiv.view().subspan(c.key_len, c.iv_len)));
    ctr.apply(section.data(), section.data(), section.size());
  }
  Bytes out_storage;
  out_storage.reserve(section.size() + 2 * kMaxBlobSize);
  WireWriter w(std::move(out_storage));
  w.raw(as_bytes(kMagic)).string(c.name).string(passphrase.empty() ? "none" : "bcrypt");
  w.string(kdf_options.view()).u32(1).string(ByteView(key.public_key().blob()));
  w.string(section.view());
  Bytes binary = w.take();
  std::string text = armour(binary);
  wipe(binary.data(), binary.capacity());
  SecretBytes result(as_bytes(text));
  wipe(text.data(), text.size());
  return result;
}

}  // namespace ssh::keys
