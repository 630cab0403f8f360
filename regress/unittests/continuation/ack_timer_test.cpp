// PROTOCOL.continuation §5.3 on a real event loop: quiet acks after kAckDelayMs, at once
// past a quarter of the peer's limit, none while suspended.
#include "continuation/ack_timer.h"

#include <gtest/gtest.h>

#include <deque>

#include "base/wire_reader.h"

namespace ssh::continuation {
namespace {

constexpr uint64_t kLimit = 64 * 1024;

class Queue final : public Transmitter {
 public:
  Status transmit(ByteView payload) override {
    q.emplace_back(payload.begin(), payload.end());
    return {};
  }
  std::deque<Bytes> q;
};

uint64_t ack_count(const Bytes& payload) {
  EXPECT_TRUE(is_global_request(payload, kAckRequest));
  WireReader r(payload);
  EXPECT_TRUE(r.u8());
  EXPECT_TRUE(r.text());
  EXPECT_TRUE(r.boolean());
  auto count = decode_ack_data(r.rest());
  EXPECT_TRUE(count);
  return count.value_or(0);
}

std::unique_ptr<EventLoop> make_loop() {
  auto made = EventLoop::create();
  EXPECT_TRUE(made);
  return made ? std::move(*made) : nullptr;
}

struct Server {
  Server() {
    Bytes k = {0, 0, 0, 1, 7};
    Bytes h(32, 9);
    Bytes request = encode_setup_request(SetupRequest{kLimit, 0});
    WireReader r(request);
    EXPECT_TRUE(r.u8());
    EXPECT_TRUE(r.text());
    EXPECT_TRUE(r.boolean());
    EXPECT_TRUE(c.accept_setup(r.rest(), Handle{}, 60, derive_presecret(k, h)));
    c.attach(out);
  }
  void receive(size_t size) {
    Bytes m(size, 'x');
    m[0] = 94;
    ASSERT_TRUE(c.on_receive(m));
    ASSERT_TRUE(timer.note_received());
  }
  void run_for(Millis ms) {
    auto end = Clock::now() + ms;
    while (Clock::now() < end) ASSERT_TRUE(loop->run_once(Millis(10)));
  }
  std::unique_ptr<EventLoop> loop = make_loop();
  Queue out;
  Continuation c{kLimit, [](const Error&) {}};
  AckTimer timer{*loop, c, [](const Error&) {}};
};

TEST(AckTimer, QuietAckAfterTheDelay) {
  Server s;
  s.receive(100);
  s.receive(100);
  EXPECT_TRUE(s.out.q.empty());
  s.run_for(Millis(kAckDelayMs + 200));
  ASSERT_EQ(s.out.q.size(), 1u);
  EXPECT_EQ(ack_count(s.out.q.front()), 2u);
  s.run_for(Millis(kAckDelayMs + 100));
  EXPECT_EQ(s.out.q.size(), 1u);  // nothing new, no second ack
}

TEST(AckTimer, AtOncePastAQuarterOfThePeersLimit) {
  Server s;
  s.receive(kLimit / 4 + 1);
  ASSERT_EQ(s.out.q.size(), 1u);
  EXPECT_EQ(ack_count(s.out.q.front()), 1u);
}

TEST(AckTimer, NothingWhileSuspended) {
  Server s;
  s.receive(100);
  s.c.detach();
  s.run_for(Millis(kAckDelayMs + 200));
  EXPECT_TRUE(s.out.q.empty());
}

}  // namespace
}  // namespace ssh::continuation
