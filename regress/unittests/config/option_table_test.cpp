#include "config/option_table.h"

#include <gtest/gtest.h>

#include <set>

#include "config/option_values.h"

namespace ssh::config {
namespace {

TEST(OptionTable, KeywordsUniqueAndAliasesResolve) {
  std::set<std::string> seen;
  for (const auto& row : client_option_table()) {
    EXPECT_TRUE(seen.insert(to_lower(row.keyword)).second) << row.keyword;
    if (!row.alias_of.empty()) {
      int target = find_client_option(row.alias_of);
      ASSERT_GE(target, 0) << row.keyword;
      EXPECT_TRUE(client_option_table()[target].alias_of.empty());
    } else {
      EXPECT_NE(row.parse, nullptr) << row.keyword;
    }
  }
  EXPECT_EQ(find_client_option("pubkeyacceptedkeytypes"),
            find_client_option("PubkeyAcceptedAlgorithms"));
  EXPECT_EQ(find_client_option("nonsense"), -1);
  EXPECT_EQ(find_client_option("Host"), -1);  // handled by the grammar
}

TEST(OptionTable, DumpNamesAreLowerCase) {
  for (const auto& row : client_option_table()) {
    if (row.dump == nullptr) continue;
    std::string name(row.dump_name);
    // The one mixed-case name stock ssh -G prints.
    if (name == "canonicalizePermittedcnames") continue;
    EXPECT_EQ(name, to_lower(name)) << row.keyword;
  }
}

TEST(OptionTable, ChoiceDumpNamesCoverParsedValues) {
  for (const auto& row : client_option_table()) {
    if (row.choices == nullptr) continue;
    for (const auto& c : row.choices->parse) {
      EXPECT_LT(static_cast<size_t>(c.value), row.choices->dump.size()) << row.keyword;
    }
  }
}

}  // namespace
}  // namespace ssh::config
