// Junction temperature: first-order RC from junction to the inlet medium.
//
//   τ dT/dt = T_inlet + R·P − T,   τ = R·C
//
// Over a tick with constant inputs the exact solution is
//   T(t + Δt) = T_ss + (T(t) − T_ss)·exp(−Δt/τ),   T_ss = T_inlet + R·P,
// so the step is stable and exact for any tick length. The engine computes the decay once per
// (tick, τ) and applies junction_step_c per accelerator.
//
// Power inside an iteration alternates between compute and communication phases (periods of
// seconds), which the tick does not resolve. Their effect is the periodic steady state of the RC
// driven by a square wave: its peak-to-peak swing (square_wave_swing_k, for fatigue) and its
// peak above the mean (square_wave_peak_shape, for the DVFS governor).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "common/random.hpp"
#include "common/simd.hpp"
#include "thermal/accelerator_catalog.hpp"

namespace ct::thermal {

// exp(−Δt/τ): the fraction of the distance to steady state left after one tick.
inline double rc_decay(double dt_s, double tau_s) { return std::exp(-dt_s / tau_s); }

// T_ss = T_inlet + R·P.
inline double steady_temperature_c(double inlet_temperature_c, double resistance_k_per_w,
                                   double power_w) {
  return inlet_temperature_c + resistance_k_per_w * power_w;
}

// One exact RC step: T_ss + (T − T_ss)·decay.
inline double junction_step_c(double temperature_c, double steady_c, double decay) {
  return steady_c + (temperature_c - steady_c) * decay;
}

// The exact RC step of n units that share one power P and inlet (a node's units at a common
// clock: full, or the power cap's), taken only if none of them reaches the governor's thermal
// limit: every unit must have clock_ratio == clock and R·k_per_r + decay·T ≤ limit_c (the
// caller's linear form of "the throttle does not bind", see dvfs_governor.hpp). Then
//   T ← gain·(T_inlet + R·P) + decay·T,   gain = 1 − decay,
// max_c takes the new temperatures' maximum, and it returns true. Otherwise it changes nothing
// and returns false (the caller steps each unit itself). Two units per vector step
// (common/simd.hpp), element-wise, so the results are those of the scalar form.
struct CommonPowerStep {
  double clock = 1.0;
  double inlet_c = 0.0, power_w = 0.0;
  double decay = 0.0, gain = 1.0;
  double k_per_r = 0.0, limit_c = 0.0;
};

inline bool step_common_power(const CommonPowerStep& s, std::int64_t n,
                              const double* __restrict clock_ratio,
                              const double* __restrict resistance_k_per_w,
                              double* __restrict junction_c, double& max_c) {
  using simd::f64x2;
  // Scalar reference (and the tail): the limit binds for a unit if
  //   clock_ratio ≠ clock or !(R·k_per_r + decay·T ≤ limit_c).
  auto binds = [&](std::int64_t a) {
    return clock_ratio[a] != s.clock ||
           !(resistance_k_per_w[a] * s.k_per_r + s.decay * junction_c[a] <= s.limit_c);
  };
  const f64x2 clock = f64x2{} + s.clock, k = f64x2{} + s.k_per_r;
  const f64x2 decay = f64x2{} + s.decay, limit = f64x2{} + s.limit_c;
  const std::int64_t whole = n - n % 2;
  simd::Lanes free = simd::all_lanes();  // stays all ones while no unit binds
  for (std::int64_t a = 0; a < whole; a += 2) {
    const f64x2 r = simd::load<f64x2>(resistance_k_per_w + a);
    const f64x2 t = simd::load<f64x2>(junction_c + a);
    free = simd::equal_and_at_most(free, simd::load<f64x2>(clock_ratio + a), clock,
                                   r * k + decay * t, limit);
  }
  if (!simd::all(free) || (whole < n && binds(whole))) return false;
  // T ← gain·(T_inlet + R·P) + decay·T.
  const f64x2 gain = f64x2{} + s.gain, inlet = f64x2{} + s.inlet_c, power = f64x2{} + s.power_w;
  f64x2 m = f64x2{} + max_c;
  for (std::int64_t a = 0; a < whole; a += 2) {
    const f64x2 r = simd::load<f64x2>(resistance_k_per_w + a);
    const f64x2 t = gain * (inlet + r * power) + decay * simd::load<f64x2>(junction_c + a);
    simd::store(junction_c + a, t);
    m = m > t ? m : t;
  }
  max_c = std::max(m[0], m[1]);
  if (whole < n) {
    const double t =
        s.gain * (s.inlet_c + resistance_k_per_w[whole] * s.power_w) + s.decay * junction_c[whole];
    junction_c[whole] = t;
    max_c = std::max(max_c, t);
  }
  return true;
}

// Peak-to-peak swing of the periodic steady state per unit of ΔP·R, for a square wave of period
// P with a high phase of d·P:
//   (1 − e^{−dP/τ})(1 − e^{−(1−d)P/τ}) / (1 − e^{−P/τ})
// Dimensionless, in [0, 1): → 1 when P ≫ τ (the RC follows the wave), → d(1−d)P/τ when P ≪ τ.
// expm1 keeps it accurate for short periods. duty outside (0, 1) gives 0 (no alternation).
inline double square_wave_shape(double tau_s, double period_s, double duty) {
  const double x = period_s / tau_s;
  const double high = -std::expm1(-duty * x);
  const double low = -std::expm1(-(1.0 - duty) * x);
  const double whole = -std::expm1(-x);
  return whole > 0.0 ? high * low / whole : 0.0;
}

// ΔT_pp = ΔP·R·(1 − e^{−dP/τ})(1 − e^{−(1−d)P/τ})/(1 − e^{−P/τ})   [K]
inline double square_wave_swing_k(double power_swing_w, double resistance_k_per_w, double tau_s,
                                  double period_s, double duty) {
  return power_swing_w * resistance_k_per_w * square_wave_shape(tau_s, period_s, duty);
}

// Half of the in-iteration swing per watt of full-clock dynamic power: the cycle amplitude for
// fatigue (the governor uses ripple_peak_k_per_w, the exact peak above the mean). The phases
// differ in activity (activity_high − activity_low), so ΔP = (P_max − P_idle)·φ^k·Δa, and half
// the swing is 0.5·R·shape·Δa per watt of (P_max − P_idle)·φ^k.
inline double half_swing_k_per_w(double resistance_k_per_w, double tau_s, double period_s,
                                 double duty, double activity_high, double activity_low) {
  return 0.5 * resistance_k_per_w * square_wave_shape(tau_s, period_s, duty) *
         (activity_high - activity_low);
}

// Peak of the periodic steady state above its mean, per unit of ΔP·R, for the same square wave
// (high for d·P, low for (1−d)·P). With x_h = e^{−dP/τ}, x = e^{−P/τ}, the high phase ends at
// the peak T_max = T_low_ss + ΔP·R·(1 − x_h)/(1 − x) (solve T_max = A + (T_min − A)·x_h,
// T_min = B + (T_max − B)·x_l for the fixed point), and the mean is T_low_ss + d·ΔP·R, so
//   (T_max − T_mean)/(ΔP·R) = (1 − e^{−dP/τ})/(1 − e^{−P/τ}) − d.
// In [0, 1 − d): → 1 − d when P ≫ τ (the RC reaches the high steady state), → ½·d(1−d)P/τ (half
// the swing, a symmetric triangle) when P ≪ τ. Not half the swing in general: a long compute
// phase (d near 1) spends most of the period near its top. expm1 keeps it accurate for short
// periods (relative error ≈ 2ε/((1 − d)·P/τ) from the final subtraction). duty outside (0, 1)
// gives 0.
inline double square_wave_peak_shape(double tau_s, double period_s, double duty) {
  if (!(duty > 0.0 && duty < 1.0)) return 0.0;
  const double x = period_s / tau_s;
  const double whole = -std::expm1(-x);
  if (!(whole > 0.0)) return 0.0;
  // (1 − x_h) − d·(1 − x), both from expm1, over (1 − x).
  return (-std::expm1(-duty * x) + duty * std::expm1(-x)) / whole;
}

// Peak of the in-iteration ripple above the mean junction temperature per watt of full-clock
// dynamic power (P_max − P_idle)·φ^k, the governor's ripple_peak_k_per_w input: the phases
// differ in activity (activity_high during the compute share `duty`, activity_low otherwise), so
// ΔP = (P_max − P_idle)·φ^k·Δa and the peak sits R·Δa·square_wave_peak_shape above the mean.
inline double ripple_peak_k_per_w(double resistance_k_per_w, double tau_s, double period_s,
                                  double duty, double activity_high, double activity_low) {
  return resistance_k_per_w * square_wave_peak_shape(tau_s, period_s, duty) *
         (activity_high - activity_low);
}

// Per-unit thermal resistance: lognormal with median spec R and σ of ln R = resistance_sigma.
// Keyed by (seed, accelerator id) through Philox, so a unit keeps its value whatever rank owns
// it.
inline double unit_resistance_k_per_w(const AcceleratorSpec& spec, std::uint64_t seed,
                                      std::uint64_t accelerator_id) {
  const double z =
      ct::rng::standard_normal(seed, ct::rng::Stream::thermal_resistance, accelerator_id, 0);
  return spec.thermal_resistance_k_per_w * std::exp(spec.resistance_sigma * z);
}

}  // namespace ct::thermal
