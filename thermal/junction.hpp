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
// seconds), which the tick does not resolve. Their effect is the peak-to-peak swing of the
// periodic steady state of the RC driven by a square wave (square_wave_swing_k).
#pragma once

#include <cmath>
#include <cstdint>

#include "common/random.hpp"
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

// Half of the in-iteration swing per watt of full-clock dynamic power, the governor's
// half_swing_k_per_w input. The phases differ in activity (activity_high − activity_low), so
// ΔP = (P_max − P_idle)·φ^k·Δa, and half the swing is 0.5·R·shape·Δa per watt of
// (P_max − P_idle)·φ^k.
inline double half_swing_k_per_w(double resistance_k_per_w, double tau_s, double period_s,
                                 double duty, double activity_high, double activity_low) {
  return 0.5 * resistance_k_per_w * square_wave_shape(tau_s, period_s, duty) *
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
