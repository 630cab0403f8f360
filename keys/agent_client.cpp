#include "keys/agent_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::keys {

namespace {

using Clock = std::chrono::steady_clock;

// Waits for fd to become ready; the remaining time is recomputed so that a stream of
// tiny writes cannot stretch the total beyond the timeout.
Status wait_ready(int fd, short events, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return fail(ErrorCode::io, "agent timeout");
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, int(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(ErrorCode::io, "agent poll failed");
    if (r == 0) return fail(ErrorCode::io, "agent timeout");
    return {};
  }
}

}  // namespace

std::optional<PublicKey> AgentIdentity::key() const {
  auto k = PublicKey::from_blob(blob);
  if (!k) return std::nullopt;
  return std::move(*k);
}

Result<AgentClient> AgentClient::connect(const std::string& socket_path, int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof addr.sun_path) {
    return fail(ErrorCode::config, "agent socket path invalid");
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail(ErrorCode::io, "agent socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return fail(ErrorCode::io, std::string("connect to agent: ") + std::strerror(errno));
  }
  return AgentClient(std::move(fd), timeout_ms);
}

AgentClient AgentClient::from_fd(UniqueFd fd, int timeout_ms) {
  return AgentClient(std::move(fd), timeout_ms);
}

Status AgentClient::write_all(ByteView data) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_);
  size_t done = 0;
  while (done < data.size()) {
    SSH_TRY(wait_ready(fd_.get(), POLLOUT, deadline));
    ssize_t n = ::send(fd_.get(), data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return fail(ErrorCode::io, "agent write failed");
    done += size_t(n);
  }
  return {};
}

Status AgentClient::read_exact(uint8_t* out, size_t n) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_);
  size_t done = 0;
  while (done < n) {
    SSH_TRY(wait_ready(fd_.get(), POLLIN, deadline));
    ssize_t r = ::recv(fd_.get(), out + done, n - done, MSG_DONTWAIT);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r == 0) return fail(ErrorCode::closed, "agent closed the connection");
    if (r < 0) return fail(ErrorCode::io, "agent read failed");
    done += size_t(r);
  }
  return {};
}

Result<Bytes> AgentClient::transact(ByteView request) {
  if (!fd_) return fail(ErrorCode::internal, "agent not connected");
  if (request.empty() || request.size() > agent::kMaxMessage) {
    return fail(ErrorCode::limit, "agent request size");
  }
  Bytes msg = WireWriter().string(request).take();
  SSH_TRY(write_all(msg));
  uint8_t len_buf[4];
  SSH_TRY(read_exact(len_buf, sizeof len_buf));
  uint32_t len = load_be32(len_buf);
  if (len == 0 || len > agent::kMaxMessage) {
    fd_.reset();  // the stream is out of sync: do not reuse it
    return fail(ErrorCode::limit, "agent reply size");
  }
  Bytes reply(len);
  SSH_TRY(read_exact(reply.data(), reply.size()));
  return reply;
}

Result<std::vector<AgentIdentity>> AgentClient::request_identities() {
  uint8_t req = agent::kRequestIdentities;
  Bytes reply = SSH_TRY(transact(ByteView(&req, 1)));
  WireReader r(reply);
  uint8_t type = SSH_TRY(r.u8());
  if (type == agent::kFailure || type == agent::kExtensionFailure) {
    return fail(ErrorCode::auth, "agent refused to list identities");
  }
  if (type != agent::kIdentitiesAnswer) return fail(ErrorCode::protocol, "unexpected agent reply");
  uint32_t count = SSH_TRY(r.u32());
  if (count > agent::kMaxIdentities) return fail(ErrorCode::limit, "too many agent identities");
  std::vector<AgentIdentity> ids;
  ids.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    ByteView blob = SSH_TRY(r.string());
    std::string_view comment = SSH_TRY(r.text());
    ids.push_back(AgentIdentity{Bytes(blob.begin(), blob.end()), std::string(comment)});
  }
  SSH_TRY(r.expect_end());
  return ids;
}

Result<Bytes> AgentClient::sign(ByteView key_blob, ByteView data, uint32_t flags) {
  WireWriter w;
  w.u8(agent::kSignRequest).string(key_blob).string(data).u32(flags);
  Bytes reply = SSH_TRY(transact(w.view()));
  WireReader r(reply);
  uint8_t type = SSH_TRY(r.u8());
  if (type == agent::kFailure || type == agent::kExtensionFailure) {
    return fail(ErrorCode::auth, "agent refused operation");
  }
  if (type != agent::kSignResponse) return fail(ErrorCode::protocol, "unexpected agent reply");
  ByteView sig = SSH_TRY(r.string());
  SSH_TRY(r.expect_end());
  return Bytes(sig.begin(), sig.end());
}

Result<Bytes> AgentClient::sign(ByteView key_blob, ByteView data, SigAlg alg) {
  uint32_t flags = 0;
  if (alg == SigAlg::rsa_sha2_256) flags = agent::kFlagRsaSha2_256;
  if (alg == SigAlg::rsa_sha2_512) flags = agent::kFlagRsaSha2_512;
  Bytes sig = SSH_TRY(sign(key_blob, data, flags));
  std::string name = SSH_TRY(signature_alg_name(sig));
  if (name != sig_alg_name(alg)) {
    return fail(ErrorCode::protocol, "agent signed with " + name + " instead of requested algorithm");
  }
  return sig;
}

}  // namespace ssh::keys
