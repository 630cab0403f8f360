#include "auth/revoked_keys.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>

#include "base/log.h"
#include "keys/authorized_keys.h"

namespace ssh::auth {

namespace {
constexpr std::string_view kKrlMagic = "SSHKRL\n";
}  // namespace

bool key_revoked(const std::string& path, ByteView key_blob) {
  if (path.empty() || path == "none") return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LOG_ERROR("RevokedKeys %s: cannot read it; refusing every key", path.c_str());
    return true;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string data = text.str();
  if (data.size() > keys::kMaxAuthorizedKeysFile) {
    LOG_ERROR("RevokedKeys %s: too large; refusing every key", path.c_str());
    return true;
  }
  if (std::string_view(data).starts_with(kKrlMagic)) {
    LOG_ERROR("RevokedKeys %s: KRL files are not supported yet; refusing every key", path.c_str());
    return true;
  }
  auto listed = keys::parse_authorized_keys(data, path);
  return std::any_of(listed.begin(), listed.end(), [&](const keys::AuthorizedKey& k) {
    return std::ranges::equal(k.key.blob(), key_blob);
  });
}

}  // namespace ssh::auth
