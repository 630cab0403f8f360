// libFuzzer target: the bytes a peer sends before and during the first key exchange.
// Exercises the version exchange, packet framing (none cipher), KEXINIT decoding and
// negotiation, and the kex reply parsers. The first input byte picks the target.
#include <cstddef>
#include <cstdint>

#include "transport/kexinit.h"
#include "transport/packet_codec.h"
#include "transport/transport_session.h"

namespace {

class RejectingVerifier final : public ssh::transport::HostKeyVerifier {
 public:
  ssh::Status verify(std::string_view, ssh::ByteView, ssh::ByteView, ssh::ByteView) override {
    return ssh::fail(ssh::ErrorCode::auth, "fuzz: host key rejected");
  }
};

void fuzz_session(ssh::ByteView data) {
  RejectingVerifier verifier;
  ssh::transport::TransportConfig config;
  config.verifier = &verifier;
  ssh::transport::TransportSession session(std::move(config));
  // Feed in two pieces so partial-buffer paths run too.
  size_t half = data.size() / 2;
  for (ssh::ByteView part : {data.first(half), data.subspan(half)}) {
    if (!session.feed(part)) return;
    while (true) {
      auto m = session.next_message();
      if (!m || !*m) break;
    }
    session.consume_output(session.pending_output().size());
  }
}

void fuzz_codec(ssh::ByteView data) {
  ssh::transport::PacketCodec codec(ssh::crypto::system_random());
  codec.feed(data);
  while (true) {
    auto p = codec.read_packet();
    if (!p || !*p) break;
    (void)ssh::transport::KexInit::decode(**p);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ssh::ByteView rest(data + 1, size - 1);
  if (data[0] & 1) {
    fuzz_session(rest);
  } else {
    fuzz_codec(rest);
  }
  return 0;
}
