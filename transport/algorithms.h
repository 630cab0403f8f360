// Algorithm name tables, our defaults, OpenSSH-style list edits, and the negotiation of
// RFC 4253 §7.1.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/ecdh.h"
#include "crypto/hash.h"

namespace ssh::transport {

enum class AlgorithmKind { kex, host_key, cipher, mac, compression };

enum class KexFamily { curve25519, ecdh, dh_fixed, dh_gex };
enum class DhGroup { none, group14, group16, group18 };

struct KexInfo {
  std::string_view name;
  KexFamily family;
  crypto::HashAlg hash;
  crypto::Curve curve;  // ecdh only
  DhGroup group;        // dh_fixed only
};

enum class CipherKind { none, aes_ctr, aes_gcm, chacha20_poly1305 };

struct CipherInfo {
  std::string_view name;
  CipherKind kind;
  size_t key_len;
  size_t iv_len;
  size_t block_size;  // padding alignment
  size_t tag_len;     // AEAD tag; 0 when a separate MAC is used
};

struct MacInfo {
  std::string_view name;
  crypto::HashAlg hash;
  size_t key_len;
  size_t mac_len;
  bool etm;  // encrypt-then-mac (PROTOCOL §1.5 of OpenSSH)
};

struct HostKeyAlgInfo {
  std::string_view name;
  std::string_view key_type;  // the key blob's type string ("ssh-rsa" for rsa-sha2-*)
};

enum class CompressionKind { none, zlib, zlib_delayed };

// Lookups; nullptr for names we do not implement.
const KexInfo* find_kex(std::string_view name);
const CipherInfo* find_cipher(std::string_view name);
const MacInfo* find_mac(std::string_view name);
const HostKeyAlgInfo* find_host_key_alg(std::string_view name);
bool find_compression(std::string_view name, CompressionKind& out);
const CipherInfo& cipher_none();

// OpenSSH 9.2's client default order, restricted to what we implement.
std::vector<std::string> default_algorithms(AlgorithmKind kind);
// Everything we implement, in default order (what `ssh -Q` would print).
std::vector<std::string> supported_algorithms(AlgorithmKind kind);

// Applies an ssh_config/sshd_config algorithm value the way OpenSSH does: "+list"
// appends to the default, "-list" removes (wildcards * and ? allowed), "^list" moves to
// the front, anything else replaces. Names must be ones we implement; errors carry
// OpenSSH's wording, e.g. "Bad SSH2 cipher spec 'foo'.".
Result<std::vector<std::string>> apply_algorithm_spec(AlgorithmKind kind, std::string_view spec);
Result<std::vector<std::string>> apply_algorithm_spec(AlgorithmKind kind, std::string_view spec,
                                                      const std::vector<std::string>& base);

// OpenSSH-style pattern match with * and ? (no negation).
bool match_pattern(std::string_view name, std::string_view pattern);

// RFC 4253 §7.1: the first client algorithm the server also lists; empty if none.
std::string choose_algorithm(const std::vector<std::string>& client, const std::vector<std::string>& server);

}  // namespace ssh::transport
