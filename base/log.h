// Logging with OpenSSH's levels and line formats ("debug1: ..."). Configured once in
// main, then only read.
#pragma once

#include <cstdarg>
#include <functional>
#include <string>

namespace ssh::log {

// Same order and names as OpenSSH's LogLevel.
enum class Level { quiet, fatal, error, info, verbose, debug1, debug2, debug3 };

struct Options {
  Level level = Level::info;
  bool to_syslog = false;
  std::string ident = "ssh";
  int log_fd = 2;  // stderr unless -E names a file
  int facility = -1;  // syslog facility (LOG_*) when to_syslog; -1: LOG_AUTH
  // Takes every line instead of stderr/syslog (sshd's chrooted pre-auth child hands its
  // lines to the monitor).
  std::function<void(Level, const char*)> sink;
};

void configure(const Options& options);
void set_level(Level level);
Level level();
bool enabled(Level level);
bool parse_level(const std::string& name, Level& out);
// SyslogFacility names (DAEMON, USER, AUTH, AUTHPRIV, LOCAL0-7), any case, to LOG_*.
bool parse_facility(const std::string& name, int& out);
const char* level_name(Level level);

void message(Level level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void vmessage(Level level, const char* fmt, va_list ap);

}  // namespace ssh::log

#define SSH_LOG(level, ...)                                                  \
  do {                                                                       \
    if (::ssh::log::enabled(level)) ::ssh::log::message(level, __VA_ARGS__); \
  } while (0)
#define LOG_ERROR(...) SSH_LOG(::ssh::log::Level::error, __VA_ARGS__)
#define LOG_INFO(...) SSH_LOG(::ssh::log::Level::info, __VA_ARGS__)
#define LOG_VERBOSE(...) SSH_LOG(::ssh::log::Level::verbose, __VA_ARGS__)
#define LOG_DEBUG1(...) SSH_LOG(::ssh::log::Level::debug1, __VA_ARGS__)
#define LOG_DEBUG2(...) SSH_LOG(::ssh::log::Level::debug2, __VA_ARGS__)
#define LOG_DEBUG3(...) SSH_LOG(::ssh::log::Level::debug3, __VA_ARGS__)
