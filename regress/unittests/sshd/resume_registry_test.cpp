// The registry belongs to its daemon (PROTOCOL.continuation §12.6): instance identities,
// reading /proc/net/unix, and pruning that never connects and removes only dead entries.
#include "sshd/resume_registry.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <utime.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "base/unique_fd.h"

namespace ssh::sshd {
namespace {

TEST(InstanceIdentity, StableAndOrderFree) {
  std::string a = instance_identity("/etc/ssh/sshd_config", {"0.0.0.0 22", ":: 22"});
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a, instance_identity("/etc/ssh/sshd_config", {":: 22", "0.0.0.0 22"}));
  EXPECT_NE(a, instance_identity("/etc/ssh/sshd_config", {"0.0.0.0 2222", ":: 2222"}));
  EXPECT_NE(a, instance_identity("/etc/ssh/other_config", {"0.0.0.0 22", ":: 22"}));
  EXPECT_EQ(instance_registry_dir("/run/sshd-continuations", a), "/run/sshd-continuations/" + a);
}

TEST(ListeningUnixPaths, OnlyListeningNamedSockets) {
  const std::string table =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "0000000000000000: 00000002 00000000 00010000 0005 01 101 /run/r/a/0.aa.sock\n"
      "0000000000000000: 00000002 00000000 00000000 0005 01 102 /run/r/a/0.bb.sock\n"
      "0000000000000000: 00000002 00000000 00010000 0001 01 103 @abstract\n"
      "0000000000000000: 00000003 00000000 00000000 0001 03 104\n"
      "0000000000000000: 00000002 00000000 00010000 0001 01 105 /tmp/with space\n"
      "garbage\n";
  std::set<std::string> want{"/run/r/a/0.aa.sock", "/tmp/with space"};
  EXPECT_EQ(listening_unix_paths(table), want);
  EXPECT_TRUE(listening_unix_paths("").empty());
}

// PROTOCOL.continuation §9: whom a new suspension ends.
std::vector<SuspendedEntry> entries(std::initializer_list<std::pair<const char*, uid_t>> list) {
  std::vector<SuspendedEntry> v;
  long t = 0;
  for (const auto& [path, uid] : list) v.push_back(SuspendedEntry{path, uid, timespec{++t, 0}});
  return v;
}

std::vector<std::string> paths(const std::vector<EndRequest>& ends) {
  std::vector<std::string> v;
  for (const auto& e : ends) v.push_back(e.path);
  return v;
}

TEST(SuspendCaps, PerUserEndsTheUsersOldest) {
  auto e = entries({{"a1", 1}, {"b1", 2}, {"a2", 1}, {"a3", 1}});
  EXPECT_TRUE(over_caps(e, 1, "a3", 3, 100).empty());
  auto ends = over_caps(e, 1, "a3", 2, 100);
  EXPECT_EQ(paths(ends), std::vector<std::string>{"a1"});
  EXPECT_NE(ends[0].reason.find("MaxSuspendedSessions 2"), std::string::npos);
  EXPECT_EQ(paths(over_caps(e, 1, "a3", 1, 100)), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(paths(over_caps(e, 1, "a3", 0, 100)), (std::vector<std::string>{"a1", "a2", "a3"}));
}

TEST(SuspendCaps, TotalEndsTheUsersOldestOrItself) {
  auto e = entries({{"b1", 2}, {"a1", 1}, {"b2", 2}, {"a2", 1}});
  auto ends = over_caps(e, 1, "a2", 10, 3);
  EXPECT_EQ(paths(ends), std::vector<std::string>{"a1"});  // never another user's
  EXPECT_NE(ends[0].reason.find("MaxSuspendedSessionsTotal 3"), std::string::npos);
  EXPECT_EQ(paths(over_caps(e, 1, "a2", 10, 2)), (std::vector<std::string>{"a1", "a2"}));
  auto f = entries({{"b1", 2}, {"b2", 2}, {"a1", 1}});
  EXPECT_EQ(paths(over_caps(f, 1, "a1", 10, 2)), std::vector<std::string>{"a1"});
  EXPECT_TRUE(over_caps(f, 1, "a1", 10, 3).empty());
}

class PruneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/registry-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    EXPECT_EQ(system(cmd.c_str()), 0);
  }
  // A socket bound to dir/name; listening if asked. Its file is made old enough to prune.
  UniqueFd bound(const std::string& name, bool listening) {
    std::string path = dir_ + "/" + name;
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << strerror(errno);
    if (listening) {
      EXPECT_EQ(listen(fd.get(), 1), 0);
    }
    age(name);
    return fd;
  }
  void age(const std::string& name) {
    utimbuf old{time(nullptr) - 3600, time(nullptr) - 3600};
    EXPECT_EQ(utime((dir_ + "/" + name).c_str(), &old), 0);
  }
  bool exists(const std::string& name) {
    struct stat st {};
    return lstat((dir_ + "/" + name).c_str(), &st) == 0;
  }
  std::string dir_;
};

TEST_F(PruneTest, RemovesOnlyDeadEntries) {
  UniqueFd live = bound("0.live.sock", true);
  UniqueFd binding = bound("0.binding.sock", false);  // bound, not yet listening
  bound("0.dead.sock", true);                          // closed at once: its monitor died
  UniqueFd young = bound("0.young.sock", false);
  young.reset();
  ASSERT_EQ(utime((dir_ + "/0.young.sock").c_str(), nullptr), 0);  // just bound
  std::ofstream(dir_ + "/0.file.sock") << "not a socket";
  age("0.file.sock");
  EXPECT_EQ(prune_registry(dir_), 2);  // the dead one, and the old one nobody listens on
  EXPECT_TRUE(exists("0.live.sock"));
  EXPECT_FALSE(exists("0.binding.sock"));
  EXPECT_FALSE(exists("0.dead.sock"));
  EXPECT_TRUE(exists("0.young.sock"));
  EXPECT_TRUE(exists("0.file.sock"));
}

TEST_F(PruneTest, NeverConnects) {
  // A listener that would see a connection in its backlog.
  UniqueFd live = bound("0.live.sock", true);
  EXPECT_EQ(prune_registry(dir_), 0);
  pollfd p{live.get(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);  // nothing to accept
  EXPECT_TRUE(exists("0.live.sock"));
}

TEST_F(PruneTest, SuspendedEntriesAreMarkedAndListedOldestFirst) {
  UniqueFd one = bound("1000.aa.sock", true), two = bound("1000.bb.sock", true), three = bound("7.cc.sock", true);
  mark_suspended(dir_ + "/1000.bb.sock", true);
  mark_suspended(dir_ + "/7.cc.sock", true);
  mark_suspended(dir_ + "/1000.aa.sock", true);
  mark_suspended(dir_ + "/1000.aa.sock", false);  // resumed
  bound("1000.dd.sock", true);                    // its session was killed
  mark_suspended(dir_ + "/1000.dd.sock", true);
  auto found = suspended_entries(dir_);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].path, dir_ + "/1000.bb.sock");
  EXPECT_EQ(found[0].uid, 1000u);
  EXPECT_EQ(found[1].path, dir_ + "/7.cc.sock");
  EXPECT_EQ(found[1].uid, 7u);
}

TEST_F(PruneTest, MissingDirectory) {
  EXPECT_EQ(prune_registry(dir_ + "/absent"), 0);
}

}  // namespace
}  // namespace ssh::sshd
