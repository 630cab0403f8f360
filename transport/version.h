// Protocol version exchange (RFC 4253 §4.2).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ssh::transport {

enum class Role { client, server };

// RFC 4253 §4.2: the identification line is at most 255 characters including CR LF.
constexpr size_t kMaxVersionLine = 255;
// A client tolerates this many lines before the server's banner (RFC 4253 §4.2 allows
// them; the limits keep a hostile peer from feeding us forever).
constexpr size_t kMaxPreBannerLines = 1024;
constexpr size_t kMaxPreBannerBytes = 64 * 1024;

// "SSH-2.0-<software>[ <comment>]\r\n"
std::string make_banner(std::string_view software, std::string_view comment = {});

// Incremental parser of the peer's identification string.
class VersionExchange {
 public:
  explicit VersionExchange(Role role) : role_(role) {}

  // Consumes as much of data as belongs to the version exchange and returns how many
  // bytes it used; bytes after the banner line belong to the packet layer.
  Result<size_t> feed(ByteView data);
  bool done() const { return done_; }
  // The peer's identification line without CR LF, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2".
  const std::string& peer_version() const { return peer_version_; }
  // The software-version part ("OpenSSH_9.2p1"), used for compat decisions.
  std::string_view peer_software() const;

 private:
  Status finish_line();

  Role role_;
  bool done_ = false;
  std::string line_;
  std::string peer_version_;
  size_t lines_seen_ = 0;
  size_t bytes_seen_ = 0;
};

}  // namespace ssh::transport
