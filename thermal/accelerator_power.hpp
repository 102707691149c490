// Accelerator and node power as a function of activity and clock.
//
//   P(a, φ) = P_idle + (P_max − P_idle)·a·φ^k
//
// a ∈ [0, 1] is the activity (1 while computing, lower while communicating or waiting), φ the
// clock ratio f/f_max. Dynamic power ∝ f·V² and the voltage falls with the clock, hence k ≈ 2–3.
// Hot-loop functions: inline, allocation-free, no branches beyond clamps.
#pragma once

#include <algorithm>
#include <cmath>

#include "thermal/accelerator_catalog.hpp"

namespace ct::thermal {

// P_max − P_idle: the dynamic power at a = 1, φ = 1.
inline double full_dynamic_power_w(const AcceleratorSpec& spec) { return spec.tdp_w - spec.idle_w; }

inline double accelerator_power_w(const AcceleratorSpec& spec, double activity,
                                  double clock_ratio) {
  return spec.idle_w +
         full_dynamic_power_w(spec) * activity * std::pow(clock_ratio, spec.power_exponent);
}

// Inverse: the clock ratio at which P(activity, φ) = power_w, clamped to
// [min_clock_ratio, 1]. With activity 0 the power does not depend on the clock: returns 1 if
// power_w ≥ P_idle, else the floor.
inline double clock_ratio_for_power(const AcceleratorSpec& spec, double activity, double power_w) {
  const double dynamic_budget_w = power_w - spec.idle_w;
  const double dynamic_full_w = full_dynamic_power_w(spec) * activity;
  if (dynamic_budget_w >= dynamic_full_w) return 1.0;  // also covers activity 0
  if (dynamic_budget_w <= 0.0) return spec.min_clock_ratio;
  const double ratio = std::pow(dynamic_budget_w / dynamic_full_w, 1.0 / spec.power_exponent);
  return std::max(ratio, spec.min_clock_ratio);
}

// Node power from the sum of its accelerators' power: accelerators + overhead, the overhead
// interpolated by the mean accelerator load u = (P_mean − P_idle)/(P_max − P_idle) ∈ [0, 1]
// (fans ∝ airflow³, airflow ∝ heat).
inline double node_power_w(const AcceleratorSpec& spec, double accelerator_power_sum_w) {
  const double mean_w = accelerator_power_sum_w / spec.accelerators_per_node;
  const double load = std::clamp((mean_w - spec.idle_w) / full_dynamic_power_w(spec), 0.0, 1.0);
  return accelerator_power_sum_w + spec.node_overhead_idle_w +
         (spec.node_overhead_max_w - spec.node_overhead_idle_w) *
             (spec.node_overhead_exponent == 3.0 ? load * load * load  // fan law, no pow
                                                 : std::pow(load, spec.node_overhead_exponent));
}

}  // namespace ct::thermal
