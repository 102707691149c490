// Exact failure sampling by cumulative hazard, with competing risks.
//
// Each life ℓ of a component draws a threshold E ~ Exp(1); the component fails when its
// cumulative hazard H = ∫λ(t)dt (summed over all its classes) reaches E. P(survive to t) =
// P(E > H(t)) = exp(−H(t)), exact for any time-varying λ and independent of tick size and of
// which rank owns the component (draws are keyed by global component key, never by rank).
// At a failure the cause is class c with probability λ_c/Σλ (the rates at the failure time).
//
// Usage per component and tick (rates constant over the tick):
//   if (H + λ·dt >= E) { t_fail = t + dt·time_within_tick_to_threshold(H, λ, dt, E);
//                        cause = choose_cause(rates, table.classes.data(), table.count,
//                                             cause_uniform(seed, key, life));
//                        ++life; H = 0; E = failure_threshold(seed, key, life); }
//   else H += λ·dt;
#pragma once

#include <cstdint>
#include <limits>

#include "common/random.hpp"
#include "faults/failure_classes.hpp"

namespace ct::faults {

// Globally unique key of a component: scope + 1 in the top 8 bits, the component's global index
// (topology id within that scope, or job index) in the low 56 bits.
inline constexpr int kComponentKeyScopeShift = 56;
inline constexpr std::uint64_t kComponentKeyIndexMask =
    (std::uint64_t{1} << kComponentKeyScopeShift) - 1;

inline std::uint64_t component_key(Scope scope, std::uint64_t global_index) {
  return ((static_cast<std::uint64_t>(scope) + 1) << kComponentKeyScopeShift) |
         (global_index & kComponentKeyIndexMask);
}

inline Scope scope_of_key(std::uint64_t key) {
  return static_cast<Scope>((key >> kComponentKeyScopeShift) - 1);
}

inline std::uint64_t index_of_key(std::uint64_t key) { return key & kComponentKeyIndexMask; }

// Exp(1) threshold of life `life` of component `key`. Job-scope keys use the job_failure
// stream, hardware the failure_threshold stream (as documented in common/random.hpp).
inline double failure_threshold(std::uint64_t seed, std::uint64_t key, std::uint32_t life) {
  const rng::Stream stream =
      scope_of_key(key) == Scope::job ? rng::Stream::job_failure : rng::Stream::failure_threshold;
  return rng::exponential1(seed, stream, key, life);
}

// Uniform in (0,1) that chooses the cause of the failure that ends life `life`.
inline double cause_uniform(std::uint64_t seed, std::uint64_t key, std::uint32_t life) {
  return rng::uniform01(seed, rng::Stream::failure_cause, key, life);
}

// Class c_k with probability rates[k]/Σrates: the first k whose cumulative share exceeds u.
// Zero-rate classes are never chosen; if every rate is 0 the first class is returned.
inline FailureClass choose_cause(const double* class_rates_per_s, const FailureClass* classes,
                                 int n, double u) {
  double total_per_s = 0.0;
  for (int k = 0; k < n; ++k) total_per_s += class_rates_per_s[k];
  const double target = u * total_per_s;
  double cumulative = 0.0;
  int last_positive = 0;
  for (int k = 0; k < n; ++k) {
    if (class_rates_per_s[k] <= 0.0) continue;
    last_positive = k;
    cumulative += class_rates_per_s[k];
    if (target < cumulative) return classes[k];
  }
  return classes[last_positive];  // rounding when u is within an ulp of 1
}

// Fraction of the tick at which H(t) = H0 + λ·t reaches E (rate constant over the tick). In
// [0, 1) when the threshold is crossed within the tick; ≥ 1 (+inf for λ = 0) when it is not;
// 0 when already crossed.
inline double time_within_tick_to_threshold(double cumulative_hazard_start, double rate_per_s,
                                            double tick_s, double threshold) {
  const double remaining = threshold - cumulative_hazard_start;
  if (remaining <= 0.0) return 0.0;
  const double tick_hazard = rate_per_s * tick_s;
  if (tick_hazard <= 0.0) return std::numeric_limits<double>::infinity();
  return remaining / tick_hazard;
}

}  // namespace ct::faults
