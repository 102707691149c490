// The per-tick kernel over this rank's accelerators (struct-of-arrays, no allocation), and the
// periodic hazard update that turns temperatures and thermal cycles into failure times.
#include <algorithm>
#include <cmath>

#include "faults/failure_sampler.hpp"
#include "faults/hazard.hpp"
#include "thermal/accelerator_power.hpp"
#include "thermal/dvfs_governor.hpp"
#include "thermal/junction.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/engine_state.hpp"
#include "twin/failure_scope.hpp"

namespace ct::twin {

namespace {

// Sum of per-class rates with their Weibull age factors (all-exponential tables skip this).
double with_age(const faults::ScopeHazardTable& t, const faults::FailureModel& model, double* rates,
                double age_s, double total) {
  if (t.all_exponential) return total;
  total = 0.0;
  for (int k = 0; k < t.count; ++k) {
    rates[k] *= faults::weibull_age_factor(std::max(age_s, 1.0), t.weibull_shape[k],
                                           model.weibull_reference_age_s);
    total += rates[k];
  }
  return total;
}

}  // namespace

void Engine::State::hazard_update(double t0_s) {
  if (!sc.faults.enabled) return;
  const faults::FailureModel& model = sc.faults.model;
  const double window_s = static_cast<double>(hazard_every) * dt;
  const double full_w = sc.accelerator.tdp_w - sc.accelerator.idle_w;
  const bool air = campus.spec().cooling == topology::Cooling::air;
  double* rates = scratch_rates.data();

  // Schedules the failure of one component if its hazard crosses the threshold in the window.
  auto integrate = [&](double& hazard, double threshold, double rate_per_s, double extra,
                       std::int64_t key, const faults::ScopeHazardTable& table,
                       std::uint32_t life) {
    if (!std::isfinite(hazard)) return;  // already scheduled
    const double h = hazard + extra;
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

  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    const std::int64_t grack = block.first_rack + r;
    const double rack_inlet = fleet.rack_inlet_c[r];
    double rack_damage = 0.0;
    for (std::int64_t k = 0; k < npr; ++k) {
      const std::int64_t ln = r * npr + k;
      const std::int64_t node = first_node + ln;
      if (control.node_role[node] == NodeRole::repairing) continue;
      const bool running = control.node_role[node] == NodeRole::active &&
                           control.jobs[control.node_job[node]].tick.run_f > 0;
      const JobTick* jt = running ? &control.jobs[control.node_job[node]].tick : nullptr;
      const double inlet =
          air ? thermal::air_inlet_c(sc.air_rack, facility.supply_c, node_height_fraction[k],
                                     fleet.rack_power_w[r], rack_row_end_weight[r])
              : rack_inlet;
      double node_max_c = -kInf, node_damage = 0.0;
      for (std::int64_t a = 0; a < apn; ++a) {
        const std::int64_t i = ln * apn + a;
        // In-iteration cycling: ΔT_pp at the current clock, one cycle per step.
        double damage = 0.0;
        if (jt && model.cycling_enabled) {
          const double dyn_w =
              full_w * std::pow(fleet.clock_ratio[i], sc.accelerator.power_exponent);
          const double swing_k = 2.0 * jt->half_swing_per_r * fleet.resistance_k_per_w[i] * dyn_w;
          damage = jt->run_f * faults::relative_damage_rate(swing_k, 1.0 / jt->step_s,
                                                            fleet.junction_c[i] + 0.5 * swing_k,
                                                            model.cycling_reference, model.fatigue);
        }
        node_max_c = std::max(node_max_c, fleet.junction_c[i]);
        node_damage += damage;
        double rate = faults::scope_hazard_rate_per_s(acc_table, fleet.junction_c[i], inlet,
                                                      model.cycling_enabled ? damage : 1.0, rates);
        rate = with_age(acc_table, model, rates, t0_s - fleet.acc.life_start_s[i], rate);
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
                      faults::Scope::accelerator, static_cast<std::uint64_t>(first_acc + i))),
                  acc_table, fleet.acc.life[i]);
      }
      node_damage /= static_cast<double>(apn);
      rack_damage += node_damage;
      double rate = faults::scope_hazard_rate_per_s(
          node_table, node_max_c, inlet, model.cycling_enabled ? node_damage : 1.0, rates);
      rate = with_age(node_table, model, rates, t0_s - fleet.node.life_start_s[ln], rate);
      integrate(fleet.node.hazard[ln], fleet.node.threshold[ln], rate, 0.0,
                static_cast<std::int64_t>(
                    faults::component_key(faults::Scope::node, static_cast<std::uint64_t>(node))),
                node_table, fleet.node.life[ln]);
    }
    double rate = faults::scope_hazard_rate_per_s(
        rack_table, rack_inlet, rack_inlet,
        model.cycling_enabled ? rack_damage / static_cast<double>(npr) : 1.0, rates);
    rate = with_age(rack_table, model, rates, t0_s - fleet.rack.life_start_s[r], rate);
    integrate(fleet.rack.hazard[r], fleet.rack.threshold[r], rate, 0.0,
              static_cast<std::int64_t>(faults::component_key(faults::Scope::rack_leaf_switch,
                                                              static_cast<std::uint64_t>(grack))),
              rack_table, fleet.rack.life[r]);
  }
}

// A unit that throttles (or did last tick): the full DVFS governor, and its own category times
// and energies (its paced share shrinks with its clock; the rest of the step it waits).
double Engine::State::slow_unit(std::int64_t i, double r_k_per_w, double inlet, double decay,
                                const JobTick& jt, bool in_job, int j,
                                std::array<double, kCategoryCount>& node_time,
                                std::array<double, kCategoryCount>& node_energy,
                                double& acc_power_sum, double& rack_swing_k_s,
                                std::int64_t& throttled) {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  double* const clock = fleet.clock_ratio.data();
  double* const junction = fleet.junction_c.data();
  // Activity from the previous clock (the governor's input), then the new clock.
  const double cap_w = in_job ? control.jobs[j].cap_w : facility.accelerator_cap_w;
  const thermal::GovernorInput gi{mean_activity(jt, clock[i]),
                                  jt.peak_activity(),
                                  inlet,
                                  r_k_per_w,
                                  cap_w,
                                  junction[i],
                                  decay,
                                  jt.ripple_peak_per_r * r_k_per_w};
  thermal::GovernorResult g = thermal::governor_clock_ratio(spec, gi);
  if (g.clock_ratio > jt.clock_request) {  // the work asks for less than the limits allow
    g.clock_ratio = jt.clock_request;
    g.dynamic_power_w =
        (spec.tdp_w - spec.idle_w) * std::pow(jt.clock_request, spec.power_exponent);
    g.limit = thermal::ClockLimit::none;
  }
  const double phi = g.clock_ratio;
  const double d_w = g.dynamic_power_w;
  std::array<double, kCategoryCount> t{}, e{};
  const double energy_j = split_unit_tick(jt, phi, d_w, spec.idle_w, dt, t, e);
  for (int c = 0; c < kCategoryCount; ++c) {
    node_time[c] += t[c];
    node_energy[c] += e[c];
  }
  if (in_job && jt.run_f > 0.0) job_min_clock[j] = std::min(job_min_clock[j], phi);
  if (in_job) rack_swing_k_s += 2.0 * jt.half_swing_per_r * r_k_per_w * d_w * (jt.run_f * dt);
  const double power_w = energy_j / dt;
  acc_power_sum += power_w;
  clock[i] = phi;
  throttled += g.throttled() ? 1 : 0;
  return thermal::junction_step_c(junction[i],
                                  thermal::steady_temperature_c(inlet, r_k_per_w, power_w), decay);
}

// Per job (and once for units in no job): what a unit and a whole node at the job's common
// clock do this tick, from the same split as the per-unit path.
void Engine::State::prepare_fast() {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  const double decay = rc_decay_per_tick;
  const double gain = 1.0 - decay;
  const double full_w = spec.tdp_w - spec.idle_w;
  const std::size_t n_jobs = control.jobs.size();
  fast.resize(n_jobs + 1);
  for (std::size_t f = 0; f <= n_jobs; ++f) {
    const bool in_job = f < n_jobs;
    const JobTick& jt = in_job ? control.jobs[f].tick : idle_tick;
    FastTick& ft = fast[f];
    ft = FastTick{};
    // The power-cap clock, exactly as the governor computes it (dvfs_governor.hpp).
    const double peak_activity = jt.peak_activity();
    const double cap_margin_w =
        (in_job ? control.jobs[f].cap_w : facility.accelerator_cap_w) - spec.idle_w;
    double d_w = full_w;
    if (peak_activity * full_w > cap_margin_w) {
      d_w = cap_margin_w / peak_activity;
      ft.clock = std::pow(std::max(d_w / full_w, 0.0), 1.0 / spec.power_exponent);
      if (ft.clock < spec.min_clock_ratio) {
        ft.clock = spec.min_clock_ratio;
        d_w = full_w * std::pow(spec.min_clock_ratio, spec.power_exponent);
      }
      ft.capped = true;
    }
    if (jt.clock_request < ft.clock) {  // the work asks for less: not a throttle
      ft.clock = jt.clock_request;
      d_w = full_w * std::pow(jt.clock_request, spec.power_exponent);
      ft.capped = false;
    }
    ft.k_per_r =
        gain * (spec.idle_w + mean_activity(jt, ft.clock) * d_w) + jt.ripple_peak_per_r * d_w;
    const double energy_j =
        split_unit_tick(jt, ft.clock, d_w, spec.idle_w, dt, ft.unit_time, ft.unit_energy);
    if (in_job) ft.swing_per_r = 2.0 * jt.half_swing_per_r * d_w * (jt.run_f * dt);
    ft.unit_power_w = energy_j / dt;
    const double n = static_cast<double>(apn);
    const double acc_sum_w = n * ft.unit_power_w;
    ft.node_power_w = thermal::node_power_w(spec, acc_sum_w);
    const double per_second = (ft.node_power_w - acc_sum_w) / n;
    for (int c = 0; c < kCategoryCount; ++c) {
      ft.node_time[c] = n * ft.unit_time[c];
      ft.node_energy[c] = n * ft.unit_energy[c] + per_second * ft.node_time[c];
      ft.node_time_fx[c] = to_fixed(ft.node_time[c], kSecondScale);
      ft.node_energy_fx[c] = to_fixed(ft.node_energy[c], kJouleScale);
    }
    ft.node_power_fx = to_fixed(ft.node_power_w, kWattScale);
    ft.node_running_fx = to_fixed(jt.run_f * dt * n, kSecondScale);
  }
}

void Engine::State::kernel(TickReduction& red, double t0_s) {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  const double decay = rc_decay_per_tick;
  const double gain = 1.0 - decay;
  const bool air = campus.spec().cooling == topology::Cooling::air;
  const double hysteresis = sc.faults.cycle_hysteresis_k;
  const double t1_s = t0_s + dt;
  const ReductionSlots& sl = slots;
  const std::size_t n_jobs = control.jobs.size();
  std::int64_t* sums = red.sums();
  double* maxima = red.maxima();
  std::fill(job_min_clock.begin(), job_min_clock.end(), kInf);
  double max_junction = -kInf;
  std::int64_t trips = 0;

  std::array<double, kCategoryCount> rack_time{}, rack_energy{}, node_time{}, node_energy{};
  // Raw pointers: the stores below cannot then alias the vectors' own bookkeeping, so the
  // compiler keeps them in registers instead of reloading them for every unit.
  double* __restrict const jc = fleet.junction_c.data();
  const double* __restrict const res = fleet.resistance_k_per_w.data();
  const double* __restrict const clk = fleet.clock_ratio.data();
  float* __restrict const turning = fleet.cycle_turning_c.data();
  float* __restrict const extreme = fleet.cycle_extreme_c.data();
  float* __restrict const swings = node_swing_k.data();
  double* const racc_power = series.rack_values(ids.rack_power);
  double* const racc_inlet = series.rack_values(ids.rack_inlet);
  double* const racc_max_junction = series.rack_values(ids.rack_max_junction);
  double* const racc_throttled = series.rack_values(ids.rack_throttled);
  std::fill(tick_fast_nodes.begin(), tick_fast_nodes.end(), 0);
  std::fill(tick_job_nodes.begin(), tick_job_nodes.end(), 0);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    const double prev_power_w = fleet.rack_power_w[r];
    const double liquid_inlet =
        air ? 0.0 : thermal::liquid_inlet_c(sc.liquid_rack, facility.supply_c, prev_power_w);
    const double row_end = rack_row_end_weight[r];
    // rack_p: all the rack's IT power (its inlet next tick, its output series); slow_p and
    // rack_time/rack_energy: only nodes that are not all at their job's clock, which are
    // rounded to fixed point per rack (`slow` says there are any).
    double rack_p = 0.0, slow_p = 0.0, inlet_sum = 0.0, rack_max_c = -kInf;
    bool slow = false;
    std::int64_t throttled = 0, rack_large_cycles = 0;
    double rack_swing_k_s = 0.0, rack_large_swing_k = 0.0;
    for (std::int64_t k = 0; k < npr; ++k) {
      const std::int64_t ln = r * npr + k;
      const std::int64_t node = first_node + ln;
      const double inlet =
          air ? thermal::air_inlet_c(sc.air_rack, facility.supply_c, node_height_fraction[k],
                                     prev_power_w, row_end)
              : liquid_inlet;
      inlet_sum += inlet;
      const NodeRole role = control.node_role[node];
      const std::int64_t base = ln * apn;
      if (role == NodeRole::repairing) {
        // Powered off for repair: cools toward the inlet, counts as unallocated.
        for (std::int64_t i = base; i < base + apn; ++i) {
          jc[i] = thermal::junction_step_c(jc[i], inlet, decay);
          rack_max_c = std::max(rack_max_c, jc[i]);
        }
        rack_time[unallocated] += static_cast<double>(apn) * dt;
        slow = true;
        continue;
      }
      const bool in_job = role == NodeRole::active;
      const int j = in_job ? control.node_job[node] : -1;
      const JobTick& jt = in_job ? control.jobs[j].tick : idle_tick;
      const std::size_t fi = in_job ? static_cast<std::size_t>(j) : n_jobs;
      if (in_job) ++tick_job_nodes[fi];
      // Units at their job's clock (this tick and the last) all do the same thing: their
      // activity, power, category times and energies are constants of the job's tick (FastTick).
      // The per-unit work is then one test and the exact RC step; units that throttle take the
      // full governor path (slow_unit).
      const FastTick& ft = fast[fi];
      const double l_c = spec.slowdown_temperature_c - gain * inlet;
      const double p_fast_w = ft.unit_power_w;
      std::int64_t n_fast = 0;
      double fast_r_sum = 0.0, node_max_c = -kInf, acc_power_sum = 0.0;
      const thermal::CommonPowerStep step{ft.clock, inlet, p_fast_w, decay, gain, ft.k_per_r, l_c};
      const bool all_fast =
          thermal::step_common_power(step, apn, clk + base, res + base, jc + base, node_max_c);
      if (all_fast) {
        n_fast = apn;  // the common case: the whole node at the job's clock
        fast_r_sum = fleet.node_resistance_sum[ln];
      } else {
        node_time.fill(0.0);
        node_energy.fill(0.0);
        for (std::int64_t i = base; i < base + apn; ++i) {
          const double r_k_per_w = res[i];
          double t_new;
          if (clk[i] == ft.clock && r_k_per_w * ft.k_per_r + decay * jc[i] <= l_c) {
            // At the job's clock: T ← T_ss + (T − T_ss)·decay with T_ss = inlet + R·P.
            t_new = gain * (inlet + r_k_per_w * p_fast_w) + decay * jc[i];
            ++n_fast;
            fast_r_sum += r_k_per_w;
            acc_power_sum += p_fast_w;
          } else {
            t_new = slow_unit(i, r_k_per_w, inlet, decay, jt, in_job, j, node_time, node_energy,
                              acc_power_sum, rack_swing_k_s, throttled);
          }
          jc[i] = t_new;
          node_max_c = std::max(node_max_c, t_new);
        }
      }
      rack_max_c = std::max(rack_max_c, node_max_c);
      // Large cycles (stalls, failures, restarts): Norris–Landzberg damage per half-cycle.
      if (thermal::observe_units(apn, jc + base, hysteresis, turning + base, extreme + base,
                                 swings)) {
        for (std::int64_t a = 0; a < apn; ++a) {
          const float swing_k = swings[a];
          if (swing_k <= 0.0f) continue;
          const std::int64_t i = base + a;
          ++rack_large_cycles;
          rack_large_swing_k += swing_k;
          const double half_cycle_s =
              std::max(t1_s - static_cast<double>(fleet.cycle_turn_s[i]), dt);
          fleet.cycle_turn_s[i] = static_cast<float>(t1_s);
          fleet.cycle_damage_ref_s[i] += static_cast<float>(faults::half_cycle_damage_reference_s(
              swing_k, half_cycle_s,
              thermal::last_half_cycle_peak_c(turning[i], extreme[i], swing_k),
              sc.faults.model.cycling_reference, sc.faults.model.fatigue));
        }
      }
      if (node_max_c > spec.shutdown_temperature_c) {
        for (std::int64_t i = base; i < base + apn; ++i) {
          if (jc[i] > spec.shutdown_temperature_c && std::isfinite(fleet.acc.hazard[i])) {
            // Hardware protection trips the unit: a failure of its thermal path.
            ++trips;
            fleet.acc.hazard[i] = kInf;
            fleet.pending.push_back(
                Pending{t1_s,
                        static_cast<std::int64_t>(faults::component_key(
                            faults::Scope::accelerator, static_cast<std::uint64_t>(first_acc + i))),
                        static_cast<std::int32_t>(faults::FailureClass::thermal_interface)});
          }
        }
      }
      if (jt.run_f > 0.0) rack_swing_k_s += ft.swing_per_r * fast_r_sum;
      if (ft.capped) throttled += n_fast;
      if (all_fast) {
        // The common case: counted here, its constants added once per tick (fixed point).
        ++tick_fast_nodes[fi];
        rack_p += ft.node_power_w;
        continue;
      }
      slow = true;
      if (n_fast > 0) {
        for (int c = 0; c < kCategoryCount; ++c) {
          node_time[c] += static_cast<double>(n_fast) * ft.unit_time[c];
          node_energy[c] += static_cast<double>(n_fast) * ft.unit_energy[c];
        }
        if (in_job && jt.run_f > 0.0) job_min_clock[j] = std::min(job_min_clock[j], ft.clock);
      }
      // Node overhead (CPUs, fans, NICs) shared out by time, so categories sum to IT energy.
      const double node_w = thermal::node_power_w(spec, acc_power_sum);
      const double overhead_j = (node_w - acc_power_sum) * dt;
      const double per_second = overhead_j / (static_cast<double>(apn) * dt);
      for (int c = 0; c < kCategoryCount; ++c) {
        const double e = node_energy[c] + per_second * node_time[c];
        rack_time[c] += node_time[c];
        rack_energy[c] += e;
      }
      if (in_job) {
        if (!rack_job_touched[j]) rack_job_touched[j] = 1, rack_jobs_touched.push_back(j);
        double* jt_time = rack_job_time.data() + static_cast<std::size_t>(j) * kCategoryCount;
        double* jt_energy = rack_job_energy.data() + static_cast<std::size_t>(j) * kCategoryCount;
        for (int c : control.jobs[j].tracked) {
          jt_time[c] += node_time[c];
          jt_energy[c] += node_energy[c] + per_second * node_time[c];
        }
      }
      rack_p += node_w;
      slow_p += node_w;
    }
    fleet.rack_power_w[r] = rack_p;
    fleet.rack_inlet_c[r] = inlet_sum / static_cast<double>(npr);
    max_junction = std::max(max_junction, rack_max_c);
    // Fixed point per rack: the cross-rank sum is then exact and decomposition-independent.
    if (slow) {
      sums[sl.it_power] += to_fixed(slow_p, kWattScale);
      for (int c = 0; c < kCategoryCount; ++c) {
        sums[sl.cat_time + c] += to_fixed(rack_time[c], kSecondScale);
        sums[sl.cat_energy + c] += to_fixed(rack_energy[c], kJouleScale);
      }
      rack_time.fill(0.0);
      rack_energy.fill(0.0);
      for (int jj : rack_jobs_touched) {
        const JobControl::Job& job = control.jobs[jj];
        double* jt_time = rack_job_time.data() + static_cast<std::size_t>(jj) * kCategoryCount;
        double* jt_energy = rack_job_energy.data() + static_cast<std::size_t>(jj) * kCategoryCount;
        for (std::size_t q = 0; q < job.tracked.size(); ++q) {
          const int c = job.tracked[q];
          sums[job.sum_base + 2 * static_cast<int>(q)] += to_fixed(jt_time[c], kSecondScale);
          sums[job.sum_base + 2 * static_cast<int>(q) + 1] += to_fixed(jt_energy[c], kJouleScale);
          jt_time[c] = 0.0;
          jt_energy[c] = 0.0;
        }
        rack_job_touched[jj] = 0;
      }
      rack_jobs_touched.clear();
    }
    sums[sl.throttled] += throttled;
    sums[sl.swing_time] += to_fixed(rack_swing_k_s, kSecondScale);
    sums[sl.large_cycles] += rack_large_cycles;
    if (rack_large_cycles > 0) sums[sl.large_swing] += to_fixed(rack_large_swing_k, kSecondScale);
    racc_power[r] += rack_p;
    racc_inlet[r] += fleet.rack_inlet_c[r];
    racc_max_junction[r] = std::max(racc_max_junction[r], rack_max_c);
    racc_throttled[r] += static_cast<double>(throttled) / static_cast<double>(apr);
  }
  // Nodes whose units all ran at their job's clock: count × the per-node constants, in fixed
  // point (exact integer sums, the same for any decomposition).
  for (std::size_t fi = 0; fi < fast.size(); ++fi) {
    const std::int64_t n = tick_fast_nodes[fi];
    if (n == 0) continue;
    const FastTick& ft = fast[fi];
    sums[sl.it_power] += n * ft.node_power_fx;
    for (int c = 0; c < kCategoryCount; ++c) {
      sums[sl.cat_time + c] += n * ft.node_time_fx[c];
      sums[sl.cat_energy + c] += n * ft.node_energy_fx[c];
    }
    if (fi < n_jobs) {
      const JobControl::Job& job = control.jobs[fi];
      for (std::size_t q = 0; q < job.tracked.size(); ++q) {
        const int c = job.tracked[q];
        sums[job.sum_base + 2 * static_cast<int>(q)] += n * ft.node_time_fx[c];
        sums[job.sum_base + 2 * static_cast<int>(q) + 1] += n * ft.node_energy_fx[c];
      }
      if (job.tick.run_f > 0.0) job_min_clock[fi] = std::min(job_min_clock[fi], ft.clock);
    }
  }
  for (std::size_t jj = 0; jj < n_jobs; ++jj)
    sums[sl.running_time] += tick_job_nodes[jj] * fast[jj].node_running_fx;
  sums[sl.trips] += trips;
  maxima[sl.max_junction] = max_junction;
  for (std::size_t j = 0; j < n_jobs; ++j)
    maxima[sl.neg_clock + static_cast<int>(j)] =
        std::isfinite(job_min_clock[j]) ? -job_min_clock[j] : -kInf;

  // Failures due by the end of the tick, offered per job (spares and free nodes: last slot).
  for (const Pending& p : fleet.pending) {
    if (p.time_s >= t1_s) continue;
    const auto key = static_cast<std::uint64_t>(p.key);
    const std::int64_t node =
        failure_scope(faults::scope_of_key(key))
            .slot_node(*this, static_cast<std::int64_t>(faults::index_of_key(key)));
    int slot = static_cast<int>(n_jobs);
    if (node >= 0 && control.node_role[node] == NodeRole::active) slot = control.node_job[node];
    red.offer(slot, p.time_s, p.key, p.failure_class);
  }
}

}  // namespace ct::twin
