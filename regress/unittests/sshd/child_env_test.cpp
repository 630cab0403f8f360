#include "sshd/child_env.h"

#include <gtest/gtest.h>

namespace ssh::sshd {
namespace {

SessionContext make_context(uid_t uid) {
  SessionContext c;
  c.user = {"alice", uid, 100, "/home/alice", "/bin/bash"};
  c.connection = {"2001:db8::1", 40000, "2001:db8::2", 2222};
  return c;
}

TEST(ChildEnv, SetReplacesInPlace) {
  ChildEnv env;
  env.set("A", "1");
  env.set("B", "2");
  env.set("A", "3");
  EXPECT_EQ(env.to_strings(), (std::vector<std::string>{"A=3", "B=2"}));
  EXPECT_EQ(env.get("A"), "3");
  EXPECT_FALSE(env.get("C"));
}

TEST(ChildEnv, AcceptEnvPatterns) {
  std::vector<std::string> patterns{"LANG", "LC_*", "X?Z"};
  EXPECT_TRUE(env_name_accepted("LANG", patterns));
  EXPECT_TRUE(env_name_accepted("LC_ALL", patterns));
  EXPECT_TRUE(env_name_accepted("LC_", patterns));
  EXPECT_TRUE(env_name_accepted("XYZ", patterns));
  EXPECT_FALSE(env_name_accepted("XYYZ", patterns));
  EXPECT_FALSE(env_name_accepted("LANGUAGE", patterns));
  EXPECT_FALSE(env_name_accepted("lang", patterns));
  EXPECT_FALSE(env_name_accepted("LC_A=B", patterns));
  EXPECT_FALSE(env_name_accepted(std::string_view("LC_\0X", 5), patterns));
  EXPECT_FALSE(env_name_accepted("", {"*"}));
  EXPECT_FALSE(env_name_accepted("LANG", {}));
}

TEST(ChildEnv, DebianDefaultPaths) {
  SessionConfig config;
  EXPECT_EQ(default_path(config, 1000), "/usr/local/bin:/usr/bin:/bin:/usr/games");
  EXPECT_EQ(default_path(config, 0),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

TEST(ChildEnv, BuildsOpenSshEnvironment) {
  SessionConfig config;
  SessionContext context = make_context(1000);
  std::vector<std::pair<std::string, std::string>> client{{"LANG", "de_DE.UTF-8"},
                                                          {"SSH_CLIENT", "spoofed"},
                                                          {"USER", "mallory"}};
  ChildEnv env = build_child_env({config, context, client, "", "", std::nullopt});
  EXPECT_EQ(env.to_strings(), (std::vector<std::string>{
                                  "USER=mallory",  // AcceptEnv decides what may be replaced
                                  "LOGNAME=alice",
                                  "HOME=/home/alice",
                                  "PATH=/usr/local/bin:/usr/bin:/bin:/usr/games",
                                  "MAIL=/var/mail/alice",
                                  "SHELL=/bin/bash",
                                  "LANG=de_DE.UTF-8",
                                  "SSH_CLIENT=2001:db8::1 40000 2222",
                                  "SSH_CONNECTION=2001:db8::1 40000 2001:db8::2 2222",
                              }));
}

TEST(ChildEnv, PtyTermSetEnvAndOriginalCommand) {
  SessionConfig config;
  config.set_env = {{"TERM", "dumb"}, {"ORG", "example"}};
  config.tz = "Europe/Berlin";
  SessionContext context = make_context(0);
  context.user.shell.clear();
  std::vector<std::pair<std::string, std::string>> client;
  ChildEnv env =
      build_child_env({config, context, client, "/dev/pts/7", "xterm-256color", "ls -l"});
  EXPECT_EQ(env.get("SHELL"), "/bin/sh");
  EXPECT_EQ(env.get("PATH"), config.superuser_path);
  EXPECT_EQ(env.get("TZ"), "Europe/Berlin");
  EXPECT_EQ(env.get("SSH_TTY"), "/dev/pts/7");
  EXPECT_EQ(env.get("TERM"), "dumb");  // SetEnv overrides everything
  EXPECT_EQ(env.get("ORG"), "example");
  EXPECT_EQ(env.get("SSH_ORIGINAL_COMMAND"), "ls -l");
  EXPECT_EQ(env.entries().back().first, "SSH_ORIGINAL_COMMAND");
}

TEST(ChildEnv, NoTermWithoutPtyTerm) {
  SessionConfig config;
  SessionContext context = make_context(1000);
  std::vector<std::pair<std::string, std::string>> client;
  ChildEnv env = build_child_env({config, context, client, "/dev/pts/1", "", std::nullopt});
  EXPECT_FALSE(env.get("TERM"));
  EXPECT_FALSE(env.get("TZ"));
  EXPECT_FALSE(env.get("SSH_ORIGINAL_COMMAND"));
}

}  // namespace
}  // namespace ssh::sshd
