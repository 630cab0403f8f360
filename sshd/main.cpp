// sshd(8): parse flags and sshd_config, load host keys, then listen (or serve one
// connection on stdin/stdout with -i).
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "config/server_config.h"
#include "sshd/connection_handler.h"
#include "sshd/host_keys.h"
#include "sshd/listener.h"

namespace {

using namespace ssh;

constexpr const char* kVersion = "sshc_0.1.0";

struct Flags {
  bool foreground = false;      // -D
  int debug = 0;                // -d, repeatable
  bool log_stderr = false;      // -e
  std::string log_file;         // -E
  bool quiet = false;           // -q
  bool test = false;            // -t
  bool test_dump = false;       // -T
  std::string connection_spec;  // -C
  bool inetd = false;           // -i
  bool generate_keys = false;   // --generate-host-keys
  config::ServerSources sources;
  std::vector<std::string> host_keys;  // -h
};

void print_lines(const std::string& text) {
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    fprintf(stderr, "%.*s\r\n", int(end - start), text.data() + start);
    start = end + 1;
  }
}

int usage() {
  fprintf(stderr, "%s, %s\n", kVersion, OpenSSL_version(OPENSSL_VERSION));
  fprintf(stderr,
          "usage: sshd [-46DdeiqTtV] [-C connection_spec] [-E log_file] [-f config_file]\n"
          "            [-g login_grace_time] [-h host_key_file] [-o option] [-p port]\n"
          "       sshd --generate-host-keys   create missing /etc/ssh/ssh_host_*_key files\n");
  return 1;
}

std::optional<Flags> parse_flags(int argc, char** argv) {
  Flags f;
  static const option kLong[] = {{"generate-host-keys", no_argument, nullptr, 'K'}, {nullptr, 0, nullptr, 0}};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "46DdeiqTtVC:E:f:g:h:o:p:", kLong, nullptr)) != -1) {
    switch (c) {
      case '4': f.sources.command_line.emplace_back("AddressFamily=inet"); break;
      case '6': f.sources.command_line.emplace_back("AddressFamily=inet6"); break;
      case 'D': f.foreground = true; break;
      case 'd': ++f.debug; break;
      case 'e': f.log_stderr = true; break;
      case 'i': f.inetd = true; break;
      case 'q': f.quiet = true; break;
      case 'T': f.test_dump = true; break;
      case 't': f.test = true; break;
      case 'V': fprintf(stderr, "%s, %s\n", kVersion, OpenSSL_version(OPENSSL_VERSION)); exit(0);
      case 'C': f.connection_spec = optarg; break;
      case 'E': f.log_file = optarg; break;
      case 'f': f.sources.config_file = optarg; break;
      case 'g': f.sources.command_line.emplace_back(std::string("LoginGraceTime=") + optarg); break;
      case 'h': f.host_keys.emplace_back(optarg); break;
      case 'o': f.sources.command_line.emplace_back(optarg); break;
      case 'p': {
        char* end = nullptr;
        long port = strtol(optarg, &end, 10);
        if (*end != '\0' || port <= 0 || port > 65535) {
          fprintf(stderr, "Bad port number.\n");
          return std::nullopt;
        }
        f.sources.command_line_ports.push_back(int(port));
        break;
      }
      case 'K': f.generate_keys = true; break;
      default: usage(); return std::nullopt;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "Extra argument %s.\n", argv[optind]);
    return std::nullopt;
  }
  for (const auto& h : f.host_keys) f.sources.command_line.emplace_back("HostKey=" + h);
  return f;
}

Status configure_logging(const Flags& f, const config::ServerConfig& cfg) {
  log::Options o;
  o.ident = "sshd";
  log::parse_facility(cfg.syslog_facility, o.facility);  // validated when the file was read
  o.level = f.quiet ? log::Level::quiet : log::Level(cfg.log_level);
  if (f.debug > 0) o.level = log::Level(std::min(int(log::Level::debug3), int(log::Level::info) + f.debug));
  if (!f.log_file.empty()) {
    int fd = open(f.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorCode::io, "Couldn't open logfile " + f.log_file + ": " + strerror(errno));
    o.log_fd = fd;
  } else if (!f.log_stderr && f.debug == 0 && !f.inetd) {
    o.to_syslog = true;
  } else if (f.inetd && !f.log_stderr && f.debug == 0) {
    o.to_syslog = true;  // stdout/stderr belong to the connection
  }
  log::configure(o);
  return {};
}

// Privilege separation needs its unprivileged user and an empty, root-owned directory.
Status check_privsep(const std::string& user, const std::string& dir) {
  if (getpwnam(user.c_str()) == nullptr) {
    return fail(ErrorCode::config, "Privilege separation user " + user + " does not exist");
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::config, "Missing privilege separation directory: " + dir);
  }
  if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
    return fail(ErrorCode::config, dir + " must be owned by root and not group or world-writable.");
  }
  return {};
}

// PROTOCOL.continuation §12.6: this daemon instance's own registry directory under base,
// named by what stays the same across a restart or an upgrade of the same daemon.
std::string registry_dir_of(const Flags& f, const config::ServerConfig& cfg, const std::string& base) {
  char resolved[PATH_MAX];
  const std::string& given = f.sources.config_file;
  std::string config_path = realpath(given.c_str(), resolved) != nullptr ? std::string(resolved) : given;
  std::vector<std::string> listen;
  for (const auto& la : cfg.listen_addresses) listen.push_back(la.host + " " + std::to_string(la.port));
  return sshd::instance_registry_dir(base, sshd::instance_identity(config_path, listen));
}

void daemonize() {
  if (fork() != 0) _exit(0);
  setsid();
  if (chdir("/") != 0) _exit(255);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
}

void write_pid_file(const std::string& path) {
  if (path.empty()) return;
  FILE* f = fopen(path.c_str(), "w");
  if (f == nullptr) {
    LOG_ERROR("Couldn't create pid file \"%s\": %s", path.c_str(), strerror(errno));
    return;
  }
  fprintf(f, "%d\n", int(getpid()));
  fclose(f);
}

int run(int argc, char** argv) {
  auto flags = parse_flags(argc, argv);
  if (!flags) return 1;
  if (flags->generate_keys) {
    auto s = sshd::generate_missing_host_keys();
    if (!s) print_lines(s.error().context);
    return s ? 0 : 1;
  }
  auto cfg = config::load_server_config(flags->sources);
  if (!cfg) {
    print_lines(cfg.error().context);
    return 255;
  }
  if (auto s = configure_logging(*flags, *cfg); !s) {
    print_lines(s.error().context);
    return 255;
  }
  for (const auto& w : cfg->warnings) print_lines(w);
  if (!cfg->unenforced.empty()) {
    // Running without a security keyword the admin asked for is worse than not running.
    for (const auto& line : cfg->unenforced) print_lines(line);
    return 255;
  }

  if (flags->test_dump) {
    config::ServerConfig effective = *cfg;
    if (!flags->connection_spec.empty()) {
      auto conn = config::parse_connection_spec(flags->connection_spec);
      if (!conn) {
        print_lines(conn.error().context);
        return 255;
      }
      auto matched = config::apply_match(*cfg, *conn);
      if (!matched) {
        print_lines(matched.error().context);
        return 255;
      }
      effective = std::move(*matched);
    }
    fputs(config::dump_server_config(effective).c_str(), stdout);
    return 0;
  }

  auto keys = sshd::HostKeys::load(cfg->host_keys);
  if (!keys) {
    print_lines(keys.error().context);
    return 1;
  }
  if (flags->test) return 0;

  sshd::ServerContext ctx{std::move(*cfg), std::move(*keys)};
  ctx.use_sandbox = geteuid() == 0;
  ctx.monitor_uid = geteuid();
  // Unprivileged (tests as an ordinary user): a registry of our own.
  std::string base = ctx.use_sandbox ? sshd::kDefaultRegistryDir : "/tmp/sshd-continuations-" + std::to_string(geteuid());
  ctx.registry_dir = registry_dir_of(*flags, ctx.config, base);
  if (ctx.use_sandbox) {
    if (auto s = check_privsep(ctx.privsep_user, ctx.privsep_dir); !s) {
      print_lines(s.error().context);
      return 255;
    }
  }
  signal(SIGPIPE, SIG_IGN);

  if (flags->inetd) {
    return sshd::serve_connection(ctx, STDIN_FILENO, STDOUT_FILENO, sshd::peer_address_of(STDIN_FILENO));
  }
  LOG_DEBUG1("continuation registry %s", ctx.registry_dir.c_str());
  sshd::prune_registry(ctx.registry_dir);
  if (!flags->foreground && flags->debug == 0) daemonize();
  auto loop = EventLoop::create();
  if (!loop) return 255;
  std::vector<std::string> args(argv, argv + argc);
  sshd::Listener listener(**loop, ctx, args);
  listener.single_connection = flags->debug > 0;
  if (auto s = listener.open(); !s) {
    LOG_ERROR("%s", s.error().context.c_str());
    return 255;
  }
  write_pid_file(ctx.config.pid_file);
  return listener.run(ctx.config.pid_file);
}

}  // namespace

int main(int argc, char** argv) {
  return run(argc, argv);
}
