#include "ssh/host_key_check.h"

#include <algorithm>

#include "auth/revoked_keys.h"
#include "base/log.h"
#include "keys/fingerprint.h"
#include "keys/key.h"
#include "keys/known_hosts.h"

namespace ssh::client {

namespace {

constexpr const char* kAtLine = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";

std::unexpected<Error> verification_failed() {
  return fail(ErrorCode::auth, "Host key verification failed.", DisconnectReason::host_key_not_verifiable);
}

std::vector<std::string> all_files(const HostKeyPolicy& p) {
  std::vector<std::string> files = p.user_files;
  files.insert(files.end(), p.global_files.begin(), p.global_files.end());
  return files;
}

}  // namespace

std::vector<std::string> order_by_known_keys(const HostKeyPolicy& policy,
                                             std::vector<std::string> algorithms) {
  std::string name = keys::known_hosts_name(policy.host, uint16_t(policy.port));
  std::vector<std::string> known_types;
  for (const auto& path : all_files(policy)) {
    auto file = keys::KnownHostsFile::load(path);
    if (!file) continue;
    for (const auto& entry : file->entries()) {
      if (entry.marker == keys::KnownHostsMarker::none && keys::known_hosts_entry_matches(entry, name)) {
        known_types.emplace_back(entry.key.type_name());
      }
    }
  }
  if (known_types.empty()) return algorithms;
  auto key_type_of = [](const std::string& alg) -> std::string {
    auto sig = keys::sig_alg_from_name(alg);
    return sig ? std::string(keys::key_type_name(keys::sig_alg_key_type(*sig))) : alg;
  };
  std::stable_partition(algorithms.begin(), algorithms.end(), [&](const std::string& alg) {
    return std::find(known_types.begin(), known_types.end(), key_type_of(alg)) != known_types.end();
  });
  return algorithms;
}

Status HostKeyCheck::verify(std::string_view algorithm, ByteView host_key_blob, ByteView signature_blob,
                            ByteView exchange_hash) {
  auto verified = keys::verify_signature(algorithm, host_key_blob, signature_blob, exchange_hash);
  if (!verified) {
    return fail(ErrorCode::crypto, "incorrect signature", DisconnectReason::key_exchange_failed);
  }
  // On a rekey the transport has already insisted on the same key.
  if (!accepted_.empty() && ByteView(accepted_).size() == host_key_blob.size() &&
      std::equal(accepted_.begin(), accepted_.end(), host_key_blob.begin())) {
    return {};
  }
  SSH_TRY(check_known_hosts(host_key_blob));
  accepted_.assign(host_key_blob.begin(), host_key_blob.end());
  return {};
}

Status HostKeyCheck::check_known_hosts(ByteView host_key_blob) {
  auto key = SSH_TRY(keys::PublicKey::from_blob(host_key_blob));
  const auto& p = policy_;
  std::string name = keys::known_hosts_name(p.host, uint16_t(p.port));
  std::string type(keys::key_type_short_name(key.type()));
  std::string fp = keys::fingerprint(key);
  LOG_DEBUG1("Server host key: %s %s", std::string(key.type_name()).c_str(), fp.c_str());
  if (key.type() == keys::KeyType::rsa && key.bits() < p.required_rsa_size) {
    LOG_ERROR("Bad server host key: Invalid key length");
    return verification_failed();
  }
  if (auth::key_revoked(p.revoked_file, host_key_blob)) {
    LOG_ERROR("Host key %s %s revoked by file %s", type.c_str(), fp.c_str(), p.revoked_file.c_str());
    return verification_failed();
  }
  auto found = keys::lookup_host_key(all_files(p), p.host, uint16_t(p.port), key);

  switch (found.status) {
    case keys::HostKeyStatus::ok:
      LOG_DEBUG1("Host '%s' is known and matches the %s host key.", name.c_str(), type.c_str());
      LOG_DEBUG1("Found key in %s:%zu", found.file.c_str(), found.line);
      if (p.visual) LOG_INFO("Host key fingerprint is %s\n%s", fp.c_str(), keys::randomart(key).c_str());
      return {};

    case keys::HostKeyStatus::revoked:
      LOG_ERROR("%s", kAtLine);
      LOG_ERROR("@       WARNING: REVOKED HOST KEY DETECTED!               @");
      LOG_ERROR("%s", kAtLine);
      LOG_ERROR("The %s host key for %s is marked as revoked.", type.c_str(), name.c_str());
      LOG_ERROR("This could mean that a stolen key is being used to");
      LOG_ERROR("impersonate this host.");
      LOG_ERROR("%s host key for %s was revoked and you have requested strict checking.", type.c_str(),
                name.c_str());
      return verification_failed();

    case keys::HostKeyStatus::changed: {
      std::string user_file = p.user_files.empty() ? "" : p.user_files[0];
      LOG_ERROR("%s", kAtLine);
      LOG_ERROR("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @");
      LOG_ERROR("%s", kAtLine);
      LOG_ERROR("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!");
      LOG_ERROR("Someone could be eavesdropping on you right now (man-in-the-middle attack)!");
      LOG_ERROR("It is also possible that a host key has just been changed.");
      LOG_ERROR("The fingerprint for the %s key sent by the remote host is\n%s.", type.c_str(), fp.c_str());
      LOG_ERROR("Please contact your system administrator.");
      LOG_ERROR("Add correct host key in %s to get rid of this message.", user_file.c_str());
      LOG_ERROR("Offending %s key in %s:%zu", type.c_str(), found.file.c_str(), found.line);
      LOG_ERROR("  remove with:");
      LOG_ERROR("  ssh-keygen -f \"%s\" -R \"%s\"", found.file.c_str(), name.c_str());
      if (p.strict != StrictMode::no) {
        LOG_ERROR("Host key for %s has changed and you have requested strict checking.", name.c_str());
        return verification_failed();
      }
      LOG_ERROR("Password authentication is disabled to avoid man-in-the-middle attacks.");
      LOG_ERROR("Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.");
      mitm_suspected_ = true;
      return {};
    }

    case keys::HostKeyStatus::not_found: break;
  }

  if (p.strict == StrictMode::yes) {
    LOG_ERROR("No %s host key is known for %s and you have requested strict checking.", type.c_str(),
              name.c_str());
    return verification_failed();
  }
  if (p.strict == StrictMode::ask) {
    if (p.batch_mode) return verification_failed();
    prompter_.show("The authenticity of host '" + name + " (" + name + ")' can't be established.\n" + type +
                   " key fingerprint is " + fp + "." + (p.visual ? "\n" + keys::randomart(key) : "") +
                   "\nThis key is not known by any other names.\n");
    for (;;) {
      auto answer =
          prompter_.ask("Are you sure you want to continue connecting (yes/no/[fingerprint])? ", true);
      if (!answer) return verification_failed();
      std::string_view a = answer->text();
      if (a == "yes" || a == fp) break;
      if (a == "no") return verification_failed();
      prompter_.show("Please type 'yes', 'no' or the fingerprint: ");
    }
  }
  if (p.user_files.empty()) return {};
  auto added = keys::add_known_host(p.user_files[0], p.host, uint16_t(p.port), key, p.hash_known_hosts);
  if (added) {
    LOG_INFO("Warning: Permanently added '%s' (%s) to the list of known hosts.", name.c_str(), type.c_str());
  } else {
    LOG_INFO("Failed to add the host to the list of known hosts (%s).", p.user_files[0].c_str());
  }
  return {};
}

}  // namespace ssh::client
