#include "connection/forward_requests.h"

#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::connection {

namespace {

Result<std::string> text(WireReader& r, size_t max) {
  std::string_view v = SSH_TRY(r.text(max));
  return std::string(v);
}

// direct-tcpip and forwarded-tcpip share one layout: (string, uint32, string, uint32).
struct HostPortPair {
  std::string host;
  uint32_t port = 0;
  std::string originator;
  uint32_t originator_port = 0;
};

Bytes encode_pair(const std::string& host, uint32_t port, const std::string& originator,
                  uint32_t originator_port) {
  return WireWriter().string(host).u32(port).string(originator).u32(originator_port).take();
}

Result<HostPortPair> decode_pair(ByteView data) {
  WireReader r(data);
  HostPortPair p;
  p.host = SSH_TRY(text(r, kMaxHostLength));
  p.port = SSH_TRY(r.u32());
  p.originator = SSH_TRY(text(r, kMaxHostLength));
  p.originator_port = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return p;
}

Result<std::string> decode_path_only(ByteView data) {
  WireReader r(data);
  std::string path = SSH_TRY(text(r, kMaxSocketPathLength));
  SSH_TRY(r.expect_end());
  return path;
}

}  // namespace

Bytes encode(const DirectTcpip& m) {
  return encode_pair(m.host_to_connect, m.port_to_connect, m.originator_address, m.originator_port);
}

Result<DirectTcpip> decode_direct_tcpip(ByteView data) {
  HostPortPair p = SSH_TRY(decode_pair(data));
  return DirectTcpip{std::move(p.host), p.port, std::move(p.originator), p.originator_port};
}

Bytes encode(const ForwardedTcpip& m) {
  return encode_pair(m.connected_address, m.connected_port, m.originator_address, m.originator_port);
}

Result<ForwardedTcpip> decode_forwarded_tcpip(ByteView data) {
  HostPortPair p = SSH_TRY(decode_pair(data));
  return ForwardedTcpip{std::move(p.host), p.port, std::move(p.originator), p.originator_port};
}

Bytes encode(const TcpipForward& m) {
  return WireWriter().string(m.bind_address).u32(m.bind_port).take();
}

Result<TcpipForward> decode_tcpip_forward(ByteView data) {
  WireReader r(data);
  TcpipForward m;
  m.bind_address = SSH_TRY(text(r, kMaxHostLength));
  m.bind_port = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return m;
}

// PROTOCOL §2.4: string socket path, string reserved, uint32 reserved.
Bytes encode(const DirectStreamlocal& m) {
  return WireWriter().string(m.socket_path).string("").u32(0).take();
}

Result<DirectStreamlocal> decode_direct_streamlocal(ByteView data) {
  WireReader r(data);
  DirectStreamlocal m;
  m.socket_path = SSH_TRY(text(r, kMaxSocketPathLength));
  SSH_TRY(r.string(kMaxHostLength));  // reserved
  SSH_TRY(r.u32());                   // reserved
  SSH_TRY(r.expect_end());
  return m;
}

// PROTOCOL §2.4: string socket path, string reserved.
Bytes encode(const ForwardedStreamlocal& m) {
  return WireWriter().string(m.socket_path).string("").take();
}

Result<ForwardedStreamlocal> decode_forwarded_streamlocal(ByteView data) {
  WireReader r(data);
  ForwardedStreamlocal m;
  m.socket_path = SSH_TRY(text(r, kMaxSocketPathLength));
  SSH_TRY(r.string(kMaxHostLength));  // reserved
  SSH_TRY(r.expect_end());
  return m;
}

Bytes encode(const StreamlocalForward& m) {
  return WireWriter().string(m.socket_path).take();
}

Result<StreamlocalForward> decode_streamlocal_forward(ByteView data) {
  return StreamlocalForward{SSH_TRY(decode_path_only(data))};
}

Bytes encode_tcpip_forward_reply(uint32_t bound_port) {
  return WireWriter().u32(bound_port).take();
}

Result<uint32_t> decode_tcpip_forward_reply(ByteView data, uint32_t requested_port) {
  if (data.empty()) return requested_port;
  WireReader r(data);
  uint32_t port = SSH_TRY(r.u32());
  SSH_TRY(r.expect_end());
  return port;
}

Bytes encode_hostkeys(const std::vector<ByteView>& blobs) {
  WireWriter w;
  for (ByteView b : blobs) w.string(b);
  return w.take();
}

Result<std::vector<ByteView>> decode_hostkeys(ByteView data) {
  WireReader r(data);
  std::vector<ByteView> blobs;
  while (r.remaining() > 0) {
    if (blobs.size() >= kMaxHostkeys) return fail(ErrorCode::limit, "too many host keys");
    blobs.push_back(SSH_TRY(r.string()));
  }
  return blobs;
}

}  // namespace ssh::connection
