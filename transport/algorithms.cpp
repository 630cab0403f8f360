#include "transport/algorithms.h"

#include <algorithm>

namespace ssh::transport {

namespace {

using crypto::Curve;
using crypto::HashAlg;

// Tables are in OpenSSH 9.2's default client order (ssh_config(5)).
constexpr std::array kKexTable = {
    KexInfo{"curve25519-sha256", KexFamily::curve25519, HashAlg::sha256, Curve::p256, DhGroup::none},
    KexInfo{"curve25519-sha256@libssh.org", KexFamily::curve25519, HashAlg::sha256, Curve::p256,
            DhGroup::none},
    KexInfo{"ecdh-sha2-nistp256", KexFamily::ecdh, HashAlg::sha256, Curve::p256, DhGroup::none},
    KexInfo{"ecdh-sha2-nistp384", KexFamily::ecdh, HashAlg::sha384, Curve::p384, DhGroup::none},
    KexInfo{"ecdh-sha2-nistp521", KexFamily::ecdh, HashAlg::sha512, Curve::p521, DhGroup::none},
    KexInfo{"diffie-hellman-group-exchange-sha256", KexFamily::dh_gex, HashAlg::sha256, Curve::p256,
            DhGroup::none},
    KexInfo{"diffie-hellman-group16-sha512", KexFamily::dh_fixed, HashAlg::sha512, Curve::p256,
            DhGroup::group16},
    KexInfo{"diffie-hellman-group18-sha512", KexFamily::dh_fixed, HashAlg::sha512, Curve::p256,
            DhGroup::group18},
    KexInfo{"diffie-hellman-group14-sha256", KexFamily::dh_fixed, HashAlg::sha256, Curve::p256,
            DhGroup::group14},
};

constexpr std::array kHostKeyTable = {
    HostKeyAlgInfo{"ssh-ed25519", "ssh-ed25519"},
    HostKeyAlgInfo{"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"},
    HostKeyAlgInfo{"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"},
    HostKeyAlgInfo{"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"},
    HostKeyAlgInfo{"rsa-sha2-512", "ssh-rsa"},
    HostKeyAlgInfo{"rsa-sha2-256", "ssh-rsa"},
};

constexpr CipherInfo kCipherNone{"none", CipherKind::none, 0, 0, 8, 0};

// Key/IV/block sizes from RFC 4344 §4, RFC 5647 §5 and OpenSSH PROTOCOL.chacha20poly1305.
constexpr std::array kCipherTable = {
    CipherInfo{"chacha20-poly1305@openssh.com", CipherKind::chacha20_poly1305, 64, 0, 8, 16},
    CipherInfo{"aes128-ctr", CipherKind::aes_ctr, 16, 16, 16, 0},
    CipherInfo{"aes192-ctr", CipherKind::aes_ctr, 24, 16, 16, 0},
    CipherInfo{"aes256-ctr", CipherKind::aes_ctr, 32, 16, 16, 0},
    CipherInfo{"aes128-gcm@openssh.com", CipherKind::aes_gcm, 16, 12, 16, 16},
    CipherInfo{"aes256-gcm@openssh.com", CipherKind::aes_gcm, 32, 12, 16, 16},
};

constexpr std::array kMacTable = {
    MacInfo{"hmac-sha2-256-etm@openssh.com", HashAlg::sha256, 32, 32, true},
    MacInfo{"hmac-sha2-512-etm@openssh.com", HashAlg::sha512, 64, 64, true},
    MacInfo{"hmac-sha2-256", HashAlg::sha256, 32, 32, false},
    MacInfo{"hmac-sha2-512", HashAlg::sha512, 64, 64, false},
};

struct CompressionEntry {
  std::string_view name;
  CompressionKind kind;
};
// OpenSSH's client default is "Compression no" (none only); `+zlib@openssh.com,zlib` or
// Compression=yes turns the others on.
constexpr std::array kCompressionTable = {
    CompressionEntry{"none", CompressionKind::none},
    CompressionEntry{"zlib@openssh.com", CompressionKind::zlib_delayed},
    CompressionEntry{"zlib", CompressionKind::zlib},
};

template <class Table>
std::vector<std::string> names_of(const Table& table) {
  std::vector<std::string> out;
  for (const auto& e : table) out.emplace_back(e.name);
  return out;
}

const char* spec_error_prefix(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kex: return "Bad SSH2 KexAlgorithms";
    case AlgorithmKind::host_key: return "Bad key types";
    case AlgorithmKind::cipher: return "Bad SSH2 cipher spec";
    case AlgorithmKind::mac: return "Bad SSH2 MAC spec";
    case AlgorithmKind::compression: return "Bad compression spec";
  }
  return "Bad algorithm spec";
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == s.npos) comma = s.size();
    out.emplace_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view name) {
  return std::find(v.begin(), v.end(), name) != v.end();
}

}  // namespace

const KexInfo* find_kex(std::string_view name) {
  for (const auto& e : kKexTable) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const CipherInfo* find_cipher(std::string_view name) {
  for (const auto& e : kCipherTable) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const MacInfo* find_mac(std::string_view name) {
  for (const auto& e : kMacTable) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const HostKeyAlgInfo* find_host_key_alg(std::string_view name) {
  for (const auto& e : kHostKeyTable) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

bool find_compression(std::string_view name, CompressionKind& out) {
  for (const auto& e : kCompressionTable) {
    if (e.name == name) {
      out = e.kind;
      return true;
    }
  }
  return false;
}

const CipherInfo& cipher_none() {
  return kCipherNone;
}

std::vector<std::string> supported_algorithms(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kex: return names_of(kKexTable);
    case AlgorithmKind::host_key: return names_of(kHostKeyTable);
    case AlgorithmKind::cipher: return names_of(kCipherTable);
    case AlgorithmKind::mac: return names_of(kMacTable);
    case AlgorithmKind::compression: return names_of(kCompressionTable);
  }
  return {};
}

std::vector<std::string> default_algorithms(AlgorithmKind kind) {
  if (kind == AlgorithmKind::compression) return {"none"};
  return supported_algorithms(kind);
}

bool match_pattern(std::string_view name, std::string_view pattern) {
  // Iterative glob with single backtrack point: linear enough for short names.
  size_t n = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++n;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<std::vector<std::string>> apply_algorithm_spec(AlgorithmKind kind, std::string_view spec) {
  return apply_algorithm_spec(kind, spec, default_algorithms(kind));
}

Result<std::vector<std::string>> apply_algorithm_spec(AlgorithmKind kind, std::string_view spec,
                                                      const std::vector<std::string>& base) {
  auto bad = [&] {
    return fail(ErrorCode::config, std::string(spec_error_prefix(kind)) + " '" + std::string(spec) + "'.");
  };
  if (spec.empty()) return bad();
  char op = spec[0];
  bool edit = op == '+' || op == '-' || op == '^';
  std::vector<std::string> names = split_commas(edit ? spec.substr(1) : spec);
  const std::vector<std::string> all = supported_algorithms(kind);
  for (const auto& n : names) {
    if (n.empty()) return bad();
    // Removal lists may use wildcards; every other name must be one we implement.
    if (op != '-' && !contains(all, n)) return bad();
  }
  std::vector<std::string> out;
  if (op == '-') {
    for (const auto& b : base) {
      bool drop = std::any_of(names.begin(), names.end(),
                              [&](const std::string& pat) { return match_pattern(b, pat); });
      if (!drop) out.push_back(b);
    }
  } else if (op == '+') {
    out = base;
    for (const auto& n : names) {
      if (!contains(out, n)) out.push_back(n);
    }
  } else if (op == '^') {
    for (const auto& n : names) {
      if (!contains(out, n)) out.push_back(n);
    }
    for (const auto& b : base) {
      if (!contains(out, b)) out.push_back(b);
    }
  } else {
    for (const auto& n : names) {
      if (!contains(out, n)) out.push_back(n);
    }
  }
  if (out.empty()) return bad();
  return out;
}

std::string choose_algorithm(const std::vector<std::string>& client, const std::vector<std::string>& server) {
  for (const auto& c : client) {
    if (contains(server, c)) return c;
  }
  return {};
}

}  // namespace ssh::transport
