// Hazard physics: Arrhenius temperature acceleration, Weibull age, Norris–Landzberg thermal-cycling
// fatigue with Miner's rule, and the combined hazard of a failure class.
//
// All functions are inline, allocation-free and branch-light: the engine calls them per
// component per tick. The acceleration factors' exp and power laws are hazard_exp and
// hazard_pow (hazard_math.hpp): the engine's batch forms of them give the same bits.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

#include "faults/failure_classes.hpp"
#include "faults/hazard_math.hpp"

namespace ct::faults {

inline constexpr double kBoltzmannEvPerK = 8.617333262e-5;  // CODATA 2018
inline constexpr double kZeroCelsiusK = 273.15;

// ---- Arrhenius ------------------------------------------------------------------------------

// AF_T = exp((Ea/kB)·(1/T_ref − 1/T)), temperatures in °C converted to kelvin. > 1 when hotter.
inline double arrhenius_factor(double activation_energy_ev, double reference_c,
                               double temperature_c) {
  if (activation_energy_ev == 0.0) return 1.0;
  return hazard_exp(activation_energy_ev / kBoltzmannEvPerK *
                    (1.0 / (reference_c + kZeroCelsiusK) - 1.0 / (temperature_c + kZeroCelsiusK)));
}

// ---- Weibull age ----------------------------------------------------------------------------

// H(age) = (age/η)^β.
inline double weibull_cumulative_hazard(double age_s, double eta_s, double beta) {
  return age_s <= 0.0 ? 0.0 : std::pow(age_s / eta_s, beta);
}

// H(age1) − H(age0).
inline double weibull_hazard_increment(double age0_s, double age1_s, double eta_s, double beta) {
  return weibull_cumulative_hazard(age1_s, eta_s, beta) -
         weibull_cumulative_hazard(age0_s, eta_s, beta);
}

// Characteristic life such that the expected count over the reference window from new equals
// the calibration: H(t_ref) = λ·t_ref ⇒ η = t_ref·(λ·t_ref)^(−1/β). λ is then the mean hazard
// over [0, t_ref]; β = 1 gives η = 1/λ.
inline double weibull_eta_s(double mean_rate_per_s, double beta, double reference_age_s) {
  return reference_age_s * std::pow(mean_rate_per_s * reference_age_s, -1.0 / beta);
}

// Instantaneous hazard over the mean rate: h(age)/λ = β·(age/t_ref)^(β−1).
inline double weibull_age_factor(double age_s, double beta, double reference_age_s) {
  if (beta == 1.0) return 1.0;
  return beta * std::pow(age_s / reference_age_s, beta - 1.0);
}

// ---- Thermal-cycling fatigue (Norris–Landzberg + Miner) -------------------------------------
//
// N_f = C·ΔT^(−n)·f^(m)·exp((Ea/k)/T_max), f in Hz, T_max in kelvin. Sign convention: the
// original Norris–Landzberg one, N_f ∝ f^(+m) — lower cycling frequency (longer dwell, more creep)
// gives fewer cycles to failure. Damage per cycle is 1/N_f (Miner), so damage per second at
// frequency f is f/N_f ∝ f^(1−m): more frequent cycles still do more damage per second.

inline double norris_landzberg_cycles_to_failure(double c, double delta_t_k, double frequency_hz,
                                                 double t_max_c, const SolderFatigue& fatigue) {
  return c * hazard_pow(delta_t_k, -fatigue.n) * hazard_pow(frequency_hz, fatigue.m) *
         hazard_exp(fatigue.ea_over_k_k / (t_max_c + kZeroCelsiusK));
}

// The two power laws of the damage ratio below, (ΔT/ΔT_ref)^n and (f_ref/f)^m: a caller that
// sees the same swing or frequency again may keep them (the hazard update, per unit and job).
// swing_damage_factor is hazard_pow(swing_damage_base, n): a caller with many swings takes the
// power laws in one batch (hazard_pow_n).
inline double swing_damage_base(double delta_t_k, const CyclingReference& ref) {
  return delta_t_k / ref.delta_t_k;
}
inline double swing_damage_factor(double delta_t_k, const CyclingReference& ref,
                                  const SolderFatigue& fatigue) {
  return hazard_pow(swing_damage_base(delta_t_k, ref), fatigue.n);
}
inline double frequency_damage_factor(double frequency_hz, const CyclingReference& ref,
                                      const SolderFatigue& fatigue) {
  return hazard_pow(ref.frequency_hz / frequency_hz, fatigue.m);
}

// N_f(reference) / N_f(ΔT, f, T_max) from the two factors (ΔT > 0, f > 0).
// inv_reference_k = 1 / (T_max,ref + 273.15) (a caller with many units divides once). The
// temperature term is hazard_exp(cycle_temperature_argument): a caller with many units takes
// the exponentials in one batch (hazard_exp_n) and multiplies as here.
inline double cycle_temperature_argument(double t_max_c, double inv_reference_k,
                                         const SolderFatigue& fatigue) {
  return fatigue.ea_over_k_k * (inv_reference_k - 1.0 / (t_max_c + kZeroCelsiusK));
}
inline double relative_cycle_damage_from_inverse(double swing_factor, double frequency_factor,
                                                 double t_max_c, double inv_reference_k,
                                                 const SolderFatigue& fatigue) {
  return swing_factor * frequency_factor *
         hazard_exp(cycle_temperature_argument(t_max_c, inv_reference_k, fatigue));
}
inline double relative_cycle_damage_from(double swing_factor, double frequency_factor,
                                         double t_max_c, const CyclingReference& ref,
                                         const SolderFatigue& fatigue) {
  return relative_cycle_damage_from_inverse(swing_factor, frequency_factor, t_max_c,
                                            1.0 / (ref.t_max_c + kZeroCelsiusK), fatigue);
}

// N_f(reference) / N_f(ΔT, f, T_max): damage of one such cycle in units of one reference cycle.
inline double relative_cycle_damage(double delta_t_k, double frequency_hz, double t_max_c,
                                    const CyclingReference& ref, const SolderFatigue& fatigue) {
  if (delta_t_k <= 0.0 || frequency_hz <= 0.0) return 0.0;
  return relative_cycle_damage_from(swing_damage_factor(delta_t_k, ref, fatigue),
                                    frequency_damage_factor(frequency_hz, ref, fatigue), t_max_c,
                                    ref, fatigue);
}

// Damage per second at (ΔT, f, T_max) over damage per second at the reference: C cancels.
// = (f/f_ref)^(1−m)·(ΔT/ΔT_ref)^n·exp((Ea/k)(1/T_max,ref − 1/T_max)). 1 at the reference.
inline double relative_damage_rate(double delta_t_k, double frequency_hz, double t_max_c,
                                   const CyclingReference& ref, const SolderFatigue& fatigue) {
  return frequency_hz / ref.frequency_hz *
         relative_cycle_damage(delta_t_k, frequency_hz, t_max_c, ref, fatigue);
}

// One large half-cycle (e.g. the fall or the rise of a checkpoint stall or a restart) of swing
// ΔT lasting half_cycle_s, peak T_max: half the damage of a full cycle of frequency
// 1/(2·half_cycle_s) (rainflow counts a half-cycle as 0.5), expressed in reference-seconds
// (damage / reference damage per second). The engine adds base·cycling_fraction·this to the
// class's cumulative hazard. A stall that drops and recovers is two half-cycles.
inline double half_cycle_damage_reference_s(double delta_t_k, double half_cycle_s, double t_max_c,
                                            const CyclingReference& ref,
                                            const SolderFatigue& fatigue) {
  if (half_cycle_s <= 0.0) return 0.0;
  const double frequency_hz = 0.5 / half_cycle_s;
  return 0.5 * relative_cycle_damage(delta_t_k, frequency_hz, t_max_c, ref, fatigue) /
         ref.frequency_hz;
}

// half_cycle_damage_reference_s of n half-cycles into out[0..n), the same bits, with the power
// laws and exponentials taken in batches (the cycle counter confirms a node's units together).
inline void half_cycle_damage_reference_s_n(const double* delta_t_k, const double* half_cycle_s,
                                            const double* t_max_c, std::size_t n,
                                            const CyclingReference& ref,
                                            const SolderFatigue& fatigue, double* out) {
  constexpr std::size_t kChunk = 16;
  const double inv_reference_k = 1.0 / (ref.t_max_c + kZeroCelsiusK);
  for (std::size_t i0 = 0; i0 < n; i0 += kChunk) {
    const std::size_t m = std::min(kChunk, n - i0);
    std::array<double, kChunk> swing_f, frequency_f, temperature_f;
    for (std::size_t j = 0; j < m; ++j) {
      const std::size_t i = i0 + j;
      swing_f[j] = swing_damage_base(delta_t_k[i], ref);
      frequency_f[j] = ref.frequency_hz / (0.5 / half_cycle_s[i]);  // frequency_damage_factor's
      temperature_f[j] = cycle_temperature_argument(t_max_c[i], inv_reference_k, fatigue);
    }
    hazard_pow_n(swing_f.data(), fatigue.n, swing_f.data(), m);
    hazard_pow_n(frequency_f.data(), fatigue.m, frequency_f.data(), m);
    hazard_exp_n(temperature_f.data(), temperature_f.data(), m);
    for (std::size_t j = 0; j < m; ++j) {
      const std::size_t i = i0 + j;
      const double frequency_hz = 0.5 / half_cycle_s[i];
      const double relative = delta_t_k[i] <= 0.0 || frequency_hz <= 0.0
                                  ? 0.0
                                  : swing_f[j] * frequency_f[j] * temperature_f[j];
      out[i] = half_cycle_s[i] <= 0.0 ? 0.0 : 0.5 * relative / ref.frequency_hz;
    }
  }
}

// ---- Combined class hazard ------------------------------------------------------------------
//
// λ = rate_scale·base·[(1−cf)·AF_T + cf·R], R = relative damage rate. Arrhenius acts only on the
// non-cycling share: the Norris–Landzberg T_max term already carries the cycling part's
// temperature dependence. With cycling disabled R is held at 1 (reference); with Arrhenius
// disabled, or a class without a temperature source, AF_T = 1. This is the age-free rate (β = 1);
// for β != 1 multiply by weibull_age_factor or use class_hazard_increment.
inline double class_acceleration(const FailureClassSpec& spec, const FailureModel& model,
                                 double temperature_c, double relative_damage) {
  const double af =
      model.arrhenius_enabled && spec.temperature_source != TemperatureSource::none
          ? arrhenius_factor(spec.activation_energy_ev, spec.reference_temperature_c, temperature_c)
          : 1.0;
  const double r = model.cycling_enabled ? relative_damage : 1.0;
  return (1.0 - spec.cycling_fraction) * af + spec.cycling_fraction * r;
}

inline double class_hazard_rate_per_s(const FailureClassSpec& spec, const FailureModel& model,
                                      double temperature_c, double relative_damage) {
  return model.rate_scale * spec.base_rate_per_s *
         class_acceleration(spec, model, temperature_c, relative_damage);
}

// Cumulative-hazard increment over a tick [age0, age0+dt] with conditions constant over it,
// including the Weibull age (proportional hazards: the acceleration multiplies the age term):
// ΔH = λ·accel·t_ref·[((a0+dt)/t_ref)^β − (a0/t_ref)^β]; β = 1 gives λ·accel·dt.
inline double class_hazard_increment(const FailureClassSpec& spec, const FailureModel& model,
                                     double temperature_c, double relative_damage, double age0_s,
                                     double dt_s) {
  const double rate_per_s = class_hazard_rate_per_s(spec, model, temperature_c, relative_damage);
  if (spec.weibull_shape == 1.0) return rate_per_s * dt_s;
  const double t_ref = model.weibull_reference_age_s;
  return rate_per_s * t_ref *
         (std::pow((age0_s + dt_s) / t_ref, spec.weibull_shape) -
          std::pow(age0_s / t_ref, spec.weibull_shape));
}

// ---- Hot-loop table for one scope -----------------------------------------------------------
//
// Per-class constants folded once (rate_scale, switches, kelvin conversion) so the engine's
// per-component sum is a few multiplies and one exp per Arrhenius class.
struct ScopeHazardTable {
  int count = 0;
  bool all_exponential = true;  // false: some class has β != 1, use the age-aware increment
  std::array<FailureClass, kFailureClassCount> classes{};
  std::array<double, kFailureClassCount> steady_rate_per_s{};   // rate·scale·(1−cf)
  std::array<double, kFailureClassCount> cycling_rate_per_s{};  // rate·scale·cf
  std::array<double, kFailureClassCount> ea_over_kb_k{};        // 0: no Arrhenius
  std::array<double, kFailureClassCount> inv_reference_k{};
  std::array<TemperatureSource, kFailureClassCount> temperature_source{};
  std::array<double, kFailureClassCount> weibull_shape{};
  // The slots whose ea_over_kb_k is not 0, in order: only they take an exponential (the others'
  // factor is e^0 = 1 exactly).
  int arrhenius_count = 0;
  std::array<int, kFailureClassCount> arrhenius_slot{};
};

// The classes of one scope (planned ones included or not).
inline ScopeHazardTable make_scope_hazard_table(const FailureModel& model, Scope scope,
                                                bool include_planned = true) {
  ScopeHazardTable t;
  for (int i = 0; i < kFailureClassCount; ++i) {
    const FailureClassSpec& s = model.classes[i];
    if (s.scope != scope || (s.planned && !include_planned)) continue;
    const int k = t.count++;
    const double rate = model.rate_scale * s.base_rate_per_s;
    // Cycling disabled holds R at 1 (the callers pass 1): the cycling share stays, at its
    // reference rate and without Arrhenius. (Zeroing it instead put the whole rate under
    // Arrhenius, which is not the documented model.)
    const double cf = s.cycling_fraction;
    t.classes[k] = static_cast<FailureClass>(i);
    t.steady_rate_per_s[k] = rate * (1.0 - cf);
    t.cycling_rate_per_s[k] = rate * cf;
    const bool arrhenius = model.arrhenius_enabled && s.activation_energy_ev != 0.0 &&
                           s.temperature_source != TemperatureSource::none;
    t.ea_over_kb_k[k] = arrhenius ? s.activation_energy_ev / kBoltzmannEvPerK : 0.0;
    if (t.ea_over_kb_k[k] != 0.0) t.arrhenius_slot[t.arrhenius_count++] = k;
    t.inv_reference_k[k] = 1.0 / (s.reference_temperature_c + kZeroCelsiusK);
    t.temperature_source[k] = s.temperature_source;
    t.weibull_shape[k] = s.weibull_shape;
    if (s.weibull_shape != 1.0) t.all_exponential = false;
  }
  return t;
}

// The table's per-class rates (from scope_hazard_rate_per_s) with their Weibull age factors at
// age_s, in place, and their new sum; an all-exponential table keeps `total_per_s` unchanged.
inline double scope_hazard_rate_with_age_per_s(const ScopeHazardTable& t, const FailureModel& model,
                                               double* rates_per_s, double age_s,
                                               double total_per_s) {
  if (t.all_exponential) return total_per_s;
  total_per_s = 0.0;
  for (int k = 0; k < t.count; ++k) {
    rates_per_s[k] *=
        weibull_age_factor(std::max(age_s, 1.0), t.weibull_shape[k], model.weibull_reference_age_s);
    total_per_s += rates_per_s[k];
  }
  return total_per_s;
}

// Class k's Arrhenius exponent (Ea/kB)·(1/T_ref − 1/T) from the temperatures' inverses in 1/K,
// 1 / (T + 273.15); its factor is hazard_exp of it, or 1 where ea_over_kb_k[k] is 0.
inline double scope_arrhenius_argument(const ScopeHazardTable& t, int k, double inv_junction_k,
                                       double inv_inlet_k) {
  const double inv_t_k = t.temperature_source[k] == TemperatureSource::accelerator_junction
                             ? inv_junction_k
                             : inv_inlet_k;
  return t.ea_over_kb_k[k] * (t.inv_reference_k[k] - inv_t_k);
}

// scope_hazard_rate_per_s (below) from the classes' Arrhenius factors af[k] (1 where a class has
// none): a caller with many components takes the exponentials in one batch.
inline double scope_hazard_rate_from_factors_per_s(const ScopeHazardTable& t, const double* af,
                                                   double relative_damage,
                                                   double* rates_out = nullptr) {
  double total_per_s = 0.0;
  for (int k = 0; k < t.count; ++k) {
    const double r = t.steady_rate_per_s[k] * af[k] + t.cycling_rate_per_s[k] * relative_damage;
    if (rates_out) rates_out[k] = r;
    total_per_s += r;
  }
  return total_per_s;
}

// scope_hazard_rate_per_s (below) from the temperatures' inverses in 1/K, 1 / (T + 273.15): a
// caller with many components at one inlet divides once.
inline double scope_hazard_rate_from_inverse_per_s(const ScopeHazardTable& t, double inv_junction_k,
                                                   double inv_inlet_k, double relative_damage,
                                                   double* rates_out = nullptr) {
  // The Arrhenius classes' factors in one batch; the others' are 1.
  std::array<double, kFailureClassCount> arg, af;
  af.fill(1.0);
  for (int j = 0; j < t.arrhenius_count; ++j)
    arg[j] = scope_arrhenius_argument(t, t.arrhenius_slot[j], inv_junction_k, inv_inlet_k);
  hazard_exp_n(arg.data(), arg.data(), static_cast<std::size_t>(t.arrhenius_count));
  for (int j = 0; j < t.arrhenius_count; ++j) af[t.arrhenius_slot[j]] = arg[j];
  return scope_hazard_rate_from_factors_per_s(t, af.data(), relative_damage, rates_out);
}

// Σ over the table's classes of the age-free hazard rate; per-class rates into rates_out when
// not null (for choose_cause). junction_c feeds accelerator_junction classes, inlet_c rack_inlet.
inline double scope_hazard_rate_per_s(const ScopeHazardTable& t, double junction_c, double inlet_c,
                                      double relative_damage, double* rates_out = nullptr) {
  return scope_hazard_rate_from_inverse_per_s(t, 1.0 / (junction_c + kZeroCelsiusK),
                                              1.0 / (inlet_c + kZeroCelsiusK), relative_damage,
                                              rates_out);
}

}  // namespace ct::faults
