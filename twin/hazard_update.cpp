// The periodic hazard update (every hazard interval): turns this rank's temperatures, clocks,
// in-iteration swings and large thermal cycles into per-unit, per-node and per-rack hazards,
// and the failures they cross into pending failure times.
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "faults/failure_sampler.hpp"
#include "faults/hazard.hpp"
#include "faults/hazard_math.hpp"
#include "thermal/accelerator_power.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/engine_state.hpp"
#include "twin/failure_scope.hpp"

namespace ct::twin {

void Engine::State::hazard_update(double t0_s) {
  if (!sc.faults.enabled) return;
  const faults::FailureModel& model = sc.faults.model;
  const double window_s = static_cast<double>(hazard_every) * dt;
  const double full_w = sc.accelerator.tdp_w - sc.accelerator.idle_w;
  const bool air = campus.spec().cooling == topology::Cooling::air;
  double* rates = scratch_rates.data();

  // Expected interruptions of this update per class (components the jobs use), summed per
  // table slot (a class is in one scope's table only, so each class's sum is the same) in a
  // loop the compiler vectorizes: its divisions were a quarter of this function's time.
  std::array<double, faults::kFailureClassCount> expected_acc{}, expected_node{}, expected_rack{};
  // Schedules the failure of one component if its hazard crosses the threshold in the window.
  // A component of a job adds the hazard it integrates while alive to its classes' expected
  // interruptions (in proportion to their rates).
  auto integrate = [&](double& hazard, double threshold, double rate_per_s, double extra,
                       std::int64_t key, const faults::ScopeHazardTable& table, std::uint32_t life,
                       bool in_job, double* expected_slots) {
    if (!std::isfinite(hazard)) return;  // already scheduled
    const double h = hazard + extra;
    if (in_job && rate_per_s > 0.0) {
      const double full_s = rate_per_s * window_s;
      const double alive = std::min(full_s, std::max(threshold - h, 0.0));
      // Each class's share rates[k] / rate of it: alive / rate, which is the window when the
      // component lives through it (no division then: they were a sixth of this function's time).
      const double per_rate = alive == full_s ? window_s : alive / rate_per_s;
      const int n = table.count;
      for (int k = 0; k < n; ++k) expected_slots[k] += rates[k] * per_rate;
    }
    if (h + rate_per_s * window_s < threshold) {
      hazard = h + rate_per_s * window_s;
      return;
    }
    const double at = h >= threshold ? t0_s : t0_s + (threshold - h) / rate_per_s;
    const faults::FailureClass cls =
        faults::choose_cause(rates, table.classes.data(), table.count,
                             faults::cause_uniform(seed, static_cast<std::uint64_t>(key), life));
    fleet.pending.push_back(Pending{at, key, static_cast<std::int32_t>(cls)});
    hazard = kInf;
  };

  // The power laws, kept while their argument repeats (the same bits give the same result):
  // units share their job's clock and step frequency, and a unit's swing changes only with its
  // clock or its job's step.
  double last_clock = -1.0, last_dyn_w = 0.0, last_frequency_hz = -1.0, last_frequency_f = 0.0;
  const faults::CyclingReference& ref = model.cycling_reference;
  const double inv_t_max_ref_k = 1.0 / (ref.t_max_c + faults::kZeroCelsiusK);
  // A node's units take their exponentials and power laws in batches (hazard_exp_n,
  // hazard_pow_n: the bits of the one-value forms the faults functions use), in arrays of the
  // node's units: the libm calls one by one were a seventh of a campus run.
  // The Arrhenius factors are a row per unit of all the table's classes, read in place by the
  // rate's sum. Only the classes with an activation energy (the table's arrhenius_slot) take an
  // exponential, in a compact batch then put in their rows; the others hold e^0 = 1 exactly,
  // written once: they were a third of the exponentials.
  const auto n_units = static_cast<std::size_t>(apn);
  const auto n_classes = static_cast<std::size_t>(acc_table.count);
  const auto n_arrhenius = static_cast<std::size_t>(acc_table.arrhenius_count);
  std::vector<double> swing_k(n_units), cycle_exp(n_units), swing_base(n_units);
  std::vector<double> arrhenius(n_classes * n_units, 1.0), arrhenius_arg(n_arrhenius * n_units);
  std::vector<std::size_t> swing_unit(n_units);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    const std::int64_t grack = block.global_rack(r);
    const double rack_inlet = fleet.rack_inlet_c[r];
    double rack_damage = 0.0;
    bool rack_in_job = false;
    for (std::int64_t k = 0; k < npr; ++k) {
      const std::int64_t ln = r * npr + k;
      const std::int64_t node = global_node(ln);
      if (control.node_role[node] == NodeRole::repairing) continue;
      const bool node_in_job = control.node_role[node] == NodeRole::active;
      rack_in_job |= node_in_job;
      const bool running = control.node_role[node] == NodeRole::active &&
                           control.jobs[control.node_job[node]].tick.run_f > 0;
      const JobTick* jt = running ? &control.jobs[control.node_job[node]].tick : nullptr;
      const double inlet = air ? thermal::air_inlet_c(sc.air_rack, sites[rack_site[r]].supply_c,
                                                      node_height_fraction[k],
                                                      fleet.rack_power_w[r], rack_row_end_weight[r])
                               : rack_inlet;
      const double inv_inlet_k = 1.0 / (inlet + faults::kZeroCelsiusK);
      // The node's job's step frequency and its ratio to the reference (per node, not per unit).
      const double frequency_hz = jt ? 1.0 / jt->step_s : 0.0;
      const double frequency_ratio = frequency_hz / ref.frequency_hz;
      double node_max_c = -kInf, node_damage = 0.0;
      // 1. Per unit: its in-iteration swing (ΔT_pp at its clock, one cycle per step; 0: no
      // cycling damage), the swings whose power law must be taken again, and the exponents.
      std::size_t n_swings = 0;
      for (std::size_t a = 0; a < n_units; ++a) {
        const std::int64_t i = ln * apn + static_cast<std::int64_t>(a);
        swing_k[a] = 0.0;
        if (jt && model.cycling_enabled) {
          if (fleet.clock_ratio[i] != last_clock) {
            last_clock = fleet.clock_ratio[i];
            last_dyn_w = full_w * std::pow(last_clock, sc.accelerator.power_exponent);
          }
          const double swing =
              2.0 * jt->half_swing_per_r * fleet.resistance_k_per_w[i] * last_dyn_w;
          if (swing > 0.0 && frequency_hz > 0.0) {
            if (frequency_hz != last_frequency_hz) {
              last_frequency_hz = frequency_hz;
              last_frequency_f = faults::frequency_damage_factor(frequency_hz, ref, model.fatigue);
            }
            if (swing != fleet.hazard_swing_k[i]) {
              fleet.hazard_swing_k[i] = swing;
              swing_base[n_swings] = faults::swing_damage_base(swing, ref);
              swing_unit[n_swings++] = a;
            }
            swing_k[a] = swing;
          }
        }
        const double t_c = fleet.junction_c[i];
        const double inv_junction_k = 1.0 / (t_c + faults::kZeroCelsiusK);
        cycle_exp[a] = swing_k[a] > 0.0
                           ? faults::cycle_temperature_argument(t_c + 0.5 * swing_k[a],
                                                                inv_t_max_ref_k, model.fatigue)
                           : 0.0;
        for (std::size_t j = 0; j < n_arrhenius; ++j)
          arrhenius_arg[a * n_arrhenius + j] = faults::scope_arrhenius_argument(
              acc_table, acc_table.arrhenius_slot[j], inv_junction_k, inv_inlet_k);
      }
      faults::hazard_pow_n(swing_base.data(), model.fatigue.n, swing_base.data(), n_swings);
      for (std::size_t j = 0; j < n_swings; ++j)
        fleet.hazard_swing_factor[ln * apn + static_cast<std::int64_t>(swing_unit[j])] =
            swing_base[j];
      faults::hazard_exp_n(cycle_exp.data(), cycle_exp.data(), n_units);
      faults::hazard_exp_n(arrhenius_arg.data(), arrhenius_arg.data(), n_arrhenius * n_units);
      for (std::size_t a = 0; a < n_units; ++a)
        for (std::size_t j = 0; j < n_arrhenius; ++j)
          arrhenius[a * n_classes + static_cast<std::size_t>(acc_table.arrhenius_slot[j])] =
              arrhenius_arg[a * n_arrhenius + j];
      // 2. Per unit: its damage and hazard rate, then its threshold.
      for (std::int64_t a = 0; a < apn; ++a) {
        const std::int64_t i = ln * apn + a;
        const auto u = static_cast<std::size_t>(a);
        // = jt->run_f · faults::relative_damage_rate(swing_k, 1/step, T + swing/2, ...)
        const double damage =
            swing_k[u] > 0.0 ? jt->run_f * (frequency_ratio * (fleet.hazard_swing_factor[i] *
                                                               last_frequency_f * cycle_exp[u]))
                             : 0.0;
        node_max_c = std::max(node_max_c, fleet.junction_c[i]);
        node_damage += damage;
        double rate = faults::scope_hazard_rate_from_factors_per_s(
            acc_table, arrhenius.data() + u * n_classes, model.cycling_enabled ? damage : 1.0,
            rates);
        rate = faults::scope_hazard_rate_with_age_per_s(acc_table, model, rates,
                                                        t0_s - fleet.acc.life_start_s[i], rate);
        // Damage of the large cycles counted since the last update (in reference-seconds)
        // adds hazard to the cycling classes only: spread it over the window as extra rate of
        // those classes, so a failure it causes is attributed to them.
        if (model.cycling_enabled && fleet.cycle_damage_ref_s[i] > 0.0f) {
          const double per_s = static_cast<double>(fleet.cycle_damage_ref_s[i]) / window_s;
          for (int c = 0; c < acc_table.count; ++c) {
            rates[c] += acc_table.cycling_rate_per_s[c] * per_s;
            rate += acc_table.cycling_rate_per_s[c] * per_s;
          }
        }
        fleet.cycle_damage_ref_s[i] = 0.0f;
        integrate(fleet.acc.hazard[i], fleet.acc.threshold[i], rate, 0.0,
                  static_cast<std::int64_t>(faults::component_key(
                      faults::Scope::accelerator, static_cast<std::uint64_t>(global_acc(i)))),
                  acc_table, fleet.acc.life[i], node_in_job, expected_acc.data());
      }
      node_damage /= static_cast<double>(apn);
      rack_damage += node_damage;
      double rate = faults::scope_hazard_rate_from_inverse_per_s(
          node_table, 1.0 / (node_max_c + faults::kZeroCelsiusK), inv_inlet_k,
          model.cycling_enabled ? node_damage : 1.0, rates);
      rate = faults::scope_hazard_rate_with_age_per_s(node_table, model, rates,
                                                      t0_s - fleet.node.life_start_s[ln], rate);
      integrate(fleet.node.hazard[ln], fleet.node.threshold[ln], rate, 0.0,
                static_cast<std::int64_t>(
                    faults::component_key(faults::Scope::node, static_cast<std::uint64_t>(node))),
                node_table, fleet.node.life[ln], node_in_job, expected_node.data());
    }
    double rate = faults::scope_hazard_rate_per_s(
        rack_table, rack_inlet, rack_inlet,
        model.cycling_enabled ? rack_damage / static_cast<double>(npr) : 1.0, rates);
    rate = faults::scope_hazard_rate_with_age_per_s(rack_table, model, rates,
                                                    t0_s - fleet.rack.life_start_s[r], rate);
    integrate(fleet.rack.hazard[r], fleet.rack.threshold[r], rate, 0.0,
              static_cast<std::int64_t>(faults::component_key(faults::Scope::rack_leaf_switch,
                                                              static_cast<std::uint64_t>(grack))),
              rack_table, fleet.rack.life[r], rack_in_job, expected_rack.data());
  }
  std::array<double, faults::kFailureClassCount> expected{};
  for (const auto& [table, sums] :
       {std::pair{&acc_table, &expected_acc}, std::pair{&node_table, &expected_node},
        std::pair{&rack_table, &expected_rack}})
    for (int k = 0; k < table->count; ++k)
      expected[static_cast<int>(table->classes[k])] += (*sums)[k];
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    expected_local_fx[c] += to_fixed(expected[c], kCountScale);
  // Spine instances of halls the jobs use (replicated constant-rate clocks: every rank knows
  // them, so only rank 0 puts them in the reduction).
  if (rank == 0 && control.spine_rate_per_s > 0.0) {
    std::vector<std::int8_t> used(static_cast<std::size_t>(campus.halls()), 0);
    for (const auto& job : control.jobs)
      for (std::int64_t n : job.alloc.nodes)
        if (control.node_role[n] == NodeRole::active)
          used[campus.hall_of_rack(campus.rack_of_node(n))] = 1;
    double halls = 0.0;
    for (std::int8_t u : used) halls += u;
    for (int k = 0; k < spine_table.count; ++k)
      expected_local_fx[static_cast<int>(spine_table.classes[k])] += to_fixed(
          (spine_table.steady_rate_per_s[k] + spine_table.cycling_rate_per_s[k]) * halls * window_s,
          kCountScale);
  }
}

}  // namespace ct::twin
