#include "keys/known_hosts.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "keys/key_file.h"
#include "regress/unittests/keys/test_util.h"

namespace ssh::keys {
namespace {

using test::quote;
using test::run;

const PublicKey& key_of(const std::string& name, KeyType type = KeyType::ed25519) {
  static std::map<std::string, PrivateKey> keys;
  auto it = keys.find(name);
  if (it == keys.end()) {
    auto k = PrivateKey::generate(type, type == KeyType::rsa ? 2048 : 0);
    if (!k) throw std::runtime_error("generate");
    it = keys.emplace(name, std::move(*k)).first;
  }
  return it->second.public_key();
}

std::string line(const std::string& hosts, const PublicKey& key) {
  return hosts + " " + format_public_key(key) + "\n";
}

HostKeyLookup look(const std::string& text, const std::string& host, uint16_t port,
                   const PublicKey& key) {
  std::vector<KnownHostsFile> files{KnownHostsFile::parse(text, "kh")};
  return lookup_host_key(files, known_hosts_name(host, port), key);
}

TEST(KnownHosts, PlainMatchChangedNotFound) {
  const PublicKey& a = key_of("a");
  const PublicKey& b = key_of("b");
  const PublicKey& e = key_of("e", KeyType::ecdsa_p256);
  std::string text = "# comment\n\n" + line("alpha,beta.example.com", a) + line("gamma", e);
  EXPECT_EQ(look(text, "alpha", 22, a).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "ALPHA", 22, a).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "beta.example.com", 22, a).line, 3u);
  auto changed = look(text, "alpha", 22, b);
  EXPECT_EQ(changed.status, HostKeyStatus::changed);
  EXPECT_EQ(changed.file, "kh");
  EXPECT_EQ(changed.line, 3u);
  ASSERT_TRUE(changed.known_key);
  EXPECT_TRUE(*changed.known_key == a);
  // A key of another type for a known host is not a change: the host is just new to it.
  auto other_type = look(text, "gamma", 22, a);
  EXPECT_EQ(other_type.status, HostKeyStatus::not_found);
  ASSERT_EQ(other_type.known_types.size(), 1u);
  EXPECT_EQ(other_type.known_types[0], KeyType::ecdsa_p256);
  EXPECT_EQ(look(text, "delta", 22, a).status, HostKeyStatus::not_found);
  // Port 22 entries do not match other ports.
  EXPECT_EQ(look(text, "alpha", 2222, a).status, HostKeyStatus::not_found);
}

TEST(KnownHosts, SeveralTypesForOneHost) {
  const PublicKey& a = key_of("a");
  const PublicKey& e = key_of("e", KeyType::ecdsa_p256);
  const PublicKey& r = key_of("r", KeyType::rsa);
  std::string text = line("h", a) + line("h", e) + line("h", r);
  EXPECT_EQ(look(text, "h", 22, a).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "h", 22, e).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "h", 22, r).line, 3u);
}

TEST(KnownHosts, PatternsNegationAndPorts) {
  const PublicKey& a = key_of("a");
  std::string text = line("*.example.com,!evil.example.com", a) + line("[special]:2222", a) +
                     line("[*.corp]:*", a) + line("10.0.0.?", a);
  EXPECT_EQ(look(text, "www.example.com", 22, a).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "evil.example.com", 22, a).status, HostKeyStatus::not_found);
  EXPECT_EQ(look(text, "special", 2222, a).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "special", 22, a).status, HostKeyStatus::not_found);
  EXPECT_EQ(look(text, "db.corp", 8022, a).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "10.0.0.5", 22, a).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "10.0.0.55", 22, a).status, HostKeyStatus::not_found);
  EXPECT_EQ(known_hosts_name("Host", 22), "host");
  EXPECT_EQ(known_hosts_name("Host", 2200), "[host]:2200");
}

TEST(KnownHosts, RevokedWinsAndCertAuthorityIgnored) {
  const PublicKey& a = key_of("a");
  const PublicKey& b = key_of("b");
  std::string text = line("@cert-authority *", b) + line("host", a) + line("@revoked *", a);
  auto r = look(text, "host", 22, a);
  EXPECT_EQ(r.status, HostKeyStatus::revoked);
  EXPECT_EQ(r.line, 3u);
  // The CA key is not a host key for "host": b is merely a changed key for it.
  EXPECT_EQ(look(text, "host", 22, b).status, HostKeyStatus::changed);
  EXPECT_EQ(look(text, "other", 22, b).status, HostKeyStatus::not_found);
}

TEST(KnownHosts, BadLinesSkipped) {
  const PublicKey& a = key_of("a");
  std::string text = "garbage\n@bogus host " + format_public_key(a) + "\nhost ssh-ed25519 !!\n" +
                     "host ssh-rsa " + format_public_key(a).substr(12) + "\n" +
                     "host 1024 35 12345\n" + line("host", a);
  auto file = KnownHostsFile::parse(text, "kh");
  ASSERT_EQ(file.entries().size(), 1u);
  EXPECT_EQ(file.entries()[0].line, 6u);
  EXPECT_EQ(look(text, "host", 22, a).status, HostKeyStatus::ok);
}

TEST(KnownHosts, AcrossFilesOkBeatsChanged) {
  test::TempDir dir;
  const PublicKey& a = key_of("a");
  const PublicKey& b = key_of("b");
  test::write_text(dir.file("user"), line("host", b));
  test::write_text(dir.file("global"), line("host", a));
  std::vector<std::string> paths{dir.file("missing"), dir.file("user"), dir.file("global")};
  auto r = lookup_host_key(paths, "host", 22, a);
  EXPECT_EQ(r.status, HostKeyStatus::ok);
  EXPECT_EQ(r.file, dir.file("global"));
  auto c = lookup_host_key({dir.file("user")}, "host", 22, a);
  EXPECT_EQ(c.status, HostKeyStatus::changed);
  EXPECT_EQ(c.file, dir.file("user"));
  EXPECT_EQ(c.line, 1u);
}

TEST(KnownHosts, HashedNames) {
  const PublicKey& a = key_of("a");
  Bytes salt(20, 7);
  std::string hashed = hash_known_host_name("[host]:2222", salt);
  EXPECT_TRUE(hashed.starts_with("|1|BwcHBwcHBwcHBwcHBwcHBwcHBwc=|"));
  std::string text = line(hashed, a);
  EXPECT_EQ(look(text, "host", 2222, a).status, HostKeyStatus::ok);
  EXPECT_EQ(look(text, "host", 22, a).status, HostKeyStatus::not_found);
  // Short salt is refused.
  EXPECT_EQ(look(line(hash_known_host_name("host", Bytes(8, 1)), a), "host", 22, a).status,
            HostKeyStatus::not_found);
}

class KnownHostsOracle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_tool("ssh-keygen")) GTEST_SKIP() << "ssh-keygen not installed";
  }
  // Line numbers ssh-keygen -F reports for host in file.
  static std::vector<size_t> keygen_find(const std::string& file, const std::string& host) {
    auto r = run("ssh-keygen -F " + quote(host) + " -f " + quote(file) + " 2>/dev/null");
    std::vector<size_t> lines;
    const std::string marker = " found: line ";
    for (size_t pos = 0; (pos = r.out.find(marker, pos)) != std::string::npos;) {
      pos += marker.size();
      lines.push_back(std::stoul(r.out.substr(pos)));
    }
    return lines;
  }
  test::TempDir dir_;
};

TEST_F(KnownHostsOracle, SshKeygenHashedFile) {
  const PublicKey& a = key_of("a");
  const PublicKey& r = key_of("r", KeyType::rsa);
  std::string file = dir_.file("known_hosts");
  test::write_text(file, line("alpha", a) + line("[beta]:2022", r) + line("gamma,delta", a));
  ASSERT_EQ(run("ssh-keygen -q -H -f " + quote(file) + " >/dev/null 2>&1").status, 0);
  std::string hashed = test::read_text(file);
  ASSERT_NE(hashed.find("|1|"), std::string::npos);
  ASSERT_EQ(hashed.find("alpha"), std::string::npos);
  auto kh = KnownHostsFile::load(file);
  ASSERT_TRUE(kh);
  ASSERT_EQ(kh->entries().size(), 4u);  // "gamma,delta" became two hashed lines
  std::vector<KnownHostsFile> files{std::move(*kh)};
  for (auto [host, port, key] : {std::tuple{"alpha", 22, &a}, std::tuple{"beta", 2022, &r},
                                 std::tuple{"gamma", 22, &a}, std::tuple{"delta", 22, &a}}) {
    SCOPED_TRACE(host);
    std::string name = known_hosts_name(host, uint16_t(port));
    auto result = lookup_host_key(files, name, *key);
    EXPECT_EQ(result.status, HostKeyStatus::ok);
    auto expect = keygen_find(file, name);
    ASSERT_EQ(expect.size(), 1u);
    EXPECT_EQ(result.line, expect[0]);
  }
  EXPECT_EQ(lookup_host_key(files, "beta", r).status, HostKeyStatus::not_found);
  EXPECT_TRUE(keygen_find(file, "beta").empty());
}

TEST_F(KnownHostsOracle, SshKeygenFindsWhatWeFind) {
  const PublicKey& a = key_of("a");
  std::string file = dir_.file("kh_patterns");
  test::write_text(file, line("*.example.com,!evil.example.com", a) + line("[special]:2222", a) +
                             line("10.0.0.?", a));
  std::vector<std::string> paths{file};
  for (auto [host, port] : {std::pair{"www.example.com", 22}, std::pair{"evil.example.com", 22},
                            std::pair{"special", 2222}, std::pair{"special", 22},
                            std::pair{"10.0.0.5", 22}, std::pair{"10.0.0.55", 22}}) {
    SCOPED_TRACE(host);
    std::string name = known_hosts_name(host, uint16_t(port));
    auto ours = lookup_host_key(paths, host, uint16_t(port), a);
    auto theirs = keygen_find(file, name);
    EXPECT_EQ(ours.status == HostKeyStatus::ok, !theirs.empty());
    if (!theirs.empty()) {
      EXPECT_EQ(ours.line, theirs[0]);
    }
  }
}

TEST_F(KnownHostsOracle, AddedLinesReadBySshKeygen) {
  const PublicKey& a = key_of("a");
  const PublicKey& e = key_of("e384", KeyType::ecdsa_p384);
  std::string file = dir_.file("newdir/known_hosts");
  ASSERT_TRUE(add_known_host(file, "Plain.Example", 22, a, false));
  ASSERT_TRUE(add_known_host(file, "hashed", 2222, e, true));
  ASSERT_TRUE(add_known_host(file, {"multi", "10.1.2.3"}, a, true));
  ASSERT_TRUE(add_known_host(file, {"both", "10.1.2.4"}, e, false));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.file("newdir").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::string text = test::read_text(file);
  EXPECT_NE(text.find("plain.example ssh-ed25519 "), std::string::npos);
  EXPECT_NE(text.find("both,10.1.2.4 ecdsa-sha2-nistp384 "), std::string::npos);
  EXPECT_EQ(text.find("hashed"), std::string::npos);
  EXPECT_EQ(keygen_find(file, "plain.example"), std::vector<size_t>{1});
  EXPECT_EQ(keygen_find(file, "[hashed]:2222"), std::vector<size_t>{2});
  EXPECT_EQ(keygen_find(file, "multi"), std::vector<size_t>{3});
  EXPECT_EQ(keygen_find(file, "10.1.2.3"), std::vector<size_t>{4});
  EXPECT_EQ(keygen_find(file, "10.1.2.4"), std::vector<size_t>{5});
  EXPECT_EQ(lookup_host_key({file}, "hashed", 2222, e).status, HostKeyStatus::ok);
  EXPECT_EQ(lookup_host_key({file}, "10.1.2.3", 22, a).line, 4u);
}

TEST(KnownHosts, AppendAfterMissingNewline) {
  test::TempDir dir;
  const PublicKey& a = key_of("a");
  std::string file = dir.file("kh");
  test::write_text(file, "# no newline at end");
  ASSERT_TRUE(add_known_host(file, "host", 22, a, false));
  EXPECT_EQ(lookup_host_key({file}, "host", 22, a).line, 2u);
}

}  // namespace
}  // namespace ssh::keys
