// The replay buffer of PROTOCOL.continuation §5: every counted message this side sent,
// kept until the peer acknowledges it, and the sent/acknowledged counters. All indices
// derived from a peer's count are checked against both counters before any access
// (§5.4, §11.6: the CVE-2016-0777 lesson). Held messages are the user's keystrokes and
// their programs' output, so their bytes are wiped when freed (STYLE.md "Secrets").
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::continuation {

class ReplayBuffer {
 public:
  ReplayBuffer() = default;
  // Test hook: a buffer whose counters both start at `count`, as if `count` messages had
  // been sent and acknowledged (lets tests reach the §4.2 overflow without 2^64 pushes).
  explicit ReplayBuffer(uint64_t count) : sent_(count), acknowledged_(count) {}

  // Stores a copy of message number sent()+1. Fails (the session must end) if the counter
  // would pass 2^64-1 (§4.2).
  Status push(ByteView payload);
  // The same, taking the payload itself (no copy on the hot path).
  Status push(Bytes&& payload);
  // The message push() stored last; valid until the next change.
  ByteView newest() const { return messages_.back().view(); }
  // §5.4: the peer received `count` of our messages. count < acknowledged() or count >
  // sent() is a protocol error and changes nothing; otherwise frees messages up to count.
  Status acknowledge(uint64_t count);
  // Calls fn for each message after the first `count` still held, in order (§7.4); count
  // is checked as in acknowledge() first, and acknowledges up to count on success.
  Status replay_after(uint64_t count, const std::function<void(ByteView)>& fn);

  uint64_t sent() const { return sent_; }
  uint64_t acknowledged() const { return acknowledged_; }
  size_t held_messages() const { return messages_.size(); }
  uint64_t held_bytes() const { return held_bytes_; }

 private:
  // Keystrokes and output: wiped when acknowledged or dropped (SecretBytes).
  std::deque<SecretBytes> messages_;  // numbers acknowledged_+1 .. sent_
  uint64_t sent_ = 0;
  uint64_t acknowledged_ = 0;
  uint64_t held_bytes_ = 0;
};

}  // namespace ssh::continuation
