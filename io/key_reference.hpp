// The scenario key reference (docs/scenario.md), generated from the binder's record of every key
// (KeyCatalogue): one markdown table per section, between markers
//   <!-- keys: SECTION -->  …  <!-- end keys -->
// so the document's tables are the source of truth's and a test can check they have not
// drifted (tests/unit/test_scenario_reference.cpp; scripts/scenario-reference.sh rewrites them).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "io/schema_binder.hpp"

namespace ct::io {

// Section ("" for top-level keys, "time", "campus.buildings[]", "jobs[training].model", …) →
// its markdown table, in the order keys were bound.
std::map<std::string, std::string> key_reference_tables(const KeyCatalogue& catalogue);

// `text` with every marked table replaced by the generated one. Sections the text has no marker
// for are listed in `missing` (a key nobody documented); markers without a section in `stale`.
std::string splice_key_reference(const std::string& text,
                                 const std::map<std::string, std::string>& tables,
                                 std::vector<std::string>* missing,
                                 std::vector<std::string>* stale);

// The catalogue of the reference scenarios (tests/scenarios/reference/*.yaml): together, every
// section, list item kind, alternative and named section present once.
KeyCatalogue reference_catalogue(const std::vector<std::string>& reference_scenarios);

}  // namespace ct::io
