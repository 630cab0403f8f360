#include "keys/authorized_keys.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "keys/key_file.h"

namespace ssh::keys {
namespace {

const PublicKey& test_key(int which) {
  static std::vector<PrivateKey> keys;
  while (keys.size() <= size_t(which)) {
    auto k = PrivateKey::generate(KeyType::ed25519);
    if (!k) throw std::runtime_error("generate");
    keys.reserve(8);
    keys.push_back(std::move(*k));
  }
  return keys[size_t(which)].public_key();
}

std::string k(int which) { return format_public_key(test_key(which)); }

// The examples of sshd(8) "AUTHORIZED_KEYS FILE FORMAT", with our own keys.
TEST(AuthorizedKeys, ManPageExamples) {
  std::string text =
      "# Comments are allowed at start of line. Blank lines are allowed.\n"
      "# Plain key, no restrictions\n" + k(0) + " user@example.net\n"
      "\n"
      "# Forced command, disable PTY and all forwarding\n"
      "restrict,command=\"dump /home\" " + k(1) + " user@example.net\n"
      "# Restriction of ssh -L forwarding destinations\n"
      "permitopen=\"192.0.2.1:80\",permitopen=\"192.0.2.2:25\" " + k(2) + " user@example.net\n"
      "# Restriction of ssh -R forwarding listeners\n"
      "permitlisten=\"localhost:8080\",permitlisten=\"[::1]:22000\" " + k(3) + " user@example.net\n"
      "# Configuration for tunnel forwarding\n"
      "tunnel=\"0\",command=\"sh /etc/netstart tun0\" " + k(4) + " jane@example.net\n"
      "# Override of restriction to allow PTY allocation\n"
      "restrict,pty,command=\"nethack\" " + k(5) + " user@example.net\n"
      "# Trust CA key\n"
      "cert-authority,no-touch-required,principals=\"user_a\" " + k(6) + "\n";
  auto entries = parse_authorized_keys(text, "ak");
  ASSERT_EQ(entries.size(), 7u);

  EXPECT_EQ(entries[0].line, 3u);
  EXPECT_EQ(entries[0].comment, "user@example.net");
  EXPECT_TRUE(entries[0].options.pty);
  EXPECT_FALSE(entries[0].options.command);

  const auto& r = entries[1].options;
  EXPECT_TRUE(r.restricted);
  EXPECT_FALSE(r.pty || r.port_forwarding || r.agent_forwarding || r.x11_forwarding || r.user_rc);
  EXPECT_EQ(r.command, "dump /home");

  EXPECT_EQ(entries[2].options.permitopen,
            (std::vector<std::string>{"192.0.2.1:80", "192.0.2.2:25"}));
  EXPECT_EQ(entries[3].options.permitlisten,
            (std::vector<std::string>{"localhost:8080", "[::1]:22000"}));
  EXPECT_EQ(entries[4].options.tunnel, 0u);
  EXPECT_EQ(entries[4].comment, "jane@example.net");
  EXPECT_TRUE(entries[5].options.pty);
  EXPECT_FALSE(entries[5].options.port_forwarding);
  EXPECT_TRUE(entries[6].options.cert_authority);
  EXPECT_EQ(entries[6].options.principals, "user_a");

  EXPECT_EQ(find_authorized_key(entries, test_key(3)), &entries[3]);
  EXPECT_EQ(find_authorized_key(entries, test_key(6)), nullptr);  // CA keys don't log in
  EXPECT_EQ(find_authorized_key(entries, test_key(7)), nullptr);
}

TEST(AuthorizedKeys, QuotingAndEnvironment) {
  auto e = parse_authorized_key_line(
      "Command=\"echo \\\"hi there\\\" \\\\n\",environment=\"A=1\",environment=\"A=2\","
      "environment=\"B_2=x y\",No-Pty " + k(0) + " c");
  ASSERT_TRUE(e) << e.error().context;
  EXPECT_EQ(e->options.command, "echo \"hi there\" \\\\n");
  EXPECT_EQ(e->options.environment, (std::vector<std::string>{"A=1", "B_2=x y"}));
  EXPECT_FALSE(e->options.pty);
  EXPECT_EQ(e->comment, "c");
}

TEST(AuthorizedKeys, BadOptionsRejected) {
  for (std::string bad : {"bogus ", "command=unquoted ", "command=\"open ", "no-pty,, ",
                          "no-pty, ", "command=\"a\",command=\"b\" ", "from=\"a\",from=\"b\" ",
                          "environment=\"=x\" ", "environment=\"A-B=x\" ",
                          "permitopen=\"host\" ", "permitopen=\"host:0\" ",
                          "permitopen=\"host:99999\" ", "tunnel=\"x\" ",
                          "expiry-time=\"2020\" ", "no-pty=\"x\" "}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_authorized_key_line(bad + k(0)));
  }
  // Skipped lines do not hide the good ones.
  auto entries = parse_authorized_keys("bogus " + k(0) + "\n" + k(1) + "\nnot a key\n", "ak");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].line, 2u);
  EXPECT_TRUE(parse_authorized_key_line("permitopen=\"host:*\",permitlisten=\"2222\" " + k(0)));
}

TEST(AuthorizedKeys, FromPatterns) {
  EXPECT_TRUE(from_option_allows("*.example.com,!pc.example.com", "a.example.com", "192.0.2.9"));
  EXPECT_FALSE(from_option_allows("*.example.com,!pc.example.com", "pc.example.com", "192.0.2.9"));
  EXPECT_FALSE(from_option_allows("*.example.com", "other.org", "192.0.2.9"));
  EXPECT_TRUE(from_option_allows("192.0.2.0/24", "", "192.0.2.200"));
  EXPECT_FALSE(from_option_allows("192.0.2.0/24", "", "192.0.3.1"));
  EXPECT_FALSE(from_option_allows("10.0.0.0/8,!10.1.0.0/16", "", "10.1.2.3"));
  EXPECT_TRUE(from_option_allows("10.0.0.0/8,!10.1.0.0/16", "", "10.2.2.3"));
  EXPECT_TRUE(from_option_allows("2001:db8::/32", "", "2001:db8:1::5"));
  EXPECT_FALSE(from_option_allows("2001:db8::/32", "", "2001:db9::5"));
  EXPECT_TRUE(from_option_allows("192.0.2.?", "", "192.0.2.7"));
  EXPECT_FALSE(from_option_allows("*,!192.0.2.7", "host", "192.0.2.7"));
}

TEST(AuthorizedKeys, ExpiryTime) {
  EXPECT_EQ(*parse_expiry_time("19700102Z"), 86400);
  EXPECT_EQ(*parse_expiry_time("202001020304Z"), 1577934240);
  EXPECT_EQ(*parse_expiry_time("20200102030405Z"), 1577934245);
  EXPECT_FALSE(parse_expiry_time("20201302"));
  EXPECT_FALSE(parse_expiry_time("2020010"));
  EXPECT_TRUE(parse_expiry_time("20300101"));
  auto e = parse_authorized_key_line("expiry-time=\"20300101Z\",expiry-time=\"20250101Z\" " + k(0));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->options.expiry_time, *parse_expiry_time("20250101Z"));
}

}  // namespace
}  // namespace ssh::keys
