// docs/scenario.md's key tables are generated from the keys' declarations (io/key_reference.hpp):
// this fails when a key is added or changed without regenerating them
// (scripts/scenario-reference.sh), and when a key has no description.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "io/components.hpp"
#include "io/key_reference.hpp"

namespace ct::io {
namespace {

const std::string kSrc = CT_SOURCE_DIR;
const std::vector<std::string> kReference = {
    kSrc + "/tests/scenarios/reference/all_keys.yaml",
    kSrc + "/tests/scenarios/reference/all_keys_trace.yaml",
    kSrc + "/tests/scenarios/reference/all_keys_sites.yaml"};

TEST(ScenarioReference, EveryKeyHasADescription) {
  const KeyCatalogue c = reference_catalogue(kReference);
  EXPECT_GT(c.size(), 150u);
  for (const KeyDoc& d : c) EXPECT_FALSE(d.doc.empty()) << d.path << " has no description";
}

TEST(ScenarioReference, DocTablesMatchTheDeclarations) {
  const KeyCatalogue c = reference_catalogue(kReference);
  std::ifstream in(kSrc + "/docs/scenario.md");
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> missing, stale;
  const std::string regenerated =
      splice_key_reference(text.str(), key_reference_tables(c), &missing, &stale);
  EXPECT_TRUE(missing.empty()) << "sections without a table in docs/scenario.md: "
                               << (missing.empty() ? "" : missing.front());
  EXPECT_TRUE(stale.empty()) << "tables without keys: " << (stale.empty() ? "" : stale.front());
  EXPECT_TRUE(regenerated == text.str())
      << "docs/scenario.md differs from the key declarations: run scripts/scenario-reference.sh";
}

TEST(ScenarioReference, ReferenceScenarioHasEveryWorkloadKind) {
  const KeyCatalogue c = reference_catalogue(kReference);
  for (const std::string& kind : binding_kinds("workload")) {
    bool found = false;
    for (const KeyDoc& d : c) found = found || d.path.rfind("jobs[" + kind + "]", 0) == 0;
    EXPECT_TRUE(found) << "add a '" << kind << "' job to tests/scenarios/reference/all_keys.yaml";
  }
}

TEST(ScenarioReference, SpliceReportsMissingAndStaleSections) {
  KeyCatalogue c{{"a.x", "number", "> 0", "1", "x"}, {"b.y", "text", "", "", "y"}};
  std::vector<std::string> missing, stale;
  const std::string out = splice_key_reference(
      "t\n<!-- keys: a -->\nold\n<!-- end keys -->\n<!-- keys: z -->\n<!-- end keys -->\n",
      key_reference_tables(c), &missing, &stale);
  EXPECT_NE(out.find("| `x` | number | > 0 | `1` | x |"), std::string::npos);
  EXPECT_EQ(out.find("old"), std::string::npos);
  EXPECT_EQ(missing, std::vector<std::string>{"b"});
  EXPECT_EQ(stale, std::vector<std::string>{"z"});
}

}  // namespace
}  // namespace ct::io
