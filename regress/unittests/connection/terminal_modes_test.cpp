#include "connection/terminal_modes.h"

#include <gtest/gtest.h>

#include <cstring>

namespace ssh::connection {
namespace {

termios sample_termios() {
  termios t;
  std::memset(&t, 0, sizeof t);
  t.c_iflag = ICRNL | IXON | IUTF8;
  t.c_oflag = OPOST | ONLCR;
  t.c_cflag = CS8 | CREAD;
  t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE;
  t.c_cc[VINTR] = 3;
  t.c_cc[VERASE] = 127;
  t.c_cc[VEOF] = 4;
  t.c_cc[VEOL] = _POSIX_VDISABLE;
  // Linux keeps one speed for both directions (cfgetispeed reports the output speed).
  cfsetispeed(&t, B38400);
  cfsetospeed(&t, B38400);
  return t;
}

uint32_t value_of(const std::vector<TerminalMode>& modes, uint8_t opcode) {
  for (const auto& m : modes) {
    if (m.opcode == opcode) return m.value;
  }
  ADD_FAILURE() << "opcode " << int(opcode) << " missing";
  return 0xffffffff;
}

TEST(TerminalModes, EncodingKnownAnswer) {
  // RFC 4254 §8: opcode byte, uint32 argument, TTY_OP_END.
  Bytes enc = encode_terminal_modes({{kTtyOpIspeed, 38400}, {53, 0}});
  EXPECT_EQ(to_hex(enc), "8000009600" "3500000000" "00");
  auto back = decode_terminal_modes(enc);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0], (TerminalMode{128, 38400}));
  EXPECT_EQ((*back)[1], (TerminalMode{53, 0}));
}

TEST(TerminalModes, FromTermios) {
  auto modes = terminal_modes_from_termios(sample_termios());
  EXPECT_EQ(value_of(modes, kTtyOpIspeed), 38400u);
  EXPECT_EQ(value_of(modes, kTtyOpOspeed), 38400u);
  EXPECT_EQ(value_of(modes, 1), 3u);     // VINTR
  EXPECT_EQ(value_of(modes, 3), 127u);   // VERASE
  EXPECT_EQ(value_of(modes, 6), 255u);   // VEOL disabled
  EXPECT_EQ(value_of(modes, 36), 1u);    // ICRNL
  EXPECT_EQ(value_of(modes, 42), 1u);    // IUTF8 (RFC 8160)
  EXPECT_EQ(value_of(modes, 35), 0u);    // IGNCR
  EXPECT_EQ(value_of(modes, 53), 1u);    // ECHO
  EXPECT_EQ(value_of(modes, 56), 0u);    // ECHONL
  EXPECT_EQ(value_of(modes, 72), 1u);    // ONLCR
  EXPECT_EQ(value_of(modes, 90), 0u);    // CS7
  EXPECT_EQ(value_of(modes, 91), 1u);    // CS8
  EXPECT_EQ(value_of(modes, 92), 0u);    // PARENB
}

TEST(TerminalModes, ApplyRestoresTheSameSettings) {
  termios original = sample_termios();
  auto modes = terminal_modes_from_termios(original);
  auto decoded = decode_terminal_modes(encode_terminal_modes(modes));
  ASSERT_TRUE(decoded);
  termios t;
  std::memset(&t, 0, sizeof t);
  t.c_cflag = CS7 | PARENB;
  t.c_lflag = ECHONL;
  apply_terminal_modes(*decoded, t);
  EXPECT_EQ(t.c_iflag, original.c_iflag);
  EXPECT_EQ(t.c_oflag, original.c_oflag);
  EXPECT_EQ(t.c_lflag, original.c_lflag);
  EXPECT_EQ(t.c_cflag & (CSIZE | PARENB | PARODD), original.c_cflag & (CSIZE | PARENB | PARODD));
  EXPECT_EQ(t.c_cc[VINTR], 3);
  EXPECT_EQ(t.c_cc[VEOL], _POSIX_VDISABLE);
  EXPECT_EQ(cfgetispeed(&t), speed_t{B38400});
  EXPECT_EQ(cfgetospeed(&t), speed_t{B38400});
}

TEST(TerminalModes, ParsingStopsAtEndAndUndefinedOpcodes) {
  Bytes enc = {53, 0, 0, 0, 1, 0, 54, 0, 0, 0, 1};
  auto a = decode_terminal_modes(enc);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 1u);
  Bytes undefined = {53, 0, 0, 0, 1, 200, 1, 2};
  auto b = decode_terminal_modes(undefined);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 1u);
  EXPECT_TRUE(decode_terminal_modes({})->empty());
}

TEST(TerminalModes, TruncationAtEveryOffset) {
  Bytes enc = encode_terminal_modes({{1, 3}, {53, 1}, {kTtyOpOspeed, 9600}});
  // Every cut inside a pair fails; a cut right after a pair is a valid shorter list.
  for (size_t n = 0; n + 1 < enc.size(); ++n) {
    Bytes prefix(enc.begin(), enc.begin() + n);
    EXPECT_EQ(bool(decode_terminal_modes(prefix)), n % 5 == 0) << n;
  }
}

TEST(TerminalModes, TooManyModesIsALimit) {
  std::vector<TerminalMode> many(kMaxTerminalModes + 1, TerminalMode{53, 1});
  auto r = decode_terminal_modes(encode_terminal_modes(many));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::limit);
}

TEST(TerminalModes, SpeedTable) {
  EXPECT_EQ(baud_from_speed(B115200), 115200u);
  EXPECT_EQ(speed_from_baud(115200), speed_t{B115200});
  EXPECT_EQ(speed_from_baud(12345), speed_t{B0});
}

}  // namespace
}  // namespace ssh::connection
