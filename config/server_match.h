// sshd_config Match blocks (sshd_config(5) "Match"): criteria checks when loading and
// evaluation for one connection.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "config/server_config.h"

namespace ssh::config {

// Evaluates the criteria of one Match line. `conn` is nullptr while loading: then only
// "All" matches, as in sshd. Errors are fatal and complete (no prefix is added):
// syntax errors come as the stand-alone lines sshd prints ("Unsupported Match attribute
// x", then "<file> line <n>: Bad Match condition").
Result<bool> evaluate_server_match(const std::vector<std::string>& criteria, const ConnectionInfo* conn,
                                   const std::string& file, int line);

// The groups of `user` from the system database; nullopt if there is no such user.
std::optional<std::vector<std::string>> system_user_groups(const std::string& user);

}  // namespace ssh::config
