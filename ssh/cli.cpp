#include "ssh/cli.h"

#include <getopt.h>

#include <cstdlib>
#include <cstring>

#include "transport/algorithms.h"

namespace ssh::client {

namespace {

constexpr const char* kOptString = "+1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:P:Q:R:S:TVw:W:XYy";

std::unexpected<Error> usage_error() {
  return fail(ErrorCode::config, usage_text());
}

bool valid_port(const char* s, int& port) {
  char* end = nullptr;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v <= 0 || v > 65535) return false;
  port = int(v);
  return true;
}

// Splits "[user@]host" and "ssh://[user@]host[:port]" (RFC 3986 form, as ssh(1) accepts).
Status parse_destination(std::string dest, CommandLine& cl) {
  constexpr std::string_view kScheme = "ssh://";
  bool uri = dest.rfind(kScheme, 0) == 0;
  if (uri) dest = dest.substr(kScheme.size());
  size_t at = dest.rfind('@');
  if (at != std::string::npos) {
    cl.user = dest.substr(0, at);
    dest = dest.substr(at + 1);
  }
  if (uri) {
    if (!dest.empty() && dest.back() == '/') dest.pop_back();
    size_t colon = dest.rfind(':');
    bool bracketed = !dest.empty() && dest[0] == '[';
    if (bracketed) {
      size_t close = dest.find(']');
      if (close == std::string::npos) return fail(ErrorCode::config, "Invalid URI");
      if (close + 1 < dest.size()) {
        if (dest[close + 1] != ':') return fail(ErrorCode::config, "Invalid URI");
        int port;
        if (!valid_port(dest.c_str() + close + 2, port)) return fail(ErrorCode::config, "Bad port");
        cl.port = port;
      }
      dest = dest.substr(1, close - 1);
    } else if (colon != std::string::npos) {
      int port;
      if (!valid_port(dest.c_str() + colon + 1, port)) return fail(ErrorCode::config, "Bad port");
      cl.port = port;
      dest = dest.substr(0, colon);
    }
  }
  if (dest.empty()) return usage_error();
  cl.destination = dest;
  return {};
}

// -L/-R take "[bind:]port:host:hostport" (the colon form) while the ssh_config keywords
// take "listen target" as two words: split the colon form at the field that starts the
// target. Fields in [] keep their colons.
std::string forward_words(const std::string& spec, bool remote) {
  if (spec.find_first_of(" \t") != std::string::npos) return spec;
  std::vector<std::string> fields;
  std::string cur;
  int depth = 0;
  for (char ch : spec) {
    if (ch == '[') ++depth;
    if (ch == ']') --depth;
    if (ch == ':' && depth == 0) {
      fields.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  fields.push_back(cur);
  auto numeric = [](const std::string& f) {
    return !f.empty() && f.find_first_not_of("0123456789") == std::string::npos;
  };
  auto join = [&](size_t from, size_t to) {
    std::string out;
    for (size_t i = from; i < to; ++i) out += (i > from ? ":" : "") + fields[i];
    return out;
  };
  size_t n = fields.size();
  size_t split = 0;
  if (n == 4) {
    split = 2;
  } else if (n == 3) {
    split = numeric(fields[2]) ? 1 : 2;  // port:host:hostport, or bind:port:/socket
  } else if (n == 2) {
    if (remote && numeric(fields[1]) && fields[0].find('/') == std::string::npos)
      return spec;  // -R bind:port
    split = 1;
  } else {
    return spec;
  }
  return join(0, split) + " " + join(split, n);
}

// -c and -m are checked at once with OpenSSH's wording.
Status check_algorithm_flag(transport::AlgorithmKind kind, const char* spec, const char* what) {
  auto list = transport::apply_algorithm_spec(kind, spec);
  if (!list) return fail(ErrorCode::config, std::string("Unknown ") + what + " type '" + spec + "'");
  return {};
}

}  // namespace

std::string usage_text() {
  return "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n"
         "           [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]\n"
         "           [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]\n"
         "           [-i identity_file] [-J [user@]host[:port]] [-L address]\n"
         "           [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]\n"
         "           [-Q query_option] [-R address] [-S ctl_path] [-W host:port]\n"
         "           [-w local_tun[:remote_tun]] destination [command [argument ...]]";
}

Result<CommandLine> parse_command_line(int argc, char** argv) {
  CommandLine cl;
  auto opt = [&cl](std::string kw, const char* value) { cl.options.push_back(kw + "=" + value); };
  optind = 1;
  opterr = 0;
  // Options may follow the destination, as with OpenSSH: parse until the first
  // non-option after the host is found.
  std::vector<std::string> positional;
  while (optind < argc) {
    int c = getopt(argc, argv, kOptString);
    if (c == -1) {
      if (!positional.empty()) break;
      positional.emplace_back(argv[optind++]);
      continue;
    }
    switch (c) {
      case '4': opt("AddressFamily", "inet"); break;
      case '6': opt("AddressFamily", "inet6"); break;
      case 'A': opt("ForwardAgent", "yes"); break;
      case 'a': opt("ForwardAgent", "no"); break;
      case 'b': opt("BindAddress", optarg); break;
      case 'B': opt("BindInterface", optarg); break;
      case 'C': opt("Compression", "yes"); break;
      case 'c':
        SSH_TRY(check_algorithm_flag(transport::AlgorithmKind::cipher, optarg, "cipher"));
        opt("Ciphers", optarg);
        break;
      case 'm':
        SSH_TRY(check_algorithm_flag(transport::AlgorithmKind::mac, optarg, "mac"));
        opt("MACs", optarg);
        break;
      case 'D': opt("DynamicForward", optarg); break;
      // -L/-R take the colon form; the ssh_config keywords take listen and target as two
      // words.
      case 'L': opt("LocalForward", forward_words(optarg, false).c_str()); break;
      case 'R': opt("RemoteForward", forward_words(optarg, true).c_str()); break;
      case 'E': cl.log_file = optarg; break;
      case 'e': opt("EscapeChar", optarg); break;
      case 'F': cl.config_file = optarg; break;
      case 'f': opt("ForkAfterAuthentication", "yes"); break;
      case 'G': cl.dump_config = true; break;
      case 'i': cl.identity_files.emplace_back(optarg); break;
      case 'J': opt("ProxyJump", optarg); break;
      case 'l': opt("User", optarg); break;
      case 'N': opt("SessionType", "none"); break;
      case 's': opt("SessionType", "subsystem"); break;
      case 'n': opt("StdinNull", "yes"); break;
      case 'o': cl.options.emplace_back(optarg); break;
      case 'p': {
        int port;
        if (!valid_port(optarg, port))
          return fail(ErrorCode::config, std::string("Bad port '") + optarg + "'");
        opt("Port", optarg);
        break;
      }
      case 'q': cl.quiet = true; break;
      case 'T': cl.no_tty = true; break;
      case 't': ++cl.tty_flags; break;
      case 'V': cl.version = true; break;
      case 'v': ++cl.verbose; break;
      case 'x': opt("ForwardX11", "no"); break;
      case 'X': opt("ForwardX11", "yes"); break;
      case 'Y':
        opt("ForwardX11Trusted", "yes");
        opt("ForwardX11", "yes");
        break;
      case 'S': opt("ControlPath", optarg); break;
      case 'M': opt("ControlMaster", "yes"); break;
      case 'Q': cl.query = optarg; break;
      case 'g': opt("GatewayPorts", "yes"); break;
      case 'y': cl.syslog = true; break;
      // GSSAPI: these turn options on that are "Unsupported" here, as in an OpenSSH
      // built without GSSAPI.
      case 'k': opt("GSSAPIDelegateCredentials", "no"); break;
      case 'K':
        opt("GSSAPIAuthentication", "yes");
        opt("GSSAPIDelegateCredentials", "yes");
        break;
      case '1': return fail(ErrorCode::config, "SSH protocol v.1 is no longer supported");
      case '2': break;  // the only protocol there is
      case 'I':
      case 'O':
      case 'P':
      case 'w':
      case 'W': return fail(ErrorCode::config, std::string("ssh: option -") + char(c) + " is not supported");
      default: return usage_error();
    }
  }
  if (cl.version || cl.query) return cl;
  if (positional.empty()) return usage_error();
  SSH_TRY(parse_destination(positional[0], cl));
  for (int i = optind; i < argc; ++i) cl.command.emplace_back(argv[i]);
  if (cl.tty_flags == 1) opt("RequestTTY", "yes");
  if (cl.tty_flags >= 2) opt("RequestTTY", "force");
  if (cl.no_tty) opt("RequestTTY", "no");
  return cl;
}

}  // namespace ssh::client
