// sshd_config RevokedKeys: a file of public keys (one per line, as in authorized_keys but
// without options) whose holders may neither log in nor resume a session. OpenSSH's binary
// KRL format is not read yet; like an unreadable file it revokes every key (fail closed,
// as OpenSSH does when it cannot use the file).
#pragma once

#include <string>

#include "base/bytes.h"

namespace ssh::auth {

// True when key_blob is revoked by the file at path ("" or "none": no file). The reason
// for a file that revokes everything is logged.
bool key_revoked(const std::string& path, ByteView key_blob);

}  // namespace ssh::auth
