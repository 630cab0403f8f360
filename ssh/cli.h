// ssh(1) command-line parsing. Flags that correspond to ssh_config keywords become -o
// options placed first, so they win as OpenSSH's command-line values do.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace ssh::client {

struct CommandLine {
  std::vector<std::string> options;  // "-o" arguments and translated flags, in order
  std::optional<std::string> config_file;
  std::optional<std::string> log_file;      // -E
  std::string destination;                  // host as given (after user@ and ssh:// split)
  std::optional<std::string> user;          // from user@host or ssh://user@host
  std::optional<int> port;                  // from ssh://host:port
  std::vector<std::string> command;         // remaining words
  std::vector<std::string> identity_files;  // -i, in order
  int verbose = 0;                          // -v count
  bool quiet = false;
  bool syslog = false;  // -y: log through syslog(3) with SyslogFacility
  int tty_flags = 0;                 // -t count
  bool no_tty = false;               // -T
  bool dump_config = false;          // -G
  bool version = false;              // -V
  std::optional<std::string> query;  // -Q
};

// On error the context is the message ssh prints (possibly the usage text); exit 255.
Result<CommandLine> parse_command_line(int argc, char** argv);

std::string usage_text();

}  // namespace ssh::client
