#include "transport/version.h"

#include <gtest/gtest.h>

namespace ssh::transport {
namespace {

TEST(Version, Banner) {
  EXPECT_EQ(make_banner("sshc_0.1"), "SSH-2.0-sshc_0.1\r\n");
  EXPECT_EQ(make_banner("sshc_0.1", "Debian"), "SSH-2.0-sshc_0.1 Debian\r\n");
}

TEST(Version, ParsesInPiecesAndLeavesTheRest) {
  VersionExchange v(Role::client);
  std::string in = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\x00\x00\x01";
  size_t total = 0;
  for (size_t i = 0; i < in.size() && !v.done(); ++i) {
    auto used = v.feed(as_bytes(std::string_view(in).substr(i, 1)));
    ASSERT_TRUE(used);
    total += *used;
  }
  EXPECT_TRUE(v.done());
  EXPECT_EQ(total, in.find('\n') + 1);
  EXPECT_EQ(v.peer_version(), "SSH-2.0-OpenSSH_9.2p1 Debian-2");
  EXPECT_EQ(v.peer_software(), "OpenSSH_9.2p1");
}

TEST(Version, ClientSkipsPreBannerLines) {
  VersionExchange v(Role::client);
  auto used = v.feed(as_bytes("hello there\r\nSSH-1.99-Legacy\nrest"));
  ASSERT_TRUE(used);
  EXPECT_TRUE(v.done());
  EXPECT_EQ(v.peer_version(), "SSH-1.99-Legacy");
  EXPECT_EQ(*used, std::string_view("hello there\r\nSSH-1.99-Legacy\n").size());
}

TEST(Version, ServerRejectsPreBannerLines) {
  VersionExchange v(Role::server);
  EXPECT_FALSE(v.feed(as_bytes("GET / HTTP/1.1\r\n")));
}

TEST(Version, RejectsOtherMajorVersions) {
  VersionExchange v(Role::client);
  auto r = v.feed(as_bytes("SSH-1.5-old\r\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, DisconnectReason::protocol_version_not_supported);
}

TEST(Version, LineLengthLimit) {
  VersionExchange ok(Role::client);
  std::string line = "SSH-2.0-" + std::string(253 - 8, 'x') + "\r\n";  // 255 with CR LF
  ASSERT_TRUE(ok.feed(as_bytes(line)));
  EXPECT_TRUE(ok.done());
  VersionExchange bad(Role::client);
  std::string longer = "SSH-2.0-" + std::string(254 - 8, 'x') + "\r\n";
  EXPECT_FALSE(bad.feed(as_bytes(longer)));
}

TEST(Version, TooManyPreBannerLines) {
  VersionExchange v(Role::client);
  std::string junk;
  for (size_t i = 0; i <= kMaxPreBannerLines; ++i) junk += "x\n";
  EXPECT_FALSE(v.feed(as_bytes(junk)));
}

TEST(Version, RejectsNulAndControlCharacters) {
  VersionExchange a(Role::client);
  EXPECT_FALSE(a.feed(as_bytes(std::string_view("SSH-2.0-a\0b\r\n", 13))));
  VersionExchange b(Role::client);
  EXPECT_FALSE(b.feed(as_bytes("SSH-2.0-a\x01" "b\r\n")));
}

}  // namespace
}  // namespace ssh::transport
