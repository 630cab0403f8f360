#include "connection/terminal_modes.h"

#include <unistd.h>

#include <array>

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::connection {

namespace {

struct CharMode {
  uint8_t opcode;
  int index;  // into termios::c_cc
};

// RFC 4254 §8 control characters present on Linux (VDSUSP, VSWTCH, VSTATUS and VFLUSH
// are not).
constexpr std::array<CharMode, 14> kCharModes{{
    {1, VINTR},
    {2, VQUIT},
    {3, VERASE},
    {4, VKILL},
    {5, VEOF},
    {6, VEOL},
    {7, VEOL2},
    {8, VSTART},
    {9, VSTOP},
    {10, VSUSP},
    {12, VREPRINT},
    {13, VWERASE},
    {14, VLNEXT},
    {18, VDISCARD},
}};

struct FlagMode {
  uint8_t opcode;
  tcflag_t termios::*field;
  tcflag_t mask;
  tcflag_t value;  // the mode is on when (field & mask) == value
};

constexpr FlagMode bit(uint8_t opcode, tcflag_t termios::*field, tcflag_t b) {
  return {opcode, field, b, b};
}

// RFC 4254 §8 flags (IUTF8 per RFC 8160). CS7/CS8 are values of the CSIZE field.
constexpr std::array<FlagMode, 36> kFlagModes{{
    bit(30, &termios::c_iflag, IGNPAR),  bit(31, &termios::c_iflag, PARMRK),
    bit(32, &termios::c_iflag, INPCK),   bit(33, &termios::c_iflag, ISTRIP),
    bit(34, &termios::c_iflag, INLCR),   bit(35, &termios::c_iflag, IGNCR),
    bit(36, &termios::c_iflag, ICRNL),   bit(37, &termios::c_iflag, IUCLC),
    bit(38, &termios::c_iflag, IXON),    bit(39, &termios::c_iflag, IXANY),
    bit(40, &termios::c_iflag, IXOFF),   bit(41, &termios::c_iflag, IMAXBEL),
    bit(42, &termios::c_iflag, IUTF8),   bit(50, &termios::c_lflag, ISIG),
    bit(51, &termios::c_lflag, ICANON),  bit(52, &termios::c_lflag, XCASE),
    bit(53, &termios::c_lflag, ECHO),    bit(54, &termios::c_lflag, ECHOE),
    bit(55, &termios::c_lflag, ECHOK),   bit(56, &termios::c_lflag, ECHONL),
    bit(57, &termios::c_lflag, NOFLSH),  bit(58, &termios::c_lflag, TOSTOP),
    bit(59, &termios::c_lflag, IEXTEN),  bit(60, &termios::c_lflag, ECHOCTL),
    bit(61, &termios::c_lflag, ECHOKE),  bit(62, &termios::c_lflag, PENDIN),
    bit(70, &termios::c_oflag, OPOST),   bit(71, &termios::c_oflag, OLCUC),
    bit(72, &termios::c_oflag, ONLCR),   bit(73, &termios::c_oflag, OCRNL),
    bit(74, &termios::c_oflag, ONOCR),   bit(75, &termios::c_oflag, ONLRET),
    {90, &termios::c_cflag, CSIZE, CS7}, {91, &termios::c_cflag, CSIZE, CS8},
    bit(92, &termios::c_cflag, PARENB),  bit(93, &termios::c_cflag, PARODD),
}};

struct Speed {
  speed_t speed;
  uint32_t baud;
};

constexpr std::array<Speed, 31> kSpeeds{{
    {B0, 0},
    {B50, 50},
    {B75, 75},
    {B110, 110},
    {B134, 134},
    {B150, 150},
    {B200, 200},
    {B300, 300},
    {B600, 600},
    {B1200, 1200},
    {B1800, 1800},
    {B2400, 2400},
    {B4800, 4800},
    {B9600, 9600},
    {B19200, 19200},
    {B38400, 38400},
    {B57600, 57600},
    {B115200, 115200},
    {B230400, 230400},
    {B460800, 460800},
    {B500000, 500000},
    {B576000, 576000},
    {B921600, 921600},
    {B1000000, 1000000},
    {B1152000, 1152000},
    {B1500000, 1500000},
    {B2000000, 2000000},
    {B2500000, 2500000},
    {B3000000, 3000000},
    {B3500000, 3500000},
    {B4000000, 4000000},
}};

}  // namespace

uint32_t baud_from_speed(speed_t speed) {
  for (const auto& s : kSpeeds) {
    if (s.speed == speed) return s.baud;
  }
  return 0;
}

speed_t speed_from_baud(uint32_t baud) {
  for (const auto& s : kSpeeds) {
    if (s.baud == baud) return s.speed;
  }
  return B0;
}

Bytes encode_terminal_modes(const std::vector<TerminalMode>& modes) {
  WireWriter w;
  for (const auto& m : modes) w.u8(m.opcode).u32(m.value);
  w.u8(kTtyOpEnd);
  return w.take();
}

Result<std::vector<TerminalMode>> decode_terminal_modes(ByteView encoded) {
  WireReader r(encoded);
  std::vector<TerminalMode> modes;
  while (r.remaining() > 0) {
    uint8_t opcode = SSH_TRY(r.u8());
    // RFC 4254 §8: TTY_OP_END ends the list; opcodes 160..255 stop parsing.
    if (opcode == kTtyOpEnd || opcode >= kTtyFirstUndefinedOpcode) break;
    if (modes.size() >= kMaxTerminalModes) return fail(ErrorCode::limit, "too many terminal modes");
    uint32_t value = SSH_TRY(r.u32());
    modes.push_back({opcode, value});
  }
  return modes;
}

std::vector<TerminalMode> terminal_modes_from_termios(const struct termios& tio) {
  std::vector<TerminalMode> modes;
  modes.push_back({kTtyOpIspeed, baud_from_speed(cfgetispeed(&tio))});
  modes.push_back({kTtyOpOspeed, baud_from_speed(cfgetospeed(&tio))});
  for (const auto& c : kCharModes) {
    cc_t ch = tio.c_cc[c.index];
    modes.push_back({c.opcode, ch == _POSIX_VDISABLE ? kTtyCharDisabled : uint32_t{ch}});
  }
  for (const auto& f : kFlagModes) {
    bool on = (tio.*f.field & f.mask) == f.value;
    modes.push_back({f.opcode, on ? 1u : 0u});
  }
  return modes;
}

namespace {

bool apply_char(const TerminalMode& m, struct termios& tio) {
  for (const auto& c : kCharModes) {
    if (c.opcode != m.opcode) continue;
    tio.c_cc[c.index] = m.value == kTtyCharDisabled ? cc_t{_POSIX_VDISABLE} : cc_t(m.value);
    return true;
  }
  return false;
}

bool apply_flag(const TerminalMode& m, struct termios& tio) {
  for (const auto& f : kFlagModes) {
    if (f.opcode != m.opcode) continue;
    tcflag_t& field = tio.*f.field;
    if (m.value != 0) {
      field = (field & ~f.mask) | f.value;
    } else if (f.mask == f.value) {
      field &= ~f.mask;  // multi-bit fields (CSIZE) are only ever set, never cleared
    }
    return true;
  }
  return false;
}

}  // namespace

void apply_terminal_modes(const std::vector<TerminalMode>& modes, struct termios& tio) {
  for (const auto& m : modes) {
    if (m.opcode == kTtyOpIspeed) {
      if (speed_t s = speed_from_baud(m.value); s != B0 || m.value == 0) cfsetispeed(&tio, s);
    } else if (m.opcode == kTtyOpOspeed) {
      if (speed_t s = speed_from_baud(m.value); s != B0 || m.value == 0) cfsetospeed(&tio, s);
    } else if (!apply_char(m, tio)) {
      apply_flag(m, tio);
    }
  }
}

}  // namespace ssh::connection
