// Helpers for keys/ tests: a scoped temporary directory and running the real OpenSSH
// tools (ssh-keygen, ssh-agent, ssh-add, openssl) as oracles.
#pragma once

#include <string>

namespace ssh::keys::test {

class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int status = -1;  // exit status, or -1 if it did not exit normally
  std::string out;  // stdout (stderr goes to the test log)
};
// Runs a shell command line; arguments must already be quoted by the caller.
CommandResult run(const std::string& command);
bool have_tool(const std::string& name);
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text, int mode = 0600);
std::string quote(const std::string& s);

}  // namespace ssh::keys::test
