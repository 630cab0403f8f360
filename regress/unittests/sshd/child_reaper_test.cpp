#include "sshd/child_reaper.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ssh::sshd {
namespace {

pid_t spawn_exit(int code, int delay_ms = 0) {
  pid_t pid = fork();
  if (pid == 0) {
    if (delay_ms) usleep(useconds_t(delay_ms) * 1000);
    _exit(code);
  }
  return pid;
}

TEST(ChildReaper, ReportsEachChildOnceThroughTheLoop) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  auto reaper = ChildReaper::create(**loop);
  ASSERT_TRUE(reaper);
  std::map<pid_t, int> seen;
  pid_t a = spawn_exit(3), b = spawn_exit(5, 50);
  (*reaper)->watch(a, [&](int st) { seen[a] = WEXITSTATUS(st); });
  (*reaper)->watch(b, [&](int st) { seen[b] = WEXITSTATUS(st); });
  pid_t c = spawn_exit(0, 20);
  (*reaper)->watch(c, nullptr);
  (*reaper)->forget(c);
  EXPECT_EQ((*reaper)->pending(), 3u);
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while ((*reaper)->pending() > 0 && Clock::now() < deadline) {
    ASSERT_TRUE((*loop)->run_once(Millis(100)));
  }
  EXPECT_EQ((*reaper)->pending(), 0u);
  EXPECT_EQ(seen, (std::map<pid_t, int>{{a, 3}, {b, 5}}));
  EXPECT_EQ(kill(c, 0), -1);  // reaped although forgotten
}

TEST(ChildReaper, LeavesOtherChildrenAlone) {
  auto loop = EventLoop::create();
  auto reaper = ChildReaper::create(**loop);
  ASSERT_TRUE(reaper);
  pid_t mine = spawn_exit(0);
  pid_t other = spawn_exit(9);
  (*reaper)->watch(mine, nullptr);
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while ((*reaper)->pending() > 0 && Clock::now() < deadline) {
    ASSERT_TRUE((*loop)->run_once(Millis(100)));
  }
  int status = 0;
  ASSERT_EQ(waitpid(other, &status, 0), other);
  EXPECT_EQ(WEXITSTATUS(status), 9);
}

}  // namespace
}  // namespace ssh::sshd
