#include "ssh/tty_prompt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "base/unique_fd.h"

namespace ssh::client {

namespace {

constexpr size_t kMaxAnswer = 1024;

bool use_askpass(bool have_tty) {
  const char* require = getenv("SSH_ASKPASS_REQUIRE");
  std::string req = require ? require : "";
  if (req == "never") return false;
  bool has_program = getenv("SSH_ASKPASS") != nullptr;
  if (req == "force") return true;
  if (req == "prefer") return has_program;
  bool display = getenv("DISPLAY") != nullptr || getenv("WAYLAND_DISPLAY") != nullptr;
  return !have_tty && display;
}

std::optional<SecretBytes> run_askpass(std::string_view prompt) {
  const char* program = getenv("SSH_ASKPASS");
  if (program == nullptr || *program == '\0') program = "/usr/bin/ssh-askpass";
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::string prompt_copy(prompt);
  pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    dup2(write_end.get(), STDOUT_FILENO);
    execlp(program, program, prompt_copy.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  write_end.reset();
  SecretBytes answer;
  uint8_t buf[256];
  ssize_t n;
  while ((n = read(read_end.get(), buf, sizeof buf)) > 0 && answer.size() < kMaxAnswer) {
    answer.append(ByteView(buf, size_t(n)));
  }
  wipe(buf, sizeof buf);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  size_t len = answer.size();
  while (len > 0 && (answer.data()[len - 1] == '\n' || answer.data()[len - 1] == '\r')) --len;
  answer.resize(len);
  return answer;
}

std::optional<SecretBytes> read_tty(int fd, std::string_view prompt, bool echo) {
  termios saved{};
  bool restore = false;
  if (!echo && tcgetattr(fd, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  // Like OpenSSH's prompts, start at the left margin even if the cursor is not there.
  std::string line = "\r" + std::string(prompt);
  ssize_t ignored = write(fd, line.data(), line.size());
  (void)ignored;
  SecretBytes answer;
  bool got_line = false;
  uint8_t c;
  while (read(fd, &c, 1) == 1) {
    if (c == '\n' || c == '\r') {
      got_line = true;
      break;
    }
    if (answer.size() < kMaxAnswer) answer.append(ByteView(&c, 1));
  }
  c = 0;
  if (restore) {
    tcsetattr(fd, TCSAFLUSH, &saved);
    ignored = write(fd, "\n", 1);
  }
  if (!got_line && answer.empty()) return std::nullopt;  // EOF: the user gave up
  return answer;
}

}  // namespace

std::optional<SecretBytes> TtyPrompter::ask(std::string_view prompt, bool echo) {
  UniqueFd tty(open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (use_askpass(tty.valid())) return run_askpass(prompt);
  if (!tty) return std::nullopt;
  return read_tty(tty.get(), prompt, echo);
}

void TtyPrompter::show(std::string_view text) {
  if (quiet_) return;
  std::string safe;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    // Strip terminal control sequences a server might embed in a banner.
    safe.push_back((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f ? '?' : c);
  }
  ssize_t ignored = write(STDERR_FILENO, safe.data(), safe.size());
  (void)ignored;
}

}  // namespace ssh::client
