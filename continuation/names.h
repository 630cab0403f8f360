// Names and limits of the continuation extension (PROTOCOL.continuation §2, §3, §9).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ssh::continuation {

// §2.1 markers in the first KEXINIT's kex_algorithms.
inline constexpr std::string_view kClientMarker = "continuation-c-v01@sshc.dev";
inline constexpr std::string_view kServerMarker = "continuation-s-v01@sshc.dev";
// §3.1, §5.3 and §7.4 global requests, §7.2 user authentication method.
inline constexpr std::string_view kSetupRequest = "continuation-setup@sshc.dev";
inline constexpr std::string_view kAckRequest = "continuation-ack@sshc.dev";
// §7.4: the client's confirmation that it holds the ratcheted secret.
inline constexpr std::string_view kConfirmRequest = "continuation-confirm@sshc.dev";
inline constexpr std::string_view kAuthMethod = "continuation@sshc.dev";

// §9 limits.
inline constexpr size_t kHandleSize = 32;
inline constexpr uint64_t kMinReplayLimit = 64 * 1024;
inline constexpr uint64_t kMaxReplayLimit = 1024ULL * 1024 * 1024;
inline constexpr uint64_t kDefaultReplayLimit = 16 * 1024 * 1024;
inline constexpr uint32_t kDefaultSuspendTimeout = 12 * 3600;  // seconds
// §5.3: acknowledge after this much quiet time.
inline constexpr uint32_t kAckDelayMs = 500;

inline constexpr size_t kSecretSize = 32;  // HMAC-SHA256 output: P, S, proofs
using Handle = std::array<uint8_t, kHandleSize>;

}  // namespace ssh::continuation
