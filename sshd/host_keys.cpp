#include "sshd/host_keys.h"

#include <sys/stat.h>

#include "base/log.h"
#include "keys/key_file.h"

namespace ssh::sshd {

namespace {

// OpenSSH 9.2 sshd's HostKeyAlgorithms order, restricted to what we implement.
std::vector<keys::SigAlg> sig_algs_for(keys::KeyType type) {
  return keys::sig_algs_for_key_type(type);
}

constexpr keys::SigAlg kServerOrder[] = {
    keys::SigAlg::ssh_ed25519,         keys::SigAlg::ecdsa_sha2_nistp256, keys::SigAlg::ecdsa_sha2_nistp384,
    keys::SigAlg::ecdsa_sha2_nistp521, keys::SigAlg::rsa_sha2_512,        keys::SigAlg::rsa_sha2_256,
};

}  // namespace

Result<HostKeys> HostKeys::load(const std::vector<std::string>& paths) {
  std::vector<keys::PrivateKey> loaded;
  for (const auto& path : paths) {
    auto key = keys::load_private_key_file(path, "");
    if (!key) {
      LOG_ERROR("Unable to load host key \"%s\": %s", path.c_str(), key.error().context.c_str());
      continue;
    }
    LOG_DEBUG1("private host key #%zu: %s", loaded.size(),
               std::string(key->key.public_key().type_name()).c_str());
    loaded.push_back(std::move(key->key));
  }
  if (loaded.empty()) return fail(ErrorCode::config, "sshd: no hostkeys available -- exiting.");
  return from_keys(std::move(loaded));
}

HostKeys HostKeys::from_keys(std::vector<keys::PrivateKey> keys) {
  HostKeys h;
  h.keys_ = std::move(keys);
  return h;
}

std::vector<std::string> HostKeys::algorithms() const {
  std::vector<std::string> out;
  for (keys::SigAlg alg : kServerOrder) {
    if (find(keys::sig_alg_name(alg)) != nullptr) out.emplace_back(keys::sig_alg_name(alg));
  }
  return out;
}

const keys::PrivateKey* HostKeys::find(std::string_view algorithm) const {
  auto alg = keys::sig_alg_from_name(algorithm);
  if (!alg) return nullptr;
  for (const auto& key : keys_) {
    for (keys::SigAlg a : sig_algs_for(key.type())) {
      if (a == *alg) return &key;
    }
  }
  return nullptr;
}

Result<Bytes> HostKeys::public_blob(std::string_view algorithm) const {
  const keys::PrivateKey* key = find(algorithm);
  if (key == nullptr) return fail(ErrorCode::internal, "no host key for " + std::string(algorithm));
  return key->public_key().blob();
}

Result<Bytes> HostKeys::sign(std::string_view algorithm, ByteView data) {
  const keys::PrivateKey* key = find(algorithm);
  auto alg = keys::sig_alg_from_name(algorithm);
  if (key == nullptr || !alg) return fail(ErrorCode::internal, "no host key for " + std::string(algorithm));
  return key->sign(*alg, data);
}

std::vector<std::pair<std::string, Bytes>> HostKeys::public_table() const {
  std::vector<std::pair<std::string, Bytes>> out;
  for (const auto& alg : algorithms()) out.emplace_back(alg, find(alg)->public_key().blob());
  return out;
}

std::vector<std::string> default_host_key_paths(const std::string& dir) {
  return {dir + "/ssh_host_rsa_key", dir + "/ssh_host_ecdsa_key", dir + "/ssh_host_ed25519_key"};
}

Status generate_missing_host_keys(const std::string& dir) {
  const std::pair<const char*, keys::KeyType> kinds[] = {
      {"rsa", keys::KeyType::rsa}, {"ecdsa", keys::KeyType::ecdsa_p256}, {"ed25519", keys::KeyType::ed25519}};
  for (const auto& [name, type] : kinds) {
    std::string path = dir + "/ssh_host_" + name + "_key";
    struct stat st {};
    if (stat(path.c_str(), &st) == 0) continue;
    auto key = SSH_TRY(keys::PrivateKey::generate(type));
    SSH_TRY(keys::write_private_key_file(path, key, "root@host"));
    SSH_TRY(keys::write_public_key_file(path + ".pub", key.public_key(), "root@host"));
    LOG_INFO("generated %s host key %s", name, path.c_str());
  }
  return {};
}

}  // namespace ssh::sshd
