// RFC 4252 user authentication messages (and RFC 4256 keyboard-interactive).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::auth {

enum MsgType : uint8_t {
  kServiceRequest = 5,
  kServiceAccept = 6,
  kUserauthRequest = 50,
  kUserauthFailure = 51,
  kUserauthSuccess = 52,
  kUserauthBanner = 53,
  kUserauthPkOk = 60,             // publickey
  kUserauthPasswdChangereq = 60,  // password
  kUserauthInfoRequest = 60,      // keyboard-interactive
  kUserauthInfoResponse = 61,
};

inline constexpr std::string_view kConnectionService = "ssh-connection";
inline constexpr std::string_view kHostboundMethod = "publickey-hostbound-v00@openssh.com";

Bytes encode_service_request(std::string_view service);
Result<std::string> decode_service_accept(ByteView payload);

// The common header of USERAUTH_REQUEST.
struct RequestHeader {
  std::string user;
  std::string service;
  std::string method;
};

Bytes encode_none_request(const RequestHeader& h);
Bytes encode_password_request(const RequestHeader& h, ByteView password);
// submethods: the KbdInteractiveDevices hint, comma-separated; empty lets the server pick.
Bytes encode_kbdint_request(const RequestHeader& h, std::string_view submethods = {});

// RFC 4252 §7; with host_key set, the publickey-hostbound-v00@openssh.com form.
struct PublickeyFields {
  std::string algorithm;
  Bytes key_blob;
  std::optional<Bytes> host_key;  // hostbound only
};
Bytes encode_publickey_query(const RequestHeader& h, const PublickeyFields& f);
// The data a publickey signature covers.
Bytes publickey_signed_data(ByteView session_id, const RequestHeader& h, const PublickeyFields& f);
Bytes encode_publickey_signed(const RequestHeader& h, const PublickeyFields& f, ByteView signature);

struct Failure {
  std::vector<std::string> methods;
  bool partial_success = false;
};
Result<Failure> decode_failure(ByteView payload);

struct Banner {
  std::string message;
};
Result<Banner> decode_banner(ByteView payload);

struct PkOk {
  std::string algorithm;
  Bytes key_blob;
};
Result<PkOk> decode_pk_ok(ByteView payload);

struct InfoRequest {
  std::string name;
  std::string instruction;
  struct Prompt {
    std::string text;
    bool echo = false;
  };
  std::vector<Prompt> prompts;
};
// Up to kMaxPrompts prompts (OpenSSH's client limit is 100).
inline constexpr uint32_t kMaxPrompts = 100;
Result<InfoRequest> decode_info_request(ByteView payload);
Bytes encode_info_response(const std::vector<SecretBytes>& responses);

}  // namespace ssh::auth
