// ssh(1): parse the command line and configuration, connect, run one session.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/log.h"
#include "config/client_config.h"
#include "crypto/hash.h"
#include "ssh/cli.h"
#include "ssh/client_options.h"
#include "ssh/client_session.h"
#include "ssh/tty_prompt.h"
#include "transport/algorithms.h"

namespace {

using namespace ssh;

constexpr const char* kVersion = "sshc_0.1.0";

// Diagnostics end lines with CR LF, as OpenSSH's do.
void print(FILE* f, const std::string& text) {
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    fprintf(f, "%.*s\r\n", int(end - start), text.data() + start);
    start = end + 1;
  }
}

// Programs started with a closed stdin/stdout/stderr must not have our sockets land there.
void ensure_std_fds() {
  for (int fd = 0; fd < 3; ++fd) {
    if (fcntl(fd, F_GETFD) < 0) open("/dev/null", O_RDWR);
  }
}

int query(const std::string& what) {
  using transport::AlgorithmKind;
  AlgorithmKind kind;
  if (what == "cipher" || what == "cipher-auth")
    kind = AlgorithmKind::cipher;
  else if (what == "mac")
    kind = AlgorithmKind::mac;
  else if (what == "kex")
    kind = AlgorithmKind::kex;
  else if (what == "key" || what == "HostKeyAlgorithms" || what == "PubkeyAcceptedAlgorithms")
    kind = AlgorithmKind::host_key;
  else if (what == "compression")
    kind = AlgorithmKind::compression;
  else {
    fprintf(stderr, "Unsupported query \"%s\"\n", what.c_str());
    return 255;
  }
  for (const auto& name : transport::supported_algorithms(kind)) {
    if (what == "cipher-auth" && name.find("gcm") == std::string::npos &&
        name.find("poly1305") == std::string::npos)
      continue;
    printf("%s\n", name.c_str());
  }
  return 0;
}

log::Level level_from(const config::ClientConfig& cfg, const client::CommandLine& cl) {
  if (cl.verbose > 0)
    return log::Level(std::min(int(log::Level::debug3), int(log::Level::info) + 1 + cl.verbose));
  if (cl.quiet) return log::Level::quiet;
  return log::Level(cfg.log_level);
}

int run(int argc, char** argv) {
  auto cl = client::parse_command_line(argc, argv);
  if (!cl) {
    print(stderr, cl.error().context);
    return 255;
  }
  if (cl->version) {
    fprintf(stderr, "%s, %s\r\n", kVersion, OpenSSL_version(OPENSSL_VERSION));
    return 0;
  }
  if (cl->query) return query(*cl->query);

  log::Options log_options;
  log_options.level = cl->verbose > 0 ? log::Level::debug1 : log::Level::info;
  if (cl->log_file) {
    int fd = open(cl->log_file->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      fprintf(stderr, "Couldn't open logfile %s: %s\n", cl->log_file->c_str(), strerror(errno));
      return 255;
    }
    log_options.log_fd = fd;
  }
  log::configure(log_options);
  if (cl->verbose > 0) LOG_DEBUG1("%s, %s", kVersion, OpenSSL_version(OPENSSL_VERSION));

  auto local = config::local_context_from_system();
  if (!local) {
    print(stderr, local.error().context);
    return 255;
  }
  local->sha1_hex = [](std::string_view s) {
    return to_hex(crypto::digest(crypto::HashAlg::sha1, as_bytes(s)));
  };

  config::ConfigSources sources;
  sources.command_line = cl->options;
  if (cl->user) sources.command_line.push_back("User=" + *cl->user);
  if (cl->port) sources.command_line.push_back("Port=" + std::to_string(*cl->port));
  for (const auto& id : cl->identity_files) sources.command_line.push_back("IdentityFile=" + id);
  sources.config_file = cl->config_file;
  sources.user_file = local->home + "/.ssh/config";
  auto cfg = config::load_client_config(cl->destination, sources, *local);
  if (!cfg) {
    print(stderr, cfg.error().context);
    return 255;
  }
  if (cl->syslog) {
    log_options.to_syslog = true;
    log::parse_facility(cfg->syslog_facility, log_options.facility);  // checked when read
    log::configure(log_options);
  }
  log::set_level(level_from(*cfg, *cl));
  for (const auto& w : cfg->warnings) LOG_INFO("%s", w.c_str());
  if (cl->dump_config) {
    fputs(config::dump_client_config(*cfg).c_str(), stdout);
    return 0;
  }

  // From here on messages go through the log: -q silences them, -y sends them to syslog.
  auto plan = client::build_client_plan(*cfg, *cl, *local);
  if (!plan) {
    SSH_LOG(log::Level::fatal, "%s", plan.error().context.c_str());
    return 255;
  }
  auto connection = client::open_connection(plan->connect);
  if (!connection) {
    LOG_ERROR("ssh: %s", connection.error().context.c_str());
    return 255;
  }
  plan->session.peer_label = connection->peer_address + " port " + std::to_string(connection->peer_port);
  client::TtyPrompter prompter(log::level() == log::Level::quiet);
  client::ClientSession session(std::move(plan->session), std::move(*connection), prompter);
  int status = session.run();
  if (plan->pty && log::enabled(log::Level::info) && !session.killed_by_signal()) {
    fprintf(stderr, "Connection to %s closed.\r\n", cfg->host_name.c_str());
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  ensure_std_fds();
  signal(SIGPIPE, SIG_IGN);
  return run(argc, argv);
}
