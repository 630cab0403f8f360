// The sshd_config file grammar (sshd_config(5), OpenSSH 9.2): keyword lines, Match
// blocks, Include, the -o command-line form, defaults, ListenAddress resolution, and
// the per-connection Match pass.
//
// How sshd applies Match, which we follow: while loading, lines outside Match blocks
// apply (first value wins) and so do Match blocks that match without a connection
// ("Match All"). For a connection, a second pass reads only Match-block lines, again
// first-value-wins among themselves, and what it sets overrides the loaded value
// (a list it sets replaces the loaded list).
#include <glob.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "config/server_config.h"
#include "config/server_match.h"
#include "config/server_option_handlers.h"
#include "config/server_option_table.h"

namespace ssh::config {
namespace {

constexpr int kMaxIncludeDepth = 16;  // sshd_config(5) Include: recursion limit
constexpr std::string_view kCommandLine = "command-line";

// Where a line comes from and the block state it is read in.
struct Source {
  std::string name;
  int line = 0;
  bool command_line = false;
  int depth = 0;
  int block = -1;  // the Match block lines belong to (-1: none)
  bool active = true;
};

struct Loader {
  ServerConfig& cfg;
  const ServerSources& sources;
  std::bitset<kMaxServerOptionRows> pass_set;  // rows set in this pass
  bool ports_locked = false;                   // -p given: Port lines are skipped
  std::vector<std::string> messages;           // diagnostic lines, in sshd's order
};

Status read_stream(Loader& ld, std::istream& in, Source src);

std::string prefix(const Source& src) {
  return src.name + " line " + std::to_string(src.line) + ": ";
}

// Error codes out of apply_line: limit = counted (message complete), parse = fatal
// (message complete), io = an included file gave up (messages already recorded).
std::unexpected<Error> counted(std::string text) {
  return fail(ErrorCode::limit, std::move(text));
}
std::unexpected<Error> fatal(std::string text) {
  return fail(ErrorCode::parse, std::move(text));
}

Status apply_include(Loader& ld, const SplitLine& line, const Source& src) {
  if (src.command_line) return fatal("Include directive not supported as a command-line option");
  for (const std::string& arg : line.args) {
    std::string pattern = arg.front() == '/' ? arg : ld.sources.config_dir + "/" + arg;
    glob_t g{};
    int rc = glob(pattern.c_str(), 0, nullptr, &g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      globfree(&g);
      return fatal(prefix(src) + "include \"" + pattern + "\" glob failed");
    }
    if (rc == GLOB_NOMATCH)
      LOG_DEBUG2("%s line %d: include %s matched no files", src.name.c_str(), src.line, pattern.c_str());
    Status status;
    for (size_t i = 0; status && i < g.gl_pathc; ++i) {
      if (src.depth + 1 > kMaxIncludeDepth) {
        status = fatal("Too many recursive configuration includes");
        break;
      }
      std::ifstream in(g.gl_pathv[i]);
      if (!in) continue;  // vanished or unreadable: as if it did not match
      // The included file's lines belong to the current block until its own Match
      // lines; its blocks end with it.
      status = read_stream(ld, in, Source{g.gl_pathv[i], 0, false, src.depth + 1, src.block, src.active});
    }
    globfree(&g);
    SSH_TRY(status);
  }
  return {};
}

// Splits Match arguments at '=' too ("Match User=x"), as sshd's tokenizer does.
std::vector<std::string> match_criteria(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& arg : args) {
    size_t pos = 0;
    while (pos <= arg.size()) {
      size_t eq = std::min(arg.find('=', pos), arg.size());
      if (eq > pos) out.push_back(arg.substr(pos, eq - pos));
      pos = eq + 1;
    }
  }
  return out;
}

Status apply_match_line(Loader& ld, const SplitLine& line, Source& src, int parent_block,
                        bool parent_active) {
  if (src.command_line) return fatal("Match directive not supported as a command-line option");
  std::vector<std::string> criteria = match_criteria(line.args);
  bool matched = SSH_TRY(evaluate_server_match(criteria, nullptr, src.name, src.line));
  ld.cfg.match_rules.blocks.push_back(MatchBlock{criteria, src.name, src.line, parent_block});
  src.block = static_cast<int>(ld.cfg.match_rules.blocks.size()) - 1;
  src.active = parent_active && matched;
  return {};
}

// Runs one keyword row. Shared by the loading pass and the Match pass.
Status run_row(Loader& ld, int row, const SplitLine& line, const Source& src) {
  const ServerOptionSpec& spec = server_option_table()[static_cast<size_t>(row)];
  ServerLineContext ctx{ld.cfg,       line.args,  line.rest,
                        line.keyword, src.active, !ld.pass_set.test(static_cast<size_t>(row)),
                        &ld.messages};
  Status status = spec.parse(spec, ctx);
  if (!status) {
    std::string text = prefix(src) + status.error().context;
    return status.error().code == ErrorCode::limit ? counted(text) : fatal(text);
  }
  if (src.active) ld.pass_set.set(static_cast<size_t>(row));
  if (spec.arity == Arity::one && line.args.size() > 1)
    return counted(prefix(src) + "keyword " + line.keyword + " extra arguments at end of line");
  return {};
}

// Keywords we parse (sshd -T shows them) but do not enforce yet, with the value that
// means "off" (empty: every value is refused). A configuration that turns one on is
// refused at startup instead of silently running without it.
struct Unenforced {
  std::string_view keyword;
  std::string_view off;
};
constexpr Unenforced kUnenforced[] = {{"ChrootDirectory", "none"},
                                      {"AuthorizedKeysCommand", "none"},
                                      {"TrustedUserCAKeys", "none"},
                                      {"HostCertificate", ""},
                                      {"PermitUserEnvironment", "no"}};

void note_unenforced(Loader& ld, int row, const SplitLine& line, const Source& src) {
  const ServerOptionSpec& spec = server_option_table()[static_cast<size_t>(row)];
  for (const Unenforced& u : kUnenforced) {
    if (u.keyword != spec.keyword) continue;
    if (!u.off.empty() && iequals(line.args.front(), u.off)) return;
    // A later global line changes nothing (the first value wins); a Match line may apply.
    if (src.block < 0 && ld.pass_set.test(static_cast<size_t>(row))) return;
    std::string only = u.off.empty() ? "" : " (only \"" + std::string(u.off) + "\" is)";
    ld.cfg.unenforced.push_back(prefix(src) + line.keyword + " is not supported by this sshd yet" + only);
  }
}

// Applies one line of the loading pass.
Status apply_line(Loader& ld, std::string_view text, Source& src, int parent_block, bool parent_active) {
  auto split = split_config_line(text);
  if (!split) return fatal(prefix(src) + split.error().context);
  const SplitLine& line = *split;
  if (line.keyword.empty()) return {};
  std::string kw = to_lower(line.keyword);
  if (line.args.empty()) return counted(prefix(src) + "no argument after keyword \"" + line.keyword + "\"");
  if (kw == "match") {
    return apply_match_line(ld, line, src, parent_block, parent_active);
  }
  if (kw == "include") return apply_include(ld, line, src);

  bool in_match_ok = false;
  int row = find_server_option(line.keyword, &in_match_ok);
  std::string bad;
  if (row < 0) {
    bad = src.name + ": line " + std::to_string(src.line) + ": Bad configuration option: " + line.keyword;
    if (src.command_line) return fatal(bad);
  }
  // sshd refuses global-only keywords on lines a Match block switched off.
  if (!src.active && !in_match_ok) {
    std::string text = prefix(src) + "Directive '" + line.keyword + "' is not allowed within a Match block";
    return fatal(bad.empty() ? text : bad + "\n" + text);
  }
  if (row < 0) return counted(bad);
  if (src.block >= 0 && !src.command_line)
    ld.cfg.match_rules.lines.push_back(MatchLine{src.name, src.line, src.block, line});
  const ServerOptionSpec& spec = server_option_table()[static_cast<size_t>(row)];
  if (spec.retired != Retired::no) {
    if (spec.retired != Retired::ignored && src.active) {
      ld.cfg.warnings.push_back(
          prefix(src) + (spec.retired == Retired::deprecated ? "Deprecated option " : "Unsupported option ") +
          line.keyword);
    }
    return {};
  }
  if (spec.keyword == "Port" && ld.ports_locked) return {};
  note_unenforced(ld, row, line, src);
  return run_row(ld, row, line, src);
}

Status read_stream(Loader& ld, std::istream& in, Source src) {
  const int parent_block = src.block;
  const bool parent_active = src.active;
  int bad = 0;
  std::string text;
  while (std::getline(in, text)) {
    ++src.line;
    Status status = apply_line(ld, text, src, parent_block, parent_active);
    if (status) continue;
    if (status.error().code != ErrorCode::limit) {
      if (status.error().code == ErrorCode::parse) ld.messages.push_back(status.error().context);
      return fail(ErrorCode::io, "given up");
    }
    ++bad;
    ld.messages.push_back(status.error().context);
  }
  if (bad == 0) return {};
  ld.messages.push_back(src.name + ": terminating, " + std::to_string(bad) + " bad configuration options");
  return fail(ErrorCode::io, "given up");
}

Error joined(const Loader& ld) {
  std::string text;
  for (const auto& m : ld.messages) text += (text.empty() ? "" : "\n") + m;
  return Error{ErrorCode::config, DisconnectReason::by_application, text};
}

// ListenAddress: each written address (or the wildcard) on its port or on every Port,
// resolved numerically within AddressFamily. Each lookup's results are listed last
// first, which is the order sshd binds and prints them.
Status resolve_listen(ServerConfig& cfg) {
  std::vector<ListenSpec> specs = cfg.listen_specs;
  if (specs.empty()) specs.push_back(ListenSpec{});
  int family = cfg.address_family == kAfInet    ? AF_INET
               : cfg.address_family == kAfInet6 ? AF_INET6
                                                : AF_UNSPEC;
  cfg.listen_addresses.clear();
  for (const ListenSpec& spec : specs) {
    std::vector<int> ports = spec.port != 0 ? std::vector<int>{spec.port} : cfg.ports;
    for (int port : ports) {
      addrinfo hints{};
      hints.ai_family = family;
      hints.ai_socktype = SOCK_STREAM;
      hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
      addrinfo* res = nullptr;
      std::string service = std::to_string(port);
      int rc = getaddrinfo(spec.host.empty() ? nullptr : spec.host.c_str(), service.c_str(), &hints, &res);
      if (rc != 0)
        return fail(ErrorCode::config, "bad addr or host: " + spec.host + " (" + gai_strerror(rc) + ")");
      std::vector<ListenAddress> found;
      for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        char host[NI_MAXHOST];
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0)
          found.push_back(ListenAddress{host, port});
      }
      freeaddrinfo(res);
      cfg.listen_addresses.insert(cfg.listen_addresses.end(), found.rbegin(), found.rend());
    }
  }
  return {};
}

// sshd checks at startup that some AuthenticationMethods list uses only enabled methods.
Status check_auth_methods(ServerConfig& cfg) {
  auto enabled = [&](std::string_view method) {
    std::string_view base = method.substr(0, method.find(':'));
    if (base == "publickey") return cfg.pubkey_authentication;
    if (base == "password") return cfg.password_authentication;
    if (base == "keyboard-interactive") return cfg.kbd_interactive_authentication;
    if (base == "hostbased") return cfg.hostbased_authentication;
    if (base == "gssapi-with-mic") return cfg.gssapi_authentication;
    return true;
  };
  if (cfg.authentication_methods.empty()) return {};
  std::vector<std::string> notes;
  bool satisfiable = false;
  for (const std::string& list : cfg.authentication_methods) {
    bool ok = true;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t comma = std::min(list.find(',', pos), list.size());
      std::string method = list.substr(pos, comma - pos);
      pos = comma + 1;
      if (enabled(method)) continue;
      notes.push_back("Disabled method \"" + method + "\" in AuthenticationMethods list \"" + list + "\"");
      ok = false;
      break;
    }
    satisfiable = satisfiable || ok;
  }
  if (satisfiable) {
    cfg.warnings.insert(cfg.warnings.end(), notes.begin(), notes.end());
    return {};
  }
  notes.push_back("AuthenticationMethods cannot be satisfied by enabled authentication methods");
  std::string text;
  for (const auto& n : notes) text += (text.empty() ? "" : "\n") + n;
  return fail(ErrorCode::config, text);
}

Status finalize(ServerConfig& cfg) {
  if (cfg.ports.empty()) cfg.ports.push_back(22);
  if (cfg.host_keys.empty()) {
    cfg.host_keys = {"/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key",
                     "/etc/ssh/ssh_host_ed25519_key"};
  }
  if (cfg.authorized_keys_files.empty())
    cfg.authorized_keys_files = {".ssh/authorized_keys", ".ssh/authorized_keys2"};
  SSH_TRY(resolve_listen(cfg));
  // sshd refuses a command without the user to run it as.
  if (!cfg.authorized_keys_command.empty() && cfg.authorized_keys_command_user.empty())
    return fail(ErrorCode::config, "AuthorizedKeysCommand set without AuthorizedKeysCommandUser");
  if (!cfg.authorized_principals_command.empty() && cfg.authorized_principals_command_user.empty())
    return fail(ErrorCode::config, "AuthorizedPrincipalsCommand set without AuthorizedPrincipalsCommandUser");
  return check_auth_methods(cfg);
}

Result<ServerConfig> load(const ServerSources& sources, std::istream* text, const std::string& name) {
  ServerConfig cfg;
  Loader ld{cfg, sources, {}, false, {}};
  for (const std::string& option : sources.command_line) {
    Source src{std::string(kCommandLine), 0, true};
    Status status = apply_line(ld, option, src, -1, true);
    if (!status) {
      ld.messages.push_back(status.error().context);
      return std::unexpected(joined(ld));
    }
  }
  if (!sources.command_line_ports.empty()) {
    if (!ld.pass_set.test(static_cast<size_t>(find_server_option("Port")))) cfg.ports.clear();
    cfg.ports.insert(cfg.ports.end(), sources.command_line_ports.begin(), sources.command_line_ports.end());
    ld.ports_locked = true;
  }
  std::ifstream file;
  if (text == nullptr) {
    file.open(name);
    if (!file) return fail(ErrorCode::config, name + ": " + std::strerror(errno));
    text = &file;
  }
  if (!read_stream(ld, *text, Source{name})) return std::unexpected(joined(ld));
  cfg.set_rows = ld.pass_set;
  SSH_TRY(finalize(cfg));
  return cfg;
}

}  // namespace

Result<ServerConfig> load_server_config(const ServerSources& sources) {
  return load(sources, nullptr, sources.config_file);
}

Result<ServerConfig> load_server_config_text(std::string_view text, std::string_view name,
                                             const ServerSources& sources) {
  std::istringstream in{std::string(text)};
  return load(sources, &in, std::string(name));
}

Result<ServerConfig> apply_match(const ServerConfig& base, const ConnectionInfo& conn) {
  ServerConfig out = base;
  ServerSources none;
  Loader ld{out, none, {}, true, {}};
  const MatchRules& rules = base.match_rules;
  std::vector<int> state(rules.blocks.size(), -1);  // -1 unknown, 0 no, 1 yes
  auto active = [&](auto&& self, int b) -> Result<bool> {
    if (b < 0) return false;  // outside every block: global lines are not re-applied
    if (state[static_cast<size_t>(b)] < 0) {
      const MatchBlock& blk = rules.blocks[static_cast<size_t>(b)];
      bool hit = SSH_TRY(evaluate_server_match(blk.criteria, &conn, blk.file, blk.line));
      if (hit && blk.parent >= 0) hit = SSH_TRY(self(self, blk.parent));
      state[static_cast<size_t>(b)] = hit ? 1 : 0;
    }
    return state[static_cast<size_t>(b)] == 1;
  };
  for (int b = 0; b < static_cast<int>(rules.blocks.size()); ++b) {
    auto r = active(active, b);
    if (!r) return std::unexpected(r.error());
  }
  for (const MatchLine& ml : rules.lines) {
    if (state[static_cast<size_t>(ml.block)] != 1) continue;
    bool in_match_ok = false;
    int row = find_server_option(ml.text.keyword, &in_match_ok);
    if (row < 0 || !in_match_ok) continue;  // sshd parses these but never copies them
    const ServerOptionSpec& spec = server_option_table()[static_cast<size_t>(row)];
    if (spec.retired != Retired::no) continue;
    Source src{ml.file, ml.line, false, 0, ml.block, true};
    Status status = run_row(ld, row, ml.text, src);
    if (!status && status.error().code != ErrorCode::limit) return std::unexpected(status.error());
  }
  return out;
}

}  // namespace ssh::config
