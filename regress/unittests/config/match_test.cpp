#include "config/match.h"

#include <gtest/gtest.h>

namespace ssh::config {
namespace {

TEST(MatchPattern, Wildcards) {
  EXPECT_TRUE(match_pattern("example.com", "*.com"));
  EXPECT_TRUE(match_pattern("h1", "h?"));
  EXPECT_FALSE(match_pattern("h12", "h?"));
  EXPECT_TRUE(match_pattern("", "*"));
  EXPECT_TRUE(match_pattern("abcabd", "*ab?"));
  EXPECT_FALSE(match_pattern("abc", "abd"));
  EXPECT_TRUE(match_pattern("a*b", "a*b"));
  // Many stars must not blow up.
  EXPECT_FALSE(match_pattern(std::string(200, 'a'), std::string(50, '*') + "b"));
}

TEST(MatchPatternList, Negation) {
  EXPECT_EQ(match_pattern_list("h", "x,h", true), 1);
  EXPECT_EQ(match_pattern_list("h", "*,!h", true), -1);
  EXPECT_EQ(match_pattern_list("h", "x,y", true), 0);
  EXPECT_EQ(match_pattern_list("H", "h", true), 1);
  EXPECT_EQ(match_pattern_list("Bob", "bob", false), 0);
}

TEST(MatchHostPatterns, NoCommaSplitNegationWins) {
  EXPECT_FALSE(match_host_patterns("h", {"x,h"}));
  EXPECT_TRUE(match_host_patterns("h", {"x", "h"}));
  EXPECT_FALSE(match_host_patterns("h", {"*", "!h"}));
  EXPECT_FALSE(match_host_patterns("h", {"!h", "*"}));
  EXPECT_TRUE(match_host_patterns("EXAMPLE", {"ex*"}));
}

class MatchTest : public ::testing::Test {
 protected:
  MatchTest() {
    local_.user = "alice";
    local_.home = "/home/alice";
    local_.run_command = [this](const std::string& cmd) {
      commands_.push_back(cmd);
      return cmd == "true-cmd h" ? 0 : 1;
    };
  }
  Result<MatchOutcome> eval(std::vector<std::string> args, bool final_pass = false) {
    notes_.clear();
    MatchInput in{cfg_, local_, "h", "h", final_pass};
    return evaluate_match(args, in, notes_);
  }
  ClientConfig cfg_;
  LocalContext local_;
  std::vector<std::string> commands_;
  std::vector<MatchNote> notes_;
};

TEST_F(MatchTest, Criteria) {
  EXPECT_TRUE(eval({"all"})->matched);
  EXPECT_FALSE(eval({"!all"})->matched);
  EXPECT_TRUE(eval({"host", "x,h", "localuser", "alice", "user", "alice"})->matched);
  EXPECT_FALSE(eval({"user", "bob"})->matched);
  cfg_.user = "bob";
  EXPECT_TRUE(eval({"user", "bob"})->matched);
  cfg_.host_name = "real";
  EXPECT_TRUE(eval({"host", "real", "originalhost", "h"})->matched);
  EXPECT_TRUE(eval({"!host", "h"})->matched);
}

TEST_F(MatchTest, ExecRunsOnlyWhenNeeded) {
  EXPECT_TRUE(eval({"exec", "true-cmd %h"})->matched);
  EXPECT_FALSE(eval({"exec", "false-cmd"})->matched);
  EXPECT_FALSE(eval({"host", "nomatch", "exec", "true-cmd %h"})->matched);
  EXPECT_EQ(commands_, (std::vector<std::string>{"true-cmd h", "false-cmd"}));
}

TEST_F(MatchTest, FinalAndCanonical) {
  auto first = eval({"final"});
  EXPECT_FALSE(first->matched);
  EXPECT_TRUE(first->wants_final_pass);
  EXPECT_TRUE(eval({"final"}, true)->matched);
  EXPECT_FALSE(eval({"canonical"}, true)->matched);
  EXPECT_TRUE(eval({"canonical", "all"})->wants_final_pass);
}

TEST_F(MatchTest, Errors) {
  EXPECT_FALSE(eval({}));
  EXPECT_FALSE(eval({"host"}));
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_EQ(notes_[0].text, "Missing Match criteria for host");
  EXPECT_FALSE(eval({"foo", "bar"}));
  EXPECT_EQ(notes_[0].text, "Unsupported Match attribute foo");
  EXPECT_FALSE(eval({"all", "host", "x"}));
  EXPECT_TRUE(notes_[0].with_location);
  EXPECT_TRUE(eval({"host", "h", "all"})->matched);
}

TEST(RunShellCommand, ExitStatus) {
  EXPECT_EQ(run_shell_command("exit 0"), 0);
  EXPECT_EQ(run_shell_command("exit 3"), 3);
}

}  // namespace
}  // namespace ssh::config
