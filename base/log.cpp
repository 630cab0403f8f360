#include "base/log.h"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace ssh::log {

namespace {
Options g_options;  // written by configure() in main only
}

void configure(const Options& options) {
  g_options = options;
  if (g_options.to_syslog)
    openlog(g_options.ident.c_str(), LOG_PID, g_options.facility < 0 ? LOG_AUTH : g_options.facility);
}

void set_level(Level level) {
  g_options.level = level;
}
Level level() {
  return g_options.level;
}
bool enabled(Level l) {
  return l != Level::quiet && l <= g_options.level;
}

namespace {
struct Name {
  const char* name;
  Level level;
};
constexpr Name kNames[] = {
    {"QUIET", Level::quiet},   {"FATAL", Level::fatal},     {"ERROR", Level::error},
    {"INFO", Level::info},     {"VERBOSE", Level::verbose}, {"DEBUG", Level::debug1},
    {"DEBUG1", Level::debug1}, {"DEBUG2", Level::debug2},   {"DEBUG3", Level::debug3},
};

int syslog_priority(Level l) {
  switch (l) {
    case Level::fatal: return LOG_CRIT;
    case Level::error: return LOG_ERR;
    case Level::info:
    case Level::verbose: return LOG_INFO;
    default: return LOG_DEBUG;
  }
}
}  // namespace

bool parse_facility(const std::string& name, int& out) {
  static constexpr struct {
    const char* name;
    int facility;
  } kFacilities[] = {{"DAEMON", LOG_DAEMON}, {"USER", LOG_USER},     {"AUTH", LOG_AUTH},
                     {"AUTHPRIV", LOG_AUTHPRIV}, {"LOCAL0", LOG_LOCAL0}, {"LOCAL1", LOG_LOCAL1},
                     {"LOCAL2", LOG_LOCAL2}, {"LOCAL3", LOG_LOCAL3}, {"LOCAL4", LOG_LOCAL4},
                     {"LOCAL5", LOG_LOCAL5}, {"LOCAL6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7}};
  for (const auto& f : kFacilities) {
    if (strcasecmp(f.name, name.c_str()) == 0) {
      out = f.facility;
      return true;
    }
  }
  return false;
}

bool parse_level(const std::string& name, Level& out) {
  for (const auto& n : kNames) {
    if (strcasecmp(n.name, name.c_str()) == 0) {
      out = n.level;
      return true;
    }
  }
  return false;
}

const char* level_name(Level l) {
  for (const auto& n : kNames) {
    if (n.level == l) return n.name;
  }
  return "INFO";
}

void vmessage(Level l, const char* fmt, va_list ap) {
  char body[2048];
  vsnprintf(body, sizeof body, fmt, ap);
  // Control characters from the peer are made visible, never passed to the terminal.
  for (char* p = body; *p; ++p) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c < 0x20 && c != '\t' && c != '\n') *p = '?';
  }
  if (g_options.sink) {
    g_options.sink(l, body);
    return;
  }
  if (g_options.to_syslog) {
    syslog(syslog_priority(l), "%s", body);
    return;
  }
  const char* prefix = "";
  switch (l) {
    case Level::debug1: prefix = "debug1: "; break;
    case Level::debug2: prefix = "debug2: "; break;
    case Level::debug3: prefix = "debug3: "; break;
    default: break;
  }
  char line[2200];
  // OpenSSH ends every stderr/-E line with CR LF, whatever the terminal mode.
  int n = snprintf(line, sizeof line, "%s%s\r\n", prefix, body);
  if (n > 0) {
    size_t len = std::min(size_t(n), sizeof line - 1);
    ssize_t ignored = ::write(g_options.log_fd, line, len);
    (void)ignored;
  }
}

void message(Level l, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage(l, fmt, ap);
  va_end(ap);
}

}  // namespace ssh::log
