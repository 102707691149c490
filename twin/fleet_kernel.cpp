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
    pending.push_back(Pending{at, key, static_cast<std::int32_t>(cls)});
    hazard = kInf;
  };

  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    const std::int64_t grack = block.first_rack + r;
    const double rack_inlet = rack_inlet_c[r];
    double rack_damage = 0.0;
    for (std::int64_t k = 0; k < npr; ++k) {
      const std::int64_t ln = r * npr + k;
      const std::int64_t node = first_node + ln;
      if (node_role[node] == NodeRole::repairing) continue;
      const bool running =
          node_role[node] == NodeRole::active && jobs[node_job[node]].tick.run_f > 0;
      const JobTick* jt = running ? &jobs[node_job[node]].tick : nullptr;
      const double inlet =
          air ? thermal::air_inlet_c(sc.air_rack, supply_c, node_height_fraction[k],
                                     rack_power_w[r], rack_row_end_weight[r])
              : rack_inlet;
      double node_max_c = -kInf, node_damage = 0.0;
      for (std::int64_t a = 0; a < apn; ++a) {
        const std::int64_t i = ln * apn + a;
        // In-iteration cycling: ΔT_pp at the current clock, one cycle per step.
        double damage = 0.0;
        if (jt && model.cycling_enabled) {
          const double dyn_w = full_w * std::pow(clock_ratio[i], sc.accelerator.power_exponent);
          const double swing_k = 2.0 * jt->half_swing_per_r * resistance_k_per_w[i] * dyn_w;
          damage = jt->run_f * faults::relative_damage_rate(swing_k, 1.0 / jt->step_s,
                                                            junction_c[i] + 0.5 * swing_k,
                                                            model.cycling_reference, model.fatigue);
        }
        node_max_c = std::max(node_max_c, junction_c[i]);
        node_damage += damage;
        double rate = faults::scope_hazard_rate_per_s(acc_table, junction_c[i], inlet,
                                                      model.cycling_enabled ? damage : 1.0, rates);
        rate = with_age(acc_table, model, rates, t0_s - acc_life_start_s[i], rate);
        // Damage of the large cycles counted since the last update (in reference-seconds)
        // adds hazard to the cycling classes only: spread it over the window as extra rate of
        // those classes, so a failure it causes is attributed to them.
        if (model.cycling_enabled && cycle_damage_ref_s[i] > 0.0f) {
          const double per_s = static_cast<double>(cycle_damage_ref_s[i]) / window_s;
          for (int c = 0; c < acc_table.count; ++c) {
            rates[c] += acc_table.cycling_rate_per_s[c] * per_s;
            rate += acc_table.cycling_rate_per_s[c] * per_s;
          }
        }
        cycle_damage_ref_s[i] = 0.0f;
        integrate(acc_hazard[i], acc_threshold[i], rate, 0.0,
                  static_cast<std::int64_t>(faults::component_key(
                      faults::Scope::accelerator, static_cast<std::uint64_t>(first_acc + i))),
                  acc_table, acc_life[i]);
      }
      node_damage /= static_cast<double>(apn);
      rack_damage += node_damage;
      double rate = faults::scope_hazard_rate_per_s(
          node_table, node_max_c, inlet, model.cycling_enabled ? node_damage : 1.0, rates);
      rate = with_age(node_table, model, rates, t0_s - node_life_start_s[ln], rate);
      integrate(node_hazard[ln], node_threshold[ln], rate, 0.0,
                static_cast<std::int64_t>(
                    faults::component_key(faults::Scope::node, static_cast<std::uint64_t>(node))),
                node_table, node_life[ln]);
    }
    double rate = faults::scope_hazard_rate_per_s(
        rack_table, rack_inlet, rack_inlet,
        model.cycling_enabled ? rack_damage / static_cast<double>(npr) : 1.0, rates);
    rate = with_age(rack_table, model, rates, t0_s - rack_life_start_s[r], rate);
    integrate(rack_hazard[r], rack_threshold[r], rate, 0.0,
              static_cast<std::int64_t>(faults::component_key(faults::Scope::rack_leaf_switch,
                                                              static_cast<std::uint64_t>(grack))),
              rack_table, rack_life[r]);
  }
}

// A unit that throttles (or did last tick): the full DVFS governor, and its own category times
// and energies (its compute share shrinks with its clock; the rest of the step it waits).
double Engine::State::slow_unit(std::int64_t i, double r_k_per_w, double inlet, double decay,
                                double a_comm, const JobTick& jt, bool in_job, int j,
                                std::array<double, kCategoryCount>& node_time,
                                std::array<double, kCategoryCount>& node_energy,
                                double& acc_power_sum, double& rack_swing_k_s,
                                std::int64_t& throttled) {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  // Activity from the previous clock (the governor's input), then the new clock.
  double share_c = jt.compute_f * std::min(1.0, jt.slowest_clock / clock_ratio[i]);
  const double a_mean =
      jt.run_f * (share_c + (jt.compute_f - share_c + jt.bubble_f + jt.comm_f) * a_comm) +
      (1.0 - jt.run_f) * jt.stall_activity;
  const thermal::GovernorInput gi{a_mean,
                                  jt.run_f > 0.0 ? 1.0 : jt.stall_activity,
                                  inlet,
                                  r_k_per_w,
                                  accelerator_cap_w,
                                  junction_c[i],
                                  decay,
                                  thermal::ripple_peak_k_per_w(1.0, spec.time_constant_s, jt.step_s,
                                                               jt.compute_f, 1.0, a_comm) *
                                      r_k_per_w};
  const thermal::GovernorResult g = thermal::governor_clock_ratio(spec, gi);
  const double phi = g.clock_ratio;
  const double d_w = g.dynamic_power_w;
  share_c = jt.compute_f * std::min(1.0, jt.slowest_clock / phi);
  const double p_compute_w = spec.idle_w + d_w;
  const double p_comm_w = spec.idle_w + a_comm * d_w;
  const double p_stall_w = spec.idle_w + jt.stall_activity * d_w;
  double energy_j;
  if (in_job) {
    const double run_s = jt.run_f * dt;
    const double t_c = run_s * share_c, t_s = run_s * (jt.compute_f - share_c);
    const double t_b = run_s * jt.bubble_f, t_e = run_s * jt.comm_f;
    const double t_ck = jt.checkpoint_f * dt, t_rec = jt.recovery_f * dt, t_w = jt.waiting_f * dt;
    node_time[compute] += t_c;
    node_time[straggler_wait] += t_s;
    node_time[pipeline_bubble] += t_b;
    node_time[exposed_comm] += t_e;
    node_time[checkpoint] += t_ck;
    node_time[recovery] += t_rec;
    node_time[waiting] += t_w;
    node_energy[compute] += p_compute_w * t_c;
    node_energy[straggler_wait] += p_comm_w * t_s;
    node_energy[pipeline_bubble] += p_comm_w * t_b;
    node_energy[exposed_comm] += p_comm_w * t_e;
    node_energy[checkpoint] += p_stall_w * t_ck;
    node_energy[recovery] += p_stall_w * t_rec;
    node_energy[waiting] += p_stall_w * t_w;
    energy_j = p_compute_w * t_c + p_comm_w * (t_s + t_b + t_e) + p_stall_w * (t_ck + t_rec + t_w);
    if (jt.run_f > 0.0) job_min_clock[j] = std::min(job_min_clock[j], phi);
    rack_swing_k_s += 2.0 * jt.half_swing_per_r * r_k_per_w * d_w * run_s;
  } else {
    node_time[unallocated] += dt;
    node_energy[unallocated] += p_stall_w * dt;
    energy_j = p_stall_w * dt;
  }
  const double power_w = energy_j / dt;
  acc_power_sum += power_w;
  clock_ratio[i] = phi;
  throttled += g.throttled() ? 1 : 0;
  return thermal::junction_step_c(junction_c[i],
                                  thermal::steady_temperature_c(inlet, r_k_per_w, power_w), decay);
}

void Engine::State::prepare_fast() {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  const double decay = rc_decay_per_tick;
  const double gain = 1.0 - decay;
  const double full_w = spec.tdp_w - spec.idle_w;
  const double a_comm = sc.activity.communicating;
  fast.resize(jobs.size() + 1);
  JobTick idle_tick{};
  idle_tick.stall_activity = sc.activity.stalled;
  for (std::size_t f = 0; f <= jobs.size(); ++f) {
    const bool in_job = f < jobs.size();
    const JobTick& jt = in_job ? jobs[f].tick : idle_tick;
    FastTick& ft = fast[f];
    ft = FastTick{};
    // The power-cap clock, exactly as the governor computes it (dvfs_governor.hpp).
    const double peak_activity = jt.run_f > 0.0 ? 1.0 : jt.stall_activity;
    const double cap_margin_w = accelerator_cap_w - spec.idle_w;
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
    const double share = jt.compute_f * std::min(1.0, jt.slowest_clock / ft.clock);
    const double a_fast =
        jt.run_f * (share + (jt.compute_f - share + jt.bubble_f + jt.comm_f) * a_comm) +
        (1.0 - jt.run_f) * jt.stall_activity;
    // Same ripple peak as the governor's (slow_unit), per unit of R.
    const double ripple_per_r = thermal::ripple_peak_k_per_w(1.0, spec.time_constant_s, jt.step_s,
                                                             jt.compute_f, 1.0, a_comm);
    ft.k_per_r = gain * (spec.idle_w + a_fast * d_w) + ripple_per_r * d_w;
    const double p_compute_w = spec.idle_w + d_w;
    const double p_comm_w = spec.idle_w + a_comm * d_w;
    const double p_stall_w = spec.idle_w + jt.stall_activity * d_w;
    auto& t = ft.unit_time;
    auto& e = ft.unit_energy;
    if (in_job) {
      const double run_s = jt.run_f * dt;
      t[compute] = run_s * share;
      t[straggler_wait] = run_s * (jt.compute_f - share);
      t[pipeline_bubble] = run_s * jt.bubble_f;
      t[exposed_comm] = run_s * jt.comm_f;
      t[checkpoint] = jt.checkpoint_f * dt;
      t[recovery] = jt.recovery_f * dt;
      t[waiting] = jt.waiting_f * dt;
      e[compute] = p_compute_w * t[compute];
      e[straggler_wait] = p_comm_w * t[straggler_wait];
      e[pipeline_bubble] = p_comm_w * t[pipeline_bubble];
      e[exposed_comm] = p_comm_w * t[exposed_comm];
      e[checkpoint] = p_stall_w * t[checkpoint];
      e[recovery] = p_stall_w * t[recovery];
      e[waiting] = p_stall_w * t[waiting];
      ft.swing_per_r = 2.0 * jt.half_swing_per_r * d_w * run_s;
    } else {
      t[unallocated] = dt;
      e[unallocated] = p_stall_w * dt;
    }
    double energy_j = 0.0;
    for (int c = 0; c < kCategoryCount; ++c) energy_j += e[c];
    ft.unit_power_w = energy_j / dt;
    const double n = static_cast<double>(apn);
    const double acc_sum_w = n * ft.unit_power_w;
    ft.node_power_w = thermal::node_power_w(spec, acc_sum_w);
    const double per_second = (ft.node_power_w - acc_sum_w) / n;
    for (int c = 0; c < kCategoryCount; ++c) {
      ft.node_time[c] = n * t[c];
      ft.node_energy[c] = n * e[c] + per_second * ft.node_time[c];
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
  const double a_comm = sc.activity.communicating;
  const bool air = campus.spec().cooling == topology::Cooling::air;
  const double hysteresis = sc.faults.cycle_hysteresis_k;
  const double t1_s = t0_s + dt;
  const SumLayout sl{static_cast<int>(jobs.size())};
  const MaxLayout ml{static_cast<int>(jobs.size())};
  std::int64_t* sums = red.sums();
  double* maxima = red.maxima();
  JobTick idle_tick{};
  idle_tick.stall_activity = sc.activity.stalled;
  std::fill(job_min_clock.begin(), job_min_clock.end(), kInf);
  double max_junction = -kInf;
  std::int64_t trips = 0;

  std::array<double, kCategoryCount> rack_time{}, rack_energy{}, node_time{}, node_energy{};
  // Raw pointers: the stores below cannot then alias the vectors' own bookkeeping, so the
  // compiler keeps them in registers instead of reloading them for every unit.
  double* __restrict const jc = junction_c.data();
  const double* __restrict const res = resistance_k_per_w.data();
  const double* __restrict const clk = clock_ratio.data();
  float* __restrict const turning = cycle_turning_c.data();
  float* __restrict const extreme = cycle_extreme_c.data();
  float* __restrict const swings = node_swing_k.data();
  std::fill(tick_fast_nodes.begin(), tick_fast_nodes.end(), 0);
  std::fill(tick_job_nodes.begin(), tick_job_nodes.end(), 0);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    const double prev_power_w = rack_power_w[r];
    const double liquid_inlet =
        air ? 0.0 : thermal::liquid_inlet_c(sc.liquid_rack, supply_c, prev_power_w);
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
          air ? thermal::air_inlet_c(sc.air_rack, supply_c, node_height_fraction[k], prev_power_w,
                                     row_end)
              : liquid_inlet;
      inlet_sum += inlet;
      const NodeRole role = node_role[node];
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
      const int j = in_job ? node_job[node] : -1;
      const JobTick& jt = in_job ? jobs[j].tick : idle_tick;
      const std::size_t fi = in_job ? static_cast<std::size_t>(j) : jobs.size();
      if (in_job) ++tick_job_nodes[fi];
      // Units at full clock (this tick and the last) all do the same thing: their activity,
      // power, category times and energies are constants of the job's tick (FastTick). The
      // per-unit work is then one test and the exact RC step; units that throttle take the full
      // governor path (slow_unit).
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
        fast_r_sum = node_resistance_sum[ln];
      } else {
        node_time.fill(0.0);
        node_energy.fill(0.0);
        for (std::int64_t i = base; i < base + apn; ++i) {
          const double r_k_per_w = res[i];
          double t_new;
          if (clk[i] == ft.clock && r_k_per_w * ft.k_per_r + decay * jc[i] <= l_c) {
            // Full clock: T ← T_ss + (T − T_ss)·decay with T_ss = inlet + R·P.
            t_new = gain * (inlet + r_k_per_w * p_fast_w) + decay * jc[i];
            ++n_fast;
            fast_r_sum += r_k_per_w;
            acc_power_sum += p_fast_w;
          } else {
            t_new = slow_unit(i, r_k_per_w, inlet, decay, a_comm, jt, in_job, j, node_time,
                              node_energy, acc_power_sum, rack_swing_k_s, throttled);
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
          const double half_cycle_s = std::max(t1_s - static_cast<double>(cycle_turn_s[i]), dt);
          cycle_turn_s[i] = static_cast<float>(t1_s);
          cycle_damage_ref_s[i] += static_cast<float>(faults::half_cycle_damage_reference_s(
              swing_k, half_cycle_s,
              thermal::last_half_cycle_peak_c(turning[i], extreme[i], swing_k),
              sc.faults.model.cycling_reference, sc.faults.model.fatigue));
        }
      }
      if (node_max_c > spec.shutdown_temperature_c) {
        for (std::int64_t i = base; i < base + apn; ++i) {
          if (jc[i] > spec.shutdown_temperature_c && std::isfinite(acc_hazard[i])) {
            // Hardware protection trips the unit: a failure of its thermal path.
            ++trips;
            acc_hazard[i] = kInf;
            pending.push_back(
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
        if (rack_job_time[j] == 0.0 && rack_job_energy[j] == 0.0) rack_jobs_touched.push_back(j);
        rack_job_time[j] += node_time[compute];
        rack_job_energy[j] += node_energy[compute] + per_second * node_time[compute];
      }
      rack_p += node_w;
      slow_p += node_w;
    }
    rack_power_w[r] = rack_p;
    rack_inlet_c[r] = inlet_sum / static_cast<double>(npr);
    max_junction = std::max(max_junction, rack_max_c);
    // Fixed point per rack: the cross-rank sum is then exact and decomposition-independent.
    if (slow) {
      sums[sl.it_power()] += to_fixed(slow_p, kWattScale);
      for (int c = 0; c < kCategoryCount; ++c) {
        sums[sl.cat_time(c)] += to_fixed(rack_time[c], kSecondScale);
        sums[sl.cat_energy(c)] += to_fixed(rack_energy[c], kJouleScale);
      }
      rack_time.fill(0.0);
      rack_energy.fill(0.0);
      for (int jj : rack_jobs_touched) {
        sums[sl.job_compute_time(jj)] += to_fixed(rack_job_time[jj], kSecondScale);
        sums[sl.job_compute_energy(jj)] += to_fixed(rack_job_energy[jj], kJouleScale);
        rack_job_time[jj] = 0.0;
        rack_job_energy[jj] = 0.0;
      }
      rack_jobs_touched.clear();
    }
    sums[sl.throttled()] += throttled;
    sums[sl.swing_time()] += to_fixed(rack_swing_k_s, kSecondScale);
    sums[sl.large_cycles()] += rack_large_cycles;
    if (rack_large_cycles > 0) sums[sl.large_swing()] += to_fixed(rack_large_swing_k, kSecondScale);
    racc_power[r] += rack_p;
    racc_inlet[r] += rack_inlet_c[r];
    racc_max_junction[r] = std::max(racc_max_junction[r], rack_max_c);
    racc_throttled[r] += static_cast<double>(throttled) / static_cast<double>(apr);
  }
  // Nodes whose units all ran at their job's clock: count × the per-node constants, in fixed
  // point (exact integer sums, the same for any decomposition).
  for (std::size_t fi = 0; fi < fast.size(); ++fi) {
    const std::int64_t n = tick_fast_nodes[fi];
    if (n == 0) continue;
    const FastTick& ft = fast[fi];
    sums[sl.it_power()] += n * ft.node_power_fx;
    for (int c = 0; c < kCategoryCount; ++c) {
      sums[sl.cat_time(c)] += n * ft.node_time_fx[c];
      sums[sl.cat_energy(c)] += n * ft.node_energy_fx[c];
    }
    if (fi < jobs.size()) {
      const int jj = static_cast<int>(fi);
      sums[sl.job_compute_time(jj)] += n * ft.node_time_fx[compute];
      sums[sl.job_compute_energy(jj)] += n * ft.node_energy_fx[compute];
      if (jobs[fi].tick.run_f > 0.0) job_min_clock[fi] = std::min(job_min_clock[fi], ft.clock);
    }
  }
  for (std::size_t jj = 0; jj < jobs.size(); ++jj)
    sums[sl.running_time()] += tick_job_nodes[jj] * fast[jj].node_running_fx;
  sums[sl.trips()] += trips;
  maxima[ml.max_junction()] = max_junction;
  for (std::size_t j = 0; j < jobs.size(); ++j)
    maxima[ml.neg_clock(static_cast<int>(j))] =
        std::isfinite(job_min_clock[j]) ? -job_min_clock[j] : -kInf;

  // Failures due by the end of the tick, offered per job (spares and free nodes: last slot).
  for (const Pending& p : pending) {
    if (p.time_s >= t1_s) continue;
    const auto scope = faults::scope_of_key(static_cast<std::uint64_t>(p.key));
    const auto index =
        static_cast<std::int64_t>(faults::index_of_key(static_cast<std::uint64_t>(p.key)));
    std::int64_t node = -1;
    if (scope == faults::Scope::accelerator) node = index / apn;
    if (scope == faults::Scope::node) node = index;
    int slot = static_cast<int>(jobs.size());
    if (scope == faults::Scope::rack_leaf_switch) {
      // The rack's first node in a job decides the slot (any job the switch serves).
      for (std::int64_t k = 0; k < npr; ++k)
        if (node_role[index * npr + k] == NodeRole::active) {
          node = index * npr + k;
          break;
        }
    }
    if (node >= 0 && node_role[node] == NodeRole::active) slot = node_job[node];
    red.offer(slot, p.time_s, p.key, p.failure_class);
  }
}

}  // namespace ct::twin
