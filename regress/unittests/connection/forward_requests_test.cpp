#include "connection/forward_requests.h"

#include <gtest/gtest.h>

#include "codec_checks.h"

namespace ssh::connection {
namespace {

using test::expect_strict;

template <class T, class Decode>
void round_trip(const T& value, Decode decode) {
  Bytes enc = encode(value);
  auto back = decode(ByteView(enc));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, value);
  expect_strict(enc, decode);
}

TEST(ForwardRequests, DirectTcpipKnownAnswer) {
  DirectTcpip d{"localhost", 80, "127.0.0.1", 50000};
  // RFC 4254 §7.2: string host, uint32 port, string originator, uint32 originator port.
  EXPECT_EQ(to_hex(encode(d)),
            "000000096c6f63616c686f7374" "00000050"
            "000000093132372e302e302e31" "0000c350");
  round_trip(d, decode_direct_tcpip);
}

TEST(ForwardRequests, RoundTrips) {
  round_trip(ForwardedTcpip{"0.0.0.0", 2222, "10.0.0.5", 40000}, decode_forwarded_tcpip);
  round_trip(TcpipForward{"", 0}, decode_tcpip_forward);
  round_trip(TcpipForward{"localhost", 8080}, decode_tcpip_forward);
  round_trip(DirectStreamlocal{"/tmp/sock"}, decode_direct_streamlocal);
  round_trip(ForwardedStreamlocal{"/run/user/1000/s"}, decode_forwarded_streamlocal);
  round_trip(StreamlocalForward{"/tmp/listen"}, decode_streamlocal_forward);
}

TEST(ForwardRequests, TcpipForwardReply) {
  Bytes reply = encode_tcpip_forward_reply(34567);
  EXPECT_EQ(to_hex(reply), "00008707");
  EXPECT_EQ(*decode_tcpip_forward_reply(reply, 0), 34567u);
  EXPECT_EQ(*decode_tcpip_forward_reply({}, 8080), 8080u);
  // Empty data is valid (the requested port stands); any other cut is not.
  auto decode = [](ByteView b) { return decode_tcpip_forward_reply(b, 0); };
  for (size_t n = 1; n < reply.size(); ++n) {
    EXPECT_FALSE(decode(ByteView(reply).first(n))) << n;
  }
  Bytes longer = reply;
  longer.push_back(0);
  EXPECT_FALSE(decode(longer));
}

TEST(ForwardRequests, Hostkeys) {
  Bytes a = to_bytes("key-one"), b = to_bytes("key-two");
  Bytes enc = encode_hostkeys({a, b});
  auto keys = decode_hostkeys(enc);
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(as_text((*keys)[0]), "key-one");
  EXPECT_EQ(as_text((*keys)[1]), "key-two");
  for (size_t n = 1; n < enc.size(); ++n) {
    if (n == 4 + a.size()) continue;  // a whole first blob is a valid shorter list
    Bytes prefix(enc.begin(), enc.begin() + n);
    EXPECT_FALSE(decode_hostkeys(prefix)) << n;
  }
  std::vector<ByteView> many(kMaxHostkeys + 1, ByteView(a));
  EXPECT_FALSE(decode_hostkeys(encode_hostkeys(many)));
}

}  // namespace
}  // namespace ssh::connection
