#include "config/tokens.h"

#include <gtest/gtest.h>

namespace ssh::config {
namespace {

TEST(ExpandTokens, KnownUnknownAndPercent) {
  TokenMap map{{'h', "host"}, {'p', "22"}};
  EXPECT_EQ(*expand_tokens("%h:%p %% x", map), "host:22 % x");
  EXPECT_EQ(expand_tokens("%q", map).error().context, "percent_expand: unknown key %q");
  EXPECT_FALSE(expand_tokens("trailing %", map));
  EXPECT_EQ(*expand_tokens("", map), "");
}

TEST(ExpandTilde, HomeAndOtherUser) {
  EXPECT_EQ(*expand_tilde("~/x", "/home/a"), "/home/a/x");
  EXPECT_EQ(*expand_tilde("~", "/home/a"), "/home/a");
  EXPECT_EQ(*expand_tilde("/abs/~", "/home/a"), "/abs/~");
  EXPECT_EQ(*expand_tilde("~root/x", "/home/a"), "/root/x");
  EXPECT_FALSE(expand_tilde("~no-such-user-xyz/x", "/home/a"));
}

TEST(ConnectionTokens, AllKeys) {
  ClientConfig cfg;
  cfg.host = "alias";
  cfg.host_name = "real.example";
  cfg.port = 2222;
  LocalContext local{"alice", "/home/alice", "1000", "box.lan", "box", nullptr, nullptr};
  local.sha1_hex = [](std::string_view s) { return "sha1(" + std::string(s) + ")"; };
  auto map = connection_tokens(cfg, local);
  auto text = expand_tokens("%C|%d|%h|%i|%k|%L|%l|%n|%p|%r|%u", map);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text,
            "sha1(box.lanreal.example2222alice)|/home/alice|real.example|1000|alias|box|"
            "box.lan|alias|2222|alice|alice");
  cfg.host_key_alias = "hka";
  cfg.user = "bob";
  EXPECT_EQ(*expand_tokens("%k %r", connection_tokens(cfg, local)), "hka bob");
  EXPECT_EQ(*expand_path("~/.ssh/cm-%r", connection_tokens(cfg, local), local.home),
            "/home/alice/.ssh/cm-bob");
}

}  // namespace
}  // namespace ssh::config
