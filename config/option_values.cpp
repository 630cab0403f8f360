#include "config/option_values.h"

#include <cctype>
#include <cstdio>
#include <charconv>
#include <cmath>
#include <limits>

#include "base/log.h"

namespace ssh::config {

// LogLevel values are stored as base/log's Level numbers.
static_assert(int(log::Level::quiet) == kLogQuiet && int(log::Level::info) == kLogInfo &&
              int(log::Level::debug3) == kLogDebug3);
namespace {

constexpr std::string_view kSpace = " \t\r\n\f";

bool is_space(char c) {
  return kSpace.find(c) != std::string_view::npos;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads one argument starting at `pos` (which is not whitespace). Sets `comment` when
// the word starts an unquoted '#'.
Result<std::string> read_word(std::string_view text, size_t& pos, bool& comment) {
  std::string word;
  char quote = 0;
  comment = text[pos] == '#';
  if (comment) return word;
  while (pos < text.size()) {
    char c = text[pos];
    if (quote == 0 && is_space(c)) break;
    if (c == '\\' && pos + 1 < text.size()) {
      char n = text[pos + 1];
      if (n == '"' || n == '\'' || n == '\\' || (quote == 0 && n == ' ')) {
        word.push_back(n);
        pos += 2;
        continue;
      }
    }
    if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else {
      word.push_back(c);
    }
    ++pos;
  }
  if (quote != 0) return fail(ErrorCode::config, "invalid quotes");
  return word;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<std::vector<std::string>> split_arguments(std::string_view text) {
  std::vector<std::string> args;
  size_t pos = 0;
  while (true) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    if (pos >= text.size()) break;
    bool comment = false;
    std::string word = SSH_TRY(read_word(text, pos, comment));
    if (comment) break;
    args.push_back(std::move(word));
  }
  return args;
}

Result<SplitLine> split_config_line(std::string_view line) {
  // Trailing whitespace never belongs to a value (ssh_config allows "\f" too).
  while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
  size_t pos = 0;
  while (pos < line.size() && is_space(line[pos])) ++pos;
  SplitLine out;
  if (pos >= line.size() || line[pos] == '#') return out;
  size_t end = pos;
  while (end < line.size() && !is_space(line[end]) && line[end] != '=') ++end;
  out.keyword = std::string(line.substr(pos, end - pos));
  // The keyword is separated by whitespace and/or a single '='.
  pos = end;
  while (pos < line.size() && is_space(line[pos])) ++pos;
  if (pos < line.size() && line[pos] == '=') {
    ++pos;
    while (pos < line.size() && is_space(line[pos])) ++pos;
  }
  out.rest = std::string(line.substr(pos));
  out.args = SSH_TRY(split_arguments(out.rest));
  return out;
}

int64_t parse_time(std::string_view text) {
  if (text.empty()) return -1;
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return -1;
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + pos, value);
    if (ec != std::errc() || ptr != text.data() + pos) return -1;
    int64_t mult = 1;
    if (pos < text.size()) {
      switch (std::tolower(static_cast<unsigned char>(text[pos]))) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        case 'w': mult = 604800; break;
        default: return -1;
      }
      ++pos;
    }
    if (value > std::numeric_limits<int32_t>::max() / mult) return -1;
    total += value * mult;
    if (total > std::numeric_limits<int32_t>::max()) return -1;
  }
  return total;
}

Result<int64_t> parse_size(std::string_view text) {
  auto bad = [&] {
    return fail(ErrorCode::config, "Bad number '" + std::string(text) + "': Invalid argument");
  };
  size_t pos = 0;
  while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.'))
    ++pos;
  std::string_view number = text.substr(0, pos);
  std::string_view unit = text.substr(pos);
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      number.find('.') != number.rfind('.') || unit.size() > 1)
    return bad();
  double scale = 1;
  if (!unit.empty()) {
    static constexpr std::string_view kUnits = "kmgtpe";
    size_t idx = kUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(unit[0]))));
    if (idx == std::string_view::npos) return bad();
    scale = std::pow(1024.0, static_cast<double>(idx + 1));
  } else if (number.find('.') != std::string_view::npos) {
    return bad();  // a fraction needs a unit
  }
  double value = std::strtod(std::string(number).c_str(), nullptr) * scale;
  if (value >= 9.2e18) return bad();
  return static_cast<int64_t>(value);
}

int parse_port(std::string_view text, bool allow_zero) {
  if (!all_digits(text) || text.size() > 5) return -1;
  int port = 0;
  std::from_chars(text.data(), text.data() + text.size(), port);
  if (port > 65535 || (port == 0 && !allow_zero)) return -1;
  return port;
}

Result<int> parse_escape_char(std::string_view text) {
  if (text == "none") return kEscapeNone;
  auto c0 = static_cast<unsigned char>(text.empty() ? 0 : text[0]);
  if (text.size() == 1 && c0 < 128) return static_cast<int>(c0);
  if (text.size() == 2 && c0 == '^') {
    auto c1 = static_cast<unsigned char>(text[1]);
    if (c1 >= 64 && c1 < 128) return static_cast<int>(c1 & 31);
  }
  return fail(ErrorCode::config, "Bad escape character.");
}

std::string escape_char_text(int c) {
  if (c == kEscapeNone) return "none";
  if (c == '\\') return "\\\\";
  if (c == 127) return "\\^?";
  if (c >= 0 && c < 32) return std::string("\\^") + static_cast<char>(c + 64);
  return std::string(1, static_cast<char>(c));
}

namespace {

// "[host]:port", "host:port", "port" or a path (anything with a '/').
bool parse_endpoint(std::string_view spec, bool port_only_ok, bool allow_zero, std::string& host, int& port,
                    std::string& path) {
  if (spec.find('/') != std::string_view::npos) {
    path = std::string(spec);
    return true;
  }
  std::string_view port_text = spec;
  if (!spec.empty() && spec.front() == '[') {
    size_t close = spec.find(']');
    if (close == std::string_view::npos || close + 1 >= spec.size() || spec[close + 1] != ':') return false;
    host = std::string(spec.substr(1, close - 1));
    port_text = spec.substr(close + 2);
  } else if (size_t colon = spec.find(':'); colon != std::string_view::npos) {
    host = std::string(spec.substr(0, colon));
    port_text = spec.substr(colon + 1);
  } else if (!port_only_ok) {
    return false;
  }
  port = parse_port(port_text, allow_zero);
  return port >= 0;
}

}  // namespace

Result<Forward> parse_forward(ForwardKind kind, const std::vector<std::string>& args) {
  auto bad = [] { return fail(ErrorCode::config, "Bad forwarding specification."); };
  Forward fwd;
  bool two = kind != ForwardKind::dynamic;
  if (args.empty()) return bad();
  if (kind == ForwardKind::local && args.size() < 2)
    return fail(ErrorCode::config, "Missing target argument.");
  if (args.size() > (two ? 2u : 1u)) return bad();
  bool allow_zero = kind == ForwardKind::remote;
  if (!parse_endpoint(args[0], true, allow_zero, fwd.listen_host, fwd.listen_port, fwd.listen_path))
    return bad();
  if (args.size() == 2) {
    if (!parse_endpoint(args[1], false, false, fwd.connect_host, fwd.connect_port, fwd.connect_path) ||
        (fwd.connect_path.empty() && fwd.connect_host.empty()))
      return bad();
  } else if (kind == ForwardKind::remote) {
    // A remote forward without a target is a remote SOCKS proxy.
    fwd.connect_host = "socks";
  }
  return fwd;
}

std::string forward_listen_text(const Forward& fwd) {
  if (!fwd.listen_path.empty()) return fwd.listen_path;
  if (fwd.listen_host.empty()) return std::to_string(fwd.listen_port);
  return "[" + fwd.listen_host + "]:" + std::to_string(fwd.listen_port);
}

std::string forward_connect_text(const Forward& fwd) {
  if (!fwd.connect_path.empty()) return fwd.connect_path;
  return "[" + fwd.connect_host + "]:" + std::to_string(fwd.connect_port);
}

std::string join_words(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ' ';
    out += item;
  }
  return out;
}

// IPQoS names (sshd_config(5)) and their DSCP/TOS byte. Dump uses the first name of a
// value, so "le" wins over "reliability".
namespace {
struct QosName {
  std::string_view name;
  int value;
};
constexpr QosName kQos[] = {
    {"af11", 0x28},      {"af12", 0x30}, {"af13", 0x38},     {"af21", 0x48},       {"af22", 0x50},
    {"af23", 0x58},      {"af31", 0x68}, {"af32", 0x70},     {"af33", 0x78},       {"af41", 0x88},
    {"af42", 0x90},      {"af43", 0x98}, {"cs0", 0x00},      {"cs1", 0x20},        {"cs2", 0x40},
    {"cs3", 0x60},       {"cs4", 0x80},  {"cs5", 0xa0},      {"cs6", 0xc0},        {"cs7", 0xe0},
    {"ef", 0xb8},        {"le", 0x04},   {"lowdelay", 0x10}, {"throughput", 0x08}, {"reliability", 0x04},
    {"none", kIpQosNone}};
}  // namespace

std::string ip_qos_name(int value) {
  for (const QosName& q : kQos) {
    if (q.value == value) return std::string(q.name);
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(value));
  return buf;
}

int ip_qos_value(const std::string& v) {
  for (const QosName& q : kQos) {
    if (iequals(q.name, v)) return q.value;
  }
  char* end = nullptr;
  long value = std::strtol(v.c_str(), &end, 0);
  if (v.empty() || *end != '\0' || value < 0 || value > 255) return -1;
  return static_cast<int>(value);
}

}  // namespace ssh::config
