#include "config/match.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "config/option_values.h"
#include "config/tokens.h"

extern char** environ;

namespace ssh::config {

bool match_pattern(std::string_view text, std::string_view pattern) {
  // Iterative glob with one backtrack point per '*': linear in practice, no recursion.
  size_t t = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

int match_pattern_list(std::string_view text, std::string_view list, bool fold_case) {
  std::string subject = fold_case ? to_lower(text) : std::string(text);
  int result = 0;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(pos, comma - pos);
    pos = comma + 1;
    bool negate = !item.empty() && item.front() == '!';
    if (negate) item.remove_prefix(1);
    std::string pattern = fold_case ? to_lower(item) : std::string(item);
    if (match_pattern(subject, pattern)) {
      if (negate) return -1;
      result = 1;
    }
  }
  return result;
}

bool match_host_patterns(std::string_view host, const std::vector<std::string>& patterns) {
  std::string subject = to_lower(host);
  bool matched = false;
  for (const auto& raw : patterns) {
    std::string_view pat = raw;
    bool negate = !pat.empty() && pat.front() == '!';
    if (negate) pat.remove_prefix(1);
    if (match_pattern(subject, to_lower(pat))) {
      if (negate) return false;  // a negated match overrides everything on the line
      matched = true;
    }
  }
  return matched;
}

int run_shell_command(const std::string& command) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {

// The criteria that take one argument.
bool criterion_takes_argument(std::string_view name) {
  return name == "host" || name == "originalhost" || name == "user" || name == "localuser" || name == "exec";
}

Result<bool> evaluate_criterion(std::string_view name, const std::string& arg, const MatchInput& in,
                                bool earlier_ok) {
  if (name == "host") {
    std::string host = in.cfg.host_name.empty() ? std::string(in.host) : in.cfg.host_name;
    return match_pattern_list(host, arg, true) == 1;
  }
  if (name == "originalhost") return match_pattern_list(in.original_host, arg, true) == 1;
  if (name == "user") {
    const std::string& user = in.cfg.user.empty() ? in.local.user : in.cfg.user;
    return match_pattern_list(user, arg, false) == 1;
  }
  if (name == "localuser") return match_pattern_list(in.local.user, arg, false) == 1;
  // exec: only worth running when everything before it matched (as OpenSSH does).
  if (!earlier_ok || in.never_match) return false;
  ClientConfig view = in.cfg;
  if (view.host_name.empty()) view.host_name = std::string(in.host);
  std::string cmd = SSH_TRY(expand_tokens(arg, connection_tokens(view, in.local)));
  int status = in.local.run_command ? in.local.run_command(cmd) : run_shell_command(cmd);
  LOG_DEBUG2("Match exec \"%s\" returned %d", cmd.c_str(), status);
  return status == 0;
}

}  // namespace

Result<MatchOutcome> evaluate_match(const std::vector<std::string>& args, const MatchInput& in,
                                    std::vector<MatchNote>& notes) {
  auto bad = [] { return fail(ErrorCode::config, "Bad Match condition"); };
  MatchOutcome out;
  bool result = true;
  if (args.empty()) return bad();
  for (size_t i = 0; i < args.size(); ++i) {
    std::string attr = to_lower(args[i]);
    bool negate = !attr.empty() && attr.front() == '!';
    if (negate) attr.erase(0, 1);
    if (attr == "all") {
      if (i + 1 < args.size()) {
        notes.push_back({true, "'all' cannot be combined with other Match attributes"});
        return bad();
      }
      result = result && !negate;
      continue;
    }
    if (attr == "canonical" || attr == "final") {
      out.wants_final_pass = true;
      bool hit = attr == "final" ? in.final_pass : in.post_canon;
      result = result && (hit != negate);
      continue;
    }
    if (i + 1 >= args.size()) {
      notes.push_back({false, "Missing Match criteria for " + args[i]});
      return bad();
    }
    if (!criterion_takes_argument(attr)) {
      notes.push_back({false, "Unsupported Match attribute " + args[i]});
      return bad();
    }
    bool hit = SSH_TRY(evaluate_criterion(attr, args[++i], in, result));
    result = result && (hit != negate);
  }
  out.matched = result && !in.never_match;
  return out;
}

}  // namespace ssh::config
