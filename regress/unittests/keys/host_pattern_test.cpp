#include "keys/host_pattern.h"

#include <gtest/gtest.h>

namespace ssh::keys {
namespace {

TEST(HostPattern, Glob) {
  EXPECT_TRUE(match_glob("host.example.com", "*.example.com"));
  EXPECT_FALSE(match_glob("example.com", "*.example.com"));
  EXPECT_TRUE(match_glob("a", "?"));
  EXPECT_FALSE(match_glob("ab", "?"));
  EXPECT_TRUE(match_glob("", "*"));
  EXPECT_TRUE(match_glob("abcabd", "*ab?"));
  EXPECT_TRUE(match_glob("192.168.1.7", "192.168.?.*"));
  EXPECT_FALSE(match_glob("192.168.10.7", "192.168.?.*"));
  EXPECT_TRUE(match_glob("[host]:2222", "[host]:2222"));
  EXPECT_TRUE(match_glob("[db.example.org]:2222", "[*.example.org]:2222"));
  EXPECT_FALSE(match_glob("[db.example.org]:22", "[*.example.org]:2222"));
  // Hostile pattern stays fast.
  std::string text(2000, 'a');
  EXPECT_FALSE(match_glob(text, "*a*a*a*a*a*a*a*a*a*b"));
}

TEST(HostPattern, ListsAndNegation) {
  EXPECT_EQ(match_pattern_list("host", "other,host"), ListMatch::match);
  EXPECT_EQ(match_pattern_list("HOST", "Host"), ListMatch::match);
  EXPECT_EQ(match_pattern_list("x", "a,b"), ListMatch::no_match);
  EXPECT_EQ(match_pattern_list("bad.example.com", "*.example.com,!bad.example.com"),
            ListMatch::negated);
  EXPECT_EQ(match_pattern_list("bad.example.com", "!bad.example.com,*.example.com"),
            ListMatch::negated);
  EXPECT_EQ(match_pattern_list("good.example.com", "*.example.com,!bad.example.com"),
            ListMatch::match);
  // Negation alone never makes a match.
  EXPECT_EQ(match_pattern_list("x", "!y"), ListMatch::no_match);
  EXPECT_EQ(match_pattern_list("x", ",,x"), ListMatch::match);
}

}  // namespace
}  // namespace ssh::keys
