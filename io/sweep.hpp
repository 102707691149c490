// What-if studies (DESIGN §8, §9): a scenario with a top-level `sweep:` section
//
//   sweep:
//     grid:                       # cartesian product, in file order, last key varies fastest
//       faults.rate_scale: [1, 20, 50]
//       cooling.supply_temperature_c: [18, 24]
//     zip:                        # parallel lists (all the same length): one more axis,
//       jobs.0.parallel.tp: [8, 4]  # the innermost (fastest) one
//       jobs.0.parallel.pp: [4, 8]
//
// expands to variants, each a list of `key.path=value` assignments in the syntax of the CLI
// `--set` (io::apply_set). Variant i of a study is run by `clustertwin run STUDY --sweep-index i`.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/config_tree.hpp"

namespace ct::io {

struct SweepVariant {
  std::vector<std::string> sets;  // "key.path=value", grid keys (file order) then zip keys
  std::vector<std::pair<std::string, std::string>> parameters;  // key path → value (YAML text)
  std::vector<Origin> origins;  // where each value was written in the study (one per set)
};

inline constexpr std::size_t kMaxSweepVariants = 1000000;

struct SweepAxis {
  std::string key;
  Origin key_origin;
  std::vector<std::shared_ptr<ConfigNode>> values;
};

// A checked `sweep:` section whose variants are made one at a time, on demand: counting,
// listing or running one variant of a study needs memory for the study's values, never for
// all its variants. The constructor throws ScenarioError for a malformed section or more than
// kMaxSweepVariants variants (checked before anything is expanded).
class SweepPlan {
 public:
  explicit SweepPlan(const ConfigNode& sweep_section);
  std::size_t size() const { return total_; }
  SweepVariant variant(std::size_t index) const;  // index < size()

 private:
  std::vector<SweepAxis> grid_, zip_;
  std::size_t zip_len_ = 1, total_ = 0;
};

// Check the top-level `sweep` key of a tree, if any (SweepPlan's errors), without expanding.
void check_sweep(const ConfigNode& root);

// The plan of a study file; ScenarioError if the file has no `sweep:` section.
SweepPlan load_sweep_plan(const std::string& path);

// ScenarioError unless 0 <= index < variants (naming the file and the valid range).
void check_variant_index(std::size_t variants, long long index, const std::string& study_path);

// Expand a `sweep:` node. Throws ScenarioError (file:line:column, key path) when the section is
// malformed: not a map, unknown keys, a non-list or empty list of values, zip lists of different
// lengths, a key path given twice, or neither `grid` nor `zip`.
std::vector<SweepVariant> expand_sweep(const ConfigNode& sweep_section);

// Remove the top-level `sweep` key from a loaded scenario tree and expand it. Returns an empty
// vector (and leaves the tree alone) when there is no `sweep` key.
std::vector<SweepVariant> extract_sweep(ConfigNode& root);

struct Study {
  ConfigPtr scenario;  // after `extends:`, without the `sweep` key
  bool has_sweep = false;
  std::vector<SweepVariant> variants;  // empty when !has_sweep
};

// Load a study file (io::load_with_extends), extract and remove its `sweep` node.
Study load_study(const std::string& path);

// Variants of a study file; throws ScenarioError if the file has no `sweep:` section.
std::vector<SweepVariant> load_sweep_variants(const std::string& path);

// Variant `index` of a study; ScenarioError naming the file and the valid range otherwise.
const SweepVariant& select_variant(const std::vector<SweepVariant>& variants, long long index,
                                   const std::string& study_path);

// The variant's parameters as a JSON object text, {"key.path": value, ...} in set order: YAML
// numbers become JSON numbers, true/false booleans, null/~ null, lists arrays, maps objects,
// everything else (and every quoted scalar) a JSON string.
std::string parameters_json(const SweepVariant& variant);

// The variant's assignments on one line, "key=value key=value ..." (for `sweep --list`).
std::string describe_variant(const SweepVariant& variant);

// JSON text of a YAML value (the rules of parameters_json) and JSON string quoting.
std::string yaml_value_to_json(const ConfigNode& value);
std::string json_quote(const std::string& text);

}  // namespace ct::io
