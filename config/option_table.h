// The client option table: one row per ssh_config keyword. A row says where the value
// lives, how a line's arguments parse into it and how `ssh -G` prints it. The table is
// in `ssh -G` order, so the dump is a walk over it. sshd_config gets its own table in
// the same style (config/sshd_config.cpp).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "config/client_config.h"

namespace ssh::config {

struct OptionSpec;

// A keyword value name and the integer the table stores for it.
struct Choice {
  std::string_view name;
  int value;
};

// Parse names (case-insensitive) and the names -G prints, indexed by value.
struct ChoiceSet {
  std::span<const Choice> parse;
  std::span<const std::string_view> dump;
};

// Everything a row handler sees about one line.
struct LineContext {
  ClientConfig& cfg;
  const std::vector<std::string>& args;       // the arguments, unquoted
  std::string_view rest;                      // the raw text after the keyword (commands)
  std::string keyword;                        // lower-cased as typed, for messages
  bool active = false;                        // inside a matching Host/Match block
  bool first = false;                         // the option has not been set yet
  std::vector<std::string>* notes = nullptr;  // stand-alone lines ssh prints first
  bool store() const { return active && first; }
};

using Field = std::variant<std::monostate, bool ClientConfig::*, int ClientConfig::*,
                           std::string ClientConfig::*, std::vector<std::string> ClientConfig::*>;

// Returns the message without the "<file> line <n>: " prefix on error.
using ParseFn = Status (*)(const OptionSpec& spec, LineContext& line);
// Appends zero or more "keyword value\n" lines.
using DumpFn = void (*)(const OptionSpec& spec, const ClientConfig& cfg, std::string& out);

enum class Arity : uint8_t {
  one,      // exactly one argument
  many,     // one or more
  rest,     // the raw rest of the line (ProxyCommand and friends)
  special,  // the handler checks (Host, Match, Include, forwards)
};

// What the client does with a keyword. OpenSSH's rule for what it cannot do is followed:
// nothing is accepted and silently not done.
enum class Support : uint8_t {
  implemented,
  // Like OpenSSH built without the feature (GSSAPI, PKCS#11, security keys): a line that
  // turns it on gets the warning 'Unsupported option "kw"' and has no effect.
  compiled_out,
  // Not implemented yet: a line that turns it on, in a block that applies, is an error
  // ('Unsupported option "kw"') and ssh stops, as for a bad configuration option.
  missing,
};

struct OptionSpec {
  std::string_view keyword;    // as spelled in ssh_config(5)
  std::string_view alias_of;   // non-empty: this row only renames another keyword
  std::string_view dump_name;  // -G name; empty: not printed by the generic dumper
  Arity arity;
  ParseFn parse;
  DumpFn dump;  // nullptr: not printed
  Field field;
  const ChoiceSet* choices = nullptr;
  int min = 0;  // integer bounds, or the AlgorithmKind of a list
  int max = 0;
  std::string_view dump_empty = {};  // what -G prints for an empty list/string
  Support support = Support::implemented;
  // For compiled_out and missing rows: the values (lower case) that leave the feature
  // off. Such a line parses as usual; any other value is refused or warned about.
  std::span<const std::string_view> off = {};
};

// Whether a line's arguments leave a not-implemented feature off (see Support).
bool leaves_feature_off(const OptionSpec& spec, const std::vector<std::string>& args);

std::span<const OptionSpec> client_option_table();

// Finds the row for a keyword (case-insensitive), following aliases to the row that
// owns the value. Returns the row index, or -1.
int find_client_option(std::string_view keyword);

// Block keywords that the file grammar handles itself.
bool is_block_keyword(std::string_view lower_keyword);  // host, match, include

}  // namespace ssh::config
