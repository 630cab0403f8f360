// The ssh_config file grammar (ssh_config(5)): keyword lines, Host and Match blocks,
// Include, the -o command-line form, the reading order and the final pass.
#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/log.h"
#include "config/client_config.h"
#include "config/match.h"
#include "config/option_handlers.h"
#include "config/option_table.h"
#include "config/option_values.h"
#include "config/tokens.h"

namespace ssh::config {
namespace {

constexpr int kMaxIncludeDepth = 16;  // ssh_config(5) Include: recursion limit
constexpr std::string_view kCommandLine = "command-line";

// Where one line comes from and the block state it is read in.
struct Source {
  std::string name;  // file name as printed in messages
  int line = 0;
  bool command_line = false;
  bool user_file = true;  // relative Includes: ~/.ssh (user) or /etc/ssh (system)
  bool never_match = false;
  int depth = 0;
};

struct Parser {
  ClientConfig& cfg;
  const LocalContext& local;
  const ConfigSources& sources;
  std::string host;  // what Host lines match in this pass
  std::string original_host;
  bool final_pass = false;
  bool wants_final_pass = false;
  std::vector<std::string> messages;  // error lines, in the order ssh prints them
};

Status read_file(Parser& p, const std::string& path, Source src, bool active, bool must_exist,
                 bool check_perms);

std::string prefix(const Source& src) {
  return src.name + " line " + std::to_string(src.line) + ": ";
}

Status check_permissions(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {};
  if ((st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & 022) != 0)
    return fail(ErrorCode::io, "Bad owner or permissions on " + path);
  return {};
}

Status handle_include(Parser& p, const SplitLine& line, const Source& src, bool active) {
  if (src.command_line)
    return fail(ErrorCode::parse, "Include directive not supported as a command-line option");
  if (line.args.empty()) return fail(ErrorCode::config, "no argument after keyword \"include\"");
  if (src.depth + 1 > kMaxIncludeDepth)
    return fail(ErrorCode::config, "Too many recursive configuration includes");
  for (const std::string& arg : line.args) {
    std::string pattern = SSH_TRY(expand_tilde(arg, p.local.home));
    if (pattern.front() != '/') {
      pattern = (src.user_file ? p.local.home + "/.ssh/" : p.sources.system_dir + "/") + pattern;
    }
    glob_t g{};
    int rc = glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
      LOG_DEBUG2("%s line %d: include %s matched no files", src.name.c_str(), src.line, pattern.c_str());
    } else if (rc != 0) {
      globfree(&g);
      return fail(ErrorCode::config, "include \"" + pattern + "\": glob failed");
    }
    Status status;
    for (size_t i = 0; status && i < g.gl_pathc; ++i) {
      Source inner{g.gl_pathv[i], 0, false, src.user_file, src.never_match || !active, src.depth + 1};
      // An included file's blocks end with it: the including block's state resumes.
      status = read_file(p, g.gl_pathv[i], inner, active, false, true);
    }
    globfree(&g);
    SSH_TRY(status);
  }
  return {};
}

// Applies one keyword line. `active` is the current block state (updated by Host and
// Match). Error codes: parse = a complete message, config = a message that still needs
// the "<file> line <n>: " prefix, limit = an included file already gave up, io = fatal
// (unreadable or unsafe file). Match may
// add stand-alone lines to p.messages first.
Status apply_line(Parser& p, std::string_view text, const Source& src, bool& active) {
  SplitLine line = SSH_TRY(split_config_line(text));
  if (line.keyword.empty()) return {};
  std::string kw = to_lower(line.keyword);
  if (kw == "host" || kw == "match") {
    if (src.command_line)
      return fail(ErrorCode::parse, "Host directive not supported as a command-line option");
    if (kw == "host") {
      if (line.args.empty()) return fail(ErrorCode::config, "no argument after keyword \"host\"");
      active = !src.never_match && match_host_patterns(p.host, line.args);
      LOG_DEBUG2("%s line %d: Applying options for %s: %s", src.name.c_str(), src.line, p.host.c_str(),
                 active ? "yes" : "no");
      return {};
    }
    MatchInput in{p.cfg,           p.local,      p.host,
                  p.original_host, p.final_pass, p.final_pass && p.cfg.canonicalize_hostname != kCanonNo,
                  src.never_match};
    std::vector<MatchNote> notes;
    auto outcome = evaluate_match(line.args, in, notes);
    for (const auto& note : notes)
      p.messages.push_back(note.with_location ? prefix(src) + note.text : note.text);
    if (!outcome) return std::unexpected(outcome.error());
    p.wants_final_pass = p.wants_final_pass || outcome->wants_final_pass;
    active = outcome->matched;
    return {};
  }
  if (kw == "include") return handle_include(p, line, src, active);

  int row = find_client_option(line.keyword);
  if (row < 0) {
    if (!p.cfg.ignore_unknown.empty() && match_pattern_list(line.keyword, p.cfg.ignore_unknown, true) == 1) {
      LOG_DEBUG1("%s line %d: Ignored unknown option \"%s\"", src.name.c_str(), src.line,
                 line.keyword.c_str());
      return {};
    }
    return fail(ErrorCode::parse,
                src.name + ": line " + std::to_string(src.line) + ": Bad configuration option: " + kw);
  }
  const OptionSpec& spec = client_option_table()[static_cast<size_t>(row)];
  bool first = !p.cfg.set_rows.test(static_cast<size_t>(row));
  // A feature we do not have, turned on where the line applies (Support, option_table.h).
  bool refused = active && !leaves_feature_off(spec, line.args);
  if (refused && spec.support == Support::compiled_out) {
    p.cfg.warnings.push_back(prefix(src) + "Unsupported option \"" + kw + "\"");
    return {};
  }
  if (spec.parse == parse_unsupported) {
    p.cfg.warnings.push_back(prefix(src) + "Unsupported option \"" + kw + "\"");
    return {};
  }
  if ((spec.parse == parse_deprecated || spec.parse == parse_ignored) && !refused) {
    LOG_DEBUG1("%s line %d: Ignored option \"%s\"", src.name.c_str(), src.line, kw.c_str());
    return {};
  }
  bool missing = spec.arity == Arity::rest ? line.rest.empty() : line.args.empty();
  if (spec.arity != Arity::special && missing)
    return fail(ErrorCode::config, "no argument after keyword \"" + kw + "\"");
  if (spec.arity == Arity::one && line.args.size() > 1)
    return fail(ErrorCode::config, "keyword " + kw + " extra arguments at end of line");
  LineContext ctx{p.cfg, line.args, line.rest, kw, active, first, &p.messages};
  SSH_TRY(spec.parse(spec, ctx));  // a refused line still gets its syntax checked first
  if (refused && first) return fail(ErrorCode::config, "Unsupported option \"" + kw + "\"");
  if (active) p.cfg.set_rows.set(static_cast<size_t>(row));
  return {};
}

// apply_line with its error turned into the printed message.
Status process_line(Parser& p, std::string_view text, const Source& src, bool& active) {
  Status status = apply_line(p, text, src, active);
  if (status || status.error().code != ErrorCode::config) return status;
  return fail(ErrorCode::parse, prefix(src) + status.error().context);
}

Status read_file(Parser& p, const std::string& path, Source src, bool active, bool must_exist,
                 bool check_perms) {
  if (src.depth > kMaxIncludeDepth) return fail(ErrorCode::io, "Too many recursive configuration includes");
  std::ifstream in(path);
  if (!in) {
    if (must_exist)
      return fail(ErrorCode::io, "Can't open user config file " + path + ": " + std::strerror(errno));
    return {};
  }
  if (check_perms) SSH_TRY(check_permissions(path));
  LOG_DEBUG1("Reading configuration data %s", path.c_str());
  int bad = 0;
  std::string text;
  while (std::getline(in, text)) {
    ++src.line;
    Status status = process_line(p, text, src, active);
    if (status) continue;
    // Nested files stop the whole read (their own "terminating" line is already in).
    if (status.error().code == ErrorCode::limit || status.error().code == ErrorCode::io) return status;
    ++bad;
    p.messages.push_back(status.error().context);
  }
  if (bad == 0) return {};
  p.messages.push_back(src.name + ": terminating, " + std::to_string(bad) + " bad configuration options");
  return fail(ErrorCode::limit, src.name);
}

// One pass over the files, in ssh(1)'s order.
Status read_files(Parser& p) {
  const ConfigSources& s = p.sources;
  if (s.config_file) {
    if (*s.config_file == "none") return {};
    return read_file(p, *s.config_file, Source{*s.config_file}, true, true, false);
  }
  std::string user_file = s.user_file.empty() ? p.local.home + "/.ssh/config" : s.user_file;
  SSH_TRY(read_file(p, user_file, Source{user_file}, true, false, true));
  Source system{s.system_file};
  system.user_file = false;
  return read_file(p, s.system_file, system, true, false, false);
}

Error joined_error(const Parser& p, const Error& last) {
  if (last.code != ErrorCode::limit && last.code != ErrorCode::parse) return last;
  std::string text;
  for (const auto& m : p.messages) {
    if (!text.empty()) text += '\n';
    text += m;
  }
  return Error{ErrorCode::config, DisconnectReason::by_application, text};
}

}  // namespace

Status finalize_client_config(ClientConfig& cfg, const LocalContext& local);

Result<ClientConfig> load_client_config(std::string_view host_arg, const ConfigSources& sources,
                                        const LocalContext& local) {
  ClientConfig cfg;
  cfg.host = std::string(host_arg);
  Parser p{cfg, local, sources, to_lower(host_arg), std::string(host_arg), false, false, {}};
  for (const std::string& option : sources.command_line) {
    bool active = true;
    Source src{std::string(kCommandLine), 0, true};
    Status status = process_line(p, option, src, active);
    if (!status) {
      p.messages.push_back(status.error().context);
      return std::unexpected(joined_error(p, status.error()));
    }
  }
  if (Status s = read_files(p); !s) return std::unexpected(joined_error(p, s.error()));
  if (p.wants_final_pass || cfg.canonicalize_hostname != kCanonNo) {
    // As ssh(1) does: the final pass matches Host lines against the resolved HostName.
    std::string name = cfg.host_name.empty() ? p.host : cfg.host_name;
    auto expanded = expand_tokens(name, hostname_tokens(p.host));
    if (expanded) p.host = to_lower(*expanded);
    p.final_pass = true;
    if (Status s = read_files(p); !s) return std::unexpected(joined_error(p, s.error()));
  }
  Status done = finalize_client_config(cfg, local);
  if (!done) return std::unexpected(done.error());
  return cfg;
}

Result<LocalContext> local_context_from_system() {
  LocalContext ctx;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
    return fail(ErrorCode::config, "No user exists for uid " + std::to_string(getuid()));
  ctx.user = found->pw_name;
  ctx.home = found->pw_dir;
  ctx.uid = std::to_string(getuid());
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return fail(ErrorCode::io, "gethostname failed");
  ctx.host_fqdn = host;
  ctx.host_short = ctx.host_fqdn.substr(0, ctx.host_fqdn.find('.'));
  return ctx;
}

}  // namespace ssh::config
