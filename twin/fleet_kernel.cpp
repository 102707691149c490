// The per-tick kernel over this rank's accelerators (struct-of-arrays, no allocation): the
// per-job constants of its fast path, whole nodes stepped and tested, throttled units through the
// governor, large thermal cycles. The periodic hazard update is in hazard_update.cpp.
#include <algorithm>
#include <bit>
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

// A unit that throttles (or did last tick): the full DVFS governor, and its own category times
// and energies (its paced share shrinks with its clock; the rest of the step it waits).
double Engine::State::slow_unit(std::int64_t i, double r_k_per_w, double inlet, double decay,
                                const JobTick& jt, const TickTrajectory& tr, bool in_job, int j,
                                UnitSums& node_units, double& acc_power_sum, double& rack_swing_k_s,
                                std::int64_t& throttled) {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  double* const clock = fleet.clock_ratio.data();
  double* const junction = fleet.junction_c.data();
  // Activity from the previous clock (the governor's input: the end-of-tick junction), then the
  // new clock.
  const double cap_w = in_job ? control.jobs[j].cap_w : idle_cap_w;
  const thermal::GovernorInput gi{thermal_activity(jt, tr, clock[i]),
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
  const double energy_j = add_unit_tick(jt, phi, d_w, spec.idle_w, dt, node_units);
  if (in_job && jt.run_f > 0.0) job_min_clock[j] = std::min(job_min_clock[j], phi);
  if (in_job) rack_swing_k_s += 2.0 * jt.half_swing_per_r * r_k_per_w * d_w * (jt.run_f * dt);
  const double power_w = energy_j / dt;
  acc_power_sum += power_w;
  clock[i] = phi;
  throttled += g.throttled() ? 1 : 0;
  // The RC step's power gives the exact end-of-tick junction (the mean power when the tick is
  // one stretch); kept per unit of the node for the cycle counter.
  const double thermal_w =
      tr.boundaries == 0 ? power_w : spec.idle_w + thermal_activity(jt, tr, phi) * d_w;
  const auto a = static_cast<std::size_t>(i % apn);
  node_dynamic_w[a] = d_w;
  node_run_activity[a] = tr.boundaries == 0 ? 0.0 : running_activity_at(jt, phi);
  node_thermal_w[a] = thermal_w;
  return thermal::junction_step_c(
      junction[i], thermal::steady_temperature_c(inlet, r_k_per_w, thermal_w), decay);
}

// Large cycles of one node's units (stalls, failures, restarts) with Norris–Landzberg damage per
// half-cycle. The counter sees the exact junction trajectory's turning points: inside a tick
// whose time order is known, the junction at each boundary between running and stalled
// stretches (T_b from the tick's start, job_tick.hpp TickTrajectory), then at the tick's end.
// Within one stretch the RC moves monotonically toward its steady temperature, so no extreme is
// missed whatever the tick. A half-cycle is confirmed when the junction has come back from its
// extreme by the hysteresis; that instant is solved from the stretch's exponential
// (t* = t_k − τ·ln((L − T_ss)/(T_k − T_ss)), L the extreme ∓ hysteresis), so half-cycle durations
// (and the damage's frequency term) do not depend on the tick either.
void Engine::State::count_cycles(std::int64_t base, double inlet, double inlet_run,
                                 double inlet_stall, double t0_s, double t1_s, const FastTick& ft,
                                 bool all_fast, bool end_observed, std::int64_t& cycles,
                                 double& swing_sum_k, double& damage_ref_s) {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  const double hysteresis = sc.faults.cycle_hysteresis_k;
  const double tau_s = spec.time_constant_s;
  const TickTrajectory& tr = ft.traj;
  float* const turning = fleet.cycle_turning_c.data() + base;
  float* const extreme = fleet.cycle_extreme_c.data() + base;
  const double* const res = fleet.resistance_k_per_w.data() + base;
  float* const swings = node_swing_k.data();
  const auto n = static_cast<std::size_t>(apn);
  // Per unit: dynamic power and running activity at its clock (the fast path's constants, or
  // what slow_unit kept), only needed with stretches or when a half-cycle is confirmed.
  auto unit_dynamic_w = [&](std::size_t a) { return all_fast ? ft.dynamic_w : node_dynamic_w[a]; };
  auto unit_run_activity = [&](std::size_t a) {
    return all_fast || fleet.clock_ratio[base + static_cast<std::int64_t>(a)] == ft.clock
               ? ft.run_activity
               : node_run_activity[a];
  };
  auto stretch_power_w = [&](std::size_t a, bool running) {
    return spec.idle_w + (running ? unit_run_activity(a) : ft.stall_activity) * unit_dynamic_w(a);
  };
  auto stretch_steady_c = [&](std::size_t a, bool running) {
    return (running ? inlet_run : inlet_stall) + res[a] * stretch_power_w(a, running);
  };
  // Half-cycles confirmed at sample time t_k (temperatures t_c), with the steady temperature of
  // the stretch that ends at the sample.
  auto confirm = [&](const double* t_c, double t_prev_s, double t_k_s, auto steady_c) {
    std::size_t confirmed = 0;
    for (std::size_t a = 0; a < n; ++a) {
      const float swing_k = swings[a];
      if (swing_k <= 0.0f) continue;
      const std::int64_t i = base + static_cast<std::int64_t>(a);
      const double t_ss = steady_c(a);
      const double level =
          extreme[a] < turning[a] ? turning[a] - hysteresis : turning[a] + hysteresis;
      double at_s = t_k_s;
      const double ratio = (level - t_ss) / (t_c[a] - t_ss);
      if (ratio >= 1.0 && std::isfinite(ratio))
        at_s = std::max(t_k_s - tau_s * std::log(ratio), t_prev_s);
      ++cycles;
      swing_sum_k += swing_k;
      const double half_cycle_s = std::max(at_s - static_cast<double>(fleet.cycle_turn_s[i]), 1e-3);
      fleet.cycle_turn_s[i] = static_cast<float>(at_s);
      confirm_unit[confirmed] = a;
      confirm_swing_k[confirmed] = swing_k;
      confirm_half_cycle_s[confirmed] = half_cycle_s;
      confirm_peak_c[confirmed++] =
          thermal::last_half_cycle_peak_c(turning[a], extreme[a], swing_k);
    }
    // Their damage in one batch (half_cycle_damage_reference_s's bits), added in unit order.
    faults::half_cycle_damage_reference_s_n(
        confirm_swing_k.data(), confirm_half_cycle_s.data(), confirm_peak_c.data(), confirmed,
        sc.faults.model.cycling_reference, sc.faults.model.fatigue, confirm_damage.data());
    for (std::size_t j = 0; j < confirmed; ++j) {
      const double d = confirm_damage[j];
      fleet.cycle_damage_ref_s[base + static_cast<std::int64_t>(confirm_unit[j])] +=
          static_cast<float>(d);
      damage_ref_s += d;
    }
  };
  double t_prev_s = t0_s;
  for (int b = 0; b < tr.boundaries && !end_observed; ++b) {
    for (std::size_t a = 0; a < n; ++a)
      node_sample_c[a] = tr.decay[b] * node_t0_c[a] + tr.run_w[b] * stretch_steady_c(a, true) +
                         tr.stall_w[b] * stretch_steady_c(a, false);
    const double t_b_s = t0_s + tr.time_f[b] * dt;
    if (thermal::observe_units(apn, node_sample_c.data(), hysteresis, turning, extreme, swings))
      confirm(node_sample_c.data(), t_prev_s, t_b_s,
              [&](std::size_t a) { return stretch_steady_c(a, tr.running_before[b]); });
    t_prev_s = t_b_s;
  }
  const double* t_end = fleet.junction_c.data() + base;
  if (end_observed || thermal::observe_units(apn, t_end, hysteresis, turning, extreme, swings))
    confirm(t_end, t_prev_s, t1_s, [&](std::size_t a) {
      if (tr.boundaries > 0) return stretch_steady_c(a, tr.last_running);
      return inlet + res[a] * (all_fast ? ft.thermal_power_w : node_thermal_w[a]);
    });
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
  fast_memo.resize(n_jobs + 1);
  for (std::size_t f = 0; f <= n_jobs; ++f) {
    const bool in_job = f < n_jobs;
    FastTick& ft = fast[f];
    FastMemo& memo = fast_memo[f];
    if (in_job && !control.jobs[f].active) {  // a free slot: no node refers to it
      if (memo.valid) ft = FastTick{}, memo.valid = false;
      continue;
    }
    JobTick& jt = in_job ? control.jobs[f].tick : idle_tick;
    const double cap_w = in_job ? control.jobs[f].cap_w : idle_cap_w;
    const std::int8_t end_running = in_job ? job_end_running[f] : std::int8_t{-2};
    // The same inputs as at this slot's last tick, bit for bit (most jobs, most ticks): ft holds
    // that tick's constants, a function of these alone.
    if (memo.valid && memo.in_job == in_job && memo.end_running == end_running &&
        std::bit_cast<std::uint64_t>(memo.cap_w) == std::bit_cast<std::uint64_t>(cap_w) &&
        same_tick_inputs(memo.tick, jt)) {
      // Not the coefficients kept (a tick built from JobTick{} or copied): give them back.
      if (jt.coeff_stamp != memo.tick.coeff_stamp) {
        jt.coeff = memo.tick.coeff;
        jt.coeff_stamp = memo.tick.coeff_stamp;
      }
      jt.prepared = true;
      continue;
    }
    ft = FastTick{};
    jt.prepare(dt);  // the per-unit coefficients, once per job per tick
    // The power-cap clock, exactly as the governor computes it (dvfs_governor.hpp).
    const double peak_activity = jt.peak_activity();
    const double cap_margin_w = cap_w - spec.idle_w;
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
    ft.traj = tick_trajectory(jt, dt, spec.time_constant_s);
    ft.k_per_r = gain * (spec.idle_w + thermal_activity(jt, ft.traj, ft.clock) * d_w) +
                 jt.ripple_peak_per_r * d_w;
    const double energy_j =
        split_unit_tick(jt, ft.clock, d_w, spec.idle_w, dt, ft.unit_time, ft.unit_energy);
    if (in_job) ft.swing_per_r = 2.0 * jt.half_swing_per_r * d_w * (jt.run_f * dt);
    ft.swings = jt.run_f > 0.0;
    ft.unit_power_w = energy_j / dt;
    ft.dynamic_w = d_w;
    ft.thermal_power_w = ft.traj.boundaries == 0
                             ? ft.unit_power_w
                             : spec.idle_w + thermal_activity(jt, ft.traj, ft.clock) * d_w;
    if (ft.traj.boundaries > 0) {
      ft.run_activity = running_activity_at(jt, ft.clock);
      ft.stall_activity = stalled_activity_level(jt);
    }
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
    // A node's power in the running and in the stalled stretches (the rack inlet of each; the
    // mean when the tick is one stretch), and whether the inlet follows the job's change of
    // state at the tick's start or inside it (jobs that give their time order).
    ft.node_power_run_w = ft.node_power_stall_w = ft.node_power_w;
    if (ft.traj.boundaries > 0) {
      const double n_units = static_cast<double>(apn);
      ft.node_power_run_w =
          thermal::node_power_w(spec, n_units * (spec.idle_w + ft.run_activity * ft.dynamic_w));
      ft.node_power_stall_w =
          thermal::node_power_w(spec, n_units * (spec.idle_w + ft.stall_activity * ft.dynamic_w));
    }
    if (in_job && jt.segments > 0) {
      const std::int8_t first = ft.traj.boundaries > 0 ? ft.traj.first_running : jt.first_running;
      ft.inlet_follows = ft.traj.boundaries > 0 || first != job_end_running[f];
      ft.end_running = ft.traj.boundaries > 0 ? ft.traj.last_running : jt.first_running;
    }
    ft.node_power_fx = to_fixed(ft.node_power_w, kWattScale);
    for (int c = 0; c < kCategoryCount; ++c) ft.node_energy_all_fx += ft.node_energy_fx[c];
    ft.node_running_fx = to_fixed(jt.run_f * dt * n, kSecondScale);
    memo = FastMemo{true, in_job, end_running, cap_w, jt};
  }
}

void Engine::State::kernel(TickReduction& red, double t0_s) {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  const double decay = rc_decay_per_tick;
  const double gain = 1.0 - decay;
  const bool air = campus.spec().cooling == topology::Cooling::air;
  const bool several_sites = sites.size() > 1;
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
  // Coasting racks (multi-rate stepping): their nodes at their job's clock, counted like the
  // stepped ones, and their per-rack constants; racks brought to the present this tick add the
  // cycles and hottest junction of their coasting ticks.
  if (coast.coasting_racks > 0) {
    for (std::size_t fi = 0; fi < fast.size(); ++fi) {
      tick_fast_nodes[fi] += coast.slot_nodes[fi];
      if (fi < n_jobs) tick_job_nodes[fi] += coast.slot_nodes[fi];
    }
    sums[sl.throttled] += coast.throttled;
    sums[sl.swing_time] += coast.swing_fx;
    sums[sl.cat_time + unallocated] += coast.unallocated_fx;  // their nodes under repair
    if (several_sites)
      for (std::size_t i = 0; i < sites.size(); ++i)
        sums[site_it_slot[i]] += coast.site_power_fx[i];
    coast.coasted_rack_ticks += coast.coasting_racks;
  }
  sums[sl.large_cycles] += coast.settled_cycles;
  sums[sl.large_swing] += coast.settled_swing_fx;
  sums[sl.large_damage] += coast.settled_damage_fx;
  max_junction = coast.settled_max_c;
  coast.settled_cycles = coast.settled_swing_fx = coast.settled_damage_fx = 0;
  coast.settled_max_c = -kInf;
  bool any_follows = false;  // a job's power steps at the tick's start or inside it
  for (std::size_t j = 0; j < n_jobs; ++j) any_follows |= fast[j].inlet_follows;
  // The racks this tick steps (the others coast: counted above), listed without a branch per
  // rack: with most racks coasting, a branch mispredicted at every stepped one cost more than
  // the scan.
  std::int64_t* const stepped = scratch_stepped_racks.data();
  std::int64_t n_stepped = 0;
  if (coast.enabled) {
    // The racks not coasting, ascending, from the coasting bits (a word at a time).
    const std::size_t words = coast.coasting_bits.size();
    for (std::size_t w = 0; w < words; ++w) {
      const std::size_t first = w * Coasting::kRacksPerWord;
      const std::size_t in_word =
          std::min(Coasting::kRacksPerWord, static_cast<std::size_t>(block.rack_count) - first);
      std::uint64_t bits = ~coast.coasting_bits[w];
      if (in_word < Coasting::kRacksPerWord) bits &= (std::uint64_t{1} << in_word) - 1;
      for (; bits != 0; bits &= bits - 1)
        stepped[n_stepped++] =
            static_cast<std::int64_t>(first + static_cast<std::size_t>(std::countr_zero(bits)));
    }
  } else {
    for (std::int64_t r = 0; r < block.rack_count; ++r) stepped[n_stepped++] = r;
  }
  for (std::int64_t ri = 0; ri < n_stepped; ++ri) {
    const std::int64_t r = stepped[ri];
    const double prev_power_w = fleet.rack_power_w[r];
    const double supply_c = sites[rack_site[r]].supply_c;
    const double liquid_inlet =
        air ? 0.0 : thermal::liquid_inlet_c(sc.liquid_rack, supply_c, prev_power_w);
    const double row_end = rack_row_end_weight[r];
    // Whether the rack may coast from the next tick (multi-rate stepping; see coast_tick).
    bool steady = coast.enabled;
    // The inlet follows the rack's power: its value at the last tick's end, and, when a job's
    // stall starts or ends (at the tick's start or inside it), that power changed by the job's
    // nodes' change in each stretch: count them.
    if (any_follows) {
      for (std::int64_t k = 0; k < npr; ++k) {
        const std::int64_t node = global_node(r * npr + k);
        if (control.node_role[node] != NodeRole::active) continue;
        const int j = control.node_job[node];
        if (!fast[j].inlet_follows) continue;
        if (rack_stretch_nodes[j]++ == 0) rack_stretch_jobs.push_back(j);
      }
    }
    // rack_p: all the rack's IT power (its inlet next tick, its output series); slow_p and
    // rack_time/rack_energy: only nodes that are not all at their job's clock, which are
    // rounded to fixed point per rack (`slow` says there are any).
    double rack_p = 0.0, slow_p = 0.0, inlet_sum = 0.0, rack_max_c = -kInf;
    bool slow = false;
    std::int64_t throttled = 0, rack_large_cycles = 0;
    double rack_swing_k_s = 0.0, rack_large_swing_k = 0.0, rack_large_damage = 0.0;
    for (std::int64_t k = 0; k < npr; ++k) {
      const std::int64_t ln = r * npr + k;
      const std::int64_t node = global_node(ln);
      auto inlet_at = [&](double rack_power_w) {
        return air ? thermal::air_inlet_c(sc.air_rack, supply_c, node_height_fraction[k],
                                          rack_power_w, row_end)
               : rack_power_w == prev_power_w
                   ? liquid_inlet
                   : thermal::liquid_inlet_c(sc.liquid_rack, supply_c, rack_power_w);
      };
      const double inlet_first = inlet_at(prev_power_w);
      const NodeRole role = control.node_role[node];
      const std::int64_t base = ln * apn;
      if (role == NodeRole::repairing) {
        // Powered off for repair: cools toward the inlet, counts as unallocated.
        inlet_sum += inlet_first;
        for (std::int64_t i = base; i < base + apn; ++i) {
          jc[i] = thermal::junction_step_c(jc[i], inlet_first, decay);
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
      // Inlet of the running and the stalled stretches (the same without stretches), and the one
      // that gives the exact end-of-tick junction (weighted as the stretches' powers are).
      double inlet_run = inlet_first, inlet_stall = inlet_first, inlet = inlet_first;
      if (in_job && ft.inlet_follows) [[unlikely]] {
        const double n_jr = static_cast<double>(rack_stretch_nodes[j]);
        const double p_end = job_end_node_power_w[fi];
        inlet_run = inlet_at(prev_power_w + n_jr * (ft.node_power_run_w - p_end));
        inlet_stall = inlet_at(prev_power_w + n_jr * (ft.node_power_stall_w - p_end));
        inlet = ft.traj.boundaries > 0
                    ? ft.traj.end_run_w * inlet_run + (1.0 - ft.traj.end_run_w) * inlet_stall
                : jt.run_f > 0.0 ? inlet_run
                                 : inlet_stall;
        inlet_sum += jt.run_f * inlet_run + (1.0 - jt.run_f) * inlet_stall;
      } else {
        inlet_sum += inlet_first;
      }
      const double l_c = spec.slowdown_temperature_c - gain * inlet;
      const double p_fast_w = ft.unit_power_w, p_thermal_w = ft.thermal_power_w;
      std::int64_t n_fast = 0;
      double fast_r_sum = 0.0, node_max_c = -kInf, acc_power_sum = 0.0;
      // A tick with stretches (a stall starting or ending inside it): the cycle counter needs
      // the junction at the tick's start.
      if (ft.traj.boundaries > 0) [[unlikely]]
        std::copy(jc + base, jc + base + apn, node_t0_c.data());
      const thermal::CommonPowerStep step{ft.clock, inlet,      p_thermal_w, decay,
                                          gain,     ft.k_per_r, l_c};
      const bool all_fast =
          thermal::step_common_power(step, apn, clk + base, res + base, jc + base, node_max_c);
      steady &= all_fast && ft.traj.boundaries == 0 && !ft.inlet_follows;
      if (all_fast) {
        n_fast = apn;  // the common case: the whole node at the job's clock
        fast_r_sum = fleet.node_resistance_sum[ln];
      } else {
        node_time.fill(0.0);
        node_energy.fill(0.0);
        UnitSums node_units;  // the units on the governor path
        for (std::int64_t i = base; i < base + apn; ++i) {
          const double r_k_per_w = res[i];
          double t_new;
          if (clk[i] == ft.clock && r_k_per_w * ft.k_per_r + decay * jc[i] <= l_c) {
            // At the job's clock: T ← T_ss + (T − T_ss)·decay with T_ss = inlet + R·P.
            t_new = gain * (inlet + r_k_per_w * p_thermal_w) + decay * jc[i];
            ++n_fast;
            fast_r_sum += r_k_per_w;
            acc_power_sum += p_fast_w;
            const auto a = static_cast<std::size_t>(i - base);
            node_dynamic_w[a] = ft.dynamic_w;
            node_run_activity[a] = ft.run_activity;
            node_thermal_w[a] = p_thermal_w;
          } else {
            t_new = slow_unit(i, r_k_per_w, inlet, decay, jt, ft.traj, in_job, j, node_units,
                              acc_power_sum, rack_swing_k_s, throttled);
          }
          jc[i] = t_new;
          node_max_c = std::max(node_max_c, t_new);
        }
        split_unit_ticks(jt, node_units, spec.idle_w, dt, node_time, node_energy);
      }
      rack_max_c = std::max(rack_max_c, node_max_c);
      // Large cycles (stalls, failures, restarts): Norris–Landzberg damage per half-cycle.
      // (The common case inline: one stretch, no half-cycle confirmed.)
      if (ft.traj.boundaries > 0) [[unlikely]]
        count_cycles(base, inlet, inlet_run, inlet_stall, t0_s, t1_s, ft, all_fast, false,
                     rack_large_cycles, rack_large_swing_k, rack_large_damage);
      else if (thermal::observe_units(apn, jc + base, hysteresis, turning + base, extreme + base,
                                      swings))
        count_cycles(base, inlet, inlet_run, inlet_stall, t0_s, t1_s, ft, all_fast, true,
                     rack_large_cycles, rack_large_swing_k, rack_large_damage);
      if (node_max_c > spec.shutdown_temperature_c) {
        for (std::int64_t i = base; i < base + apn; ++i) {
          if (jc[i] > spec.shutdown_temperature_c && std::isfinite(fleet.acc.hazard[i])) {
            // Hardware protection trips the unit: a failure of its thermal path.
            ++trips;
            fleet.acc.hazard[i] = kInf;
            fleet.pending.push_back(
                Pending{t1_s,
                        static_cast<std::int64_t>(faults::component_key(
                            faults::Scope::accelerator, static_cast<std::uint64_t>(global_acc(i)))),
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
        rack_job_energy_all[j] += node_w * dt;
      }
      rack_p += node_w;
      slow_p += node_w;
    }
    // The inlet of the next tick starts from the rack's power at this tick's end: the stretch
    // that ends the tick, for the nodes of jobs whose tick has stretches.
    double end_power_w = rack_p;
    for (int jj : rack_stretch_jobs) {
      const FastTick& ft = fast[jj];
      end_power_w += static_cast<double>(rack_stretch_nodes[jj]) * ft.end_node_step_w();
      rack_stretch_nodes[jj] = 0;
    }
    rack_stretch_jobs.clear();
    ++coast.stepped_rack_ticks;
    ++sums[sl.stepped_racks];
    if (steady)  // (no stretches: its power at the tick's end is rack_p)
      coast_check_rack(r, rack_p, throttled, to_fixed(rack_time[unallocated], kSecondScale),
                       to_fixed(rack_swing_k_s, kSecondScale));
    fleet.rack_power_w[r] = end_power_w;
    // Several sites: each site's IT power, per rack in fixed point (its plant's input).
    if (several_sites) sums[site_it_slot[rack_site[r]]] += to_fixed(rack_p, kWattScale);
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
        sums[job.energy_slot] += to_fixed(rack_job_energy_all[jj], kJouleScale);
        rack_job_energy_all[jj] = 0.0;
        rack_job_touched[jj] = 0;
      }
      rack_jobs_touched.clear();
    }
    sums[sl.throttled] += throttled;
    sums[sl.swing_time] += to_fixed(rack_swing_k_s, kSecondScale);
    sums[sl.large_cycles] += rack_large_cycles;
    if (rack_large_cycles > 0) {
      sums[sl.large_swing] += to_fixed(rack_large_swing_k, kSecondScale);
      sums[sl.large_damage] += to_fixed(rack_large_damage, kSecondScale);
    }
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
      sums[job.energy_slot] += n * ft.node_energy_all_fx;
      if (job.tick.run_f > 0.0) job_min_clock[fi] = std::min(job_min_clock[fi], ft.clock);
    }
  }
  for (std::size_t jj = 0; jj < n_jobs; ++jj)
    sums[sl.running_time] += tick_job_nodes[jj] * fast[jj].node_running_fx;
  // Each job's state and node power at the tick's end (the next tick's inlets start from it).
  for (std::size_t jj = 0; jj < n_jobs; ++jj) {
    const FastTick& ft = fast[jj];
    if (control.jobs[jj].tick.segments == 0) continue;
    job_end_running[jj] = ft.end_running ? 1 : 0;
    job_end_node_power_w[jj] = ft.end_node_power_w();
  }
  sums[sl.trips] += trips;
  for (int c = 0; c < faults::kFailureClassCount; ++c) {
    sums[sl.expected + c] += expected_local_fx[c];
    expected_local_fx[c] = 0;
  }
  maxima[sl.max_junction] = max_junction;
  for (std::size_t j = 0; j < n_jobs; ++j)
    maxima[sl.neg_clock + static_cast<int>(j)] =
        std::isfinite(job_min_clock[j]) ? -job_min_clock[j] : -kInf;

  // Failures due by the end of the tick, offered per job (spares and free nodes: last slot);
  // the earliest of all, so every rank knows when the next one is due.
  double next_failure_s = kInf;
  for (const Pending& p : fleet.pending) {
    next_failure_s = std::min(next_failure_s, p.time_s);
    if (p.time_s >= t1_s) continue;
    const auto key = static_cast<std::uint64_t>(p.key);
    const std::int64_t node =
        failure_scope(faults::scope_of_key(key))
            .slot_node(*this, static_cast<std::int64_t>(faults::index_of_key(key)));
    int slot = static_cast<int>(n_jobs);
    if (node >= 0 && control.node_role[node] == NodeRole::active) slot = control.node_job[node];
    red.offer(slot, p.time_s, p.key, p.failure_class);
  }
  maxima[sl.next_failure] = -next_failure_s;
}

}  // namespace ct::twin
