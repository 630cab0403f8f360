// Value syntaxes shared by ssh_config and sshd_config: line splitting with quotes, time
// intervals, sizes, ports, forwarding specs, escape characters. Pure functions; errors
// carry OpenSSH's message text (without the "<file> line <n>: " prefix).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/client_config.h"

namespace ssh::config {

// One config line split into its keyword, the raw rest and the unquoted arguments.
// Double and single quotes group words; a backslash escapes a quote, a backslash or
// (outside quotes) a space; an unquoted word starting with '#' ends the line.
struct SplitLine {
  std::string keyword;  // as written
  std::string rest;     // raw text after the keyword and separator
  std::vector<std::string> args;
};

// Returns an empty keyword for blank and comment lines. Error: "invalid quotes".
Result<SplitLine> split_config_line(std::string_view line);

// Splits a string into arguments with the same quoting rules.
Result<std::vector<std::string>> split_arguments(std::string_view text);

// "90", "1h30m", "2d": seconds per sshd_config(5) TIME FORMATS; -1 if malformed.
int64_t parse_time(std::string_view text);

// "1G", "500K", "1.5M": bytes; error "Bad number '<x>': Invalid argument".
Result<int64_t> parse_size(std::string_view text);

// 1..65535 (0 too when allow_zero); -1 if not a valid port.
int parse_port(std::string_view text, bool allow_zero = false);

// "none", a single ASCII character, or "^X" for a control character.
Result<int> parse_escape_char(std::string_view text);
// How ssh -G prints an escape character (vis(3) style: "~", "\^A", "\\", "none").
std::string escape_char_text(int c);

enum class ForwardKind { local, remote, dynamic };
// Parses the arguments of LocalForward/RemoteForward/DynamicForward.
Result<Forward> parse_forward(ForwardKind kind, const std::vector<std::string>& args);
// "-G" spellings: "8080", "[host]:80", "/path".
std::string forward_listen_text(const Forward& fwd);
std::string forward_connect_text(const Forward& fwd);

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);

inline constexpr int kIpQosNone = 0x7fffffff;  // IPQoS none: leave the socket alone
// An IPQoS value (af11..ef, cs0-7, le, lowdelay, throughput, reliability, none, or a
// number 0-255) as its TOS/traffic class byte; -1 when invalid.
int ip_qos_value(const std::string& v);
// How sshd -T prints a value: its first name ("le" before "reliability"), else hex.
std::string ip_qos_name(int value);
std::string to_upper(std::string_view s);

// Items separated by single spaces, as -G and -T print lists.
std::string join_words(const std::vector<std::string>& items);

}  // namespace ssh::config
