#include "sshd/session_host.h"

#include <algorithm>
#include <memory>

#include "base/log.h"
#include "connection/session_requests.h"

namespace ssh::sshd {

using namespace ssh::connection;

SessionHost::SessionHost(EventLoop& loop, ChildReaper& reaper, SessionConfig config, SessionContext context)
    : config_(std::move(config)), context_(std::move(context)), services_{loop, reaper, config_, context_} {}

SessionHost::~SessionHost() {
  if (!sessions_.empty()) {
    // The Mux should have gone first; make the survivors harmless at least.
    LOG_ERROR("session host destroyed with %zu live sessions", sessions_.size());
    for (SessionChannel* s : sessions_) {
      s->set_on_destroy(nullptr);
      s->hangup();
    }
  }
}

OpenDecision SessionHost::on_channel_open(const IncomingOpen& open) {
  if (open.type == kChannelSession) return open_session();
  if (next_) return next_->on_channel_open(open);
  return MuxHandler::on_channel_open(open);
}

OpenDecision SessionHost::open_session() {
  if (no_more_sessions_) {
    // OpenSSH disconnects here ("Possible attack"); refusing the channel is enough.
    LOG_INFO("refusing session open after no-more-sessions@openssh.com");
    return OpenDecision::reject(OpenFailureReason::administratively_prohibited, "no more sessions");
  }
  if (sessions_.size() >= config_.max_sessions) {
    LOG_INFO("session_new: too many sessions (%zu)", sessions_.size());
    return OpenDecision::reject(OpenFailureReason::administratively_prohibited, "open failed");
  }
  auto channel = std::make_unique<SessionChannel>(services_);
  SessionChannel* raw = channel.get();
  sessions_.push_back(raw);
  raw->set_on_destroy([this, raw] {
    sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), raw), sessions_.end());
  });
  ChannelOptions options;
  options.manual_consume = true;  // the window follows what the child reads
  return OpenDecision::accept(std::move(channel), options);
}

GlobalReply SessionHost::on_global_request(std::string_view name, bool want_reply, ByteView data) {
  if (name == kGlobalNoMoreSessions) {
    no_more_sessions_ = true;
    return {true, {}};
  }
  if (next_) return next_->on_global_request(name, want_reply, data);
  return MuxHandler::on_global_request(name, want_reply, data);
}

void SessionHost::connection_lost() {
  LOG_DEBUG1("connection lost: hanging up %zu sessions", sessions_.size());
  for (SessionChannel* s : sessions_) s->hangup();
}

}  // namespace ssh::sshd
