// Test-only host key plumbing: a verifier that checks the KEX signature with
// crypto/signature.h by parsing the SSH blobs itself, and an in-memory signer.
#pragma once

#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "transport/host_key_interfaces.h"

namespace ssh::transport::test {

class TestVerifier final : public HostKeyVerifier {
 public:
  Status verify(std::string_view algorithm, ByteView host_key_blob, ByteView signature_blob,
                ByteView exchange_hash) override;
  int calls = 0;
  std::string last_algorithm;
  Bytes last_blob;
  bool reject = false;  // simulate an unknown host key
};

// Signs with freshly generated keys: "ssh-ed25519", "ecdsa-sha2-nistp256/384/521",
// "rsa-sha2-512"/"rsa-sha2-256" (one RSA key). Which ones is chosen at construction.
class TestSigner final : public HostKeySigner {
 public:
  explicit TestSigner(std::vector<std::string> algorithms);
  ~TestSigner() override;
  std::vector<std::string> algorithms() const override { return algorithms_; }
  Result<Bytes> public_blob(std::string_view algorithm) const override;
  Result<Bytes> sign(std::string_view algorithm, ByteView data) override;
  bool corrupt_signatures = false;

 private:
  struct Keys;
  std::vector<std::string> algorithms_;
  std::unique_ptr<Keys> keys_;
};

}  // namespace ssh::transport::test
