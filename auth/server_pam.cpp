#include "auth/server_pam.h"

#include <security/pam_appl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "auth/messages.h"
#include "base/log.h"
#include "base/wire_reader.h"
#include "base/wire_writer.h"

namespace ssh::auth {

namespace {

// Frames between the monitor and the keyboard-interactive helper: u32 length + body.
enum HelperMsg : uint8_t { kPrompts = 1, kResult = 2, kResponses = 3 };
constexpr size_t kMaxFrame = 256 * 1024;

Status write_frame(int fd, ByteView body) {
  Bytes frame(4 + body.size());
  store_be32(frame.data(), uint32_t(body.size()));
  std::memcpy(frame.data() + 4, body.data(), body.size());
  size_t done = 0;
  while (done < frame.size()) {
    // MSG_NOSIGNAL: a dead peer must not kill us with SIGPIPE.
    ssize_t n = ::send(fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      wipe(frame.data(), frame.size());
      return fail(ErrorCode::io, "PAM helper write");
    }
    done += size_t(n);
  }
  wipe(frame.data(), frame.size());
  return {};
}

Status read_exact(int fd, uint8_t* p, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = ::read(fd, p + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(ErrorCode::io, "PAM helper closed");
    got += size_t(n);
  }
  return {};
}

Result<SecretBytes> read_frame(int fd) {
  uint8_t len[4];
  SSH_TRY(read_exact(fd, len, 4));
  uint32_t n = load_be32(len);
  if (n > kMaxFrame) return fail(ErrorCode::limit, "PAM helper frame too large");
  SecretBytes body(n);
  SSH_TRY(read_exact(fd, body.data(), n));
  return body;
}

char* copy_secret(ByteView s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

pam_response* new_responses(int n) {
  return static_cast<pam_response*>(std::calloc(size_t(n), sizeof(pam_response)));
}

// Conversation for password authentication: the password answers echo-off prompts.
int password_conversation(int n, const pam_message** msg, pam_response** resp, void* data) {
  auto* ctx = static_cast<PamContext*>(data);
  if (n <= 0 || n > PAM_MAX_NUM_MSG) return PAM_CONV_ERR;
  pam_response* out = new_responses(n);
  if (out == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < n; ++i) {
    switch (msg[i]->msg_style) {
      case PAM_PROMPT_ECHO_OFF:
        if (ctx->conversation_password() == nullptr) break;
        out[i].resp = copy_secret(ctx->conversation_password()->view());
        if (out[i].resp != nullptr) continue;
        break;
      case PAM_ERROR_MSG:
      case PAM_TEXT_INFO: continue;
      default: break;
    }
    for (int j = 0; j < i; ++j) {
      if (out[j].resp != nullptr) {
        wipe(out[j].resp, std::strlen(out[j].resp));
        std::free(out[j].resp);
      }
    }
    std::free(out);
    return PAM_CONV_ERR;
  }
  *resp = out;
  return PAM_SUCCESS;
}

// The helper process side: prompts go to the monitor, answers come back. Informational
// messages are held and sent as the instruction of the next prompt round (or the result).
struct HelperState {
  int fd;
  std::string info;
};

int helper_conversation(int n, const pam_message** msg, pam_response** resp, void* data) {
  auto* st = static_cast<HelperState*>(data);
  if (n <= 0 || n > PAM_MAX_NUM_MSG) return PAM_CONV_ERR;
  WireWriter prompts;
  uint32_t count = 0;
  for (int i = 0; i < n; ++i) {
    int style = msg[i]->msg_style;
    if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) {
      prompts.string(msg[i]->msg).boolean(style == PAM_PROMPT_ECHO_ON);
      ++count;
    } else if (style == PAM_ERROR_MSG || style == PAM_TEXT_INFO) {
      st->info += msg[i]->msg;
      st->info += '\n';
    } else {
      return PAM_CONV_ERR;
    }
  }
  pam_response* out = new_responses(n);
  if (out == nullptr) return PAM_BUF_ERR;
  if (count > 0) {
    WireWriter w;
    w.u8(kPrompts).string(st->info).u32(count).raw(prompts.view());
    st->info.clear();
    Status sent = write_frame(st->fd, w.view());
    auto reply = sent ? read_frame(st->fd) : Result<SecretBytes>(std::unexpected(sent.error()));
    if (!reply) {
      std::free(out);
      return PAM_CONV_ERR;
    }
    WireReader r(reply->view());
    auto type = r.u8();
    auto got = r.u32();
    if (!type || *type != kResponses || !got || *got != count) {
      std::free(out);
      return PAM_CONV_ERR;
    }
    for (int i = 0; i < n; ++i) {
      int style = msg[i]->msg_style;
      if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON) continue;
      auto answer = r.string();
      out[i].resp = answer ? copy_secret(*answer) : nullptr;
    }
  }
  *resp = out;
  return PAM_SUCCESS;
}

[[noreturn]] void run_helper(pam_handle_t* handle, int fd, int flags) {
  HelperState st{fd, {}};
  pam_conv conv{helper_conversation, &st};
  int rc = pam_set_item(handle, PAM_CONV, &conv);
  if (rc == PAM_SUCCESS) rc = pam_authenticate(handle, flags);
  if (rc == PAM_SUCCESS) rc = pam_acct_mgmt(handle, flags);
  WireWriter w;
  w.u8(kResult).boolean(rc == PAM_SUCCESS).string(st.info);
  (void)write_frame(fd, w.view());
  _exit(0);  // no destructors or atexit handlers of the parent's copy
}

}  // namespace

Result<std::unique_ptr<PamContext>> PamContext::start(std::string_view service, std::string_view user,
                                                      std::string_view rhost) {
  std::unique_ptr<PamContext> ctx(new PamContext());
  // The conversation data pointer is the context itself, which never moves (unique_ptr);
  // pam_start copies the pam_conv struct.
  pam_conv conv{password_conversation, ctx.get()};
  std::string svc(service), usr(user), host(rhost);
  int rc = pam_start(svc.c_str(), usr.c_str(), &conv, &ctx->handle_);
  if (rc != PAM_SUCCESS) {
    ctx->handle_ = nullptr;
    return fail(ErrorCode::internal, "pam_start failed");
  }
  if (!host.empty()) pam_set_item(ctx->handle_, PAM_RHOST, host.c_str());
  pam_set_item(ctx->handle_, PAM_TTY, "ssh");
  return ctx;
}

PamContext::~PamContext() {
  kbdint_stop();
  if (session_open_) close_session();
  if (handle_ != nullptr) pam_end(handle_, last_status_);
}

Result<bool> PamContext::authenticate_password(const SecretBytes& password, bool allow_empty) {
  password_ = &password;
  last_status_ = pam_authenticate(handle_, allow_empty ? 0 : PAM_DISALLOW_NULL_AUTHTOK);
  password_ = nullptr;
  if (last_status_ != PAM_SUCCESS) {
    LOG_DEBUG1("PAM: password authentication failed: %s", pam_strerror(handle_, last_status_));
  }
  return last_status_ == PAM_SUCCESS;
}

Result<bool> PamContext::account() {
  last_status_ = pam_acct_mgmt(handle_, 0);
  if (last_status_ != PAM_SUCCESS) {
    LOG_DEBUG1("PAM: account check failed: %s", pam_strerror(handle_, last_status_));
  }
  return last_status_ == PAM_SUCCESS;
}

Result<KbdintStep> PamContext::kbdint_start(bool allow_empty) {
  kbdint_stop();
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return fail(ErrorCode::io, "socketpair for PAM helper");
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return fail(ErrorCode::io, "fork for PAM helper");
  }
  if (pid == 0) {
    ::close(sv[0]);
    run_helper(handle_, sv[1], allow_empty ? 0 : PAM_DISALLOW_NULL_AUTHTOK);
  }
  ::close(sv[1]);
  helper_ = ChildProcess(pid);
  helper_fd_ = UniqueFd(sv[0]);
  return read_helper_step();
}

Result<KbdintStep> PamContext::kbdint_respond(const std::vector<SecretBytes>& responses) {
  KbdintStep failed;
  if (!helper_fd_) return failed;
  WireWriter w;
  w.u8(kResponses).u32(uint32_t(responses.size()));
  for (const auto& r : responses) w.string(r.view());
  Bytes body = w.take();
  Status sent = write_frame(helper_fd_.get(), body);
  wipe(body.data(), body.size());
  if (!sent) {
    kbdint_stop();
    return failed;
  }
  return read_helper_step();
}

Result<KbdintStep> PamContext::read_helper_step() {
  KbdintStep step;  // failure unless the helper says otherwise
  auto frame = read_frame(helper_fd_.get());
  if (!frame) {
    kbdint_stop();
    return step;
  }
  WireReader r(frame->view());
  auto type = r.u8();
  if (type && *type == kPrompts) {
    auto info = r.text();
    auto count = r.u32();
    if (!info || !count || *count > kMaxPrompts) {
      kbdint_stop();
      return step;
    }
    step.instruction = std::string(*info);
    for (uint32_t i = 0; i < *count; ++i) {
      auto text = r.text();
      auto echo = r.boolean();
      if (!text || !echo) {
        kbdint_stop();
        return KbdintStep{};
      }
      step.prompts.push_back({std::string(*text), *echo});
    }
    step.kind = KbdintStep::Kind::prompts;
    return step;
  }
  if (type && *type == kResult) {
    auto ok = r.boolean();
    if (ok && *ok) step.kind = KbdintStep::Kind::success;
  }
  helper_fd_.reset();
  helper_.wait();
  return step;
}

void PamContext::kbdint_stop() {
  helper_fd_.reset();
  helper_.terminate();
}

Status PamContext::open_session(std::string_view tty) {
  std::string t(tty);
  if (!t.empty()) pam_set_item(handle_, PAM_TTY, t.c_str());
  last_status_ = pam_setcred(handle_, PAM_ESTABLISH_CRED);
  if (last_status_ != PAM_SUCCESS) {
    return fail(ErrorCode::auth, std::string("pam_setcred: ") + pam_strerror(handle_, last_status_));
  }
  last_status_ = pam_open_session(handle_, 0);
  if (last_status_ != PAM_SUCCESS) {
    pam_setcred(handle_, PAM_DELETE_CRED);
    return fail(ErrorCode::auth, std::string("pam_open_session: ") + pam_strerror(handle_, last_status_));
  }
  session_open_ = true;
  return {};
}

void PamContext::close_session() {
  if (!session_open_) return;
  last_status_ = pam_close_session(handle_, 0);
  pam_setcred(handle_, PAM_DELETE_CRED);
  session_open_ = false;
}

std::vector<std::string> PamContext::environment() const {
  std::vector<std::string> env;
  char** list = pam_getenvlist(handle_);
  if (list == nullptr) return env;
  for (char** p = list; *p != nullptr; ++p) {
    env.emplace_back(*p);
    std::free(*p);
  }
  std::free(list);
  return env;
}

}  // namespace ssh::auth
