#include "base/unix_message.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>

namespace ssh {

Result<std::pair<UniqueFd, UniqueFd>> seqpacket_pair() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return fail(ErrorCode::io, std::string("socketpair: ") + strerror(errno));
  }
  return std::make_pair(UniqueFd(sv[0]), UniqueFd(sv[1]));
}

Status send_unix_message(int socket, ByteView data, int fd_to_pass) {
  iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (fd_to_pass >= 0) {
    memset(control, 0, sizeof control);
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
  }
  ssize_t n;
  while ((n = sendmsg(socket, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  if (n < 0) return fail(ErrorCode::io, std::string("sendmsg: ") + strerror(errno));
  if (size_t(n) != data.size()) return fail(ErrorCode::io, "sendmsg: short write");
  return {};
}

Result<UnixMessage> receive_unix_message(int socket, size_t max_size) {
  UnixMessage out;
  out.data.resize(max_size + 1);  // one spare byte detects an oversized message
  iovec iov{out.data.data(), out.data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return fail(ErrorCode::io, std::string("recvmsg: ") + strerror(errno));
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int))) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
      out.fd.reset(fd);
    }
  }
  if (n == 0) return fail(ErrorCode::closed, "peer closed");
  if (size_t(n) > max_size || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
    return fail(ErrorCode::limit, "unix message too large");
  }
  out.data.resize(size_t(n));
  return out;
}

}  // namespace ssh
