#include "config/option_values.h"

#include <gtest/gtest.h>

namespace ssh::config {
namespace {

TEST(SplitConfigLine, KeywordSeparatorsAndComments) {
  auto l = split_config_line("  Port=22  ");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->keyword, "Port");
  EXPECT_EQ(l->args, std::vector<std::string>{"22"});
  l = split_config_line("User = x=y # trailing");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->args, (std::vector<std::string>{"x=y"}));
  l = split_config_line("   # only a comment");
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->keyword.empty());
  l = split_config_line("");
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->keyword.empty());
}

TEST(SplitConfigLine, QuotesAndEscapes) {
  auto l = split_config_line("SetEnv \"A=b c\" 'D=e f' G\\ H \\\\ x#y");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->args, (std::vector<std::string>{"A=b c", "D=e f", "G H", "\\", "x#y"}));
  l = split_config_line("ProxyCommand nc  \"%h\" %p # kept raw");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->rest, "nc  \"%h\" %p # kept raw");
  auto bad = split_config_line("User \"unterminated");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().context, "invalid quotes");
}

TEST(ParseTime, Formats) {
  EXPECT_EQ(parse_time("90"), 90);
  EXPECT_EQ(parse_time("1h30m"), 5400);
  EXPECT_EQ(parse_time("2d"), 172800);
  EXPECT_EQ(parse_time("1W"), 604800);
  EXPECT_EQ(parse_time("10s5"), 15);
  EXPECT_EQ(parse_time(""), -1);
  EXPECT_EQ(parse_time("-1"), -1);
  EXPECT_EQ(parse_time("5x"), -1);
  EXPECT_EQ(parse_time("h"), -1);
  EXPECT_EQ(parse_time("99999999999"), -1);
}

TEST(ParseSize, UnitsAndFractions) {
  EXPECT_EQ(*parse_size("16"), 16);
  EXPECT_EQ(*parse_size("500K"), 512000);
  EXPECT_EQ(*parse_size("1G"), 1073741824);
  EXPECT_EQ(*parse_size("1.5M"), 1572864);
  EXPECT_EQ(parse_size("5X").error().context, "Bad number '5X': Invalid argument");
  EXPECT_FALSE(parse_size("1.5"));
  EXPECT_FALSE(parse_size("K"));
}

TEST(ParsePort, Range) {
  EXPECT_EQ(parse_port("22"), 22);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_EQ(parse_port("65536"), -1);
  EXPECT_EQ(parse_port("0"), -1);
  EXPECT_EQ(parse_port("0", true), 0);
  EXPECT_EQ(parse_port("abc"), -1);
  EXPECT_EQ(parse_port(""), -1);
}

TEST(EscapeChar, ParseAndPrint) {
  EXPECT_EQ(*parse_escape_char("~"), '~');
  EXPECT_EQ(*parse_escape_char("^A"), 1);
  EXPECT_EQ(*parse_escape_char("^a"), 1);
  EXPECT_EQ(*parse_escape_char("none"), kEscapeNone);
  EXPECT_FALSE(parse_escape_char("^?"));
  EXPECT_FALSE(parse_escape_char("ab"));
  EXPECT_FALSE(parse_escape_char("\xc3\xa9"));
  EXPECT_EQ(escape_char_text('~'), "~");
  EXPECT_EQ(escape_char_text(1), "\\^A");
  EXPECT_EQ(escape_char_text('\\'), "\\\\");
  EXPECT_EQ(escape_char_text(kEscapeNone), "none");
}

TEST(Forward, LocalRemoteDynamic) {
  auto f = parse_forward(ForwardKind::local, {"8080", "localhost:80"});
  ASSERT_TRUE(f);
  EXPECT_EQ(forward_listen_text(*f), "8080");
  EXPECT_EQ(forward_connect_text(*f), "[localhost]:80");
  f = parse_forward(ForwardKind::local, {"[::1]:9090", "[fe80::1]:90"});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->listen_host, "::1");
  EXPECT_EQ(f->connect_host, "fe80::1");
  f = parse_forward(ForwardKind::local, {"/tmp/l.sock", "/tmp/r.sock"});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->listen_path, "/tmp/l.sock");
  EXPECT_EQ(f->connect_path, "/tmp/r.sock");
  f = parse_forward(ForwardKind::remote, {"8082"});
  ASSERT_TRUE(f);
  EXPECT_EQ(forward_connect_text(*f), "[socks]:0");
  EXPECT_TRUE(parse_forward(ForwardKind::remote, {"0", "h:1"}));
  f = parse_forward(ForwardKind::dynamic, {"localhost:1081"});
  ASSERT_TRUE(f);
  EXPECT_EQ(forward_listen_text(*f), "[localhost]:1081");
  EXPECT_EQ(parse_forward(ForwardKind::local, {"80"}).error().context, "Missing target argument.");
  EXPECT_FALSE(parse_forward(ForwardKind::local, {"0", "h:1"}));
  EXPECT_FALSE(parse_forward(ForwardKind::local, {"1", "h:x"}));
  EXPECT_FALSE(parse_forward(ForwardKind::local, {"1", "h"}));
  EXPECT_FALSE(parse_forward(ForwardKind::local, {"70000", "h:1"}));
  EXPECT_FALSE(parse_forward(ForwardKind::remote, {"a"}));
  EXPECT_FALSE(parse_forward(ForwardKind::local, {"[::1:80", "h:1"}));
}

}  // namespace
}  // namespace ssh::config
