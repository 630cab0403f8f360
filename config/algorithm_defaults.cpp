#include "config/algorithm_defaults.h"

#include <vector>

#include "config/match.h"

namespace ssh::config {
namespace {

constexpr std::string_view kKeyTypes =
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
    "rsa-sha2-512,rsa-sha2-256";
// ssh-rsa (SHA-1) may be named but is off by default, as in OpenSSH.
constexpr std::string_view kKeyTypesSupported =
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
    "rsa-sha2-512,rsa-sha2-256,ssh-rsa";

constexpr AlgorithmInfo kCiphers{
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
    "Bad SSH2 cipher spec"};
constexpr AlgorithmInfo kMacs{
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512",
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512",
    "Bad SSH2 MAC spec"};
constexpr AlgorithmInfo kKex{
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
    "Bad SSH2 KexAlgorithms"};
constexpr AlgorithmInfo kHostKey{kKeyTypes, kKeyTypesSupported, "Bad key types"};

std::vector<std::string_view> split_commas(std::string_view list) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    out.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

bool contains(std::string_view list, std::string_view name) {
  for (auto item : split_commas(list)) {
    if (item == name) return true;
  }
  return false;
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

}  // namespace

const AlgorithmInfo& default_algorithms(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::cipher: return kCiphers;
    case AlgorithmKind::mac: return kMacs;
    case AlgorithmKind::kex: return kKex;
    default: return kHostKey;
  }
}

Status validate_algorithm_list(AlgorithmKind kind, std::string_view spec) {
  const AlgorithmInfo& info = default_algorithms(kind);
  auto bad = [&] {
    return fail(ErrorCode::config, std::string(info.error_prefix) + " '" + std::string(spec) + "'.");
  };
  if (spec.empty()) return bad();
  char op = spec.front();
  std::string_view list = (op == '+' || op == '-' || op == '^') ? spec.substr(1) : spec;
  for (auto name : split_commas(list)) {
    if (name.empty()) return bad();
    if (op == '-') continue;  // removals may be patterns and may name anything
    if (!contains(info.supported, name)) return bad();
  }
  return {};
}

std::string resolve_algorithm_list(AlgorithmKind kind, std::string_view spec) {
  std::string_view defaults = default_algorithms(kind).default_list;
  if (spec.empty()) return std::string(defaults);
  char op = spec.front();
  std::string_view list = spec.substr(1);
  std::vector<std::string_view> base = split_commas(defaults);
  std::vector<std::string_view> out;
  if (op == '-') {
    for (auto name : base) {
      if (match_pattern_list(name, list, false) != 1) out.push_back(name);
    }
  } else if (op == '+' || op == '^') {
    std::vector<std::string_view> added;
    for (auto name : split_commas(list)) {
      if (!contains(defaults, name)) added.push_back(name);
    }
    if (op == '^') {
      out = split_commas(list);
      for (auto name : base) {
        if (!contains(list, name)) out.push_back(name);
      }
    } else {
      out = base;
      out.insert(out.end(), added.begin(), added.end());
    }
  } else {
    return std::string(spec);
  }
  return join(out);
}

void note_unsupported_kex(AlgorithmKind kind, std::string_view spec, std::vector<std::string>* notes) {
  if (kind != AlgorithmKind::kex || notes == nullptr || spec.empty() || spec.front() == '-') return;
  if (spec.front() == '+' || spec.front() == '^') spec.remove_prefix(1);
  notes->push_back("Unsupported KEX algorithm \"" + std::string(spec.substr(0, spec.find(','))) + "\"");
}

}  // namespace ssh::config
