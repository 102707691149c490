// libFuzzer target: the scenario compiler on arbitrary bytes (docs/reliability.md).
//
// The promise under test: whatever the bytes, load_scenario either returns a scenario or
// throws ScenarioError (exit status 2), and never crashes, hangs, or grows without bound (ASan
// and UBSan catch memory errors and undefined behaviour; libFuzzer's -rss_limit_mb and
// -timeout catch the rest). Any other exception escaping is a finding too. A scenario that
// compiles must compile again from its own resolved YAML to the same resolved YAML, and a
// study's first variants must compile or fail with ScenarioError.
//
// The input is the text of a scenario file placed in tests/scenarios/good/, so `extends:
// base.yaml` reaches a real base file (and `extends: /dev/zero` the real device).
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/config_tree.hpp"
#include "io/scenario.hpp"
#include "io/sweep.hpp"

namespace {

const std::string kPath = std::string(CT_SOURCE_DIR) + "/tests/scenarios/good/fuzz_input.yaml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ct::io::LoadOptions options;
  options.text = &text;
  ct::io::Scenario sc;
  try {
    sc = ct::io::load_scenario(kPath, options);
  } catch (const ct::io::ScenarioError&) {
    return 0;  // bad input, reported as such
  }
  // Round trip: the resolved scenario is itself a scenario with the same resolution.
  const std::string resolved = sc.resolved_yaml;
  ct::io::LoadOptions again;
  again.text = &resolved;
  const ct::io::Scenario sc2 = ct::io::load_scenario(kPath, again);  // must not throw
  if (sc2.resolved_yaml != resolved) __builtin_trap();
  // A study: its first variants apply through --set like `run --sweep-index`.
  try {
    const ct::io::ConfigPtr root = ct::io::parse_yaml(text, kPath);
    if (const ct::io::ConfigNode* sweep = root->find("sweep")) {
      const ct::io::SweepPlan plan(*sweep);
      for (std::size_t i = 0; i < plan.size() && i < 3; ++i) {
        const ct::io::SweepVariant v = plan.variant(i);
        (void)ct::io::parameters_json(v);
        ct::io::LoadOptions with = options;
        with.sets = v.sets;
        try {
          (void)ct::io::load_scenario(kPath, with);
        } catch (const ct::io::ScenarioError&) {
        }
      }
    }
  } catch (const ct::io::ScenarioError&) {
  }
  return 0;
}
