// `info` warnings (twin/info.cpp scenario_warnings), the presets catalogue and demand-response
// windows in local time (grid.utc_offset_h). No MPI: scenarios are compiled from small YAML texts
// that extend configs/quickstart.yaml.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "faults/checkpoint.hpp"
#include "io/scenario.hpp"
#include "twin/info.hpp"

namespace ct::twin {
namespace {

namespace fs = std::filesystem;

io::Scenario scenario(const std::string& name, const std::string& yaml,
                      const std::vector<std::string>& sets = {}) {
  const fs::path dir = fs::temp_directory_path() / "ct_test_info";
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << "extends: " << CT_SOURCE_DIR << "/configs/quickstart.yaml\n" << yaml;
  io::LoadOptions o;
  o.sets = sets;
  return io::load_scenario(p.string(), o);
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

bool has(const std::vector<std::string>& v, const std::string& fragment) {
  for (const auto& x : v)
    if (x.find(fragment) != std::string::npos) return true;
  return false;
}

TEST(InfoWarnings, QuickstartHasNone) {
  const auto sc = io::load_scenario(std::string(CT_SOURCE_DIR) + "/configs/quickstart.yaml");
  EXPECT_TRUE(scenario_warnings(sc).empty()) << joined(scenario_warnings(sc));
}

// The quickstart campus: 64 DGX H100 nodes. At the 700 W cap each node draws 8·700 + 4600 W
// = 10.2 kW (DGX H100 datasheet maximum), 653 kW of IT; the facility adds cooling and losses
// (PUE ≈ 1.1–1.5), so it draws between 0.65 and 1.0 MW.
TEST(InfoWarnings, GridCapThatNeverBinds) {
  const auto w = scenario_warnings(scenario("never.yaml", "grid: {site_capacity_w: 5.0e6}\n"));
  EXPECT_TRUE(has(w, "grid.site_capacity_w = 5.00 MW can never bind")) << joined(w);
  EXPECT_FALSE(has(w, "always binds")) << joined(w);
}

TEST(InfoWarnings, GridCapThatAlwaysBinds) {
  // 600 kW is below the IT power alone at full power cap (653 kW), in any weather.
  const auto w = scenario_warnings(scenario("always.yaml", "grid: {site_capacity_w: 6.0e5}\n"));
  EXPECT_TRUE(has(w, "grid.site_capacity_w = 0.60 MW always binds")) << joined(w);
  EXPECT_FALSE(has(w, "never bind")) << joined(w);
}

TEST(InfoWarnings, GridCapThatCannotBeMet) {
  // At the governor's floor (idle 75 W + 625 W · 0.5^2.5 = 185 W per GPU) a node still draws
  // 8·185 + 1000 + 3600·(110/625)^3 ≈ 2.5 kW: 64 nodes ≈ 160 kW of IT. 100 kW cannot be met.
  const auto w = scenario_warnings(scenario("unmet.yaml", "grid: {site_capacity_w: 1.0e5}\n"));
  EXPECT_TRUE(has(w, "cannot be met at times")) << joined(w);
}

TEST(InfoWarnings, DemandResponseWindowAboveSiteCapacity) {
  const auto w = scenario_warnings(scenario("dr.yaml", R"(grid:
  site_capacity_w: 9.0e5
  demand_response:
    - {start: "17:00", end: "19:00", cap_w: 9.5e5}
    - {start: "20:00", end: "21:00", cap_w: 7.0e5}
)"));
  EXPECT_TRUE(has(w, "grid.demand_response.0 (17:00 UTC–19:00 UTC): cap 0.95 MW can never bind"))
      << joined(w);
  EXPECT_FALSE(has(w, "grid.demand_response.1")) << joined(w);
}

TEST(InfoWarnings, GlobalBatchThatDoesNotDivide) {
  // quickstart: dp 15 × 32 microbatches = 480 micro-batch slots; 512 sequences do not divide.
  const auto w =
      scenario_warnings(scenario("batch.yaml", "", {"jobs.0.model.global_batch_tokens=4194304"}));
  EXPECT_TRUE(has(w,
                  "global batch of 512 sequences does not divide over dp × microbatches = "
                  "15 × 32 = 480"))
      << joined(w);
  const auto frac =
      scenario_warnings(scenario("batch2.yaml", "", {"jobs.0.model.global_batch_tokens=4194000"}));
  EXPECT_TRUE(has(frac, "is not a whole number of sequences")) << joined(frac);
}

TEST(InfoWarnings, CheckpointIntervalFlooredByWriteTime) {
  // 70e9 parameters × 14 B = 980 GB; at 10 GB/s the asynchronous write takes 98 s, longer than
  // a fixed 60 s interval: checkpoints start every 98 s of running time plus the snapshot stall
  // (980 GB over 480 GPUs at 25 GB/s = 81.7 ms), i.e. 604800 / 98.0817 = 6,166 per week.
  const auto sc =
      scenario("ckpt.yaml", "",
               {"jobs.0.checkpoint.asynchronous=true", "jobs.0.checkpoint.interval_s=60",
                "jobs.0.checkpoint.storage_write_bandwidth_bytes_per_s=1e10"});
  const auto w = scenario_warnings(sc);
  const double write_s = 98.0, stall_s = 980e9 / 480 / 25e9;
  const long per_week = std::lround(604800.0 / (write_s + stall_s));
  EXPECT_EQ(per_week, 6166);
  EXPECT_TRUE(has(w, "is floored by the asynchronous write time 98.0 s")) << joined(w);
  EXPECT_TRUE(has(w, "about 6,166 per simulated week")) << joined(w);
  EXPECT_TRUE(has(w, "81.7 ms")) << joined(w);
  // Not floored: the quickstart's 100 GB/s store writes in 9.8 s, well inside 1800 s.
  const auto ok =
      scenario_warnings(scenario("ckpt2.yaml", "", {"jobs.0.checkpoint.asynchronous=true"}));
  EXPECT_FALSE(has(ok, "floored")) << joined(ok);
}

TEST(InfoWarnings, DemandResponseInLocalTime) {
  // 17:00–19:00 at UTC−6 is 23:00–01:00 UTC (crosses midnight); 03:00–04:00 at UTC+2 is
  // 01:00–02:00 UTC.
  const auto west = scenario("west.yaml", R"(grid:
  utc_offset_h: -6
  demand_response:
    - {start: "17:00", end: "19:00", cap_w: 5.0e5}
)");
  ASSERT_EQ(west.grid.policy.windows.size(), 1u);
  EXPECT_EQ(west.grid.policy.windows[0].start_s, 23 * 3600.0);
  EXPECT_EQ(west.grid.policy.windows[0].end_s, 1 * 3600.0);
  const auto east = scenario("east.yaml", R"(grid:
  utc_offset_h: 2
  demand_response:
    - {start: "03:00", end: "04:00", cap_w: 5.0e5}
)");
  EXPECT_EQ(east.grid.policy.windows[0].start_s, 3600.0);
  EXPECT_EQ(east.grid.policy.windows[0].end_s, 7200.0);
  // The default (0) keeps the clock times as UTC; the key is recorded in the resolved scenario.
  const auto utc = scenario("utc.yaml", R"(grid:
  demand_response:
    - {start: "17:00", end: "19:00", cap_w: 5.0e5}
)");
  EXPECT_EQ(utc.grid.policy.windows[0].start_s, 17 * 3600.0);
  EXPECT_NE(utc.resolved_yaml.find("utc_offset_h: 0.0"), std::string::npos);
}

TEST(Presets, ListsEveryCatalogue) {
  std::ostringstream os;
  print_presets(os);
  const std::string text = os.str();
  for (const char* name :
       {"h100_sxm", "b200", "gb200", "h100_ndr", "gb200_nvl72", "b200_800g", "air_chiller_tower",
        "liquid_dry_cooler", "warm_summer", "temperate", "cold", "ercot", "sweden_se3"})
    EXPECT_NE(text.find(name), std::string::npos) << name;
  // The B200 800G fabric: 900 GB/s NVLink per direction, 800 Gb/s per GPU.
  const auto line = text.substr(text.find("b200_800g"));
  EXPECT_NE(line.substr(0, line.find('\n')).find("900"), std::string::npos);
  EXPECT_NE(line.substr(0, line.find('\n')).find("800"), std::string::npos);
}

}  // namespace
}  // namespace ct::twin
