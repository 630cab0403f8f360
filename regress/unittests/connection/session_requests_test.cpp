#include "connection/session_requests.h"

#include <gtest/gtest.h>

#include "codec_checks.h"
#include "connection/terminal_modes.h"

namespace ssh::connection {
namespace {

using test::expect_strict;

template <class T, class Decode>
void round_trip(const T& value, Decode decode) {
  Bytes enc = encode(value);
  auto back = decode(ByteView(enc));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, value);
  expect_strict(enc, decode);
}

TEST(SessionRequests, PtyRequestKnownAnswer) {
  PtyRequest p;
  p.term = "xterm";
  p.columns = 80;
  p.rows = 24;
  p.width_pixels = 640;
  p.height_pixels = 480;
  p.modes = encode_terminal_modes({{53, 1}});  // ECHO on
  Bytes enc = encode(p);
  // RFC 4254 §6.2: string TERM, uint32 cols, rows, width px, height px, string modes.
  EXPECT_EQ(to_hex(enc),
            "00000005787465726d"
            "00000050"
            "00000018"
            "00000280"
            "000001e0"
            "00000006"
            "350000000100");
  round_trip(p, decode_pty_request);
}

TEST(SessionRequests, RoundTripsAndStrictness) {
  round_trip(EnvRequest{"LANG", "C.UTF-8"}, decode_env_request);
  round_trip(ExecRequest{"ls -l /tmp"}, decode_exec_request);
  round_trip(SubsystemRequest{"sftp"}, decode_subsystem_request);
  round_trip(WindowChange{132, 43, 0, 0}, decode_window_change);
  round_trip(XonXoff{true}, decode_xon_xoff);
  round_trip(SignalRequest{"INT"}, decode_signal_request);
  round_trip(ExitStatus{255}, decode_exit_status);
  round_trip(ExitSignal{"SEGV", true, "Segmentation fault", "en"}, decode_exit_signal);
  round_trip(BreakRequest{500}, decode_break_request);
}

TEST(SessionRequests, KnownAnswers) {
  EXPECT_EQ(to_hex(encode(ExitStatus{3})), "00000003");
  EXPECT_EQ(to_hex(encode(XonXoff{true})), "01");
  EXPECT_EQ(to_hex(encode(ExecRequest{"id"})), "000000026964");
  EXPECT_EQ(to_hex(encode(ExitSignal{"KILL", false, "", ""})),
            "000000044b494c4c" "00" "00000000" "00000000");
}

TEST(SessionRequests, EmptyRequests) {
  EXPECT_TRUE(decode_empty({}));
  Bytes one = {0};
  EXPECT_FALSE(decode_empty(one));
}

TEST(SessionRequests, OversizedFieldsAreRefused) {
  std::string term(kMaxTermLength + 1, 'x');
  PtyRequest p;
  p.term = term;
  EXPECT_FALSE(decode_pty_request(encode(p)));
  EXPECT_FALSE(decode_env_request(encode(EnvRequest{std::string(kMaxEnvNameLength + 1, 'A'), ""})));
}

}  // namespace
}  // namespace ssh::connection
