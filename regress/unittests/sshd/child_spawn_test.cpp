#include "sshd/child_spawn.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace ssh::sshd {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, size_t(n));
    } else if (n < 0 && errno == EAGAIN) {
      usleep(1000);
    } else {
      return out;
    }
  }
}

TEST(ChildSpawn, ShellArgvLikeLogin) {
  EXPECT_EQ(shell_argv("/bin/bash", std::nullopt), std::vector<std::string>{"-bash"});
  EXPECT_EQ(shell_argv("/usr/bin/zsh", std::string("ls -l")),
            (std::vector<std::string>{"zsh", "-c", "ls -l"}));
  EXPECT_EQ(shell_argv("sh", std::string("")), (std::vector<std::string>{"sh", "-c", ""}));
}

TEST(ChildSpawn, PipesEnvironmentAndHome) {
  SpawnRequest req;
  req.shell = "/bin/sh";
  req.command = "read line; echo \"$line/$FOO/$(pwd)\"; echo oops >&2; exit 4";
  req.env = {"FOO=bar", "PATH=/usr/bin:/bin"};
  req.home = "/tmp";
  req.banner = "banner\n";
  auto child = spawn_session_child(req);
  ASSERT_TRUE(child) << child.error().context;
  ASSERT_EQ(write(child->stdin_fd.get(), "hello\n", 6), 6);
  child->stdin_fd.reset();
  EXPECT_EQ(read_all(child->stdout_fd.get()), "banner\nhello/bar//tmp\n");
  EXPECT_EQ(read_all(child->stderr_fd.get()), "oops\n");
  int status = 0;
  ASSERT_EQ(waitpid(child->pid, &status, 0), child->pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
}

TEST(ChildSpawn, ExecFailureIsExitStatusOne) {
  SpawnRequest req;
  req.shell = "/nonexistent/shell";
  req.home = "/";
  auto child = spawn_session_child(req);
  ASSERT_TRUE(child);
  child->stdin_fd.reset();
  EXPECT_EQ(read_all(child->stderr_fd.get()),
            "/nonexistent/shell: No such file or directory\n");
  int status = 0;
  ASSERT_EQ(waitpid(child->pid, &status, 0), child->pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

}  // namespace
}  // namespace ssh::sshd
