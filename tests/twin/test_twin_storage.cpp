// Storage in the engine's tick (`storage:`, Engine::State::storage_tick): driven tick by tick
// on MPI_COMM_SELF, so every tick's battery state can be checked, not only the output samples.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "twin/tick_reduction.hpp"
#include "twin_fixture.hpp"

namespace ct::twin {
namespace {

using testing::small_scenario;
using testing::StateFixture;

// One tick in Engine::run's order (no queue, no output file); calls `check` after the facility.
template <class Check>
void run_ticks(Engine::State& s, std::int64_t ticks, Check&& check) {
  for (std::int64_t k = 0; k < ticks; ++k) {
    const double t0 = static_cast<double>(k) * s.dt, t1 = t0 + s.dt;
    s.weather_tick(t0 + 0.5 * s.dt);
    s.fail_slow_begin_tick(t0, t1);
    s.jobs_begin_tick(t0, t1);
    s.grid_tick(t0);
    s.prepare_fast();
    if (k % s.hazard_every == 0) s.hazard_update(t0);
    TickReduction& red = s.tick_reduction();
    red.clear();
    s.kernel(red, t0);
    red.allreduce(s.comm);
    s.facility_after_reduction(red, t0);
    check(k);
    s.jobs_end_tick(red);
    s.failures_tick(red, t0, t1);
    s.fail_slow_end_tick(t0, t1);
    s.lend_nodes(t1);
    if ((k + 1) % s.ticks_per_output == 0) s.output_interval(k);
  }
}

// A small battery under arbitrage: the daily price (peak 06:30 UTC) crosses 50 USD/MWh at
// 00:30, so the battery charges for the first ~25 minutes (price ≤ 49) and discharges for the
// last ~25 (≥ 51) of the hour; at 40 kW it fills (~3 min) and empties (~5 min) well within them.
const char* kArbitrage =
    "grid: {price: {source: daily, mean_usd_per_mwh: 50, amplitude_usd_per_mwh: 40, "
    "peak_hour_utc: 6.5}}\n"
    "storage: {energy_wh: 5000, power_w: 40000, charge_efficiency: 0.95, "
    "discharge_efficiency: 0.9, soc_min: 0.15, soc_max: 0.85, initial_soc: 0.5, "
    "policy: arbitrage, charge_below_price: 49, discharge_above_price: 51}\n";

TEST(TwinStorage, StateOfChargeStaysInBoundsAndEveryTickBalances) {
  StateFixture fx(small_scenario(2, 1, kArbitrage));
  Engine::State& s = *fx.state;
  ASSERT_TRUE(s.sites[0].storage);
  const power::BatterySpec& b = s.sites[0].storage->spec();
  double lowest = 1.0, highest = 0.0, energy_before = s.sites[0].storage->energy_j();
  int charging = 0, discharging = 0;
  run_ticks(s, s.ticks, [&](std::int64_t k) {
    const power::BatteryTick& t = s.sites[0].battery;
    const double f = s.sites[0].plant.facility_power_w;
    ASSERT_GE(t.soc, b.soc_min) << "tick " << k;
    ASSERT_LE(t.soc, b.soc_max) << "tick " << k;
    ASSERT_FALSE(t.charge_w > 0 && t.discharge_w > 0) << "tick " << k;
    ASSERT_LE(t.discharge_w, f) << "tick " << k;  // no export
    EXPECT_DOUBLE_EQ(t.grid_w, f - t.discharge_w + t.charge_w) << "tick " << k;
    // G·Δt = F·Δt + ΔE + L·Δt, this tick.
    const double lhs = t.grid_w * s.dt,
                 rhs = f * s.dt + (t.energy_j - energy_before) + t.loss_w * s.dt;
    EXPECT_NEAR(lhs, rhs, 1e-9 * f * s.dt) << "tick " << k;
    energy_before = t.energy_j;
    lowest = std::min(lowest, t.soc);
    highest = std::max(highest, t.soc);
    charging += t.charge_w > 0;
    discharging += t.discharge_w > 0;
  });
  std::printf("soc range [%.6f, %.6f] (bounds [%g, %g]); %d ticks charging, %d discharging\n",
              lowest, highest, b.soc_min, b.soc_max, charging, discharging);
  EXPECT_DOUBLE_EQ(lowest, b.soc_min);  // both bounds are reached, never passed
  EXPECT_DOUBLE_EQ(highest, b.soc_max);
  const power::SiteStorage& st = *s.sites[0].storage;
  EXPECT_LE(std::abs(st.energy_balance_error_j()), 1e-9 * st.grid_energy_j());
  // Carbon and cost are charged on the grid draw: the ledger's energy is the grid energy.
  const Figures f = s.summary();
  auto fig = [&](const std::string& name) {
    for (const auto& [n, v] : f)
      if (n == name) return v;
    ADD_FAILURE() << "no figure " << name;
    return 0.0;
  };
  EXPECT_DOUBLE_EQ(fig("energy_grid_j"), st.grid_energy_j());
  EXPECT_NEAR(fig("carbon_kg"), st.grid_energy_j() / 3.6e6 * 400.0 / 1000.0,
              1e-9 * fig("carbon_kg"));
  EXPECT_NE(fig("energy_grid_j"), fig("energy_facility_j"));
}

TEST(TwinStorage, WithoutStorageNoStorageSeriesAndGridFiguresFromTheFacilityDraw) {
  StateFixture fx(small_scenario(2, 1));
  Engine::State& s = *fx.state;
  EXPECT_FALSE(s.sites[0].storage);
  for (std::size_t i = 0; i < s.series.size(); ++i) {
    const std::string& path = s.series.def(static_cast<SeriesTable::Id>(i)).path;
    EXPECT_EQ(path.rfind("storage/", 0), std::string::npos) << path;
    EXPECT_EQ(path.find("grid"), std::string::npos) << path;
  }
  run_ticks(s, 120, [](std::int64_t) {});
  const Figures f = s.summary();
  bool ramp = false, grid = false;
  for (const auto& [n, v] : f) {
    ramp |= n == "ramp_p99_w_per_s";
    grid |= n.rfind("grid_", 0) == 0 || n.rfind("storage_", 0) == 0 || n == "energy_grid_j";
  }
  EXPECT_TRUE(ramp);
  EXPECT_FALSE(grid);
}

TEST(TwinStorage, StorageSeriesAreDocumented) {
  StateFixture fx(small_scenario(2, 1, kArbitrage));
  std::ifstream in(std::string(CT_SOURCE_DIR) + "/docs/output.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const SeriesTable& t = fx.state->series;
  int storage_series = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const std::string& path = t.def(static_cast<SeriesTable::Id>(i)).path;
    if (path.rfind("storage/", 0) != 0 && path.find("grid") == std::string::npos) continue;
    ++storage_series;
    EXPECT_NE(doc.str().find("`/" + path + "`"), std::string::npos)
        << "/" << path << " is not in docs/output.md";
  }
  EXPECT_EQ(storage_series, 14);
}

}  // namespace
}  // namespace ct::twin
