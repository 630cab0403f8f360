#include "vector_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

namespace ssh::test {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string vector_path(const std::string& relative) {
  return std::string(SSH_VECTORS_DIR) + "/" + relative;
}

Bytes VectorRecord::bytes(const std::string& key) const {
  auto it = fields.find(key);
  if (it == fields.end()) {
    ADD_FAILURE() << where() << ": missing field " << key;
    return {};
  }
  const std::string& v = it->second;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    return to_bytes(std::string_view(v).substr(1, v.size() - 2));
  }
  static const std::regex kRepeat("([0-9a-fA-F]{2})\\*([0-9]+)");
  std::smatch m;
  Bytes out;
  if (std::regex_match(v, m, kRepeat)) {
    Bytes one;
    from_hex(m[1].str(), one);
    out.assign(std::stoul(m[2].str()), one[0]);
    return out;
  }
  if (!from_hex(v, out)) ADD_FAILURE() << where() << ": bad hex in " << key;
  return out;
}

std::string VectorRecord::text(const std::string& key) const {
  Bytes b = bytes(key);
  return std::string(as_text(b));
}

uint64_t VectorRecord::number(const std::string& key) const {
  auto it = fields.find(key);
  if (it == fields.end()) {
    ADD_FAILURE() << where() << ": missing field " << key;
    return 0;
  }
  return std::stoull(it->second);
}

std::vector<VectorRecord> load_vectors(const std::string& relative) {
  std::vector<VectorRecord> records;
  std::ifstream in(vector_path(relative));
  if (!in) {
    ADD_FAILURE() << "cannot open " << vector_path(relative);
    return records;
  }
  std::string line;
  std::string section;
  VectorRecord current;
  int line_no = 0;
  auto flush = [&] {
    if (!current.fields.empty()) records.push_back(std::move(current));
    current = VectorRecord{};
  };
  while (std::getline(in, line)) {
    ++line_no;
    std::string t = trim(line);
    if (!t.empty() && t[0] == '#') continue;
    if (t.empty()) {
      flush();
      continue;
    }
    if (t.front() == '[' && t.back() == ']') {
      flush();
      section = t.substr(1, t.size() - 2);
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos) {
      ADD_FAILURE() << relative << ":" << line_no << ": expected 'Name = value'";
      continue;
    }
    if (current.fields.empty()) {
      current.file = relative;
      current.line = line_no;
      current.section = section;
    }
    current.fields[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  flush();
  if (records.empty()) ADD_FAILURE() << relative << ": no records";
  return records;
}

}  // namespace ssh::test
