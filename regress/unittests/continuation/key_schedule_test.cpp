// PROTOCOL.continuation §3.4, §6.1, §6.3, §7.2: the key schedule.
//
// Expected values were computed once, independently of this code, with OpenSSL 3.0.19:
//   lbl() { printf '%s' "$1" | xxd -p | tr -d '\n'; }
//   mac() { echo -n "$2" | xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt hexkey:$1; }
//   P     = mac $K_MPINT "$(lbl 'sshc continuation presecret v00')00000020$H"
//   S     = mac $P "$(lbl 'sshc continuation secret v00')00000020$HANDLE"
//   P_NEW = mac $K_MPINT "$(lbl 'sshc continuation presecret v00')00000020$H_NEW"
//   S2    = mac $S "$(lbl 'sshc continuation ratchet v00')00000020$P_NEW"
//   PROOF = mac $S "$(lbl 'sshc continuation proof v00')00000020${H_NEW}00000020${HANDLE}0000000000000007"
// i.e. labels are raw bytes, string(x) is uint32 length || x, uint64 is big-endian.
#include "continuation/key_schedule.h"

#include <gtest/gtest.h>

#include <string>

namespace ssh::continuation {
namespace {

// K as an mpint (uint32 length || magnitude 01..20), the HMAC key of §6.1.
constexpr const char* kKMpint = "00000020" "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
constexpr const char* kH = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
constexpr const char* kHNew = "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
constexpr const char* kHandle = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";

constexpr const char* kP = "d139d82dbaa74810ee493b4d7afa501a89b87ab3eac091e90b11d210f285057c";
constexpr const char* kS = "457eb0110377110e3d66d5cd119d3fbcbcd41395c6a611bf389e8c73c342157a";
constexpr const char* kPNew = "0f3e2b141deb494812b6432f113049932e888d239c92c7353152dcde02bf93f3";
constexpr const char* kS2 = "bf96d49ba8d94be2fa8be85cb08a5d631287ae2b5837552d0c83faa1de48c869";
constexpr const char* kProof7 = "2eec9cdcc9260e9db45c31262b6e253ee79cd3426fc4239d358746312f7a6499";
// Proof under S2 (after the ratchet), same H_new, handle and count 7.
constexpr const char* kProof7AfterRatchet = "bb9de19550df7fe4f75cf5b14151885593101b46beeee2715898568f6d3cd8a8";
// Proof under S with a 64-byte H_new (00..3f, a SHA-512 kex) and r_c 0x0102030405060708:
//   mac $S "$(lbl 'sshc continuation proof v00')00000040${H64}00000020${HANDLE}0102030405060708"
constexpr const char* kProofWide = "ea7e0bbb424d505ea66cd1021eaa35f2ac8151bacdb12d554635cd92d6c03627";

Bytes hex(const char* h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out)) << h;
  return out;
}

Secret secret_of(const char* h) {
  Bytes b = hex(h);
  Secret s;
  EXPECT_EQ(b.size(), s.size());
  std::copy(b.begin(), b.end(), s.data());
  return s;
}

Handle handle_of(const char* h) {
  Bytes b = hex(h);
  Handle out{};
  EXPECT_EQ(b.size(), out.size());
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

TEST(KeySchedule, PresecretKnownAnswer) {  // §6.1
  Secret p = derive_presecret(hex(kKMpint), hex(kH));
  EXPECT_EQ(to_hex(p.view()), kP);
  Secret p_new = derive_presecret(hex(kKMpint), hex(kHNew));
  EXPECT_EQ(to_hex(p_new.view()), kPNew);
}

TEST(KeySchedule, PresecretKeyIsTheWholeMpintEncoding) {  // §6.1: key = mpint(K), length included
  Bytes magnitude = hex(kKMpint);
  magnitude.erase(magnitude.begin(), magnitude.begin() + 4);
  Secret p = derive_presecret(magnitude, hex(kH));
  EXPECT_NE(to_hex(p.view()), kP);
}

TEST(KeySchedule, ResumeSecretKnownAnswer) {  // §3.4
  Secret s = derive_resume_secret(secret_of(kP), handle_of(kHandle));
  EXPECT_EQ(to_hex(s.view()), kS);
}

TEST(KeySchedule, RatchetKnownAnswer) {  // §6.3
  Secret s2 = ratchet(secret_of(kS), secret_of(kPNew));
  EXPECT_EQ(to_hex(s2.view()), kS2);
}

TEST(KeySchedule, ProofKnownAnswer) {  // §7.2
  Proof proof = make_proof(secret_of(kS), hex(kHNew), handle_of(kHandle), 7);
  EXPECT_EQ(to_hex(proof), kProof7);
  Bytes h64;
  for (int i = 0; i < 64; ++i) h64.push_back(uint8_t(i));
  Proof wide = make_proof(secret_of(kS), h64, handle_of(kHandle), 0x0102030405060708ULL);
  EXPECT_EQ(to_hex(wide), kProofWide);
}

TEST(KeySchedule, VerifyProofAcceptsOnlyTheExactProof) {  // §7.2, §7.3
  Secret s = secret_of(kS);
  Handle handle = handle_of(kHandle);
  Bytes proof = hex(kProof7);
  EXPECT_TRUE(verify_proof(s, hex(kHNew), handle, 7, proof));
  // Any other count, exchange hash, handle or bit of the proof fails.
  EXPECT_FALSE(verify_proof(s, hex(kHNew), handle, 6, proof));
  EXPECT_FALSE(verify_proof(s, hex(kH), handle, 7, proof));
  Handle other = handle;
  other[31] ^= 1;
  EXPECT_FALSE(verify_proof(s, hex(kHNew), other, 7, proof));
  Bytes flipped = proof;
  flipped[0] ^= 0x80;
  EXPECT_FALSE(verify_proof(s, hex(kHNew), handle, 7, flipped));
  // Wrong lengths, including empty.
  Bytes shorter(proof.begin(), proof.end() - 1);
  EXPECT_FALSE(verify_proof(s, hex(kHNew), handle, 7, shorter));
  EXPECT_FALSE(verify_proof(s, hex(kHNew), handle, 7, ByteView{}));
  Bytes longer = proof;
  longer.push_back(0);
  EXPECT_FALSE(verify_proof(s, hex(kHNew), handle, 7, longer));
}

TEST(KeySchedule, OldProofFailsAfterRatchet) {  // §6.3, §11.1
  Secret s2 = ratchet(secret_of(kS), secret_of(kPNew));
  Handle handle = handle_of(kHandle);
  EXPECT_FALSE(verify_proof(s2, hex(kHNew), handle, 7, hex(kProof7)));
  EXPECT_TRUE(verify_proof(s2, hex(kHNew), handle, 7, hex(kProof7AfterRatchet)));
  EXPECT_EQ(to_hex(make_proof(s2, hex(kHNew), handle, 7)), kProof7AfterRatchet);
}

TEST(KeySchedule, FullChainFromKex) {  // §6.1 -> §3.4 -> §7.2 -> §6.3
  Secret p = derive_presecret(hex(kKMpint), hex(kH));
  Secret s = derive_resume_secret(p, handle_of(kHandle));
  EXPECT_EQ(to_hex(make_proof(s, hex(kHNew), handle_of(kHandle), 7)), kProof7);
  Secret p_new = derive_presecret(hex(kKMpint), hex(kHNew));
  EXPECT_EQ(to_hex(ratchet(s, p_new).view()), kS2);
}

}  // namespace
}  // namespace ssh::continuation

namespace ssh::continuation {
namespace {

// Secrets that cross a process boundary are exactly 32 bytes or refused.
TEST(SecretFrom, ExactlyThirtyTwoBytes) {
  Bytes right(kSecretSize, 0x5a);
  auto s = secret_from(right);
  ASSERT_TRUE(s);
  EXPECT_TRUE(std::equal(right.begin(), right.end(), s->data()));
  EXPECT_FALSE(secret_from(Bytes(kSecretSize - 1, 0x5a)));
  EXPECT_FALSE(secret_from(Bytes(kSecretSize + 1, 0x5a)));
  EXPECT_FALSE(secret_from(Bytes{}));
}

}  // namespace
}  // namespace ssh::continuation
