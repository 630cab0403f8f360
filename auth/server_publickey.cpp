// "publickey" (RFC 4252 §7) and "publickey-hostbound-v00@openssh.com" (OpenSSH PROTOCOL
// §2.5) on the server: a query without signature gets PK_OK when the key may log in; a
// signed request is verified by the backend over the §7 data built with the session id.
#include <algorithm>

#include "auth/server_auth.h"
#include "base/log.h"
#include "base/wire_reader.h"
#include "keys/fingerprint.h"

namespace ssh::auth {

namespace {

bool equal(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// The algorithm must be accepted and belong to the key's type (rsa-sha2-* with ssh-rsa).
Result<keys::PublicKey> acceptable_key(const PublickeyBody& pk, const std::vector<std::string>& accepted) {
  auto alg = keys::sig_alg_from_name(pk.algorithm);
  if (!alg || std::find(accepted.begin(), accepted.end(), pk.algorithm) == accepted.end()) {
    return fail(ErrorCode::auth, "key type " + pk.algorithm + " not in PubkeyAcceptedAlgorithms");
  }
  auto key = keys::PublicKey::from_blob(pk.key_blob);
  if (!key) return fail(ErrorCode::auth, "could not parse key: " + key.error().context);
  if (key->type() != keys::sig_alg_key_type(*alg)) {
    return fail(ErrorCode::auth, "type mismatch for decoded key (" + pk.algorithm + ")");
  }
  return key;
}

}  // namespace

Result<ServerAuth::Outcome> ServerAuth::userauth_publickey(const UserauthRequest& req, bool hostbound,
                                                           Attempt& attempt, std::vector<Bytes>& out) {
  PublickeyBody pk = SSH_TRY(decode_publickey_body(req.body, hostbound));
  // The client binds the request to the host key it verified; any other key means the
  // request was made for another server (OpenSSH ends the connection).
  if (hostbound && !equal(*pk.host_key, *config_.host_key_blob)) {
    return fail(ErrorCode::protocol, "server host key in hostbound request does not match");
  }
  auto key = acceptable_key(pk, config_.pubkey_algorithms);
  if (!key) {
    LOG_VERBOSE("userauth_pubkey: %s", key.error().context.c_str());
    return Outcome::failure;
  }
  attempt.info = std::string(keys::key_type_short_name(key->type())) + " " + keys::fingerprint(*key);
  PublickeyCheck check = SSH_TRY(backend_.check_publickey(user_, pk.algorithm, pk.key_blob));
  bool allowed = check.allowed && user_info_.valid;
  if (!allowed) return Outcome::failure;
  if (!pk.has_signature) {
    out.push_back(encode_pk_ok(pk.algorithm, pk.key_blob));
    return Outcome::postponed;
  }
  PublickeyFields fields{pk.algorithm, Bytes(pk.key_blob.begin(), pk.key_blob.end()),
                         hostbound ? config_.host_key_blob : std::nullopt};
  Bytes data = publickey_signed_data(session_id_, {raw_user_, service_, req.method}, fields);
  bool ok = SSH_TRY(backend_.verify_publickey(user_, pk.algorithm, pk.key_blob, pk.signature, data));
  if (!ok) return Outcome::failure;
  attempt.forced_command = check.options.command.has_value();
  attempt.key_options = std::move(check.options);
  attempt.key_blob = std::move(fields.key_blob);
  return Outcome::success;
}

Status check_publickey_signed_data(ByteView signed_data, ByteView session_id, std::string_view user,
                                   std::string_view algorithm, ByteView key_blob,
                                   const std::optional<Bytes>& host_key_blob) {
  WireReader r(signed_data);
  auto bad = [](const char* what) { return fail(ErrorCode::auth, std::string("signed data: ") + what); };
  if (!equal(SSH_TRY(r.string()), session_id)) return bad("session id mismatch");
  if (SSH_TRY(r.u8()) != kUserauthRequest) return bad("not a userauth request");
  if (account_name(SSH_TRY(r.text())) != user) return bad("user mismatch");
  if (SSH_TRY(r.text()) != kConnectionService) return bad("service mismatch");
  std::string_view method = SSH_TRY(r.text());
  bool hostbound = method == kHostboundMethod;
  if (method != "publickey" && !hostbound) return bad("method mismatch");
  if (!SSH_TRY(r.boolean())) return bad("no signature flag");
  if (SSH_TRY(r.text()) != algorithm) return bad("algorithm mismatch");
  if (!equal(SSH_TRY(r.string()), key_blob)) return bad("key mismatch");
  if (hostbound) {
    if (!host_key_blob) return bad("hostbound request without a host key");
    if (!equal(SSH_TRY(r.string()), *host_key_blob)) return bad("host key mismatch");
  }
  return r.expect_end();
}

}  // namespace ssh::auth
