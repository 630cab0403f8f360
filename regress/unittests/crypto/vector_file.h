// Loader for the known-answer files under regress/vectors/ (Botan-style .vec):
//   # comment            [section] sets the section of the records after it
//   Name = value         one field per line; a blank line ends a record
// A value is hex ("0a1b"), "quoted text", a hex byte repeated ("aa*131"), or empty.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace ssh::test {

struct VectorRecord {
  std::string file;
  int line = 0;  // first line of the record, for failure messages
  std::string section;
  std::map<std::string, std::string> fields;

  bool has(const std::string& key) const { return fields.count(key) != 0; }
  // Decoded bytes of a field; records a test failure if it is missing or malformed.
  Bytes bytes(const std::string& key) const;
  std::string text(const std::string& key) const;
  uint64_t number(const std::string& key) const;
  std::string where() const { return file + ":" + std::to_string(line); }
};

// Loads regress/vectors/<relative>; a missing or malformed file fails the test.
std::vector<VectorRecord> load_vectors(const std::string& relative);

// Absolute path of a file under regress/vectors/.
std::string vector_path(const std::string& relative);

}  // namespace ssh::test
