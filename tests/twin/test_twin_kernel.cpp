// The kernel's two paths give the same unit tick: the per-node fast path (per-job constants,
// FastTick) and the per-unit governor path (slow_unit), on random job states; and the one split
// function's invariants.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "thermal/junction.hpp"
#include "twin_fixture.hpp"

namespace ct::twin {
namespace {

using testing::small_scenario;
using testing::StateFixture;

JobTick random_tick(std::mt19937_64& rng, double a_comm, double a_stall) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  JobTick jt;
  jt.run_f = u(rng) < 0.3 ? u(rng) : 1.0;
  const double compute_f = 0.5 + 0.4 * u(rng), bubble_f = (1.0 - compute_f) * u(rng);
  jt.add_running(compute, compute_f, 1.0, true);
  jt.add_running(pipeline_bubble, bubble_f, a_comm);
  jt.add_running(exposed_comm, 1.0 - compute_f - bubble_f, a_comm);
  const double stalled = 1.0 - jt.run_f, ck = stalled * u(rng);
  jt.add_stalled(checkpoint, ck, a_stall);
  jt.add_stalled(recovery, stalled - ck, a_stall);
  jt.add_stalled(waiting, 0.0, a_stall);
  // Sometimes a time order: running, the stall, running again.
  if (jt.run_f < 1.0 && u(rng) < 0.7) {
    const double first = jt.run_f * u(rng);
    jt.add_segment(first, true);
    jt.add_segment(1.0 - jt.run_f, false);
    jt.add_segment(jt.run_f - first, true);
  }
  jt.slowest_clock = u(rng) < 0.5 ? 1.0 : 0.7 + 0.3 * u(rng);
  jt.straggler_activity = a_comm;
  jt.half_swing_per_r = 0.4 * u(rng);
  jt.step_s = 1.0 + 10.0 * u(rng);
  jt.running_activity = compute_f + (1.0 - compute_f) * a_comm;
  return jt;
}

TEST(TwinKernel, FastPathEqualsGovernorPathOnRandomStates) {
  StateFixture fx(small_scenario(2, 1));
  Engine::State& s = *fx.state;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double decay = s.rc_decay_per_tick, gain = 1.0 - decay;
  const auto& spec = s.sc.accelerator;
  int compared = 0;
  for (int trial = 0; trial < 200; ++trial) {
    JobTick& jt = s.control.jobs[0].tick;
    jt = random_tick(rng, s.sc.activity.communicating, s.sc.activity.stalled);
    // Sometimes a grid cap lowers the common clock.
    s.sites[0].accelerator_cap_w = u(rng) < 0.3 ? 400.0 + 250.0 * u(rng) : spec.tdp_w;
    s.control.jobs[0].cap_w = s.sites[0].accelerator_cap_w;  // the job's cap (grid_tick)
    s.prepare_fast();
    const FastTick& ft = s.fast[0];
    const double inlet = 18.0 + 12.0 * u(rng);
    for (std::int64_t i = 0; i < 16; ++i) {
      // A unit at the job's clock whose thermal limit does not bind takes the fast path.
      const double r = s.fleet.resistance_k_per_w[i];
      s.fleet.clock_ratio[i] = ft.clock;
      s.fleet.junction_c[i] = inlet + 40.0 * u(rng);
      const double l_c = spec.slowdown_temperature_c - gain * inlet;
      if (!(r * ft.k_per_r + decay * s.fleet.junction_c[i] <= l_c)) continue;
      const double t0 = s.fleet.junction_c[i];
      const double fast_t = gain * (inlet + r * ft.thermal_power_w) + decay * t0;
      std::array<double, kCategoryCount> time{}, energy{};
      double power = 0.0, swing = 0.0;
      std::int64_t throttled = 0;
      UnitSums units;
      const double slow_t =
          s.slow_unit(i, r, inlet, decay, jt, ft.traj, true, 0, units, power, swing, throttled);
      split_unit_ticks(jt, units, spec.idle_w, s.dt, time, energy);
      EXPECT_EQ(s.fleet.clock_ratio[i], ft.clock);
      EXPECT_NEAR(slow_t, fast_t, 1e-11 * std::abs(fast_t));
      EXPECT_NEAR(power, ft.unit_power_w, 1e-12 * ft.unit_power_w);
      EXPECT_EQ(throttled, ft.capped ? 1 : 0);
      for (int c = 0; c < kCategoryCount; ++c) {
        EXPECT_NEAR(time[c], ft.unit_time[c], 1e-15) << kCategoryNames[c];
        EXPECT_NEAR(energy[c], ft.unit_energy[c], 1e-12 * (1.0 + ft.unit_energy[c]))
            << kCategoryNames[c];
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 1000);
}

// FastTick's fields, bit for bit: whether two are the same constants.
bool same_fast(const FastTick& a, const FastTick& b) {
  auto same = [](double x, double y) {
    return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
  };
  auto same_all = [&](const auto& x, const auto& y) {
    for (std::size_t i = 0; i < std::size(x); ++i)
      if (!same(static_cast<double>(x[i]), static_cast<double>(y[i]))) return false;
    return true;
  };
  return same(a.clock, b.clock) && a.capped == b.capped && same(a.k_per_r, b.k_per_r) &&
         same(a.unit_power_w, b.unit_power_w) && same(a.thermal_power_w, b.thermal_power_w) &&
         same(a.dynamic_w, b.dynamic_w) && same(a.run_activity, b.run_activity) &&
         same(a.stall_activity, b.stall_activity) && a.traj.boundaries == b.traj.boundaries &&
         same_all(a.traj.time_f, b.traj.time_f) && same_all(a.traj.decay, b.traj.decay) &&
         same_all(a.traj.run_w, b.traj.run_w) && same_all(a.traj.stall_w, b.traj.stall_w) &&
         same(a.traj.end_run_w, b.traj.end_run_w) && same(a.node_power_run_w, b.node_power_run_w) &&
         same(a.node_power_stall_w, b.node_power_stall_w) && a.inlet_follows == b.inlet_follows &&
         a.end_running == b.end_running && same_all(a.unit_time, b.unit_time) &&
         same_all(a.unit_energy, b.unit_energy) && same(a.node_power_w, b.node_power_w) &&
         same_all(a.node_time, b.node_time) && same_all(a.node_energy, b.node_energy) &&
         same(a.swing_per_r, b.swing_per_r) && a.node_power_fx == b.node_power_fx &&
         a.node_running_fx == b.node_running_fx && a.node_energy_all_fx == b.node_energy_all_fx &&
         a.node_time_fx == b.node_time_fx && a.node_energy_fx == b.node_energy_fx;
}

// prepare_fast reuses a slot's constants only when its tick, cap and end-of-tick state repeat
// bit for bit: a tick rebuilt the same (its coefficients cleared, as workloads do) reuses them
// and gets its coefficients back; any one input changed gives the constants from scratch. And
// same_tick_inputs tells every field of a tick apart (a field left out of it would reuse a
// stale tick).
TEST(TwinKernel, PrepareFastReusesOnlyATickThatRepeats) {
  StateFixture fx(small_scenario(2, 1));
  Engine::State& s = *fx.state;
  JobControl::Job& job = s.control.jobs[0];
  JobTick base;
  base.run_f = 0.7;
  base.add_running(compute, 0.8, 1.0, true);
  base.add_running(exposed_comm, 0.2, 0.5);
  base.add_stalled(checkpoint, 0.3, 0.2);
  base.add_segment(0.4, true);
  base.add_segment(0.3, false);
  base.add_segment(0.3, true);
  base.slowest_clock = 0.9;
  base.straggler_activity = 0.5;
  base.half_swing_per_r = 0.2;
  base.step_s = 2.0;
  base.ripple_peak_per_r = 0.1;
  base.running_activity = 0.9;
  auto set_base = [&] {
    job.tick = base;
    job.cap_w = 650.0;
    s.job_end_running[0] = 1;
  };
  auto from_scratch = [&] {
    s.fast_memo.clear();
    s.prepare_fast();
    return s.fast[0];
  };
  set_base();
  const FastTick first = from_scratch();
  set_base();  // rebuilt: prepared false, coefficients zero
  ASSERT_FALSE(job.tick.prepared);
  s.prepare_fast();
  EXPECT_TRUE(same_fast(s.fast[0], first));
  EXPECT_TRUE(job.tick.prepared);
  const UnitCoeffs want = unit_coeffs(base, s.dt);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(job.tick.coeff.mean0),
            std::bit_cast<std::uint64_t>(want.mean0));
  EXPECT_EQ(job.tick.coeff.t0, want.t0);
  EXPECT_EQ(job.tick.coeff.a1, want.a1);
  // Cleared and filled again the same way, as a workload does each tick: reused, its
  // coefficients kept; filled another way: prepared afresh.
  for (const bool same : {true, false}) {
    const JobTick before = job.tick;
    job.tick.clear();
    EXPECT_FALSE(job.tick.prepared);
    EXPECT_TRUE(same_tick_inputs(job.tick, JobTick{}));  // every input reset
    const std::uint64_t stamp = job.tick.coeff_stamp;
    job.tick = before;
    job.tick.prepared = false;
    if (!same) job.tick.phase[0].activity = 0.9;
    s.prepare_fast();
    EXPECT_EQ(job.tick.coeff_stamp == stamp, same);
    const UnitCoeffs now = unit_coeffs(job.tick, s.dt);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(job.tick.coeff.mean0),
              std::bit_cast<std::uint64_t>(now.mean0));
    EXPECT_EQ(job.tick.coeff.a0, now.a0);
    const FastTick got = s.fast[0];
    EXPECT_TRUE(same_fast(got, same ? first : from_scratch()));
  }

  const std::vector<std::pair<std::string, std::function<void()>>> changes = {
      {"cap", [&] { job.cap_w = 450.0; }},
      {"end running", [&] { s.job_end_running[0] = 0; }},
      {"run_f", [&] { job.tick.run_f = 0.6; }},
      {"slowest clock", [&] { job.tick.slowest_clock = 0.8; }},
      {"clock request", [&] { job.tick.clock_request = 0.75; }},
      {"straggler activity", [&] { job.tick.straggler_activity = 0.4; }},
      {"half swing", [&] { job.tick.half_swing_per_r = 0.3; }},
      {"step", [&] { job.tick.step_s = 3.0; }},
      {"ripple", [&] { job.tick.ripple_peak_per_r = 0.05; }},
      {"running activity", [&] { job.tick.running_activity = 0.8; }},
      {"phase share", [&] { job.tick.phase[1].share = 0.25; }},
      {"phase activity", [&] { job.tick.phase[2].activity = 0.3; }},
      {"phase category", [&] { job.tick.phase[2].category = recovery; }},
      {"phase running", [&] { job.tick.phase[1].running = false; }},
      {"phase paced", [&] { job.tick.phase[0].paced = false; }},
      {"phases", [&] { job.tick.add_stalled(waiting, 0.1, 0.2); }},
      {"segment", [&] { job.tick.segment_f[0] = 0.35; }},
      {"segments", [&] { job.tick.segments = 2; }},
      {"first running", [&] { job.tick.first_running = false; }},
      {"interleaved", [&] { job.tick.interleaved = true; }},
      {"the sign of a zero", [&] { job.tick.phase[5].share = -0.0; }},
  };
  int differed = 0;
  for (const auto& [name, change] : changes) {
    set_base();
    s.prepare_fast();  // the memo holds the base tick
    change();
    if (name != "cap" && name != "end running") {
      EXPECT_FALSE(same_tick_inputs(base, job.tick)) << name;
      EXPECT_TRUE(same_tick_inputs(job.tick, job.tick)) << name;
    }
    s.prepare_fast();
    const FastTick got = s.fast[0];
    differed += !same_fast(got, first);
    EXPECT_TRUE(same_fast(got, from_scratch())) << name;
  }
  EXPECT_GE(differed, 12);  // the changes reach the constants the memo would have kept
  // A tick of one stretch: whether the inlet follows the job's power depends on the state at the
  // last tick's end as well.
  set_base();
  job.tick.segments = 1;
  job.tick.first_running = true;
  s.prepare_fast();
  EXPECT_FALSE(s.fast[0].inlet_follows);
  s.job_end_running[0] = 0;
  s.prepare_fast();
  EXPECT_TRUE(s.fast[0].inlet_follows);
}

TEST(TwinKernel, SplitSumsToTheTickAndPacesByTheSlowestClock) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 1000; ++trial) {
    const JobTick jt = random_tick(rng, 0.3, 0.05);
    std::uniform_real_distribution<double> u(0.5, 1.0);
    const double phi = u(rng), d_w = 625.0 * std::pow(phi, 2.5), dt = 7.0;
    std::array<double, kCategoryCount> t{}, e{};
    const double total_j = split_unit_tick(jt, phi, d_w, 75.0, dt, t, e);
    double sum_t = 0.0, sum_e = 0.0;
    for (int c = 0; c < kCategoryCount; ++c) sum_t += t[c], sum_e += e[c];
    EXPECT_NEAR(sum_t, dt, 1e-12);
    EXPECT_NEAR(sum_e, total_j, 1e-9);
    // Energy = dt · (P_idle + mean activity · D).
    EXPECT_NEAR(total_j, dt * (75.0 + mean_activity(jt, phi) * d_w), 1e-9 * total_j);
    // A unit faster than the slowest member keeps slowest/φ of its compute share.
    const double compute_share = jt.phase[0].share;
    EXPECT_NEAR(t[compute], jt.run_f * dt * compute_share * std::min(1.0, jt.slowest_clock / phi),
                1e-12);
    EXPECT_NEAR(t[compute] + t[straggler_wait], jt.run_f * dt * compute_share, 1e-12);
  }
}

// The junction at a tick's stretch boundaries and at its end (TickTrajectory) against the RC
// stepped exactly stretch by stretch.
TEST(TwinKernel, TickTrajectoryIsThePiecewiseExactRc) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int trial = 0; trial < 500; ++trial) {
    JobTick jt = random_tick(rng, 0.3, 0.05);
    jt.segments = 0;
    // Up to six alternating stretches.
    const int n = 2 + static_cast<int>(5 * u(rng));
    std::vector<double> len(n);
    double total = 0.0;
    for (double& l : len) total += (l = 0.05 + u(rng));
    const bool first = u(rng) < 0.5;
    for (int k = 0; k < n; ++k) jt.add_segment(len[k] / total, (k % 2 == 0) == first);
    jt.run_f = 0.0;
    for (int k = 0; k < jt.segments; ++k) jt.run_f += jt.segment_running(k) ? jt.segment_f[k] : 0.0;
    const double dt = 1.0 + 119.0 * u(rng), tau = 2.0 + 30.0 * u(rng);
    const double phi = 0.6 + 0.4 * u(rng), d_w = 625.0 * std::pow(phi, 2.5), idle = 75.0;
    const double r = 0.05 + 0.05 * u(rng), inlet = 20.0 + 10.0 * u(rng), t0 = 30.0 + 50 * u(rng);
    const TickTrajectory tr = tick_trajectory(jt, dt, tau);
    ASSERT_EQ(tr.boundaries, n - 1);
    const double a_run = running_activity_at(jt, phi), a_stall = stalled_activity_level(jt);
    double t = t0;
    for (int k = 0; k < n; ++k) {
      const double p = idle + (jt.segment_running(k) ? a_run : a_stall) * d_w;
      t = thermal::junction_step_c(t, inlet + r * p, std::exp(-len[k] / total * dt / tau));
      if (k + 1 < n) {
        const double tb = tr.decay[k] * t0 + (1.0 - tr.decay[k]) * (inlet + r * idle) +
                          r * d_w * (tr.run_w[k] * a_run + tr.stall_w[k] * a_stall);
        EXPECT_NEAR(tb, t, 1e-11 * t);
      }
    }
    const double decay = std::exp(-dt / tau);
    const double end = thermal::junction_step_c(
        t0, inlet + r * (idle + thermal_activity(jt, tr, phi) * d_w), decay);
    EXPECT_NEAR(end, t, 1e-11 * t);
    // Running time reaches a share x of the tick at running_instant_f(x).
    const double x = jt.run_f * u(rng);
    double at = 0.0, ran = 0.0;
    for (int k = 0; k < jt.segments && ran < x; ++k) {
      const double take = jt.segment_running(k) ? std::min(jt.segment_f[k], x - ran) : 0.0;
      ran += take;
      at += jt.segment_running(k) ? take : jt.segment_f[k];
    }
    EXPECT_NEAR(jt.running_instant_f(x), at, 1e-12);
  }
}

TEST(TwinKernel, RequestedClockIsHonouredAndNotAThrottle) {
  StateFixture fx(small_scenario(2, 1));
  Engine::State& s = *fx.state;
  JobTick& jt = s.control.jobs[0].tick;
  std::mt19937_64 rng(2);
  jt = random_tick(rng, 0.3, 0.0);
  jt.clock_request = 0.8;
  s.prepare_fast();
  EXPECT_EQ(s.fast[0].clock, 0.8);
  EXPECT_FALSE(s.fast[0].capped);
  UnitSums units;
  double power = 0.0, swing = 0.0;
  std::int64_t throttled = 0;
  s.slow_unit(0, s.fleet.resistance_k_per_w[0], 20.0, s.rc_decay_per_tick, jt, s.fast[0].traj, true,
              0, units, power, swing, throttled);
  EXPECT_EQ(s.fleet.clock_ratio[0], 0.8);
  EXPECT_EQ(throttled, 0);
}

}  // namespace
}  // namespace ct::twin
