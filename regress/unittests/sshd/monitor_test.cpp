// The privilege boundary: every monitor request type in every phase (allowed: handled;
// not allowed: refused and the connection marked violated), once-only repeats, and
// truncated, trailing and oversized request bodies (STYLE.md §4 "truncation at every
// offset"). The table itself lives in sshd/monitor.cpp.
#include <gtest/gtest.h>

#include <string>

#include "regress/unittests/sshd/monitor_harness.h"

namespace ssh::sshd::test {
namespace {

using P = Monitor::Phase;
using T = MonitorType;

std::string describe(T type, P phase) {
  return std::string(Monitor::request_name(type)) + "(" + std::to_string(int(type)) + ") in " +
         Monitor::phase_name(phase);
}

bool refused_by_table(const Error& e) {
  const std::string& c = e.context;
  return c.find("(not allowed there)") != std::string::npos ||
         c.find("unknown request") != std::string::npos || c.find("repeated once-only") != std::string::npos;
}

// What the table must say, written out independently of monitor.cpp so that a change to
// either shows up here.
bool expected_allowed(T type, P phase) {
  switch (type) {
    case T::log: return true;
    case T::sign: return phase == P::preauth || phase == P::state_received;
    case T::transport_state: return phase == P::authenticated;
    case T::register_continuation:
    case T::resume_policy:
    case T::suspend_state: return phase == P::state_received;
    case T::lookup_user:
    case T::check_publickey:
    case T::verify_publickey:
    case T::check_password:
    case T::kbdint_start:
    case T::kbdint_respond:
    case T::kbdint_stop:
    case T::account:
    case T::auth_done:
    case T::resume: return phase == P::preauth;
    default: return false;  // answer, refused and anything unknown
  }
}

TEST(MonitorTable, MatchesTheReviewedPolicy) {
  for (P phase : kAllPhases) {
    for (T type : kAllTypes)
      EXPECT_EQ(Monitor::allowed(type, phase), expected_allowed(type, phase)) << describe(type, phase);
  }
  for (int t = 0; t < 256; ++t) {
    bool known = false;
    for (T k : kAllTypes) known = known || int(k) == t;
    if (!known) {
      for (P phase : kAllPhases) EXPECT_FALSE(Monitor::allowed(T(t), phase)) << t;
    }
  }
  for (T type : kAllTypes) {
    bool once = type == T::lookup_user || type == T::auth_done || type == T::transport_state ||
                type == T::register_continuation;
    EXPECT_EQ(Monitor::once_only(type), once) << Monitor::request_name(type);
  }
}

TEST(MonitorTable, EveryPhaseIsReachable) {
  for (P phase : kAllPhases) {
    MonitorRig rig;
    ASSERT_TRUE(rig.reach(phase)) << Monitor::phase_name(phase);
    EXPECT_EQ(rig.monitor().phase(), phase);
    EXPECT_FALSE(rig.monitor().violated());
  }
}

// Each request in each phase, on a fresh monitor: allowed ones are answered, the others
// refused with a log line naming the request and the phase, and the connection is over.
TEST(MonitorDispatch, EveryRequestInEveryPhase) {
  for (P phase : kAllPhases) {
    for (T type : kAllTypes) {
      SCOPED_TRACE(describe(type, phase));
      MonitorRig rig;
      ASSERT_TRUE(rig.reach(phase));
      if (phase == P::preauth) {
        ASSERT_TRUE(rig.prepare_preauth(type));
      }
      auto answer = rig.send(type);
      if (expected_allowed(type, phase)) {
        ASSERT_TRUE(answer.has_value()) << answer.error().context;
        EXPECT_FALSE(rig.monitor().violated());
      } else {
        ASSERT_FALSE(answer.has_value());
        EXPECT_TRUE(refused_by_table(answer.error())) << answer.error().context;
        EXPECT_NE(answer.error().context.find(Monitor::phase_name(phase)), std::string::npos);
        EXPECT_TRUE(rig.monitor().violated());
        // Nothing is answered after a refusal, not even what would be allowed.
        EXPECT_FALSE(rig.send(T::log).has_value());
      }
    }
  }
}

TEST(MonitorDispatch, AnswersCarryTheAnswerType) {
  MonitorRig rig;
  auto answer = rig.send(T::sign);
  ASSERT_TRUE(answer.has_value());
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ(message_type(**answer), T::answer);
  // Requests without an answer: log, kbdint_stop.
  auto none = rig.send(T::log);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST(MonitorDispatch, OnceOnlyRequestsAreRefusedTheSecondTime) {
  struct Case {
    T type;
    P phase;
  };
  // lookup_user and register_continuation stay in their phase, so the second one meets
  // the once-only rule itself; auth_done and transport_state move the phase on, so the
  // repeat is refused as out of phase. Either way: refused, connection over.
  for (Case c :
       {Case{T::lookup_user, P::preauth}, Case{T::auth_done, P::preauth},
        Case{T::transport_state, P::authenticated}, Case{T::register_continuation, P::state_received}}) {
    SCOPED_TRACE(Monitor::request_name(c.type));
    MonitorRig rig;
    ASSERT_TRUE(rig.reach(c.phase));
    if (c.phase == P::preauth) {
      ASSERT_TRUE(rig.prepare_preauth(c.type));
    }
    ASSERT_TRUE(rig.send(c.type).has_value());
    auto again = rig.send(c.type);
    ASSERT_FALSE(again.has_value());
    EXPECT_TRUE(refused_by_table(again.error())) << again.error().context;
    EXPECT_TRUE(rig.monitor().violated());
    if (c.type == T::lookup_user || c.type == T::register_continuation) {
      EXPECT_NE(again.error().context.find("repeated once-only"), std::string::npos) << again.error().context;
    }
  }
}

TEST(MonitorDispatch, RepeatableRequestsStayAnswered) {
  MonitorRig rig;
  ASSERT_TRUE(rig.reach(P::preauth));
  ASSERT_TRUE(rig.prepare_preauth(T::check_password));
  for (int i = 0; i < 3; ++i) {
    for (T t : {T::sign, T::check_publickey, T::check_password, T::kbdint_start, T::kbdint_stop, T::log,
                T::resume}) {
      EXPECT_TRUE(rig.send(t).has_value()) << Monitor::request_name(t) << " #" << i;
    }
  }
  EXPECT_EQ(rig.monitor().phase(), P::preauth);  // refused resumptions leave it in preauth
}

// suspend_state reaches the connection handler's callback, unanswered; a flag other
// than 0 or 1 is a malformed request.
TEST(MonitorDispatch, SuspendStateReachesItsCallback) {
  MonitorRig rig;
  ASSERT_TRUE(rig.reach(P::state_received));
  std::vector<bool> seen;
  rig.monitor().on_suspend_state([&seen](bool suspended) { seen.push_back(suspended); });
  for (bool suspended : {true, false}) {
    auto answer = rig.monitor().handle(encode(SuspendState{suspended}));
    ASSERT_TRUE(answer.has_value()) << answer.error().context;
    EXPECT_FALSE(answer->has_value());
  }
  EXPECT_EQ(seen, (std::vector<bool>{true, false}));
  Bytes bad = encode(SuspendState{true});
  bad.back() = 2;
  EXPECT_FALSE(rig.monitor().handle(bad).has_value());
  EXPECT_TRUE(rig.monitor().violated());
  EXPECT_EQ(seen.size(), 2u);
}

// The phase in which each request with a body is allowed, for the malformed-body tests.
P home_phase(T type) {
  if (type == T::transport_state) return P::authenticated;
  if (type == T::register_continuation || type == T::resume_policy || type == T::suspend_state) {
    return P::state_received;
  }
  return P::preauth;
}

TEST(MonitorDispatch, TruncatedBodiesAreRefusedAtEveryOffset) {
  for (T type : kAllTypes) {
    if (!Monitor::allowed(type, home_phase(type))) continue;
    Bytes good = valid_request(type);
    for (size_t len = 0; len < good.size(); ++len) {
      SCOPED_TRACE(std::string(Monitor::request_name(type)) + " cut at " + std::to_string(len));
      MonitorRig rig;
      ASSERT_TRUE(rig.reach(home_phase(type)));
      if (home_phase(type) == P::preauth) {
        ASSERT_TRUE(rig.prepare_preauth(type));
      }
      auto answer = rig.monitor().handle(ByteView(good.data(), len));
      EXPECT_FALSE(answer.has_value());
      EXPECT_TRUE(rig.monitor().violated());
    }
  }
}

// Fuzz finding (fuzz_monitor): a request whose first field is long enough to live on the
// heap and whose second field is cut leaked the first (two SSH_TRY in one braced
// initialiser). Only an ASan/LSan build sees the leak; every build sees the refusal.
TEST(MonitorDispatch, CutAfterALongFirstFieldIsRefusedWithoutALeak) {
  const std::string long_name(40, 'n');
  for (Bytes good :
       {encode(SignRequest{long_name, exchange_hash()}), encode(KbdintStartRequest{long_name, long_name})}) {
    MonitorRig rig;
    ASSERT_TRUE(rig.reach(P::preauth));
    ASSERT_TRUE(rig.prepare_preauth(message_type(good)));
    auto answer = rig.monitor().handle(ByteView(good.data(), good.size() - 2));
    EXPECT_FALSE(answer.has_value());
  }
}

TEST(MonitorDispatch, TrailingBytesAreRefused) {
  for (T type : kAllTypes) {
    if (!Monitor::allowed(type, home_phase(type))) continue;
    SCOPED_TRACE(Monitor::request_name(type));
    Bytes bad = valid_request(type);
    bad.push_back(0);
    MonitorRig rig;
    ASSERT_TRUE(rig.reach(home_phase(type)));
    if (home_phase(type) == P::preauth) {
      ASSERT_TRUE(rig.prepare_preauth(type));
    }
    EXPECT_FALSE(rig.monitor().handle(bad).has_value());
    EXPECT_TRUE(rig.monitor().violated());
  }
}

TEST(MonitorDispatch, OversizedRequestsAreRefused) {
  MonitorRig rig;
  ASSERT_TRUE(rig.reach(P::preauth));
  Bytes huge = encode(LogLine{0, std::string(kMaxMonitorMessage, 'x')});
  ASSERT_GT(huge.size(), kMaxMonitorMessage);
  auto answer = rig.monitor().handle(huge);
  ASSERT_FALSE(answer.has_value());
  EXPECT_NE(answer.error().context.find("oversized"), std::string::npos);
}

TEST(MonitorDispatch, LengthFieldsBeyondTheMessageAreRefused) {
  // A user name claiming 4 GiB, inside a short message.
  for (T type : {T::lookup_user, T::sign, T::log}) {
    MonitorRig rig;
    ASSERT_TRUE(rig.reach(P::preauth));
    Bytes bad{uint8_t(type), 0xff, 0xff, 0xff, 0xff, 'a'};
    if (type == T::log) bad.insert(bad.begin() + 1, 5);  // level byte first
    EXPECT_FALSE(rig.monitor().handle(bad).has_value()) << Monitor::request_name(type);
  }
}

TEST(MonitorDispatch, EmptyRequestIsRefused) {
  MonitorRig rig;
  auto answer = rig.monitor().handle(ByteView{});
  ASSERT_FALSE(answer.has_value());
  EXPECT_TRUE(refused_by_table(answer.error()));
}

TEST(MonitorSecrets, TransportStateIsHandedOverOnce) {
  MonitorRig rig;
  ASSERT_TRUE(rig.reach(P::state_received));
  SecretBytes state = rig.monitor().take_transport_state();
  SecretBytes presecret = rig.monitor().take_presecret();
  EXPECT_EQ(state.size(), 64u);
  EXPECT_EQ(presecret.size(), 32u);
  // Taken means gone: the monitor keeps no copy for later.
  EXPECT_TRUE(rig.monitor().take_transport_state().empty());
  EXPECT_TRUE(rig.monitor().take_presecret().empty());
}

}  // namespace
}  // namespace ssh::sshd::test
