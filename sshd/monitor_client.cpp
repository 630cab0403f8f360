#include "sshd/monitor_client.h"

#include "base/unix_message.h"
#include "sshd/monitor_protocol.h"

namespace ssh::sshd {

Result<Bytes> MonitorClient::call(ByteView request) {
  SSH_TRY(send_unix_message(socket_, request));
  auto answer = SSH_TRY(receive_unix_message(socket_, kMaxMonitorMessage));
  if (message_type(answer.data) != MonitorType::answer) {
    return fail(ErrorCode::internal, "monitor refused the request");
  }
  return std::move(answer.data);
}

Status MonitorClient::send_only(ByteView request) {
  return send_unix_message(socket_, request);
}

std::vector<std::string> MonitorClient::algorithms() const {
  std::vector<std::string> out;
  for (const auto& [alg, blob] : host_keys_) out.push_back(alg);
  return out;
}

Result<Bytes> MonitorClient::public_blob(std::string_view algorithm) const {
  for (const auto& [alg, blob] : host_keys_) {
    if (alg == algorithm) return blob;
  }
  return fail(ErrorCode::internal, "no host key for " + std::string(algorithm));
}

Result<Bytes> MonitorClient::sign(std::string_view algorithm, ByteView data) {
  auto answer = SSH_TRY(call(encode(SignRequest{std::string(algorithm), Bytes(data.begin(), data.end())})));
  return decode_answer_bytes(answer);
}

Result<auth::UserInfo> MonitorClient::lookup_user(std::string_view user) {
  auto answer = SSH_TRY(call(encode(UserRequest{std::string(user)}, MonitorType::lookup_user)));
  return decode_answer_user(answer);
}

Result<auth::PublickeyCheck> MonitorClient::check_publickey(std::string_view user, std::string_view algorithm,
                                                            ByteView key_blob) {
  PublickeyRequest req{std::string(user), std::string(algorithm), Bytes(key_blob.begin(), key_blob.end())};
  auto answer = SSH_TRY(call(encode(req)));
  return decode_answer_publickey(answer);
}

Result<bool> MonitorClient::verify_publickey(std::string_view user, std::string_view algorithm,
                                             ByteView key_blob, ByteView signature, ByteView signed_data) {
  VerifyRequest req{std::string(user), std::string(algorithm), Bytes(key_blob.begin(), key_blob.end()),
                    Bytes(signature.begin(), signature.end()), Bytes(signed_data.begin(), signed_data.end())};
  auto answer = SSH_TRY(call(encode(req)));
  return decode_answer_bool(answer);
}

Result<bool> MonitorClient::check_password(std::string_view user, const SecretBytes& password) {
  PasswordRequest req{std::string(user), password.clone()};
  SecretBytes message = encode(req);
  auto answer = SSH_TRY(call(message.view()));
  return decode_answer_bool(answer);
}

Result<auth::KbdintStep> MonitorClient::kbdint_start(std::string_view user, std::string_view submethods) {
  auto answer = SSH_TRY(call(encode(KbdintStartRequest{std::string(user), std::string(submethods)})));
  return decode_answer_kbdint(answer);
}

Result<auth::KbdintStep> MonitorClient::kbdint_respond(std::vector<SecretBytes> responses) {
  SecretBytes message = encode(KbdintRespondRequest{std::move(responses)});
  auto answer = SSH_TRY(call(message.view()));
  return decode_answer_kbdint(answer);
}

void MonitorClient::kbdint_stop() {
  (void)send_only(encode_type_only(MonitorType::kbdint_stop));
}

Result<bool> MonitorClient::account_allowed(std::string_view user) {
  auto answer = SSH_TRY(call(encode(UserRequest{std::string(user)}, MonitorType::account)));
  return decode_answer_bool(answer);
}

Result<bool> MonitorClient::auth_done(const std::string& user, const std::vector<std::string>& methods) {
  auto answer = SSH_TRY(call(encode(AuthDoneRequest{user, methods})));
  return decode_answer_bool(answer);
}

Status MonitorClient::send_transport_state(ByteView state, ByteView presecret) {
  SecretBytes message = encode(TransportHandoff{SecretBytes(state), SecretBytes(presecret)});
  return send_only(message.view());
}

Result<ResumeVerdict> MonitorClient::resume(const std::string& user, ByteView body, ByteView state,
                                            ByteView presecret) {
  SecretBytes message = encode(
      ResumeRequest{user, Bytes(body.begin(), body.end()), SecretBytes(state), SecretBytes(presecret)});
  auto answer = SSH_TRY(call(message.view()));
  return decode_answer_verdict(answer);
}

Result<ResumeVerdict> MonitorClient::resume_policy(const ResumePolicyRequest& request) {
  auto answer = SSH_TRY(call(encode(request)));
  return decode_answer_verdict(answer);
}

Result<UniqueFd> MonitorClient::register_continuation(ByteView handle) {
  SSH_TRY(send_unix_message(socket_, encode(RegisterRequest{Bytes(handle.begin(), handle.end())})));
  auto answer = SSH_TRY(receive_unix_message(socket_, kMaxMonitorMessage));
  if (message_type(answer.data) != MonitorType::answer) return fail(ErrorCode::internal, "monitor refused");
  if (!SSH_TRY(decode_answer_bool(answer.data)) || !answer.fd) {
    return fail(ErrorCode::io, "the monitor could not publish the continuation");
  }
  return std::move(answer.fd);
}

void MonitorClient::suspend_state(bool suspended) {
  (void)send_only(encode(SuspendState{suspended}));
}

void MonitorClient::log_line(int level, const char* text) {
  (void)send_only(encode(LogLine{uint8_t(level), text}));
}

}  // namespace ssh::sshd
