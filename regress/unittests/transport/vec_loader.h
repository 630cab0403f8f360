// Minimal loader for "name = value" blocks separated by blank lines ('#' comments).
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace ssh::transport::test {

using VecBlock = std::map<std::string, std::string>;

inline std::vector<VecBlock> load_vectors(const std::string& file) {
  const char* dir = std::getenv("SSH_VECTORS_DIR");
  std::ifstream in(std::string(dir ? dir : "regress/vectors") + "/transport/" + file);
  std::vector<VecBlock> out;
  VecBlock cur;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (line[0] == '#') continue;
    auto eq = line.find(" = ");
    if (eq != std::string::npos) cur[line.substr(0, eq)] = line.substr(eq + 3);
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

inline Bytes unhex(const std::string& s) {
  Bytes b;
  from_hex(s, b);
  return b;
}

}  // namespace ssh::transport::test
