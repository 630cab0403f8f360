#include "connection/channel_table.h"

namespace ssh::connection {

Result<Channel*> ChannelTable::allocate(std::string type, uint32_t window_size, uint32_t max_packet,
                                        bool manual_consume) {
  size_t id = 0;
  while (id < slots_.size() && slots_[id]) ++id;
  if (id >= max_channels_) return fail(ErrorCode::limit, "too many channels");
  if (id == slots_.size()) slots_.emplace_back();
  slots_[id] =
      std::make_unique<Channel>(ChannelId(id), std::move(type), window_size, max_packet, manual_consume);
  ++count_;
  return slots_[id].get();
}

Channel* ChannelTable::find(ChannelId id) {
  return id < slots_.size() ? slots_[id].get() : nullptr;
}

const Channel* ChannelTable::find(ChannelId id) const {
  return id < slots_.size() ? slots_[id].get() : nullptr;
}

std::unique_ptr<Channel> ChannelTable::release(ChannelId id) {
  if (id >= slots_.size() || !slots_[id]) return nullptr;
  std::unique_ptr<Channel> c = std::move(slots_[id]);
  --count_;
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return c;
}

std::vector<ChannelId> ChannelTable::ids() const {
  std::vector<ChannelId> out;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i]) out.push_back(ChannelId(i));
  }
  return out;
}

}  // namespace ssh::connection
