// The algorithm lists our client offers by default, for `ssh -G` and for validating
// names in Ciphers/MACs/KexAlgorithms/...  The transport layer owns negotiation and
// the real tables (transport/algorithms); this is the hook the lead can point there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ssh::config {

enum class AlgorithmKind { cipher, mac, kex, host_key, pubkey, hostbased, ca_signature };

struct AlgorithmInfo {
  std::string_view default_list;  // comma-separated, preference order
  std::string_view supported;     // everything a config may name
  std::string_view error_prefix;  // OpenSSH's message: "Bad SSH2 cipher spec"
};

const AlgorithmInfo& default_algorithms(AlgorithmKind kind);

// Checks a list as written (optionally starting with + - ^) against the supported
// names; '-' lists may use wildcards. Error text like OpenSSH's.
Status validate_algorithm_list(AlgorithmKind kind, std::string_view spec);

// OpenSSH (ssh and sshd alike) prints a line naming the first KEX method of a bad
// KexAlgorithms list before the usual error; appends it to notes when it applies.
void note_unsupported_kex(AlgorithmKind kind, std::string_view spec, std::vector<std::string>* notes);

// Applies a +/-/^ edit (or a plain list) to the default list: what -G prints.
std::string resolve_algorithm_list(AlgorithmKind kind, std::string_view spec);

}  // namespace ssh::config
