#include "keys/host_pattern.h"

#include <string>

namespace ssh::keys {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

}  // namespace

// Iterative matcher: on mismatch, retry from the last '*' one character further on.
// Linear backtracking keeps it O(n*m) for hostile patterns.
bool match_glob(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_t = t;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

ListMatch match_pattern_list(std::string_view text, std::string_view patterns) {
  std::string name = to_lower(text);
  bool positive = false;
  while (true) {
    size_t comma = patterns.find(',');
    std::string_view item = patterns.substr(0, comma);
    bool negate = !item.empty() && item.front() == '!';
    if (negate) item.remove_prefix(1);
    if (!item.empty() && match_glob(name, to_lower(item))) {
      if (negate) return ListMatch::negated;
      positive = true;
    }
    if (comma == std::string_view::npos) break;
    patterns.remove_prefix(comma + 1);
  }
  return positive ? ListMatch::match : ListMatch::no_match;
}

}  // namespace ssh::keys
