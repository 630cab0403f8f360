// Channel id allocation with an explicit limit. Ids are the lowest free numbers, as in
// OpenSSH; an id is reused only after both CLOSE messages have passed (RFC 4254 §5.3),
// so a late message cannot reach a new channel.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "connection/channel.h"

namespace ssh::connection {

class ChannelTable {
 public:
  explicit ChannelTable(size_t max_channels) : max_channels_(max_channels) {}

  // A new channel with the lowest free id; a limit error when max_channels are in use.
  Result<Channel*> allocate(std::string type, uint32_t window_size, uint32_t max_packet, bool manual_consume);
  // nullptr when the id is not in use. Pointers stay valid until release().
  Channel* find(ChannelId id);
  const Channel* find(ChannelId id) const;
  // Frees the id and hands the channel to the caller (null if unknown).
  std::unique_ptr<Channel> release(ChannelId id);

  size_t size() const { return count_; }
  size_t max_channels() const { return max_channels_; }
  std::vector<ChannelId> ids() const;

 private:
  size_t max_channels_;
  size_t count_ = 0;
  std::vector<std::unique_ptr<Channel>> slots_;  // index == id
};

}  // namespace ssh::connection
