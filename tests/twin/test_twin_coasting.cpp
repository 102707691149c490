// Multi-rate stepping (twin/coasting.cpp): a coasting rack brought to the present is bit for bit
// what the kernel's own node step gives tick by tick, and run totals in fixed point do not
// depend on how the terms are grouped. The end-to-end check (every shipped scenario, per tick
// against multi-rate, h5diff-exact) is tests/integration/test_multi_rate.py.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "thermal/junction.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/settle_pass.hpp"
#include "twin_fixture.hpp"

namespace ct::twin {
namespace {

TEST(Coasting, SettledRackIsTheKernelsStepsBitForBit) {
  testing::StateFixture f(testing::small_scenario(2, 1));
  Engine::State& s = *f.state;
  ASSERT_TRUE(s.coast.enabled);  // the default
  const std::int64_t r = 1, m = 137, since = 40;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> temp(25.0, 90.0), power(80.0, 700.0), inlet(18.0, 35.0);
  for (std::int64_t i = r * s.apr; i < (r + 1) * s.apr; ++i) s.fleet.junction_c[i] = temp(rng);
  for (std::int64_t ln = r * s.npr; ln < (r + 1) * s.npr; ++ln) {
    s.coast.node_inlet_c[ln] = inlet(rng);
    s.coast.node_power_w[ln] = power(rng);
    s.coast.node_slot[ln] = 0;
  }
  // The reference: the kernel's vectorized node step, m times per node.
  std::vector<double> expected(s.fleet.junction_c.begin() + r * s.apr,
                               s.fleet.junction_c.begin() + (r + 1) * s.apr);
  std::vector<double> clock(static_cast<std::size_t>(s.apn), 1.0);
  double hottest = -kInf;
  const double decay = s.rc_decay_per_tick;
  for (std::int64_t k = 0; k < s.npr; ++k) {
    const std::int64_t ln = r * s.npr + k;
    const thermal::CommonPowerStep step{
        1.0, s.coast.node_inlet_c[ln], s.coast.node_power_w[ln], decay, 1.0 - decay, 0.0, 1e9};
    for (std::int64_t j = 0; j < m; ++j)
      ASSERT_TRUE(thermal::step_common_power(step, s.apn, clock.data(),
                                             s.fleet.resistance_k_per_w.data() + ln * s.apn,
                                             expected.data() + k * s.apn, hottest));
  }
  s.coast.slot_nodes.assign(s.control.jobs.size() + 1, 0);
  s.coast.slot_nodes[0] = s.npr;
  s.coast.since[r] = since;
  s.coast.coasting_racks = 1;
  s.settle_rack(r, since + m);
  for (std::int64_t u = 0; u < s.apr; ++u) {
    const double got = s.fleet.junction_c[r * s.apr + u];
    EXPECT_EQ(std::memcmp(&got, &expected[u], sizeof got), 0) << "unit " << u;
  }
  EXPECT_EQ(s.coast.settled_max_c, hottest);  // the hottest junction over the m ticks
  EXPECT_EQ(s.coast.since[r], -1);
  EXPECT_EQ(s.coast.coasting_racks, 0);
  EXPECT_EQ(s.coast.slot_nodes[0], 0);
}

// Two racks whose settles share a record (the same inputs) take their quick pass together
// (settle_pair: eight chains on AVX-512); each comes out bit for bit as settled alone: the
// junctions, the cycle counters (the units start far from their steady temperature, so
// half-cycles complete and the counter is fed step by step), the series and the totals.
TEST(Coasting, TwoRacksSettledTogetherAreEachSettledAloneBitForBit) {
  testing::StateFixture alone(testing::small_scenario(2, 1)), paired(testing::small_scenario(2, 1));
  const std::int64_t since = 40, m = 211, racks[2] = {1, 2};
  for (Engine::State* s : {alone.state.get(), paired.state.get()}) {
    std::mt19937_64 rng(13);
    std::uniform_real_distribution<double> temp(25.0, 90.0), resistance(0.06, 0.09);
    s->coast.slot_nodes.assign(s->control.jobs.size() + 1, 0);
    for (std::int64_t r : racks) {
      for (std::int64_t i = r * s->apr; i < (r + 1) * s->apr; ++i) {
        s->fleet.junction_c[i] = temp(rng);
        s->fleet.resistance_k_per_w[i] = resistance(rng);
      }
      for (std::int64_t ln = r * s->npr; ln < (r + 1) * s->npr; ++ln) {
        s->coast.node_inlet_c[ln] = 24.0 + static_cast<double>(ln % s->npr);
        s->coast.node_power_w[ln] = 650.0;
        s->coast.node_slot[ln] = 0;
      }
      s->rack_row_end_weight[static_cast<std::size_t>(r)] = 1.0;  // the same record
      s->fleet.rack_power_w[r] = 20000.0;
      s->coast.rack_inlet_c[r] = 25.5;
      s->coast.slot_nodes[0] += s->npr;
      s->coast.since[r] = since;
      s->coast_count_rack(r, 1);
    }
  }
  Engine::State& a = *alone.state;
  Engine::State& b = *paired.state;
  for (std::int64_t r : racks) a.settle_rack(r, since + m);
  const bool together = b.settle_pair(racks[0], racks[1], since + m);
  if (!together) b.settle_racks(racks, 2, since + m);  // (a CPU without AVX-512)
  EXPECT_EQ(together, twin::settle_pass_has_avx512());
  auto same = [](const auto& x, const auto& y, const char* what) {
    ASSERT_EQ(x.size(), y.size());
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof x[0]), 0) << what;
  };
  same(a.fleet.junction_c, b.fleet.junction_c, "junctions");
  same(a.fleet.cycle_turning_c, b.fleet.cycle_turning_c, "turning points");
  same(a.fleet.cycle_extreme_c, b.fleet.cycle_extreme_c, "extremes");
  same(a.fleet.cycle_damage_ref_s, b.fleet.cycle_damage_ref_s, "cycle damage");
  for (auto id : {a.ids.rack_power, a.ids.rack_inlet, a.ids.rack_max_junction}) {
    const double* x = a.series.rack_values(id);
    const double* y = b.series.rack_values(id);
    for (std::int64_t r : racks)
      EXPECT_EQ(std::bit_cast<std::uint64_t>(x[r]), std::bit_cast<std::uint64_t>(y[r]));
  }
  EXPECT_GT(a.coast.settled_cycles, 0);  // the counter was fed step by step
  EXPECT_EQ(a.coast.settled_cycles, b.coast.settled_cycles);
  EXPECT_EQ(a.coast.settled_swing_fx, b.coast.settled_swing_fx);
  EXPECT_EQ(a.coast.settled_damage_fx, b.coast.settled_damage_fx);
  EXPECT_EQ(a.coast.settled_max_c, b.coast.settled_max_c);
  EXPECT_EQ(b.coast.coasting_racks, 0);
  EXPECT_EQ(b.coast.since[racks[0]], -1);
  EXPECT_EQ(b.coast.since[racks[1]], -1);
}

// Through pace steps (its job's power changes, the inlet follows the rack's power one tick
// later): the junctions and the cycle counter are what stepping the kernel's node step and
// feeding the counter every tick give, bit for bit. Large steps complete half-cycles (the settle
// replays the counter step by step); small ones from near the steady state do not (the counter's
// outcome comes from each junction's extremes).
struct PaceStep {
  std::int64_t after_since;  // ticks after the rack's first coasting tick
  double thermal_w, node_w;  // the job's RC-step and node power from then on
};

void settle_through_pace_steps(double thermal0_w, double node0_w,
                               const std::vector<PaceStep>& steps, double start_jitter_c,
                               bool slot_added = false, bool some_undirected = false,
                               bool all_rising = false) {
  testing::StateFixture f(testing::small_scenario(2, 1));
  Engine::State& s = *f.state;
  const std::int64_t r = 1, m = 90, since = 40;
  s.fast.resize(s.control.jobs.size() + 1);  // the job's slot and the idle one
  const std::size_t slots = s.fast.size();
  auto rack_power = [&](double per_node) {
    double p = 0.0;
    for (std::int64_t k = 0; k < s.npr; ++k) p += per_node;
    return p;
  };
  s.fleet.rack_power_w[r] = rack_power(node0_w);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> jitter(-start_jitter_c, start_jitter_c);
  for (std::int64_t k = 0; k < s.npr; ++k) {
    const std::int64_t ln = r * s.npr + k;
    s.coast.node_slot[ln] = 0;
    s.coast.node_power_w[ln] = thermal0_w;
    s.coast.node_inlet_c[ln] = s.coast_inlet_c(r, k, s.fleet.rack_power_w[r]);
    for (std::int64_t i = ln * s.apn; i < (ln + 1) * s.apn; ++i) {
      // Near the steady temperature, the counter mid-leg: rising and falling units.
      s.fleet.junction_c[i] =
          s.coast.node_inlet_c[ln] + s.fleet.resistance_k_per_w[i] * thermal0_w + jitter(rng);
      const auto t = static_cast<float>(s.fleet.junction_c[i]);
      s.fleet.cycle_turning_c[i] = i % 2 || all_rising ? t - 3.0f : t + 3.0f;
      if (some_undirected && k == 0) s.fleet.cycle_turning_c[i] = t;  // no direction yet
      s.fleet.cycle_extreme_c[i] = t;
    }
  }
  s.coast.step_ticks.clear(), s.coast.step_thermal_w.clear(), s.coast.step_node_w.clear();
  s.coast.step_slots.clear(), s.coast.step_stretch.clear();
  for (const PaceStep& st : steps) {
    s.coast.step_ticks.push_back(since + st.after_since);
    for (std::size_t f2 = 0; f2 < slots; ++f2) {
      s.coast.step_thermal_w.push_back(f2 == 0 ? st.thermal_w : 0.0);
      s.coast.step_node_w.push_back(f2 == 0 ? st.node_w : 0.0);
      s.coast.step_slots.push_back(f2 == 0 ? 1 : 0);
      s.coast.step_stretch.insert(s.coast.step_stretch.end(), Coasting::kStretchWords, 0.0);
    }
  }
  // The reference, tick by tick.
  std::vector<double> jc(s.fleet.junction_c.begin() + r * s.apr,
                         s.fleet.junction_c.begin() + (r + 1) * s.apr);
  std::vector<float> turning(s.fleet.cycle_turning_c.begin() + r * s.apr,
                             s.fleet.cycle_turning_c.begin() + (r + 1) * s.apr);
  std::vector<float> extreme(s.fleet.cycle_extreme_c.begin() + r * s.apr,
                             s.fleet.cycle_extreme_c.begin() + (r + 1) * s.apr);
  std::vector<double> clock(static_cast<std::size_t>(s.apn), 1.0);
  std::vector<float> swing(static_cast<std::size_t>(s.apn));
  std::int64_t half_cycles = 0;
  double hottest = -kInf, before_w = s.fleet.rack_power_w[r];
  double thermal_w = thermal0_w, node_w = node0_w;
  const double decay = s.rc_decay_per_tick;
  std::size_t next = 0;
  for (std::int64_t j = since; j < since + m; ++j) {
    if (next < steps.size() && j == since + steps[next].after_since)
      thermal_w = steps[next].thermal_w, node_w = steps[next].node_w, ++next;
    for (std::int64_t k = 0; k < s.npr; ++k) {
      const std::int64_t ln = r * s.npr + k;
      const thermal::CommonPowerStep step{
          1.0, s.coast_inlet_c(r, k, before_w), thermal_w, decay, 1.0 - decay, 0.0, 1e9};
      ASSERT_TRUE(thermal::step_common_power(step, s.apn, clock.data(),
                                             s.fleet.resistance_k_per_w.data() + ln * s.apn,
                                             jc.data() + k * s.apn, hottest));
      thermal::observe_units(s.apn, jc.data() + k * s.apn, s.sc.faults.cycle_hysteresis_k,
                             turning.data() + k * s.apn, extreme.data() + k * s.apn, swing.data());
      for (float sw : swing) half_cycles += sw > 0.0f;
    }
    before_w = rack_power(node_w);
  }
  s.coast.slot_nodes.assign(slots, 0);
  s.coast.slot_nodes[0] = s.npr;
  s.coast.since[r] = since;
  s.coast.coasting_racks = 1;
  // A job added at the settle's tick (the slot count changed: every rack is brought to the
  // present) must not change how the steps recorded before it read.
  if (slot_added) s.fast.resize(slots + 1);
  s.coast.settled_cycles = 0;
  s.settle_rack(r, since + m);
  EXPECT_EQ(s.coast.settled_cycles, half_cycles);  // the half-cycles the counter completed
  for (std::int64_t u = 0; u < s.apr; ++u) {
    const auto a = static_cast<std::size_t>(u);
    const double got = s.fleet.junction_c[r * s.apr + u];
    EXPECT_EQ(std::memcmp(&got, &jc[a], sizeof got), 0) << "unit " << u;
    EXPECT_EQ(s.fleet.cycle_turning_c[r * s.apr + u], turning[a]) << "unit " << u;
    EXPECT_EQ(s.fleet.cycle_extreme_c[r * s.apr + u], extreme[a]) << "unit " << u;
  }
  EXPECT_EQ(s.coast.settled_max_c, hottest);
  EXPECT_EQ(s.fleet.rack_power_w[r], rack_power(node_w));  // the last coasted tick's
}

TEST(Coasting, SettledThroughLargePaceStepsIsTheKernelsStepsBitForBit) {
  settle_through_pace_steps(600.0, 5400.0,
                            {{10, 640.0, 5700.0}, {11, 520.0, 4700.0}, {50, 700.0, 6100.0}}, 15.0);
}

// The history's steps hold one value per slot of their time: a settle on the tick a job slot is
// added reads them with that stride (it once read them with the new count's).
TEST(Coasting, SettledOnTheTickASlotIsAddedReadsTheStepsAsRecorded) {
  settle_through_pace_steps(
      600.0, 5400.0, {{10, 640.0, 5700.0}, {11, 520.0, 4700.0}, {50, 700.0, 6100.0}}, 15.0, true);
}

TEST(Coasting, SettledThroughSmallPaceStepsIsTheKernelsStepsBitForBit) {
  settle_through_pace_steps(600.0, 5400.0,
                            {{10, 601.0, 5409.0}, {11, 599.5, 5395.5}, {50, 600.5, 5404.5}}, 0.05);
}

// A node whose counters have no direction yet (an idle spare may never get one): they keep it
// through small steps (the settle's shortcut leaves them as they are) and commit on large ones.
TEST(Coasting, SettledUnitsWithNoCycleDirectionYetAreTheCountersBitForBit) {
  settle_through_pace_steps(600.0, 5400.0,
                            {{10, 601.0, 5409.0}, {11, 599.5, 5395.5}, {50, 600.5, 5404.5}}, 0.05,
                            false, true);
  settle_through_pace_steps(600.0, 5400.0,
                            {{10, 640.0, 5700.0}, {11, 520.0, 4700.0}, {50, 700.0, 6100.0}}, 15.0,
                            false, true);
}

// A pace stepping every tick for 74 ticks: 74 one-tick stretches, then a longer one.
TEST(Coasting, SettledThroughAPaceSteppingEveryTickIsTheKernelsStepsBitForBit) {
  for (double size : {0.5, 40.0}) {  // the counter's shortcut, then its replay
    std::vector<PaceStep> steps;
    for (std::int64_t t = 3; t < 77; ++t) {
      const double swing = static_cast<double>(t % 3) - 1.0;
      steps.push_back({t, 600.0 + size * swing, 5400.0 + 9.0 * size * swing});
    }
    settle_through_pace_steps(600.0, 5400.0, steps, size < 1.0 ? 0.05 : 15.0);
  }
}

// A rise and a fall back to where the junctions started: a rising leg completes a half-cycle
// though no value is below its start (only the largest fall from a maximum shows it).
TEST(Coasting, SettledThroughARiseAndAFallCompletesTheHalfCycleOfTheFall) {
  for (bool all_rising : {false, true})
    settle_through_pace_steps(600.0, 5400.0, {{5, 950.0, 8550.0}, {45, 600.0, 5400.0}}, 0.05, false,
                              false, all_rising);
}

// A pace moving every tick (several chunks of stretches), then a stall or a restart: a long
// stretch of constant inputs in which the junctions fall (rise) far enough to complete
// half-cycles, after which each leg only extends (the settle feeds the counter every tick only
// where it may turn, and only in the chunk where that happens).
TEST(Coasting, SettledThroughAStallOrARestartCompletesTheCountersHalfCyclesBitForBit) {
  const double powers_w[][2] = {{600.0, 150.0}, {150.0, 700.0}};  // a cool-down, a warm-up
  for (const auto& p : powers_w) {
    std::vector<PaceStep> steps;
    for (std::int64_t t = 3; t < 41; ++t) {
      const double swing = static_cast<double>(t % 3) - 1.0;
      steps.push_back({t, p[0] + 0.5 * swing, 9.0 * (p[0] + 0.5 * swing)});
    }
    steps.push_back({45, p[1], 9.0 * p[1]});
    settle_through_pace_steps(p[0], 9.0 * p[0], steps, 0.05);
  }
}

// Racks of one tick's settles share their recorded inputs only when everything the replay reads
// of them is the same (Engine::State::settle_inputs): a rack that differs from the rack settled
// before it in one input settles as it does alone, in a state that never recorded another's.
struct SettleVariant {
  const char* what;
  double rack_power_w = 0.0, row_end = 0.0, inlet_c = 0.0, node_power_w = 0.0;
  bool repairing = false;
  std::int64_t since = 0;
  double mean_inlet_c = 0.0, supply_c = 0.0;  // (a rack of another site: another supply)
  // Not in the record's key: the rack's series sums so far, its throttled units.
  double series = 0.0;
  std::int64_t throttled = 0;
  bool same_key() const { return what == std::string("the same") || series != 0.0 || throttled; }
};

void prepare_rack(Engine::State& s, std::int64_t r, const SettleVariant& v) {
  const std::int64_t since = 40 + v.since;
  const double rack_power_w = 5400.0 * static_cast<double>(s.npr);
  s.fleet.rack_power_w[r] = rack_power_w + v.rack_power_w;  // the nodes' inlets as without it
  s.rack_row_end_weight[static_cast<std::size_t>(r)] = 0.0;
  for (std::int64_t k = 0; k < s.npr; ++k) {
    const std::int64_t ln = r * s.npr + k;
    s.coast.node_slot[ln] = v.repairing && k == 1 ? Coasting::kRepairing : std::int16_t{0};
    s.coast.node_power_w[ln] = 600.0 + (k == 2 ? v.node_power_w : 0.0);
    s.coast.node_inlet_c[ln] = s.coast_inlet_c(r, k, rack_power_w) + (k == 3 ? v.inlet_c : 0.0);
    for (std::int64_t i = ln * s.apn; i < (ln + 1) * s.apn; ++i) {
      // The same units in every rack (resistances and junctions), so only the variant differs.
      const std::int64_t u = i - r * s.apr;
      s.fleet.resistance_k_per_w[i] = 0.07 + 0.001 * static_cast<double>(u % 5);
      s.fleet.junction_c[i] = 60.0 + 0.25 * static_cast<double>(u);
      const auto t = static_cast<float>(s.fleet.junction_c[i]);
      s.fleet.cycle_turning_c[i] = u % 2 ? t - 3.0f : t + 3.0f;
      s.fleet.cycle_extreme_c[i] = t;
    }
  }
  s.coast.rack_inlet_c[r] = s.coast.node_inlet_c[r * s.npr] + v.mean_inlet_c;
  for (auto id : {s.ids.rack_power, s.ids.rack_inlet, s.ids.rack_throttled})
    s.series.rack_values(id)[r] = 10.0 + v.series;
  s.coast.rack_throttled[r] = v.throttled;
  s.rack_row_end_weight[static_cast<std::size_t>(r)] = v.row_end;  // (the inlets as without it)
  s.coast.since[r] = since;
  s.coast_count_rack(r, 1);
}

void record_pace_steps(Engine::State& s) {
  s.fast.resize(s.control.jobs.size() + 1);
  s.coast.slot_nodes.assign(s.fast.size(), 0);
  s.coast.step_ticks.clear(), s.coast.step_thermal_w.clear(), s.coast.step_node_w.clear();
  s.coast.step_slots.clear(), s.coast.step_stretch.clear();
  for (std::int64_t t = 43; t < 70; ++t) {  // a pace moving every tick, then a long stretch
    const double swing = static_cast<double>(t % 3) - 1.0;
    s.coast.step_ticks.push_back(t);
    for (std::size_t f = 0; f < s.fast.size(); ++f) {
      s.coast.step_thermal_w.push_back(f == 0 ? 600.0 + 30.0 * swing : 0.0);
      s.coast.step_node_w.push_back(f == 0 ? 5400.0 + 270.0 * swing : 0.0);
      s.coast.step_slots.push_back(f == 0 ? 1 : 0);
      s.coast.step_stretch.insert(s.coast.step_stretch.end(), Coasting::kStretchWords, 0.0);
    }
  }
}

// Air-cooled: a node's inlet depends on its rack's power, its height and the rack's row-end
// weight.
std::string air_scenario() {
  std::string y = testing::small_scenario(2, 1);
  const std::string campus = "campus:\n  nodes_per_rack: 4\n";
  y.replace(y.find(campus), campus.size(), campus + "  cooling: air\n");
  return y;
}

TEST(Coasting, RacksShareTheirSettleInputsOnlyWhenTheReplayWouldReadTheSame) {
  const std::int64_t k = 130;
  const SettleVariant same{"the same"};
  const SettleVariant variants[] = {
      {"the same"},
      {"its starting power", 1.0},
      {"its row-end weight", 0.0, 1.0},
      {"a node's inlet", 0.0, 0.0, 0.5},
      {"a node's power", 0.0, 0.0, 0.0, 20.0},
      {"a node under repair", 0.0, 0.0, 0.0, 0.0, true},
      {"its first coasting tick", 0.0, 0.0, 0.0, 0.0, false, 7},
      {"its mean inlet", 0.0, 0.0, 0.0, 0.0, false, 0, 0.25},
      {"its supply", 0.0, 0.0, 0.0, 0.0, false, 0, 0.0, 1.5},
      {"its series so far", 0.0, 0.0, 0.0, 0.0, false, 0, 0.0, 0.0, 0.5},
      {"its throttled units", 0.0, 0.0, 0.0, 0.0, false, 0, 0.0, 0.0, 0.0, 3},
  };
  for (const SettleVariant& v : variants) {
    // Rack 1 as in the first rack settled this tick (rack 0, the same but for the variant)...
    testing::StateFixture shared(air_scenario());
    Engine::State& a = *shared.state;
    record_pace_steps(a);
    prepare_rack(a, 0, same);
    prepare_rack(a, 1, v);
    a.coast.settle_inputs_valid = 0;  // a new tick
    a.settle_rack(0, k);
    a.sites[static_cast<std::size_t>(a.rack_site[1])].supply_c += v.supply_c;
    a.settle_rack(1, k);
    EXPECT_EQ(a.coast.settle_inputs_valid, v.same_key() ? 1u : 2u) << v.what;
    // ...and alone.
    testing::StateFixture alone(air_scenario());
    Engine::State& b = *alone.state;
    record_pace_steps(b);
    prepare_rack(b, 1, v);
    b.coast.settle_inputs_valid = 0;
    b.sites[static_cast<std::size_t>(b.rack_site[1])].supply_c += v.supply_c;
    b.settle_rack(1, k);
    for (std::int64_t i = a.apr; i < 2 * a.apr; ++i) {
      const double x = a.fleet.junction_c[i], y = b.fleet.junction_c[i];
      ASSERT_EQ(std::memcmp(&x, &y, sizeof x), 0) << v.what << ", unit " << i;
      ASSERT_EQ(a.fleet.cycle_extreme_c[i], b.fleet.cycle_extreme_c[i]) << v.what;
      ASSERT_EQ(a.fleet.cycle_turning_c[i], b.fleet.cycle_turning_c[i]) << v.what;
    }
    EXPECT_EQ(a.fleet.rack_power_w[1], b.fleet.rack_power_w[1]) << v.what;
    EXPECT_EQ(a.fleet.rack_inlet_c[1], b.fleet.rack_inlet_c[1]) << v.what;
    for (auto id : {a.ids.rack_power, a.ids.rack_inlet, a.ids.rack_throttled})
      EXPECT_EQ(a.series.rack_values(id)[1], b.series.rack_values(id)[1]) << v.what;
  }
}

// Racks of one tick that follow a pace step share follow_pace's values only when its node slots,
// end power, site and row-end weight are the same (Coasting::FollowMemo): a rack that differs
// from the rack followed before it in one of them follows as it does alone.
TEST(Coasting, RacksFollowAPaceStepAsTheyWouldAlone) {
  struct Variant {
    const char* what;
    double end_w = 0.0, row_end = 0.0;
    bool repairing = false;
    double supply_c = 0.0;  // a rack of another site, with another supply temperature
  };
  const Variant variants[] = {{"the same"},
                              {"its end power", 4000.0},
                              {"its row-end weight", 0.0, 1.0},
                              {"a node under repair", 0.0, 0.0, true},
                              {"its site", 0.0, 0.0, false, 1.5}};
  auto tick = [](Engine::State& s) {  // this tick's slots (as coast_tick_racks leaves them)
    s.fast.assign(s.control.jobs.size() + 1, FastTick{});
    FastTick& ft = s.fast[0];
    ft.thermal_power_w = 600.0, ft.node_power_w = 5400.0, ft.k_per_r = 60.0, ft.swing_per_r = 2.0;
    ft.swings = true;  // its job runs: the rack's swing sum counts (as the kernel sets it)
    s.coast.follow_memo.valid = false;
  };
  auto prepare = [](Engine::State& s, std::int64_t r, const Variant& v) {
    for (std::int64_t ln = r * s.npr; ln < (r + 1) * s.npr; ++ln)
      s.coast.node_slot[ln] = v.repairing && ln % s.npr == 1 ? Coasting::kRepairing : 0;
    s.coast.rack_end_power_w[r] = 5400.0 * static_cast<double>(s.npr) + v.end_w;
    s.coast.rack_power_w[r] = 5000.0 * static_cast<double>(s.npr);
    s.coast.rack_t_upper[r] = 0.0;  // the new steady temperature sets the bound
    s.coast.rack_resistance_max[r] = 0.075;
    s.coast.rack_swing_fx[r] = 0;
    s.rack_row_end_weight[static_cast<std::size_t>(r)] = v.row_end;
    if (v.supply_c != 0.0) {
      s.sites.push_back(s.sites[0]);
      s.sites.back().supply_c += v.supply_c;
      s.rack_site[static_cast<std::size_t>(r)] = static_cast<std::int16_t>(s.sites.size() - 1);
    }
  };
  auto outcome = [](const Engine::State& s, std::int64_t r, bool followed) {
    return std::vector<double>{followed ? 1.0 : 0.0, s.coast.rack_t_upper[r],
                               s.coast.rack_power_w[r], s.coast.rack_end_power_w[r],
                               static_cast<double>(s.coast.rack_swing_fx[r])};
  };
  for (const Variant& v : variants) {
    // Rack 1 followed after rack 0 (the same but for the variant)...
    testing::StateFixture shared(air_scenario());
    Engine::State& a = *shared.state;
    tick(a);
    prepare(a, 0, variants[0]);
    prepare(a, 1, v);
    const bool followed0 = a.follow_pace(0, false);
    const bool followed1 = a.follow_pace(1, false);
    // ...and alone.
    testing::StateFixture alone(air_scenario());
    Engine::State& b = *alone.state;
    tick(b);
    prepare(b, 1, v);
    const bool followed = b.follow_pace(1, false);
    EXPECT_TRUE(followed) << v.what;  // the bound holds: its values were computed
    const std::vector<double> got = outcome(a, 1, followed1), want = outcome(b, 1, followed);
    for (std::size_t i = 0; i < want.size(); ++i)
      EXPECT_EQ(std::bit_cast<std::uint64_t>(got[i]), std::bit_cast<std::uint64_t>(want[i]))
          << v.what << ", value " << i << ": " << got[i] << " vs " << want[i];
    // ...and in one run after rack 0 (follow_paces: the run's own test of like racks).
    testing::StateFixture together(air_scenario());
    Engine::State& c = *together.state;
    tick(c);
    prepare(c, 0, variants[0]);
    prepare(c, 1, v);
    std::int64_t racks[] = {0, 1};
    EXPECT_EQ(c.follow_paces(racks, 2, false), 0u) << v.what;
    const std::vector<double> in_run = outcome(c, 1, true);
    for (std::size_t i = 0; i < want.size(); ++i)
      EXPECT_EQ(std::bit_cast<std::uint64_t>(in_run[i]), std::bit_cast<std::uint64_t>(want[i]))
          << v.what << " (in a run), value " << i << ": " << in_run[i] << " vs " << want[i];
    // The variant changes what the rack follows with (so a shared value would show).
    if (v.what != std::string("the same")) {
      EXPECT_NE(outcome(a, 0, followed0), want) << v.what;
    }
  }
}

// A scheduler event (here a job that ends and hands its nodes back) settles only the racks that
// hold one of its nodes; the other racks keep coasting (it once settled every rack).
TEST(Coasting, AJobThatEndsSettlesOnlyTheRacksOfItsNodes) {
  testing::StateFixture f(testing::small_scenario(2, 1));
  Engine::State& s = *f.state;
  auto begin = [&](std::int64_t k) {
    const double t0 = static_cast<double>(k) * s.dt;
    s.jobs_begin_tick(t0, t0 + s.dt);
    s.grid_tick(t0);
    s.prepare_fast();
  };
  begin(1);
  s.coast_tick(1);  // the first tick: everything changed
  // Every rack eligible with its nodes' slots, as the kernel leaves a rack whose step held.
  const auto n_jobs = static_cast<std::int16_t>(s.control.jobs.size());
  for (std::int64_t r = 0; r < s.block.rack_count; ++r) {
    for (std::int64_t ln = r * s.npr; ln < (r + 1) * s.npr; ++ln) {
      const int j = s.control.node_job[s.global_node(ln)];
      s.coast.node_slot[ln] = j >= 0 ? static_cast<std::int16_t>(j) : n_jobs;
    }
    s.coast.eligible[r] = 1;
    s.coast.eligible_racks.push_back(r);
  }
  begin(2);
  s.coast_tick(2);  // the same inputs: every rack starts coasting
  for (std::int64_t r = 0; r < s.block.rack_count; ++r) ASSERT_EQ(s.coast.since[r], 2) << r;

  std::vector<std::int8_t> holds(static_cast<std::size_t>(s.block.rack_count), 0);
  for (std::int64_t n = 0; n < s.local_nodes; ++n)
    if (s.control.node_job[s.global_node(n)] == 0) holds[static_cast<std::size_t>(n / s.npr)] = 1;
  s.release_job_slot(0);
  begin(3);
  s.coast_tick(3);
  int kept = 0;
  for (std::int64_t r = 0; r < s.block.rack_count; ++r) {
    EXPECT_EQ(s.coast.since[r], holds[static_cast<std::size_t>(r)] ? -1 : 2) << "rack " << r;
    kept += s.coast.since[r] == 2;
    // The coasting bits the tick's changes and the kernel's list of stepped racks read.
    const std::uint64_t word = s.coast.coasting_bits[static_cast<std::size_t>(r) / 64];
    EXPECT_EQ((word >> (r % 64)) & 1, s.coast.since[r] >= 0 ? 1u : 0u) << "rack " << r;
  }
  EXPECT_GE(kept, 6);  // of 8 racks, the job's 3 nodes are in at most 2
}

TEST(Coasting, FixedTotalIsExactWhateverTheGrouping) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::int64_t> term(-4'000'000'000'000'000'000LL,
                                                   4'000'000'000'000'000'000LL);
  std::vector<std::int64_t> terms(5000);
  for (auto& t : terms) t = term(rng);
  FixedTotal one_by_one, grouped;
  for (std::int64_t t : terms) one_by_one.add(t, kSecondScaleInt);
  // Groups of up to 3 terms summed first (what several ticks' reductions carry at once), small
  // enough not to overflow int64.
  for (std::size_t i = 0; i < terms.size(); i += 2) {
    const std::int64_t pair = terms[i] / 2 + (i + 1 < terms.size() ? terms[i + 1] / 2 : 0);
    grouped.add(pair, kSecondScaleInt);
    grouped.add(terms[i] - terms[i] / 2, kSecondScaleInt);
    if (i + 1 < terms.size()) grouped.add(terms[i + 1] - terms[i + 1] / 2, kSecondScaleInt);
  }
  EXPECT_EQ(one_by_one.whole, grouped.whole);
  EXPECT_EQ(one_by_one.part, grouped.part);
  EXPECT_GE(one_by_one.part, 0);
  EXPECT_LT(one_by_one.part, kSecondScaleInt);
  // 5000 terms up to 4e18 would overflow an int64 total; the split total holds it.
  long double exact = 0;
  for (std::int64_t t : terms) exact += static_cast<long double>(t);
  EXPECT_NEAR(one_by_one.value(kSecondScale), static_cast<double>(exact / 1e9L),
              1e-12 * std::fabs(static_cast<double>(exact / 1e9L)) + 1e-6);
}

}  // namespace
}  // namespace ct::twin
