// Sharing the campus under a facility cap (Workload::power_priority, Engine::State::tiered_caps):
// the lower priority gives up power first, down to the governor's floor, and the worst-case
// facility power of the chosen caps stays within the cap whenever that is feasible.
#include <gtest/gtest.h>

#include <string>

#include "power/cap_controller.hpp"
#include "thermal/cooling_plant.hpp"
#include "twin_fixture.hpp"

namespace ct::twin {
namespace {

using testing::small_scenario;
using testing::StateFixture;

std::string with_serving(double site_capacity_w) {
  // Training (priority 0) on 2 nodes + 1 spare; serving (priority 1) on 8 nodes; 21 free nodes.
  return small_scenario(2, 1,
                        "  - kind: serving\n    name: chat\n    tp: 8\n    replicas: 8\n"
                        "    model: {parameters: 8.0e9, layers: 32, hidden_size: 4096}\n"
                        "    requests: {rate_per_s: 5}\n") +
         "grid: {site_capacity_w: " + std::to_string(site_capacity_w) + "}\n";
}

struct Caps {
  double training_w, serving_w, facility_w;
};

Caps caps_under(double site_capacity_w) {
  StateFixture fx(with_serving(site_capacity_w));
  Engine::State& s = *fx.state;
  s.jobs_begin_tick(0.0, 1.0);
  s.sites[0].dry_c = 25.0;
  s.sites[0].wet_c = 18.0;
  s.grid_tick(0.0);
  return {s.control.jobs[0].cap_w, s.control.jobs[1].cap_w, s.sites[0].accelerator_cap_w};
}

// Worst-case facility power of the tiers at their caps (every accelerator at its cap).
double worst_case_facility_w(double low_cap_w, double high_cap_w, const io::Scenario& sc) {
  power::CapInputs in;
  power::set_accelerator(in, sc.accelerator);
  in.accelerator_tdp_w = sc.power_cap_w;
  in.nodes = 24;  // training's 2 + spare + 21 free: the lowest tier
  in.accelerators = 24 * 8;
  double it_w = power::worst_case_it_w(in, low_cap_w);
  in.nodes = 8;
  in.accelerators = 64;
  it_w += power::worst_case_it_w(in, high_cap_w);
  return thermal::plant_output(sc.plant, it_w, 25.0, 18.0).facility_power_w;
}

TEST(TwinSharing, TrainingYieldsPowerBeforeServing) {
  StateFixture fx(with_serving(1e12));
  const io::Scenario& sc = *fx.scenario;
  EXPECT_EQ(fx.state->power_tiers, (std::vector<int>{0, 1}));
  // No binding cap: everyone at the nominal cap.
  const Caps free = caps_under(1e12);
  EXPECT_EQ(free.training_w, sc.power_cap_w);
  EXPECT_EQ(free.serving_w, sc.power_cap_w);
  // A cap the lower tier can meet alone: serving keeps the nominal cap.
  const double full = worst_case_facility_w(sc.power_cap_w, sc.power_cap_w, sc);
  const double mild = 0.85 * full;
  const Caps m = caps_under(mild);
  EXPECT_LT(m.training_w, sc.power_cap_w);
  EXPECT_EQ(m.serving_w, sc.power_cap_w);
  EXPECT_EQ(m.facility_w, m.training_w);  // the series reports the lowest cap
  EXPECT_NEAR(worst_case_facility_w(m.training_w, m.serving_w, sc), mild, 1.0);
  // A cap below what the lower tier's floor gives: it sits at the floor, serving is capped.
  const double floor_w = worst_case_facility_w(sc.accelerator.idle_w + 1.0, sc.power_cap_w, sc);
  const double tight = 0.5 * (floor_w + worst_case_facility_w(sc.accelerator.idle_w + 1.0,
                                                              sc.accelerator.idle_w + 1.0, sc));
  const Caps t = caps_under(tight);
  EXPECT_LE(t.training_w, sc.accelerator.idle_w + 1.0 + 1e-6);
  EXPECT_LT(t.serving_w, sc.power_cap_w);
  EXPECT_GT(t.serving_w, t.training_w);
  EXPECT_NEAR(worst_case_facility_w(t.training_w, t.serving_w, sc), tight, 1.0);
}

}  // namespace
}  // namespace ct::twin
