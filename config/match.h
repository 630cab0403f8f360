// Host and Match evaluation (ssh_config(5) PATTERNS, "Host", "Match").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/client_config.h"

namespace ssh::config {

// '*' matches any run, '?' one character. Exact otherwise.
bool match_pattern(std::string_view text, std::string_view pattern);

// A comma-separated pattern list with optional '!' negation. Returns 1 if some
// positive pattern matches and no negated one does, -1 if a negated pattern matches,
// 0 otherwise. With `fold_case` both sides compare lower-cased (host names).
int match_pattern_list(std::string_view text, std::string_view list, bool fold_case);

// A Host line: each argument is one pattern (no comma lists), '!' negates and wins.
bool match_host_patterns(std::string_view host, const std::vector<std::string>& patterns);

struct MatchInput {
  const ClientConfig& cfg;  // as parsed so far (HostName, User, Port)
  const LocalContext& local;
  std::string_view host;  // the name Host lines match in this pass
  std::string_view original_host;
  bool final_pass = false;
  bool post_canon = false;   // canonicalization ran (never, for now)
  bool never_match = false;  // inside an inactive Include
};

struct MatchOutcome {
  bool matched = false;
  bool wants_final_pass = false;  // "canonical" or "final" seen
};

// A message ssh prints before "Bad Match condition", with or without the
// "<file> line <n>: " location.
struct MatchNote {
  bool with_location = false;
  std::string text;
};

// Evaluates the arguments of a Match line.
Result<MatchOutcome> evaluate_match(const std::vector<std::string>& args, const MatchInput& in,
                                    std::vector<MatchNote>& notes);

// Runs `command` with /bin/sh -c, stdin and stdout on /dev/null; exit status or -1.
int run_shell_command(const std::string& command);

}  // namespace ssh::config
