#include "keys/fingerprint.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "crypto/hash.h"
#include "keys/base64.h"

namespace ssh::keys {

namespace {

// MD5 is only used for the legacy fingerprint display, never for security, so it is
// computed here rather than offered by crypto/.
Bytes md5(ByteView data) {
  Bytes out(16);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_md5(), nullptr) != 1 || len != out.size()) {
    return {};
  }
  return out;
}

Bytes fingerprint_digest(ByteView blob, FingerprintHash hash) {
  if (hash == FingerprintHash::md5) return md5(blob);
  return crypto::digest(crypto::HashAlg::sha256, blob);
}

std::string centred(std::string_view title, size_t width) {
  if (title.size() > width) title = title.substr(0, width);
  size_t left = (width - title.size()) / 2;
  std::string line = "+";
  line.append(left, '-');
  line += title;
  line.append(width - left - title.size(), '-');
  line += '+';
  return line;
}

}  // namespace

std::string fingerprint(ByteView key_blob, FingerprintHash hash) {
  Bytes d = fingerprint_digest(key_blob, hash);
  if (hash == FingerprintHash::md5) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "MD5:";
    for (size_t i = 0; i < d.size(); ++i) {
      if (i != 0) out += ':';
      out += kHex[d[i] >> 4];
      out += kHex[d[i] & 15];
    }
    return out;
  }
  std::string b64 = base64_encode(d);
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

std::string fingerprint(const PublicKey& key, FingerprintHash hash) {
  return fingerprint(key.blob(), hash);
}

// The drunken bishop walk (Loss, Limmer, von Gernler, "The drunken bishop: An analysis
// of the OpenSSH fingerprint visualization algorithm"): starting in the centre, each
// digest byte gives four moves, low bit pairs first; bit 0 picks left/right, bit 1
// up/down; moves stop at the walls. Cells show how often they were visited; S and E mark
// the start and end.
std::string randomart(const PublicKey& key, FingerprintHash hash) {
  constexpr int kWidth = 17;
  constexpr int kHeight = 9;
  constexpr std::string_view kSymbols = " .o+=*BOX@%&#/^SE";
  constexpr int kMaxCount = int(kSymbols.size()) - 3;
  std::array<std::array<int, kWidth>, kHeight> field{};
  int x = kWidth / 2;
  int y = kHeight / 2;
  for (uint8_t byte : fingerprint_digest(key.blob(), hash)) {
    for (int step = 0; step < 4; ++step) {
      x += (byte & 1) ? 1 : -1;
      y += (byte & 2) ? 1 : -1;
      x = std::max(0, std::min(x, kWidth - 1));
      y = std::max(0, std::min(y, kHeight - 1));
      if (field[y][x] < kMaxCount) ++field[y][x];
      byte >>= 2;
    }
  }
  field[kHeight / 2][kWidth / 2] = int(kSymbols.size()) - 2;
  field[y][x] = int(kSymbols.size()) - 1;

  std::string title =
      "[" + std::string(key_type_short_name(key.type())) + " " + std::to_string(key.bits()) + "]";
  std::string out = centred(title, kWidth) + "\n";
  for (const auto& row : field) {
    out += '|';
    for (int cell : row) out += kSymbols[size_t(cell)];
    out += "|\n";
  }
  out += centred(hash == FingerprintHash::md5 ? "[MD5]" : "[SHA256]", kWidth);
  return out;
}

}  // namespace ssh::keys
