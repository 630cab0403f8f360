// The client's ~ escapes (ssh(1) ESCAPE CHARACTERS): recognised only right after a
// newline; everything else passes through. Sans-I/O: bytes typed in, bytes to send and
// actions out.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"

namespace ssh::client {

enum class EscapeAction {
  disconnect,     // ~.
  suspend,        // ~^Z
  list_forwards,  // ~#
  help,           // ~?
  send_break,     // ~B
  rekey,          // ~R
  more_verbose,   // ~v
  less_verbose,   // ~V
};

class EscapeFilter {
 public:
  // escape_char < 0 disables escapes (EscapeChar none).
  explicit EscapeFilter(int escape_char) : escape_(escape_char) {}

  struct Output {
    Bytes data;                          // bytes to send to the remote side, in order
    std::vector<EscapeAction> actions;   // actions at their position: data before them is sent first
    std::vector<size_t> action_offsets;  // offset into data at which each action occurred
  };
  Output feed(ByteView typed);

  std::string help_text() const;
  // What OpenSSH's client echoes on stderr when it runs an escape command with a fixed
  // reply ("~?", "~B", "~#"); empty for commands that print nothing or print their own
  // state (~. prints nothing; ~^Z and ~V/~v are reported by the driver).
  std::string echo_line(EscapeAction action) const;

 private:
  int escape_;
  bool at_line_start_ = true;
  bool pending_escape_ = false;
};

}  // namespace ssh::client
