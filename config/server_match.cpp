#include "config/server_match.h"

#include <arpa/inet.h>
#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cstring>

#include "config/match.h"
#include "config/option_values.h"
#include "config/server_option_handlers.h"

namespace ssh::config {
namespace {

struct IpAddress {
  int family = 0;
  unsigned char bytes[16] = {};
};

bool parse_ip(const std::string& text, IpAddress& out) {
  if (inet_pton(AF_INET, text.c_str(), out.bytes) == 1) {
    out.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.bytes) == 1) {
    out.family = AF_INET6;
    return true;
  }
  return false;
}

int bit_count(const IpAddress& a) {
  return a.family == AF_INET ? 32 : 128;
}

// Whether the first `bits` bits of a and b agree (or, with b null, whether every bit
// of a past `bits` is zero).
bool prefix_equal(const IpAddress& a, const IpAddress* b, int bits) {
  int total = bit_count(a);
  for (int i = 0; i < total; ++i) {
    int bit = (a.bytes[i / 8] >> (7 - i % 8)) & 1;
    if (b == nullptr) {
      if (i >= bits && bit != 0) return false;
    } else if (i < bits && bit != ((b->bytes[i / 8] >> (7 - i % 8)) & 1)) {
      return false;
    }
  }
  return true;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One entry without its '!': 1 match, 0 no match, -2 malformed CIDR block.
int match_address_entry(const std::string& address, std::string_view entry) {
  size_t slash = entry.find('/');
  if (slash == std::string_view::npos) return !address.empty() && match_pattern(address, entry) ? 1 : 0;
  IpAddress net;
  std::string_view len = entry.substr(slash + 1);
  if (!parse_ip(std::string(entry.substr(0, slash)), net) || !all_digits(len) || len.size() > 3)
    return 0;  // not an address block: a pattern that cannot match an address
  int bits = std::stoi(std::string(len));
  if (bits > bit_count(net) || !prefix_equal(net, nullptr, bits)) return -2;
  IpAddress addr;
  if (address.empty() || !parse_ip(address, addr) || addr.family != net.family) return 0;
  return prefix_equal(addr, &net, bits) ? 1 : 0;
}

std::unexpected<Error> bad_match(std::vector<std::string> lines, const std::string& file, int line) {
  lines.push_back(file + " line " + std::to_string(line) + ": Bad Match condition");
  std::string text;
  for (const auto& l : lines) text += (text.empty() ? "" : "\n") + l;
  return fail(ErrorCode::parse, text);
}

bool takes_argument(const std::string& attr) {
  static constexpr std::string_view kNames[] = {"user",         "group",     "host",   "address",
                                                "localaddress", "localport", "rdomain"};
  return std::find(std::begin(kNames), std::end(kNames), attr) != std::end(kNames);
}

bool match_groups(const ConnectionInfo& conn, const std::string& patterns) {
  if (conn.user.empty()) return false;
  auto groups = conn.groups ? conn.groups(conn.user) : system_user_groups(conn.user);
  if (!groups) return false;
  bool found = false;
  for (const auto& g : *groups) {
    int r = match_pattern_list(g, patterns, false);
    if (r < 0) return false;
    found = found || r == 1;
  }
  return found;
}

// One criterion with its argument; conn is non-null.
Result<bool> evaluate_one(const std::string& attr, const std::string& arg, const ConnectionInfo& conn,
                          int line) {
  if (attr == "user") return !conn.user.empty() && match_pattern_list(conn.user, arg, false) == 1;
  if (attr == "group") return match_groups(conn, arg);
  if (attr == "host") return !conn.host.empty() && match_pattern_list(conn.host, arg, true) == 1;
  if (attr == "rdomain") return !conn.rdomain.empty() && match_pattern_list(conn.rdomain, arg, false) == 1;
  if (attr == "localport") {
    if (conn.local_port < 0)
      return fail(ErrorCode::parse,
                  "'Match LocalPort' in configuration but 'lport' not in "
                  "connection test specification.");
    return parse_port(arg) == conn.local_port;
  }
  const std::string& addr = attr == "address" ? conn.address : conn.local_address;
  int r = match_address_list(addr, arg);
  if (r == -2)
    return fail(ErrorCode::parse, "Invalid Match " +
                                      std::string(attr == "address" ? "address" : "localaddress") +
                                      " argument '" + arg + "' at line " + std::to_string(line));
  return r == 1;
}

}  // namespace

int match_address_list(std::string_view address, std::string_view list) {
  std::string addr(address);
  int result = 0;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = std::min(list.find(',', pos), list.size());
    std::string_view entry = list.substr(pos, comma - pos);
    pos = comma + 1;
    bool negate = !entry.empty() && entry.front() == '!';
    if (negate) entry.remove_prefix(1);
    if (entry.empty()) return -2;
    int r = match_address_entry(addr, entry);
    if (r == -2) return -2;
    if (r == 1 && negate) return -1;
    if (r == 1) result = 1;
  }
  return result;
}

std::optional<std::vector<std::string>> system_user_groups(const std::string& user) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
    return std::nullopt;
  int count = 64;
  std::vector<gid_t> gids(static_cast<size_t>(count));
  while (getgrouplist(user.c_str(), found->pw_gid, gids.data(), &count) < 0) {
    if (count > 65536) return std::nullopt;
    gids.resize(static_cast<size_t>(count));
  }
  std::vector<std::string> names;
  std::vector<char> gbuf(65536);
  for (int i = 0; i < count; ++i) {
    group gr{};
    group* g = nullptr;
    if (getgrgid_r(gids[static_cast<size_t>(i)], &gr, gbuf.data(), gbuf.size(), &g) == 0 && g != nullptr)
      names.emplace_back(g->gr_name);
  }
  return names;
}

// Every criterion is checked for syntax before any is evaluated, so a bad line fails
// the same way whether or not its block would match.
Result<bool> evaluate_server_match(const std::vector<std::string>& criteria, const ConnectionInfo* conn,
                                   const std::string& file, int line) {
  bool result = true;
  for (size_t i = 0; i < criteria.size(); ++i) {
    std::string attr = to_lower(criteria[i]);
    if (attr == "all") {
      if (criteria.size() != 1)
        return bad_match({"'all' cannot be combined with other Match attributes"}, file, line);
      continue;
    }
    if (i + 1 >= criteria.size() || criteria[i + 1].empty())
      return bad_match({"Missing Match criteria for " + criteria[i]}, file, line);
    if (!takes_argument(attr)) return bad_match({"Unsupported Match attribute " + criteria[i]}, file, line);
    const std::string& arg = criteria[++i];
    if (attr == "localport" && parse_port(arg) < 0)
      return bad_match({"Invalid LocalPort '" + arg + "' on Match line"}, file, line);
    if ((attr == "address" || attr == "localaddress") && match_address_list({}, arg) == -2)
      return fail(ErrorCode::parse,
                  "Invalid Match " + attr + " argument '" + arg + "' at line " + std::to_string(line));
    if (conn == nullptr) {
      result = false;
      continue;
    }
    bool hit = SSH_TRY(evaluate_one(attr, arg, *conn, line));
    result = result && hit;
  }
  return result;
}

Result<ConnectionInfo> parse_connection_spec(std::string_view spec) {
  ConnectionInfo ci;
  size_t pos = 0;
  std::string text(spec);
  while (pos <= text.size()) {
    size_t comma = std::min(text.find(',', pos), text.size());
    std::string item = text.substr(pos, comma - pos);
    pos = comma + 1;
    size_t eq = item.find('=');
    auto invalid = [&] { return fail(ErrorCode::config, "Invalid test mode specification " + item); };
    if (eq == std::string::npos) return invalid();
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "user") {
      ci.user = value;
    } else if (key == "host") {
      ci.host = value;
    } else if (key == "addr") {
      ci.address = value;
    } else if (key == "laddr") {
      ci.local_address = value;
    } else if (key == "rdomain") {
      ci.rdomain = value;
    } else if (key == "lport") {
      ci.local_port = parse_port(value);
      if (ci.local_port < 0)
        return fail(ErrorCode::config, "Invalid port '" + value + "' in test mode specification " + item);
    } else {
      return invalid();
    }
  }
  return ci;
}

}  // namespace ssh::config
