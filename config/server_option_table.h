// The server option table: one row per sshd_config keyword, in the style of the client
// table (config/option_table.h). A row says where the value lives, how a line's
// arguments parse into it, whether it may appear inside a Match block, and how
// `sshd -T` prints it. Printing rows are in stock `sshd -T` order, so the dump is a
// walk over the table.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "config/option_table.h"  // Choice, ChoiceSet, Arity
#include "config/server_config.h"

namespace ssh::config {

struct ServerOptionSpec;

// Everything a row handler sees about one line.
struct ServerLineContext {
  ServerConfig& cfg;
  const std::vector<std::string>& args;       // the arguments, unquoted
  std::string_view rest;                      // the raw text after the keyword
  std::string keyword;                        // as typed, for messages
  bool active = false;                        // outside Match, or in a matching block
  bool first = false;                         // not yet set in this pass
  std::vector<std::string>* notes = nullptr;  // stand-alone lines printed first
  bool store() const { return active && first; }
  // Accumulating keywords: the first line of a pass replaces what an earlier pass
  // left (a Match block's list replaces the global one), later lines append.
  bool append() const { return active; }
};

using ServerField = std::variant<std::monostate, bool ServerConfig::*, int ServerConfig::*,
                                 std::string ServerConfig::*, std::vector<std::string> ServerConfig::*>;

// Returns the message without the "<file> line <n>: " prefix on error. Error code
// `config` means "counted, keep reading"; `parse` means fatal.
using ServerParseFn = Status (*)(const ServerOptionSpec& spec, ServerLineContext& line);
using ServerDumpFn = void (*)(const ServerOptionSpec& spec, const ServerConfig& cfg, std::string& out);

// What kind of keyword a parse-only row is.
enum class Retired : uint8_t {
  no,           // a real keyword
  ignored,      // accepted silently (Protocol)
  deprecated,   // "Deprecated option X"
  unsupported,  // "Unsupported option X"
};

struct ServerOptionSpec {
  std::string_view keyword;    // as spelled in sshd_config(5)
  std::string_view alias_of;   // non-empty: this row only renames another keyword
  std::string_view dump_name;  // -T name
  Arity arity;
  ServerParseFn parse;
  ServerDumpFn dump;  // nullptr: not printed
  ServerField field;
  bool in_match = false;  // allowed inside a Match block
  const ChoiceSet* choices = nullptr;
  int min = 0;  // integer bounds, or the AlgorithmKind of a list
  int max = 0;
  std::string_view dump_empty = {};  // what -T prints for an empty string/list
  Retired retired = Retired::no;
};

std::span<const ServerOptionSpec> server_option_table();

// Finds the row for a keyword (case-insensitive), following aliases to the row that
// owns the value, but keeping the alias's own Match permission in `in_match`.
// Returns the row index, or -1.
int find_server_option(std::string_view keyword, bool* in_match = nullptr);

}  // namespace ssh::config
