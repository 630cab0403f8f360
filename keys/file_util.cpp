#include "keys/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

namespace ssh::keys {

namespace {

std::unexpected<Error> io_error(const char* what, const std::string& path) {
  return fail(ErrorCode::io, std::string(what) + " " + path + ": " + std::strerror(errno));
}

Status write_all(int fd, ByteView data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("write", path);
    done += size_t(n);
  }
  return {};
}

}  // namespace

Result<ReadFile> read_file_bounded(const std::string& path, size_t max) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return io_error("open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("fstat", path);
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::io, "not a regular file: " + path);
  if (st.st_size < 0 || size_t(st.st_size) > max) {
    return fail(ErrorCode::limit, "file too large: " + path);
  }
  ReadFile out;
  out.owner = st.st_uid;
  out.mode = st.st_mode;
  // One byte of headroom detects a file that grew after fstat.
  out.data.resize(size_t(st.st_size) + 1);
  size_t got = 0;
  while (got < out.data.size()) {
    ssize_t n = ::read(fd.get(), out.data.data() + got, out.data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("read", path);
    if (n == 0) break;
    got += size_t(n);
  }
  if (got > max) return fail(ErrorCode::limit, "file too large: " + path);
  out.data.resize(got);
  return out;
}

Result<std::optional<std::string>> read_text_file_if_exists(const std::string& path, size_t max) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    return std::nullopt;
  }
  ReadFile f = SSH_TRY(read_file_bounded(path, max));
  return std::string(f.data.text());
}

Status write_file(const std::string& path, ByteView data, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd) return io_error("open", path);
  if (::fchmod(fd.get(), mode) != 0) return io_error("fchmod", path);
  SSH_TRY(write_all(fd.get(), data, path));
  if (::close(fd.release()) != 0) return io_error("close", path);
  return {};
}

Status append_file(const std::string& path, ByteView data, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode));
  if (!fd) return io_error("open", path);
  SSH_TRY(write_all(fd.get(), data, path));
  if (::close(fd.release()) != 0) return io_error("close", path);
  return {};
}

}  // namespace ssh::keys
