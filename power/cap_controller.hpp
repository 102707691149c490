// Facility cap → per-accelerator power cap.
//
// Each tick the engine picks one accelerator power cap c, before the accelerators run; each
// accelerator's DVFS governor then keeps its compute-phase power P_idle + (P_max − P_idle)·φ^k ≤ c
// down to its minimum clock, where it draws at most P_floor = P_idle + (P_max − P_idle)·φ_min^k.
// So every capped accelerator draws at most p(c) = max(c, P_floor), and the worst-case facility
// power for the cap is
//
//   IT(c)       = A·p(c) + N·overhead(u(c)) + other_it_w
//   overhead(u) = O_idle + (O_max − O_idle)·u^m,   u(c) = (p(c) − P_idle)/(P_max − P_idle)
//   F(c)        = facility_w_of_it(IT(c))         (the cooling plant at the current weather)
//
// with A the capped accelerators, N the nodes hosting them (a node's load is the mean of its
// accelerators, so u(c) bounds it even when some of them idle) and other_it_w the IT power outside
// those nodes. The solver returns the largest c ∈ [P_idle + min_cap_above_idle_w, P_max] with
// F(c) ≤ facility cap, by bisection to 1e-6 W. Because F(c) is an upper bound on the power the
// engine then measures, the measured facility power cannot exceed the cap when the model matches
// the engine, with no lag. F must be nondecreasing in IT power (true for the cooling plant: every
// term grows with IT power). If even the lowest cap exceeds the budget, that cap is returned
// with `infeasible` set: the facility then draws more than the cap, and the caller reports it.
//
// CapFeedback covers a model that underpredicts (unmodelled IT loads, a plant that differs from
// the controller's copy): it divides the next budget by the largest observed ratio measured /
// predicted (> 1 only on an overshoot), relaxing it geometrically toward 1 so that one transient
// does not throttle forever.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>

#include "thermal/accelerator_catalog.hpp"

namespace ct::power {

struct CapInputs {
  double facility_cap_w = std::numeric_limits<double>::infinity();
  std::int64_t accelerators = 0;  // A: accelerators the cap applies to
  std::int64_t nodes = 0;         // N: nodes hosting them
  double accelerator_idle_w = 0.0;
  double accelerator_tdp_w = 0.0;
  // Power at the governor's minimum clock and activity 1; caps below it are not met. 0 = idle.
  double accelerator_floor_w = 0.0;
  double node_overhead_idle_w = 0.0;
  double node_overhead_max_w = 0.0;
  double node_overhead_exponent = 3.0;
  double other_it_w = 0.0;  // IT power outside the capped nodes (idle/down nodes, switches…)
  // Facility power as a function of IT power; nondecreasing. Empty: facility = IT.
  std::function<double(double it_w)> facility_w_of_it;
  double min_cap_above_idle_w = 1.0;  // lowest cap handed to the governor: P_idle + this
};

// Fills the accelerator and node fields from a datasheet (P_floor from min_clock_ratio).
inline void set_accelerator(CapInputs& in, const thermal::AcceleratorSpec& spec) {
  in.accelerator_idle_w = spec.idle_w;
  in.accelerator_tdp_w = spec.tdp_w;
  in.accelerator_floor_w = spec.idle_w + (spec.tdp_w - spec.idle_w) *
                                             std::pow(spec.min_clock_ratio, spec.power_exponent);
  in.node_overhead_idle_w = spec.node_overhead_idle_w;
  in.node_overhead_max_w = spec.node_overhead_max_w;
  in.node_overhead_exponent = spec.node_overhead_exponent;
}

// IT(c) of the model above.
inline double worst_case_it_w(const CapInputs& in, double accelerator_cap_w) {
  const double p_w = std::clamp(std::max(accelerator_cap_w, in.accelerator_floor_w),
                                in.accelerator_idle_w, in.accelerator_tdp_w);
  const double span_w = in.accelerator_tdp_w - in.accelerator_idle_w;
  const double load = span_w > 0.0 ? (p_w - in.accelerator_idle_w) / span_w : 1.0;
  const double overhead_w =
      in.node_overhead_idle_w + (in.node_overhead_max_w - in.node_overhead_idle_w) *
                                    std::pow(load, in.node_overhead_exponent);
  return static_cast<double>(in.accelerators) * p_w + static_cast<double>(in.nodes) * overhead_w +
         in.other_it_w;
}

// F(c) of the model above.
inline double worst_case_facility_w(const CapInputs& in, double accelerator_cap_w) {
  const double it_w = worst_case_it_w(in, accelerator_cap_w);
  return in.facility_w_of_it ? in.facility_w_of_it(it_w) : it_w;
}

struct CapResult {
  double accelerator_cap_w = 0.0;
  double predicted_facility_w = 0.0;  // F(accelerator_cap_w): an upper bound on the facility power
  bool binding = false;     // the cap is below P_max: the facility cap limits the accelerators
  bool infeasible = false;  // even the lowest cap predicts more than the facility cap
};

// Bisection to kCapToleranceW (≈30 evaluations of F for a ~1 kW range).
inline constexpr double kCapToleranceW = 1e-6;
CapResult solve_accelerator_cap(const CapInputs& in);

inline double accelerator_cap_for_facility_cap_w(const CapInputs& in) {
  return solve_accelerator_cap(in).accelerator_cap_w;
}

class CapFeedback {
 public:
  // relax_per_tick ∈ [0, 1]: the error estimate e decays as e ← 1 + (e − 1)·relax each tick.
  // With relax close to 1 a steady model error is tracked with overshoots of at most
  // (e − 1)·(1 − relax^n) after n ticks below the cap; 1 never relaxes.
  explicit CapFeedback(double relax_per_tick = 0.999) : relax_(relax_per_tick) {}

  // Budget for the solver this tick.
  double budget_w(double facility_cap_w) const { return facility_cap_w / error_; }

  // After the tick: the measured facility power and the prediction for the cap that was applied
  // (CapResult::predicted_facility_w).
  void observe(double measured_facility_w, double predicted_facility_w) {
    const double relaxed = 1.0 + (error_ - 1.0) * relax_;
    const double ratio =
        predicted_facility_w > 0.0 ? measured_facility_w / predicted_facility_w : 1.0;
    error_ = std::max(relaxed, ratio);
  }

  double error() const { return error_; }  // ≥ 1

 private:
  double relax_;
  double error_ = 1.0;
};

}  // namespace ct::power
