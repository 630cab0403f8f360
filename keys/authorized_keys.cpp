#include "keys/authorized_keys.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <ctime>

#include "base/log.h"
#include "keys/file_util.h"
#include "keys/host_pattern.h"
#include "keys/key_file.h"

namespace ssh::keys {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

bool parse_uint(std::string_view s, uint32_t max, uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

// Reads a double-quoted value; s starts just after the opening quote. Only \" is an
// escape, as in sshd; a missing closing quote is an error.
Result<std::string> read_quoted(std::string_view& s) {
  std::string value;
  while (!s.empty()) {
    char c = s.front();
    s.remove_prefix(1);
    if (c == '"') return value;
    if (c == '\\' && !s.empty() && s.front() == '"') {
      c = '"';
      s.remove_prefix(1);
    }
    value += c;
  }
  return fail(ErrorCode::parse, "missing end quote");
}

bool valid_port(std::string_view p, bool allow_wildcard) {
  uint32_t v = 0;
  if (allow_wildcard && p == "*") return true;
  return parse_uint(p, 65535, v) && v > 0;
}

// "host:port" or "[v6]:port"; with port_only_ok, a bare "port" too (permitlisten).
bool valid_host_port(std::string_view s, bool port_only_ok) {
  std::string_view host, port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == s.npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    size_t colon = s.find(':');
    if (colon == s.npos) return port_only_ok && valid_port(s, true);
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  return !host.empty() && valid_port(port, true);
}

bool valid_environment(std::string_view s) {
  size_t eq = s.find('=');
  if (eq == 0 || eq == s.npos) return false;
  for (char c : s.substr(0, eq)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status apply_flag(AuthorizedKeyOptions& o, std::string_view name) {
  if (name == "restrict") {
    o.restricted = true;
    o.port_forwarding = o.agent_forwarding = o.x11_forwarding = o.pty = o.user_rc = false;
  } else if (name == "cert-authority") {
    o.cert_authority = true;
  } else if (name == "no-port-forwarding" || name == "port-forwarding") {
    o.port_forwarding = !name.starts_with("no-");
  } else if (name == "no-agent-forwarding" || name == "agent-forwarding") {
    o.agent_forwarding = !name.starts_with("no-");
  } else if (name == "no-x11-forwarding" || name == "x11-forwarding") {
    o.x11_forwarding = !name.starts_with("no-");
  } else if (name == "no-pty" || name == "pty") {
    o.pty = !name.starts_with("no-");
  } else if (name == "no-user-rc" || name == "user-rc") {
    o.user_rc = !name.starts_with("no-");
  } else if (name == "no-touch-required") {
    o.no_touch_required = true;
  } else if (name == "verify-required") {
    o.verify_required = true;
  } else {
    return fail(ErrorCode::parse, "unknown key option " + std::string(name));
  }
  return {};
}

Status set_once(std::optional<std::string>& slot, std::string&& value, const char* what) {
  if (slot) return fail(ErrorCode::parse, std::string("multiple ") + what + " options");
  slot = std::move(value);
  return {};
}

Status apply_value(AuthorizedKeyOptions& o, std::string_view name, std::string&& v) {
  if (name == "command") return set_once(o.command, std::move(v), "command");
  if (name == "from") return set_once(o.from, std::move(v), "from");
  if (name == "principals") return set_once(o.principals, std::move(v), "principals");
  if (name == "environment") {
    if (!valid_environment(v)) return fail(ErrorCode::parse, "invalid environment string");
    std::string_view key = std::string_view(v).substr(0, v.find('=') + 1);
    for (const auto& e : o.environment) {
      if (e.starts_with(key)) return {};  // first setting of a name wins
    }
    o.environment.push_back(std::move(v));
  } else if (name == "permitopen") {
    if (!valid_host_port(v, false)) return fail(ErrorCode::parse, "invalid permitopen");
    o.permitopen.push_back(std::move(v));
  } else if (name == "permitlisten") {
    if (!valid_host_port(v, true)) return fail(ErrorCode::parse, "invalid permitlisten");
    o.permitlisten.push_back(std::move(v));
  } else if (name == "expiry-time") {
    int64_t t = SSH_TRY(parse_expiry_time(v));
    if (!o.expiry_time || t < *o.expiry_time) o.expiry_time = t;
  } else if (name == "tunnel") {
    uint32_t n = 0;
    if (!parse_uint(v, 0x7fffffff, n)) return fail(ErrorCode::parse, "invalid tunnel");
    o.tunnel = n;
  } else {
    return fail(ErrorCode::parse, "unknown key option " + std::string(name));
  }
  return {};
}

// The options prefix of a line: up to the first blank outside quotes.
std::string_view split_options(std::string_view& line) {
  bool quoted = false;
  size_t i = 0;
  for (; i < line.size(); ++i) {
    char c = line[i];
    if (!quoted && is_blank(c)) break;
    if (c == '\\' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    }
  }
  std::string_view opts = line.substr(0, i);
  line.remove_prefix(i);
  return opts;
}

bool cidr_match(std::string_view ip, std::string_view cidr) {
  size_t slash = cidr.find('/');
  std::string addr(cidr.substr(0, slash)), host(ip);
  std::array<uint8_t, 16> a{}, b{};
  int family = addr.find(':') == std::string::npos ? AF_INET : AF_INET6;
  uint32_t max_bits = family == AF_INET ? 32 : 128;
  uint32_t bits = max_bits;
  if (slash != cidr.npos && !parse_uint(cidr.substr(slash + 1), max_bits, bits)) return false;
  if (::inet_pton(family, addr.c_str(), a.data()) != 1) return false;
  if (::inet_pton(family, host.c_str(), b.data()) != 1) return false;
  for (uint32_t i = 0; i < bits; ++i) {
    uint8_t mask = uint8_t(0x80 >> (i % 8));
    if ((a[i / 8] & mask) != (b[i / 8] & mask)) return false;
  }
  return true;
}

// Address patterns: CIDR when a '/' is present, glob otherwise.
ListMatch match_address_list(std::string_view ip, std::string_view patterns) {
  bool positive = false;
  while (true) {
    size_t comma = patterns.find(',');
    std::string_view item = patterns.substr(0, comma);
    bool negate = !item.empty() && item.front() == '!';
    if (negate) item.remove_prefix(1);
    bool hit =
        item.find('/') != item.npos ? cidr_match(ip, item) : match_glob(lowercase(ip), lowercase(item));
    if (!item.empty() && hit) {
      if (negate) return ListMatch::negated;
      positive = true;
    }
    if (comma == std::string_view::npos) break;
    patterns.remove_prefix(comma + 1);
  }
  return positive ? ListMatch::match : ListMatch::no_match;
}

}  // namespace

Result<AuthorizedKeyOptions> parse_authorized_key_options(std::string_view s) {
  AuthorizedKeyOptions o;
  while (!s.empty()) {
    size_t end = 0;
    while (end < s.size() && s[end] != '=' && s[end] != ',' && !is_blank(s[end])) ++end;
    std::string name = lowercase(s.substr(0, end));
    if (name.empty()) return fail(ErrorCode::parse, "empty key option");
    s.remove_prefix(end);
    if (!s.empty() && s.front() == '=') {
      if (s.size() < 2 || s[1] != '"') return fail(ErrorCode::parse, "option value not quoted");
      s.remove_prefix(2);
      std::string value = SSH_TRY(read_quoted(s));
      SSH_TRY(apply_value(o, name, std::move(value)));
    } else {
      SSH_TRY(apply_flag(o, name));
    }
    if (s.empty()) break;
    if (s.front() != ',' || s.size() == 1) return fail(ErrorCode::parse, "bad option list");
    s.remove_prefix(1);
  }
  return o;
}

Result<AuthorizedKey> parse_authorized_key_line(std::string_view line) {
  while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  std::string_view comment;
  // A line either starts with the key, or with options followed by the key.
  if (auto key = parse_public_key_text(line, &comment)) {
    return AuthorizedKey{{}, std::move(*key), std::string(comment), 0};
  }
  std::string_view opts = split_options(line);
  AuthorizedKeyOptions options = SSH_TRY(parse_authorized_key_options(opts));
  PublicKey key = SSH_TRY(parse_public_key_text(line, &comment));
  return AuthorizedKey{std::move(options), std::move(key), std::string(comment), 0};
}

std::vector<AuthorizedKey> parse_authorized_keys(std::string_view text, const std::string& path) {
  std::vector<AuthorizedKey> out;
  size_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == text.npos ? text.size() : nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.size() > kMaxAuthorizedKeysLine) {
      LOG_DEBUG1("%s:%zu: line too long, skipped", path.c_str(), number);
      continue;
    }
    auto entry = parse_authorized_key_line(line);
    if (!entry) {
      LOG_DEBUG1("%s:%zu: %s, line skipped", path.c_str(), number, entry.error().context.c_str());
      continue;
    }
    entry->line = number;
    out.push_back(std::move(*entry));
  }
  return out;
}

Result<std::vector<AuthorizedKey>> load_authorized_keys(const std::string& path) {
  ReadFile f = SSH_TRY(read_file_bounded(path, kMaxAuthorizedKeysFile));
  return parse_authorized_keys(f.data.text(), path);
}

const AuthorizedKey* find_authorized_key(const std::vector<AuthorizedKey>& entries, const PublicKey& key) {
  for (const auto& e : entries) {
    if (!e.options.cert_authority && e.key == key) return &e;
  }
  return nullptr;
}

bool from_option_allows(std::string_view patterns, std::string_view host, std::string_view ip) {
  ListMatch by_ip = ip.empty() ? ListMatch::no_match : match_address_list(ip, patterns);
  if (by_ip == ListMatch::negated) return false;
  ListMatch by_host = host.empty() ? ListMatch::no_match : match_pattern_list(host, patterns);
  if (by_host == ListMatch::negated) return false;
  return by_ip == ListMatch::match || by_host == ListMatch::match;
}

Result<int64_t> parse_expiry_time(std::string_view text) {
  bool utc = !text.empty() && (text.back() == 'Z' || text.back() == 'z');
  if (utc) text.remove_suffix(1);
  if (text.size() != 8 && text.size() != 12 && text.size() != 14) {
    return fail(ErrorCode::parse, "invalid expiry time");
  }
  uint32_t f[6] = {0, 0, 0, 0, 0, 0};
  const size_t widths[6] = {4, 2, 2, 2, 2, 2};
  for (size_t i = 0, pos = 0; pos < text.size(); pos += widths[i], ++i) {
    if (!parse_uint(text.substr(pos, widths[i]), 9999, f[i])) {
      return fail(ErrorCode::parse, "invalid expiry time");
    }
  }
  if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60) {
    return fail(ErrorCode::parse, "invalid expiry time");
  }
  std::tm tm{};
  tm.tm_year = int(f[0]) - 1900;
  tm.tm_mon = int(f[1]) - 1;
  tm.tm_mday = int(f[2]);
  tm.tm_hour = int(f[3]);
  tm.tm_min = int(f[4]);
  tm.tm_sec = int(f[5]);
  tm.tm_isdst = -1;
  time_t t = utc ? ::timegm(&tm) : ::mktime(&tm);
  if (t == time_t(-1)) return fail(ErrorCode::parse, "invalid expiry time");
  return int64_t(t);
}

}  // namespace ssh::keys
