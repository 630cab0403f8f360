// Small bounded file helpers shared by the key, known_hosts and authorized_keys code.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ssh::keys {

// Reads a regular file of at most max bytes into wiped memory. The fd is fstat()ed so the
// caller can inspect the mode of exactly the file that was read.
struct ReadFile {
  SecretBytes data;
  uid_t owner = 0;
  mode_t mode = 0;
};
Result<ReadFile> read_file_bounded(const std::string& path, size_t max);
// As above but a missing file (ENOENT) yields nullopt instead of an error.
Result<std::optional<std::string>> read_text_file_if_exists(const std::string& path, size_t max);
// Creates or truncates path with the given mode (also forced on an existing file).
Status write_file(const std::string& path, ByteView data, mode_t mode);
// Appends data, creating the file with mode if needed.
Status append_file(const std::string& path, ByteView data, mode_t mode);

}  // namespace ssh::keys
