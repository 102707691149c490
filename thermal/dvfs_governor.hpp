// DVFS governor: the highest clock ratio φ ∈ [min_clock_ratio, 1] that keeps, over the coming
// tick,
//   (a) the power under the cap:  P_idle + a_peak·D(φ) ≤ cap,
//   (b) the peak junction temperature under the slowdown threshold.
// D(φ) = (P_max − P_idle)·φ^k is the dynamic power at activity 1.
//
// Peak junction over the tick. The exact RC step moves T monotonically from T_now toward T_ss,
// so the maximum of the tick-averaged temperature is max(T_now, T_end), with
//   T_end = (1 − q)·(T_inlet + R·P_idle + R·a·D) + q·T_now,   q = exp(−Δt/τ).
// The in-iteration compute/communication alternation adds the peak of its periodic steady state
// above the mean, h = s·D (s = ripple_peak_k_per_w, junction.hpp: exact for the RC under a
// square wave, R·Δa·[(1 − e^{−dP/τ})/(1 − e^{−P/τ}) − d]; the RC is linear, so the ripple adds to
// the tick-mean trajectory). T_now is history, so the governor bounds the controllable part:
// T_end + h ≤ T_slowdown. When T_now is below the limit this bounds the whole
// peak; when an inlet jump has already pushed T_now above it, it pulls the junction back down
// within the tick as far as the floor allows.
//
// Both constraints are linear in D, so the allowed D is closed form and φ = (D/D_max)^{1/k}.
// The common unthrottled case (φ = 1 satisfies both) costs a few multiplies and no pow.
// If even min_clock_ratio violates a constraint, φ = min_clock_ratio and `floored` is set: the
// junction may then exceed slowdown and the engine checks the shutdown threshold.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "thermal/accelerator_catalog.hpp"

namespace ct::thermal {

struct GovernorInput {
  double activity = 1.0;       // mean activity over the tick: sets the mean power and T_ss
  double peak_activity = 1.0;  // activity of the hottest phase: the power cap applies to it
  double inlet_temperature_c = 25.0;
  double resistance_k_per_w = 0.07;  // this unit's R (unit_resistance_k_per_w)
  double power_cap_w = 700.0;
  double junction_temperature_c = 25.0;  // at the start of the tick
  double decay = 0.0;                    // rc_decay(tick_s, time_constant_s)
  double ripple_peak_k_per_w = 0.0;  // in-iteration peak above the mean per W of D (junction.hpp)
};

enum class ClockLimit : std::uint8_t { none = 0, power_cap = 1, thermal = 2 };

struct GovernorResult {
  double clock_ratio = 1.0;      // φ
  double dynamic_power_w = 0.0;  // D(φ) = (P_max − P_idle)·φ^k; mean power = P_idle + a·D
  ClockLimit limit = ClockLimit::none;  // the binding constraint; none = full clock
  bool floored = false;                 // φ held at min_clock_ratio with the limit still violated

  bool throttled() const { return limit != ClockLimit::none; }
};

inline GovernorResult governor_clock_ratio(const AcceleratorSpec& spec, const GovernorInput& in) {
  const double full_w = spec.tdp_w - spec.idle_w;
  const double gain = 1.0 - in.decay;
  // T_end + h = base + slope·D.
  const double base_c = gain * (in.inlet_temperature_c + in.resistance_k_per_w * spec.idle_w) +
                        in.decay * in.junction_temperature_c;
  const double slope_k_per_w = gain * in.resistance_k_per_w * in.activity + in.ripple_peak_k_per_w;
  const double thermal_margin_k = spec.slowdown_temperature_c - base_c;
  const double cap_margin_w = in.power_cap_w - spec.idle_w;

  const bool thermal_ok = slope_k_per_w * full_w <= thermal_margin_k;
  const bool cap_ok = in.peak_activity * full_w <= cap_margin_w;
  if (thermal_ok && cap_ok) return {1.0, full_w, ClockLimit::none, false};

  // A failed check implies a positive slope / peak activity or a negative margin; x/0 with a
  // negative margin gives −inf, which ends at the floor below.
  const double thermal_allowed_w = thermal_ok ? full_w : thermal_margin_k / slope_k_per_w;
  const double cap_allowed_w = cap_ok ? full_w : cap_margin_w / in.peak_activity;
  const ClockLimit limit =
      thermal_allowed_w < cap_allowed_w ? ClockLimit::thermal : ClockLimit::power_cap;
  const double allowed_w = std::min(thermal_allowed_w, cap_allowed_w);
  const double ratio = std::pow(std::max(allowed_w / full_w, 0.0), 1.0 / spec.power_exponent);
  if (ratio >= spec.min_clock_ratio) return {ratio, allowed_w, limit, false};
  return {spec.min_clock_ratio, full_w * std::pow(spec.min_clock_ratio, spec.power_exponent), limit,
          true};
}

}  // namespace ct::thermal
