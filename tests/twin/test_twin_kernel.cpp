// The kernel's two paths give the same unit tick: the per-node fast path (per-job constants,
// FastTick) and the per-unit governor path (slow_unit), on random job states; and the one split
// function's invariants.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
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
