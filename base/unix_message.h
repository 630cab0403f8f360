// Whole messages over SOCK_SEQPACKET Unix sockets, optionally carrying one fd
// (SCM_RIGHTS). Used between sshd's monitor and its children, and later by the registry
// of suspended sessions. Message size is bounded by the receiver.
#pragma once

#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace ssh {

struct UnixMessage {
  Bytes data;
  UniqueFd fd;  // invalid when none was passed
};

// A connected SOCK_SEQPACKET pair, both ends close-on-exec.
Result<std::pair<UniqueFd, UniqueFd>> seqpacket_pair();

// Blocking; EINTR retried. fd_to_pass < 0 sends no descriptor.
Status send_unix_message(int socket, ByteView data, int fd_to_pass = -1);
// Blocking; ErrorCode::closed at EOF; a message longer than max_size or truncated by the
// kernel is an error (the peer is not trusted to size its messages).
Result<UnixMessage> receive_unix_message(int socket, size_t max_size);

}  // namespace ssh
