#include "ssh/escapes.h"

namespace ssh::client {

EscapeFilter::Output EscapeFilter::feed(ByteView typed) {
  Output out;
  auto act = [&out](EscapeAction a) {
    out.actions.push_back(a);
    out.action_offsets.push_back(out.data.size());
  };
  for (uint8_t c : typed) {
    if (pending_escape_) {
      pending_escape_ = false;
      switch (c) {
        case '.': act(EscapeAction::disconnect); continue;
        case 'Z' - 64: act(EscapeAction::suspend); continue;
        case '#': act(EscapeAction::list_forwards); continue;
        case '?': act(EscapeAction::help); continue;
        case 'B': act(EscapeAction::send_break); continue;
        case 'R': act(EscapeAction::rekey); continue;
        case 'v': act(EscapeAction::more_verbose); continue;
        case 'V': act(EscapeAction::less_verbose); continue;
        default:
          // "~~" sends one escape character; any other pair is sent as typed.
          if (c != escape_) out.data.push_back(uint8_t(escape_));
          break;
      }
    } else if (at_line_start_ && escape_ >= 0 && c == escape_) {
      pending_escape_ = true;
      continue;
    }
    out.data.push_back(c);
    at_line_start_ = (c == '\r' || c == '\n');
  }
  return out;
}

std::string EscapeFilter::echo_line(EscapeAction action) const {
  if (escape_ < 0) return {};
  std::string e(1, char(escape_));
  switch (action) {
    case EscapeAction::help: return e + "?\r\n";
    case EscapeAction::send_break: return e + "B\r\n";
    case EscapeAction::list_forwards: return e + "#\r\n";
    default: return {};
  }
}

std::string EscapeFilter::help_text() const {
  std::string e(1, char(escape_));
  std::string text = "Supported escape sequences:\r\n";
  text += " " + e + ".   - terminate connection (and any multiplexed sessions)\r\n";
  text += " " + e + "B   - send a BREAK to the remote system\r\n";
  text += " " + e + "R   - request rekey\r\n";
  text += " " + e + "V/v - decrease/increase verbosity (LogLevel)\r\n";
  text += " " + e + "^Z  - suspend ssh\r\n";
  text += " " + e + "#   - list forwarded connections\r\n";
  text += " " + e + "?   - this message\r\n";
  text += " " + e + e + "   - send the escape character by typing it twice\r\n";
  text += "(Note that escapes are only recognized immediately after newline.)\r\n";
  return text;
}

}  // namespace ssh::client
