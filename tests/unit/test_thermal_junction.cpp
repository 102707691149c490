// Junction RC model, square-wave swing, per-unit resistance spread, thermal-cycle counter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "thermal/accelerator_catalog.hpp"
#include "thermal/junction.hpp"
#include "thermal/thermal_cycles.hpp"

namespace ct::thermal {
namespace {

double analytic_c(double t0_c, double steady_c, double t_s, double tau_s) {
  return steady_c + (t0_c - steady_c) * std::exp(-t_s / tau_s);
}

// Stepping with 0.1 s and 60 s ticks lands on the analytic response at every checked time.
TEST(ThermalJunction, ExactStepMatchesAnalyticForAnyTick) {
  const double tau_s = 12.5;
  const double t0_c = 30.0;
  const double steady_c = steady_temperature_c(25.0, 0.07, 700.0);  // 74 °C
  for (const double tick_s : {0.1, 60.0}) {
    const double decay = rc_decay(tick_s, tau_s);
    double t_c = t0_c;
    long step = 0;
    for (const double check_s : {60.0, 120.0, 600.0, 1800.0}) {
      const long steps = std::lround(check_s / tick_s);
      for (; step < steps; ++step) t_c = junction_step_c(t_c, steady_c, decay);
      const double expected = analytic_c(t0_c, steady_c, check_s, tau_s);
      EXPECT_NEAR(t_c, expected, 1e-12 * std::abs(expected))
          << "tick " << tick_s << " s, t = " << check_s << " s";
    }
  }
  // Short times too (cooling from above steady state), with the fine tick.
  const double decay = rc_decay(0.1, tau_s);
  double t_c = 95.0;
  for (int step = 1; step <= 50; ++step) {
    t_c = junction_step_c(t_c, 40.0, decay);
    if (step % 10 == 0) {
      const double expected = analytic_c(95.0, 40.0, step * 0.1, tau_s);
      EXPECT_NEAR(t_c, expected, 1e-12 * expected);
    }
  }
}

// Periodic steady state of τ dT/dt = R·P(t) − T by RK4 with fine steps: peak-to-peak swing.
double rk4_square_wave_swing_k(double power_swing_w, double resistance_k_per_w, double tau_s,
                               double period_s, double duty) {
  const int substeps_per_phase = 2000;
  const double high_s = duty * period_s;
  const double low_s = (1.0 - duty) * period_s;
  auto run_phase = [&](double& t_c, double power_w, double length_s, double& lo, double& hi) {
    const double h = length_s / substeps_per_phase;
    auto f = [&](double x) { return (resistance_k_per_w * power_w - x) / tau_s; };
    for (int i = 0; i < substeps_per_phase; ++i) {
      const double k1 = f(t_c);
      const double k2 = f(t_c + 0.5 * h * k1);
      const double k3 = f(t_c + 0.5 * h * k2);
      const double k4 = f(t_c + h * k3);
      t_c += h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4);
      lo = std::min(lo, t_c);
      hi = std::max(hi, t_c);
    }
  };
  // Enough periods to forget the initial condition (e^{-40} of it is left).
  const int periods = static_cast<int>(std::ceil(40.0 * tau_s / period_s)) + 2;
  double t_c = 0.0;
  double lo = 0.0;
  double hi = 0.0;
  for (int p = 0; p < periods; ++p) {
    lo = 1e300;
    hi = -1e300;
    run_phase(t_c, power_swing_w, high_s, lo, hi);
    run_phase(t_c, 0.0, low_s, lo, hi);
  }
  return hi - lo;
}

TEST(ThermalJunction, SquareWaveSwingMatchesNumericalIntegration) {
  struct Case {
    double tau_s, period_s, duty;
  };
  for (const Case c : {Case{10.0, 5.0, 0.8}, Case{5.0, 8.0, 0.5}, Case{15.0, 60.0, 0.9},
                       Case{2.0, 1.0, 0.3}, Case{20.0, 200.0, 0.1}, Case{8.0, 0.5, 0.95}}) {
    const double formula = square_wave_swing_k(400.0, 0.07, c.tau_s, c.period_s, c.duty);
    const double numeric = rk4_square_wave_swing_k(400.0, 0.07, c.tau_s, c.period_s, c.duty);
    EXPECT_NEAR(formula, numeric, 0.01 * numeric)
        << "tau " << c.tau_s << " period " << c.period_s << " duty " << c.duty;
  }
}

TEST(ThermalJunction, SquareWaveLimits) {
  // Slow wave: the RC follows it fully.
  EXPECT_NEAR(square_wave_shape(1.0, 1000.0, 0.5), 1.0, 1e-12);
  // Fast wave: triangle of amplitude d(1−d)P/τ.
  const double fast = square_wave_shape(100.0, 0.01, 0.3);
  EXPECT_NEAR(fast, 0.3 * 0.7 * 0.01 / 100.0, 1e-6 * fast);
  // No alternation.
  EXPECT_EQ(square_wave_shape(10.0, 5.0, 0.0), 0.0);
  EXPECT_EQ(square_wave_shape(10.0, 5.0, 1.0), 0.0);
  // Half swing per W of dynamic power = half of the swing for ΔP = Δa·1 W.
  EXPECT_NEAR(half_swing_k_per_w(0.07, 15.0, 6.0, 0.8, 1.0, 0.3) * 625.0,
              0.5 * square_wave_swing_k(625.0 * 0.7, 0.07, 15.0, 6.0, 0.8), 1e-15);
}

// Periodic steady state of τ dT/dt = P(t) − T (R·ΔP = 1, low phase at 0) computed without the
// closed form: exact RC sub-steps (64 per phase) from T = 0, period after period until the
// initial condition has decayed below rounding; then the maximum over the last period's samples
// and the exact time average of that period (∫ of each exponential segment).
struct PeriodicState {
  double peak = 0.0, mean = 0.0;
};
PeriodicState iterate_square_wave(double tau_s, double period_s, double duty) {
  const int sub = 64;
  const double high_s = duty * period_s, low_s = (1.0 - duty) * period_s;
  const double q_high = std::exp(-high_s / sub / tau_s), q_low = std::exp(-low_s / sub / tau_s);
  // e^{−46} ≈ 1e-20 of the initial condition is left after 46·τ of simulated time.
  const long periods = static_cast<long>(std::ceil(46.0 * tau_s / period_s)) + 1;
  double t = 0.0, previous = -1.0;
  PeriodicState st;
  for (long n = 0; n < periods; ++n) {
    double peak = t, integral = 0.0;
    for (int i = 0; i < sub; ++i) {  // high phase: toward 1
      integral += high_s / sub + (t - 1.0) * tau_s * (1.0 - q_high);
      t = 1.0 + (t - 1.0) * q_high;
      peak = std::max(peak, t);
    }
    for (int i = 0; i < sub; ++i) {  // low phase: toward 0
      integral += t * tau_s * (1.0 - q_low);
      t *= q_low;
      peak = std::max(peak, t);
    }
    st = {peak, integral / period_s};
    if (t == previous) break;
    previous = t;
  }
  return st;
}

// The closed-form peak above the mean against the iterated periodic steady state: periods 1–120
// s, duties 0.1–0.9, τ of 2–40 s (cold plate to heavy air heat sink), to 1e-9 relative.
TEST(ThermalJunction, SquareWavePeakMatchesIteratedPeriodicState) {
  for (const double tau_s : {2.0, 5.0, 15.0, 40.0}) {
    for (const double period_s : {1.0, 2.0, 4.5, 6.7, 10.0, 20.0, 30.0, 60.0, 90.0, 120.0}) {
      for (int k = 1; k <= 9; ++k) {
        const double duty = 0.1 * k;
        const PeriodicState st = iterate_square_wave(tau_s, period_s, duty);
        const double expected = st.peak - st.mean;
        EXPECT_NEAR(square_wave_peak_shape(tau_s, period_s, duty), expected, 1e-9 * expected)
            << "tau " << tau_s << " period " << period_s << " duty " << duty;
        // The iteration's own mean is the duty (the RC is linear): a check of the check.
        EXPECT_NEAR(st.mean, duty, 1e-12);
      }
    }
  }
}

TEST(ThermalJunction, SquareWavePeakLimitsAndHalfSwing) {
  // Slow wave: the peak reaches the high steady state, 1 − d above the mean.
  EXPECT_NEAR(square_wave_peak_shape(1.0, 1000.0, 0.8), 0.2, 1e-12);
  // Fast wave: a symmetric triangle, half the swing ½·d(1−d)P/τ.
  const double fast = square_wave_peak_shape(100.0, 0.01, 0.3);
  EXPECT_NEAR(fast, 0.5 * 0.3 * 0.7 * 0.01 / 100.0, 1e-4 * fast);
  EXPECT_EQ(square_wave_peak_shape(10.0, 5.0, 0.0), 0.0);
  EXPECT_EQ(square_wave_peak_shape(10.0, 5.0, 1.0), 0.0);
  // Half the swing is exact only at d = ½; it overstates the peak of a long compute phase
  // (d > ½) and understates a short one. At d = 0.88, τ = 15 s and ΔP·R = 30 K the two differ by
  // 0.03 K at a 6 s period and 2.4 K at 60 s.
  for (const double period_s : {2.0, 6.0, 60.0}) {
    EXPECT_NEAR(square_wave_peak_shape(15.0, period_s, 0.5),
                0.5 * square_wave_shape(15.0, period_s, 0.5), 1e-15);
    EXPECT_LT(square_wave_peak_shape(15.0, period_s, 0.88),
              0.5 * square_wave_shape(15.0, period_s, 0.88));
    EXPECT_GT(square_wave_peak_shape(15.0, period_s, 0.2),
              0.5 * square_wave_shape(15.0, period_s, 0.2));
  }
  // Per watt of dynamic power: R·Δa·shape.
  EXPECT_DOUBLE_EQ(ripple_peak_k_per_w(0.07, 15.0, 6.0, 0.8, 1.0, 0.3),
                   0.07 * square_wave_peak_shape(15.0, 6.0, 0.8) * 0.7);
}

TEST(ThermalJunction, ResistanceSpreadIsLognormalKeyedById) {
  const AcceleratorSpec& spec = *accelerator_catalogue().find("h100_sxm");
  const std::uint64_t seed = 20260701;
  const int n = 100000;
  std::vector<double> logs(n);
  for (int i = 0; i < n; ++i) {
    logs[i] = std::log(unit_resistance_k_per_w(spec, seed, static_cast<std::uint64_t>(i)) /
                       spec.thermal_resistance_k_per_w);
  }
  const double sigma = spec.resistance_sigma;
  const double mean = std::accumulate(logs.begin(), logs.end(), 0.0) / n;
  double ss = 0.0;
  for (const double x : logs) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / (n - 1));
  std::nth_element(logs.begin(), logs.begin() + n / 2, logs.end());
  const double median_log = logs[n / 2];
  // Standard errors: mean σ/√n, median 1.2533σ/√n, sd σ/√(2n); tolerances 5 SE.
  EXPECT_NEAR(mean, 0.0, 5 * sigma / std::sqrt(n));
  EXPECT_NEAR(median_log, 0.0, 5 * 1.2533 * sigma / std::sqrt(n));
  EXPECT_NEAR(sd, sigma, 5 * sigma / std::sqrt(2.0 * n));

  // Same (seed, id) → same value whatever the order of evaluation; other ids/seeds differ.
  const double r7 = unit_resistance_k_per_w(spec, seed, 7);
  EXPECT_EQ(unit_resistance_k_per_w(spec, seed, 123456789),
            unit_resistance_k_per_w(spec, seed, 123456789));
  EXPECT_EQ(unit_resistance_k_per_w(spec, seed, 7), r7);
  EXPECT_NE(unit_resistance_k_per_w(spec, seed, 8), r7);
  EXPECT_NE(unit_resistance_k_per_w(spec, seed + 1, 7), r7);
}

TEST(ThermalCycles, CountsHalfCyclesOfLargeSwingsOnly) {
  const double hysteresis_k = 2.0;
  CycleState state = make_cycle_state(40.0);
  std::vector<float> swings;
  std::vector<double> peaks;
  auto feed = [&](double t_c) {
    const float swing = observe(state, t_c, hysteresis_k);
    if (swing > 0.0f) {
      swings.push_back(swing);
      peaks.push_back(last_half_cycle_peak_c(state, swing));
    }
  };
  // Small wiggles before any real move: nothing.
  for (int i = 0; i < 20; ++i) feed(40.0 + ((i % 2) ? 1.5 : -1.5));
  // Warm up to 80 with noise of ±0.8 K riding on it.
  for (int i = 0; i <= 400; ++i) feed(40.0 + 0.1 * i + ((i % 2) ? 0.8 : -0.8));
  for (int i = 0; i < 100; ++i) feed(80.0 + ((i % 2) ? 0.8 : -0.8));  // steady training
  EXPECT_TRUE(swings.empty());
  // Checkpoint stall: cool to 45, then resume to 82, then a failure drops to 30.
  for (int i = 1; i <= 35; ++i) feed(80.8 - i);
  for (int i = 1; i <= 37; ++i) feed(45.8 - 0.8 + i);
  for (int i = 0; i < 50; ++i) feed(82.0 + ((i % 2) ? 0.5 : -0.5));
  for (int i = 1; i <= 52; ++i) feed(82.5 - i);

  // Legs: 40 → 80.8 → 45.8 → 82.5 → falling (not yet closed).
  ASSERT_EQ(swings.size(), 3u);
  EXPECT_NEAR(swings[1], 80.8 - 45.8, 1e-4);
  EXPECT_NEAR(swings[2], 82.5 - 45.8, 1e-4);
  EXPECT_NEAR(peaks[1], 80.8, 1e-4);
  EXPECT_NEAR(peaks[2], 82.5, 1e-4);
  // First leg: from the starting point 40 (direction committed beyond the hysteresis) to 80.8.
  EXPECT_NEAR(swings[0], 80.8 - 40.0, 1e-4);
  EXPECT_NEAR(peaks[0], 80.8, 1e-4);
}

TEST(ThermalCycles, FallingFirstLegAndPeakOfAFallingHalfCycle) {
  CycleState state = make_cycle_state(70.0);
  EXPECT_EQ(observe(state, 60.0, 3.0), 0.0f);  // committed falling
  EXPECT_EQ(observe(state, 50.0, 3.0), 0.0f);
  EXPECT_EQ(observe(state, 52.0, 3.0), 0.0f);  // within hysteresis
  const float swing = observe(state, 56.0, 3.0);
  EXPECT_FLOAT_EQ(swing, 20.0f);
  EXPECT_DOUBLE_EQ(last_half_cycle_peak_c(state, swing), 70.0);
}

// The reversal counter as first written, with branches: the reference the branch-free
// observe_sample and the vectorized observe_units must reproduce exactly.
float observe_reference(CycleState& state, float t, float hysteresis) {
  const float leg = state.extreme_c - state.turning_c;
  if (leg == 0.0f) {
    if (t - state.turning_c > hysteresis || state.turning_c - t > hysteresis) state.extreme_c = t;
    return 0.0f;
  }
  const bool rising = leg > 0.0f;
  if (rising ? t > state.extreme_c : t < state.extreme_c) {
    state.extreme_c = t;
    return 0.0f;
  }
  const float back = rising ? state.extreme_c - t : t - state.extreme_c;
  if (back > hysteresis) {
    state.turning_c = state.extreme_c;
    state.extreme_c = t;
    return rising ? leg : -leg;
  }
  return 0.0f;
}

// Random walks with steps from below to well above the hysteresis, in nodes of 8 and of 7 units
// (the vector loop's whole steps and its scalar tail): every swing and every state bit agrees.
TEST(ThermalCycles, VectorizedCounterMatchesReferenceBitForBit) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> step(0.0, 1.0);
  const double hysteresis_k = 2.0;
  for (const std::int64_t n : {8, 7}) {
    std::vector<double> t_c(n, 50.0);
    std::vector<float> turning(n), extreme(n), swing(n);
    std::vector<CycleState> ref(n);
    for (std::int64_t a = 0; a < n; ++a) {
      ref[a] = make_cycle_state(t_c[a]);
      turning[a] = ref[a].turning_c;
      extreme[a] = ref[a].extreme_c;
    }
    long completed = 0;
    for (int tick = 0; tick < 20000; ++tick) {
      const double drift = (tick / 200) % 2 ? 0.4 : -0.4;  // slow legs with noise on them
      for (std::int64_t a = 0; a < n; ++a) t_c[a] += drift + step(rng) * (a % 3 == 0 ? 3.0 : 0.5);
      if (tick == 100) t_c[1] = 50.0;  // an exact repeat of a turning point
      const bool any =
          observe_units(n, t_c.data(), hysteresis_k, turning.data(), extreme.data(), swing.data());
      bool any_ref = false;
      for (std::int64_t a = 0; a < n; ++a) {
        const float s = observe_reference(ref[a], static_cast<float>(t_c[a]), 2.0f);
        ASSERT_EQ(s, swing[a]) << "tick " << tick << " unit " << a;
        ASSERT_EQ(ref[a].turning_c, turning[a]);
        ASSERT_EQ(ref[a].extreme_c, extreme[a]);
        any_ref |= s > 0.0f;
        completed += s > 0.0f;
      }
      ASSERT_EQ(any, any_ref);
    }
    EXPECT_GT(completed, 1000);  // the walk exercises reversals, not only extensions
  }
}

// The node step at a common power equals the scalar exact step unit by unit, and declines
// (changing nothing) when one unit's clock differs or its limit binds.
TEST(ThermalJunction, CommonPowerStepMatchesScalarAndDeclinesWhenALimitBinds) {
  const CommonPowerStep s{1.0,
                          30.0,
                          650.0,
                          rc_decay(1.0, 12.5),
                          1.0 - rc_decay(1.0, 12.5),
                          0.1 * 700.0,
                          87.0 - 0.1 * 30.0};
  for (const std::int64_t n : {8, 5}) {
    std::vector<double> clock(n, 1.0), r(n), t(n);
    for (std::int64_t a = 0; a < n; ++a) {
      r[a] = 0.05 + 0.003 * static_cast<double>(a);
      t[a] = 40.0 + 2.0 * static_cast<double>(a);
    }
    std::vector<double> expect = t;
    double expect_max = 20.0;
    for (std::int64_t a = 0; a < n; ++a) {
      expect[a] = junction_step_c(t[a], steady_temperature_c(s.inlet_c, r[a], s.power_w), s.decay);
      expect_max = std::max(expect_max, expect[a]);
    }
    double max_c = 20.0;
    std::vector<double> stepped = t;
    ASSERT_TRUE(step_common_power(s, n, clock.data(), r.data(), stepped.data(), max_c));
    for (std::int64_t a = 0; a < n; ++a) EXPECT_NEAR(stepped[a], expect[a], 1e-12);
    EXPECT_EQ(max_c, *std::max_element(stepped.begin(), stepped.end()));

    // The last unit (vector tail when n is odd) or the first with a different clock: declined.
    for (const std::int64_t odd : {n - 1, std::int64_t{0}}) {
      std::vector<double> c2 = clock, t2 = t;
      c2[odd] = 0.9;
      double m2 = 20.0;
      EXPECT_FALSE(step_common_power(s, n, c2.data(), r.data(), t2.data(), m2));
      EXPECT_EQ(t2, t);
      EXPECT_EQ(m2, 20.0);
    }
    // A unit hot enough that R·k + decay·T exceeds the limit: declined.
    std::vector<double> t3 = t;
    t3[n / 2] = (s.limit_c - r[n / 2] * s.k_per_r) / s.decay + 0.01;
    double m3 = 20.0;
    EXPECT_FALSE(step_common_power(s, n, clock.data(), r.data(), t3.data(), m3));
  }
}

}  // namespace
}  // namespace ct::thermal
