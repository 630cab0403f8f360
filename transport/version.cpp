#include "transport/version.h"

namespace ssh::transport {

std::string make_banner(std::string_view software, std::string_view comment) {
  std::string s = "SSH-2.0-";
  s += software;
  if (!comment.empty()) {
    s += ' ';
    s += comment;
  }
  s += "\r\n";
  return s;
}

Result<size_t> VersionExchange::feed(ByteView data) {
  size_t used = 0;
  while (!done_ && used < data.size()) {
    char c = char(data[used++]);
    ++bytes_seen_;
    if (c != '\n') {
      if (line_.size() + 1 >= kMaxVersionLine) {
        return fail(ErrorCode::limit, "identification line too long",
                    DisconnectReason::protocol_version_not_supported);
      }
      if (c == '\0') {
        return fail(ErrorCode::parse, "NUL in identification line",
                    DisconnectReason::protocol_version_not_supported);
      }
      line_.push_back(c);
      continue;
    }
    SSH_TRY(finish_line());
    if (!done_ && bytes_seen_ > kMaxPreBannerBytes) {
      return fail(ErrorCode::limit, "too much data before identification string");
    }
  }
  return used;
}

Status VersionExchange::finish_line() {
  // RFC 4253 §4.2 says CR LF; like OpenSSH we also accept a bare LF.
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  std::string line;
  line.swap(line_);
  if (line.starts_with("SSH-")) {
    // "SSH-1.99" announces compatibility with 2.0 (RFC 4253 §5.1).
    if (!line.starts_with("SSH-2.0-") && !line.starts_with("SSH-1.99-")) {
      return fail(ErrorCode::protocol, "Protocol major versions differ: " + line,
                  DisconnectReason::protocol_version_not_supported);
    }
    for (char c : line) {
      if (c < ' ' || c > '~') {
        return fail(ErrorCode::parse, "bad character in identification string",
                    DisconnectReason::protocol_version_not_supported);
      }
    }
    peer_version_.swap(line);
    done_ = true;
    return {};
  }
  // Only servers may send other lines first (RFC 4253 §4.2).
  if (role_ == Role::server) {
    return fail(ErrorCode::protocol, "invalid SSH identification string",
                DisconnectReason::protocol_version_not_supported);
  }
  if (++lines_seen_ > kMaxPreBannerLines) {
    return fail(ErrorCode::limit, "too many lines before identification string");
  }
  return {};
}

std::string_view VersionExchange::peer_software() const {
  std::string_view v = peer_version_;
  size_t dash = v.find('-', 4);  // after "SSH-x.y"
  if (dash == v.npos) return {};
  v.remove_prefix(dash + 1);
  return v.substr(0, v.find(' '));
}

}  // namespace ssh::transport
