// Encoded terminal modes of the pty-req channel request (RFC 4254 §8, IUTF8 from
// RFC 8160): a sequence of (opcode byte, uint32 argument) pairs ended by TTY_OP_END.
// The client encodes its termios; the server applies the decoded list to the pty.
#pragma once

#include <termios.h>

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::connection {

inline constexpr uint8_t kTtyOpEnd = 0;
inline constexpr uint8_t kTtyOpIspeed = 128;
inline constexpr uint8_t kTtyOpOspeed = 129;
// Opcodes 160..255 are undefined and stop parsing (RFC 4254 §8).
inline constexpr uint8_t kTtyFirstUndefinedOpcode = 160;
// A control-character argument of 255 means "disabled" (RFC 4254 §8 table, "255 if none").
inline constexpr uint32_t kTtyCharDisabled = 255;
// More opcodes than the RFC defines can only be a hostile list.
inline constexpr size_t kMaxTerminalModes = 160;

struct TerminalMode {
  uint8_t opcode = 0;
  uint32_t value = 0;
  bool operator==(const TerminalMode&) const = default;
};

// Encodes the list and appends TTY_OP_END.
Bytes encode_terminal_modes(const std::vector<TerminalMode>& modes);
// Decodes up to TTY_OP_END or the first undefined opcode; an empty string is an empty
// list. A truncated pair is a parse error.
Result<std::vector<TerminalMode>> decode_terminal_modes(ByteView encoded);

// Client side: every mode RFC 4254 §8 defines that this platform has, plus the speeds.
std::vector<TerminalMode> terminal_modes_from_termios(const struct termios& tio);
// Server side: applies the modes this platform knows and ignores the others, as the RFC
// asks ("clients SHOULD ignore ... opcodes they do not know" applies to both sides).
void apply_terminal_modes(const std::vector<TerminalMode>& modes, struct termios& tio);

// Baud rate <-> termios speed_t; unknown rates map to 0 / B0 respectively.
uint32_t baud_from_speed(speed_t speed);
speed_t speed_from_baud(uint32_t baud);

}  // namespace ssh::connection
