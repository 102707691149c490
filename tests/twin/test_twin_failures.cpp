// Failure handling in the engine (twin/failures.cpp): a hot spare swapped in, waiting for a
// repair when none is left, a rack drained by its leaf switch; the hazard update's rates; and the
// reduction layout.
#include <gtest/gtest.h>

#include <set>

#include "twin/job_runtime.hpp"
#include "twin_fixture.hpp"

namespace ct::twin {
namespace {

using testing::small_scenario;
using testing::StateFixture;

Candidate failure_of(faults::Scope scope, std::int64_t index, faults::FailureClass cls, double t) {
  return Candidate{
      t, static_cast<std::int64_t>(faults::component_key(scope, static_cast<std::uint64_t>(index))),
      static_cast<std::int32_t>(cls)};
}

double job_phase(Engine::State& s) {
  const auto id = s.series.find("jobs/j/state");
  return s.series.def(id).sample();
}

TEST(TwinFailures, HotSpareReplacesTheFailedNode) {
  StateFixture fx(small_scenario(2, 1));
  Engine::State& s = *fx.state;
  const Allocation before = s.control.jobs[0].alloc;
  ASSERT_EQ(before.nodes, (std::vector<std::int64_t>{0, 1}));
  ASSERT_EQ(before.spares, (std::vector<std::int64_t>{2}));
  // A GPU of node 1 fails: the node is drained (HGX: a GPU swap is a node swap).
  s.apply_failure(failure_of(faults::Scope::accelerator, 8 + 3, faults::FailureClass::gpu, 10.0));
  const Allocation& a = s.control.jobs[0].alloc;
  EXPECT_EQ(a.nodes, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(a.spares, (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(a.missing_slots.empty());
  EXPECT_EQ(s.control.node_role[1], NodeRole::repairing);
  EXPECT_EQ(s.control.node_role[2], NodeRole::active);
  EXPECT_EQ(s.control.repairs.size(), 1u);
  EXPECT_EQ(s.acct.interruptions, 1);
  EXPECT_EQ(s.acct.failures_by_class[static_cast<int>(faults::FailureClass::gpu)], 1);
  EXPECT_EQ(job_phase(s), static_cast<double>(JobPhase::detecting));
}

TEST(TwinFailures, WithoutASpareTheJobWaitsForTheRepair) {
  StateFixture fx(small_scenario(2, 1));
  Engine::State& s = *fx.state;
  s.apply_failure(failure_of(faults::Scope::node, 1, faults::FailureClass::host, 10.0));
  s.apply_failure(failure_of(faults::Scope::node, 0, faults::FailureClass::host, 20.0));
  const Allocation& a = s.control.jobs[0].alloc;
  ASSERT_EQ(a.missing_slots, (std::vector<std::size_t>{0}));
  // Detection, then waiting (no spare).
  JobTick& jt = s.control.jobs[0].tick;
  const double detect = s.sc.faults.recovery.detection_s;
  s.control.jobs[0].work->begin_tick(20.0, 21.0 + detect, jt);
  EXPECT_EQ(job_phase(s), static_cast<double>(JobPhase::waiting));
  // The first repaired node (node 1, failed first) fills the slot: the job restarts.
  const double mttr = s.sc.faults.model[faults::FailureClass::host].mttr_s;
  s.complete_repairs(10.0 + mttr);
  EXPECT_TRUE(a.missing_slots.empty());
  EXPECT_EQ(a.nodes[0], 1);
  EXPECT_EQ(s.control.node_role[1], NodeRole::active);
  EXPECT_EQ(job_phase(s), static_cast<double>(JobPhase::restarting));
  // Node 0 comes back as the job's spare.
  s.complete_repairs(20.0 + mttr);
  EXPECT_EQ(s.control.node_role[0], NodeRole::spare);
}

TEST(TwinFailures, LeafSwitchDrainsItsRack) {
  StateFixture fx(small_scenario(2, 1));
  Engine::State& s = *fx.state;
  s.apply_failure(
      failure_of(faults::Scope::rack_leaf_switch, 0, faults::FailureClass::leaf_switch, 5.0));
  for (std::int64_t n = 0; n < 4; ++n) EXPECT_EQ(s.control.node_role[n], NodeRole::repairing);
  EXPECT_EQ(s.control.node_role[4], NodeRole::free);
  EXPECT_EQ(s.control.repairs.size(), 4u);
  // Both job nodes and the spare sat in rack 0: two slots wait for repairs.
  EXPECT_EQ(s.control.jobs[0].alloc.missing_slots.size(), 2u);
  EXPECT_EQ(s.acct.interruptions, 1);
}

TEST(TwinFailures, LostWorkMovesToLost) {
  StateFixture fx(small_scenario(2, 1));
  Engine::State& s = *fx.state;
  Loss loss;
  loss.time_s[compute] = 100.0;
  loss.energy_j[compute] = 7e4;
  s.series.add(s.ids.cat_time[compute], 500.0);
  s.acct.time_total[compute] = 500.0;
  s.move_to_lost(loss);
  EXPECT_EQ(s.series.accumulated(s.ids.cat_time[compute]), 400.0);
  EXPECT_EQ(s.series.accumulated(s.ids.cat_time[lost]), 100.0);
  EXPECT_EQ(s.acct.time_total[lost], 100.0);
  EXPECT_EQ(s.acct.energy_total[lost], 7e4);
}

// The hazard update (twin/hazard_update.cpp) integrates each accelerator's and rack's rate as the
// faults model gives it class by class (class_hazard_rate_per_s), whatever the batches and the
// table's slots: a unit's Arrhenius factors must land in their own classes' rows. The jobs do
// not run in the window (no in-iteration swing, no large cycle: relative damage R = 0), so the
// rate is the Arrhenius part; junctions and inlets far from the reference, so every factor
// differs from 1 and from the others'. With `thermal_cycling: false` the cycling share is held at
// its reference (R = 1) and stays in the rate (faults/README).
void expect_each_unit_and_rack_integrates_its_classes_rates(bool cycling) {
  StateFixture fx(small_scenario(2, 1, cycling ? "" : "faults: {thermal_cycling: false}\n"));
  Engine::State& s = *fx.state;
  const faults::FailureModel& model = s.sc.faults.model;
  ASSERT_TRUE(model.arrhenius_enabled);
  ASSERT_EQ(model.cycling_enabled, cycling);
  const double relative_damage = cycling ? 0.0 : 1.0;
  for (auto& job : s.control.jobs) job.tick.run_f = 0.0;
  ASSERT_GT(s.acc_table.arrhenius_count, 0);
  ASSERT_LT(s.acc_table.arrhenius_count, s.acc_table.count);  // some classes have none
  const std::size_t units = s.fleet.junction_c.size();
  for (std::size_t i = 0; i < units; ++i) {
    s.fleet.junction_c[i] = 35.0 + 0.25 * static_cast<double>(i);  // 35 … 98.75 °C
    s.fleet.acc.hazard[i] = 0.0;
    s.fleet.acc.threshold[i] = 1.0;  // no crossing: the hazard is the window's integral
  }
  for (std::size_t r = 0; r < s.fleet.rack_inlet_c.size(); ++r) {
    s.fleet.rack_inlet_c[r] = 15.0 + 3.0 * static_cast<double>(r);
    s.fleet.rack.hazard[r] = 0.0;
    s.fleet.rack.threshold[r] = 1.0;
  }
  s.hazard_update(0.0);
  const double window_s = static_cast<double>(s.hazard_every) * s.dt;
  auto expected = [&](const faults::ScopeHazardTable& t, double temperature_c) {
    double rate_per_s = 0.0;
    for (int k = 0; k < t.count; ++k)
      rate_per_s += faults::class_hazard_rate_per_s(model[t.classes[k]], model, temperature_c,
                                                    relative_damage);
    return rate_per_s * window_s;
  };
  for (std::size_t i = 0; i < units; ++i) {
    const double h = expected(s.acc_table, s.fleet.junction_c[i]);
    EXPECT_NEAR(s.fleet.acc.hazard[i], h, 1e-12 * h) << "unit " << i;
  }
  for (std::size_t r = 0; r < s.fleet.rack_inlet_c.size(); ++r) {
    const double h = expected(s.rack_table, s.fleet.rack_inlet_c[r]);
    EXPECT_NEAR(s.fleet.rack.hazard[r], h, 1e-12 * h) << "rack " << r;
  }
}

TEST(TwinHazard, EachUnitAndRackIntegratesItsClassesRates) {
  expect_each_unit_and_rack_integrates_its_classes_rates(true);
}

TEST(TwinHazard, EachUnitAndRackIntegratesItsClassesRatesWithCyclingOff) {
  expect_each_unit_and_rack_integrates_its_classes_rates(false);
}

TEST(TwinReduction, SlotsAreDisjointAndCoverTheLayout) {
  StateFixture fx(small_scenario(2, 1, "  - kind: burn_in\n    nodes: 4\n"));
  Engine::State& s = *fx.state;
  const ReductionSlots& l = s.slots;
  std::set<int> sums;
  auto take = [&](int slot) { EXPECT_TRUE(sums.insert(slot).second) << slot; };
  take(l.it_power);
  for (int c = 0; c < kCategoryCount; ++c) take(l.cat_time + c), take(l.cat_energy + c);
  for (int slot : {l.throttled, l.trips, l.swing_time, l.running_time, l.large_cycles,
                   l.large_swing, l.large_damage, l.stepped_racks})
    take(slot);
  for (int c = 0; c < faults::kFailureClassCount; ++c) take(l.expected + c);
  for (const auto& job : s.control.jobs) {
    for (std::size_t k = 0; k < job.tracked.size(); ++k)
      take(job.sum_base + 2 * static_cast<int>(k)),
          take(job.sum_base + 2 * static_cast<int>(k) + 1);
    take(job.energy_slot);
  }
  EXPECT_EQ(static_cast<int>(sums.size()), l.n_sums);
  EXPECT_EQ(*sums.rbegin(), l.n_sums - 1);
  std::set<int> maxima{l.max_junction, l.stop, l.save, l.next_failure};
  for (std::size_t j = 0; j < s.control.jobs.size(); ++j)
    maxima.insert(l.neg_clock + static_cast<int>(j));
  EXPECT_EQ(static_cast<int>(maxima.size()), l.n_maxima);
  EXPECT_EQ(l.n_slots, 3);  // two jobs, then nodes outside jobs
}

}  // namespace
}  // namespace ct::twin
