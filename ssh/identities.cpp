#include "ssh/identities.h"

#include <sys/stat.h>

#include <optional>

#include "base/log.h"
#include "keys/agent_client.h"
#include "keys/fingerprint.h"
#include "keys/key_file.h"

namespace ssh::client {

namespace {

std::string describe(const std::string& origin, const keys::PublicKey& key, bool explicit_file) {
  return origin + " " + std::string(keys::key_type_short_name(key.type())) + " " + keys::fingerprint(key) +
         (explicit_file ? " explicit" : "");
}

// A key file; the private half is read (and its passphrase asked for) only when the
// server has accepted the public half.
class FileIdentity final : public auth::ClientIdentity {
 public:
  FileIdentity(std::string path, keys::PublicKey pub, std::optional<keys::PrivateKey> priv,
               bool explicit_file, const IdentityOptions& options, auth::Prompter& prompter)
      : path_(std::move(path)),
        public_(std::move(pub)),
        private_(std::move(priv)),
        description_(describe(path_, public_, explicit_file)),
        options_(options),
        prompter_(prompter) {}

  std::string key_type() const override { return std::string(public_.type_name()); }
  const Bytes& public_blob() const override { return public_.blob(); }
  std::string description() const override { return description_; }

  Result<Bytes> sign(std::string_view algorithm, ByteView data) override {
    if (!private_) SSH_TRY(load_private());
    auto alg = keys::sig_alg_from_name(algorithm);
    if (!alg) return fail(ErrorCode::auth, "unsupported signature algorithm");
    return private_->sign(*alg, data);
  }

 private:
  Status load_private() {
    auto contents = keys::read_private_key_file(path_);
    if (!contents) {
      if (keys::is_bad_permissions(contents.error())) {
        struct stat st {};
        stat(path_.c_str(), &st);
        prompter_.show(keys::unprotected_private_key_banner(path_, st.st_mode & 0777));
        LOG_INFO("Load key \"%s\": bad permissions", path_.c_str());
      }
      return std::unexpected(contents.error());
    }
    auto encrypted = keys::private_key_is_encrypted(contents->view());
    if (!encrypted) return std::unexpected(encrypted.error());
    if (!*encrypted) {
      auto loaded = SSH_TRY(keys::parse_private_key(contents->view(), ""));
      return adopt(std::move(loaded.key));
    }
    if (options_.batch_mode) return fail(ErrorCode::auth, "passphrase needed in batch mode");
    for (int i = 0; i < options_.passphrase_prompts; ++i) {
      auto pass = prompter_.ask("Enter passphrase for key '" + path_ + "': ", false);
      if (!pass) break;
      auto loaded = keys::parse_private_key(contents->view(), pass->text());
      if (loaded) return adopt(std::move(loaded->key));
      if (!keys::is_wrong_passphrase(loaded.error())) return std::unexpected(loaded.error());
      LOG_DEBUG1("Bad passphrase for key %s", path_.c_str());
    }
    return fail(ErrorCode::auth, "no passphrase for key " + path_);
  }

  Status adopt(keys::PrivateKey key) {
    if (!(key.public_key() == public_))
      return fail(ErrorCode::auth, "private key does not match " + path_ + ".pub");
    private_ = std::move(key);
    return {};
  }

  std::string path_;
  keys::PublicKey public_;
  std::optional<keys::PrivateKey> private_;
  std::string description_;
  const IdentityOptions& options_;
  auth::Prompter& prompter_;
};

// A key held by ssh-agent; the agent signs (draft-miller-ssh-agent §4.5).
class AgentIdentity final : public auth::ClientIdentity {
 public:
  AgentIdentity(std::shared_ptr<keys::AgentClient> agent, keys::PublicKey key, std::string origin)
      : agent_(std::move(agent)),
        key_(std::move(key)),
        description_(describe(origin, key_, false) + " agent") {}

  std::string key_type() const override { return std::string(key_.type_name()); }
  const Bytes& public_blob() const override { return key_.blob(); }
  std::string description() const override { return description_; }
  Result<Bytes> sign(std::string_view algorithm, ByteView data) override {
    auto alg = keys::sig_alg_from_name(algorithm);
    if (!alg) return fail(ErrorCode::auth, "unsupported signature algorithm");
    return agent_->sign(key_.blob(), data, *alg);
  }

 private:
  std::shared_ptr<keys::AgentClient> agent_;  // shared by every key the agent holds
  keys::PublicKey key_;
  std::string description_;
};

// Reads the public half of an identity: from "<path>.pub" when present, otherwise from an
// unencrypted private key file.
std::unique_ptr<auth::ClientIdentity> load_file_identity(const std::string& path,
                                                         const IdentityOptions& options,
                                                         auth::Prompter& prompter) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (options.files_explicit) {
      LOG_INFO("Warning: Identity file %s not accessible: No such file or directory.", path.c_str());
    }
    return nullptr;
  }
  auto pub = keys::load_public_key_file(path + ".pub");
  if (pub) {
    return std::make_unique<FileIdentity>(path, std::move(pub->key), std::nullopt, options.files_explicit,
                                          options, prompter);
  }
  auto contents = keys::read_private_key_file(path);
  if (!contents) {
    if (keys::is_bad_permissions(contents.error())) {
      prompter.show(keys::unprotected_private_key_banner(path, st.st_mode & 0777));
      LOG_INFO("Load key \"%s\": bad permissions", path.c_str());
    }
    return nullptr;
  }
  // Without a .pub file an encrypted key must be decrypted now to learn its public half.
  for (int i = 0; i < options.passphrase_prompts; ++i) {
    std::optional<SecretBytes> pass;
    auto encrypted = keys::private_key_is_encrypted(contents->view());
    if (!encrypted) {
      LOG_DEBUG1("Load key \"%s\": %s", path.c_str(), encrypted.error().context.c_str());
      return nullptr;
    }
    if (*encrypted) {
      if (options.batch_mode) return nullptr;
      pass = prompter.ask("Enter passphrase for key '" + path + "': ", false);
      if (!pass) return nullptr;
    }
    auto loaded = keys::parse_private_key(contents->view(), pass ? pass->text() : "");
    if (loaded) {
      keys::PublicKey pk = loaded->key.public_key();
      return std::make_unique<FileIdentity>(path, std::move(pk), std::move(loaded->key),
                                            options.files_explicit, options, prompter);
    }
    if (!keys::is_wrong_passphrase(loaded.error())) {
      LOG_DEBUG1("Load key \"%s\": %s", path.c_str(), loaded.error().context.c_str());
      return nullptr;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::unique_ptr<auth::ClientIdentity>> load_identities(const IdentityOptions& options,
                                                                   auth::Prompter& prompter) {
  std::shared_ptr<keys::AgentClient> agent;
  std::vector<keys::AgentIdentity> agent_keys;
  if (!options.agent_socket.empty()) {
    auto client = keys::AgentClient::connect(options.agent_socket);
    if (client) {
      agent = std::make_shared<keys::AgentClient>(std::move(*client));
      auto listed = agent->request_identities();
      if (listed)
        agent_keys = std::move(*listed);
      else
        LOG_DEBUG1("agent: %s", listed.error().context.c_str());
    } else {
      LOG_DEBUG1("get_agent_identities: ssh_get_authentication_socket: %s", client.error().context.c_str());
    }
  }
  std::vector<bool> agent_used(agent_keys.size(), false);
  std::vector<std::unique_ptr<auth::ClientIdentity>> out;
  auto offer = [&](std::unique_ptr<auth::ClientIdentity> id) {
    auto key = keys::PublicKey::from_blob(id->public_blob());
    if (key && key->type() == keys::KeyType::rsa && key->bits() < options.required_rsa_size) {
      LOG_DEBUG1("Skipping %s key %s: Invalid key length", id->key_type().c_str(), id->description().c_str());
      return;
    }
    LOG_DEBUG1("Will attempt key: %s", id->description().c_str());
    out.push_back(std::move(id));
  };
  for (const auto& path : options.files) {
    auto id = load_file_identity(path, options, prompter);
    if (!id) continue;
    // A file key the agent also holds is signed by the agent: no passphrase needed.
    for (size_t i = 0; i < agent_keys.size(); ++i) {
      if (!agent_used[i] && agent_keys[i].blob == id->public_blob()) {
        if (auto key = agent_keys[i].key()) {
          agent_used[i] = true;
          id = std::make_unique<AgentIdentity>(agent, std::move(*key), path);
        }
      }
    }
    offer(std::move(id));
  }
  if (!options.identities_only) {
    for (size_t i = 0; i < agent_keys.size(); ++i) {
      auto key = agent_keys[i].key();
      if (agent_used[i] || !key) continue;
      offer(std::make_unique<AgentIdentity>(agent, std::move(*key), agent_keys[i].comment));
    }
  }
  return out;
}

}  // namespace ssh::client
