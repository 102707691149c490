// The benchmark's fleet and kernels (bench_fleet.hpp).
#include "bench/bench_fleet.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "faults/failure_sampler.hpp"
#include "thermal/dvfs_governor.hpp"
#include "thermal/junction.hpp"

namespace ct::bench {

using namespace ct::twin;  // the accounting categories

namespace {

// twin/tick_reduction.hpp
constexpr double kWattScale = 1e6, kJouleScale = 1e6, kSecondScale = 1e9;
inline std::int64_t to_fixed(double value, double scale) {
  return static_cast<std::int64_t>(value * scale + (value >= 0 ? 0.5 : -0.5));
}

}  // namespace

Fleet::Fleet(std::int64_t count)
    : n(count),
      racks(count / kApr),
      nodes(count / kApn),
      spec(*thermal::accelerator_catalogue().find("h100_sxm")),
      model(faults::h100_failure_model()) {
  spec.thermal_resistance_k_per_w = 0.075;
  acc_table = faults::make_scope_hazard_table(model, faults::Scope::accelerator);
  node_table = faults::make_scope_hazard_table(model, faults::Scope::node);
  rack_table = faults::make_scope_hazard_table(model, faults::Scope::rack_leaf_switch);
  decay = thermal::rc_decay(dt, spec.time_constant_s);
  cap_w = spec.tdp_w;
  // The training kind's phases (twin/workloads/training.cpp): a checkpoint snapshot now and
  // then, compute paced by the slowest member, the bubble and the exposed communication.
  job.run_f = 0.97;
  job.add_running(compute, 0.80, 1.0, true);
  job.add_running(pipeline_bubble, 0.12, a_comm);
  job.add_running(exposed_comm, 0.08, a_comm);
  job.add_stalled(checkpoint, 0.03, 0.1);
  job.slowest_clock = 0.97;
  job.straggler_activity = a_comm;
  job.half_swing_per_r =
      thermal::half_swing_k_per_w(1.0, spec.time_constant_s, 6.0, 0.8, 1.0, a_comm);
  job.step_s = 6.0;
  job.ripple_peak_per_r =
      thermal::ripple_peak_k_per_w(1.0, spec.time_constant_s, 6.0, 0.8, 1.0, a_comm);
  job.running_activity = 0.8 + 0.2 * a_comm;
  idle.add_stalled(unallocated, 1.0, 0.1);
  job.prepare(dt);  // as the engine's prepare_fast, once per job per tick
  idle.prepare(dt);

  std::mt19937_64 rng(2024);
  std::normal_distribution<double> z(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const auto sz = static_cast<std::size_t>(n);
  junction_c.resize(sz);
  resistance_k_per_w.resize(sz);
  clock_ratio.assign(sz, 1.0);
  cycles.resize(sz);
  cycle_turn_s.assign(sz, 0.0f);
  cycle_damage_ref_s.assign(sz, 0.0f);
  acc_life_start_s.assign(sz, 0.0f);
  acc_hazard.assign(sz, 0.0);
  acc_threshold.resize(sz);
  acc_life.assign(sz, 0u);
  for (std::size_t i = 0; i < sz; ++i) {
    resistance_k_per_w[i] =
        spec.thermal_resistance_k_per_w * std::exp(spec.resistance_sigma * z(rng));
    junction_c[i] = 60.0 + 15.0 * u(rng);
    cycles[i] = thermal::make_cycle_state(junction_c[i]);
    acc_threshold[i] =
        faults::failure_threshold(2024, faults::component_key(faults::Scope::accelerator, i), 0);
  }
  const auto nn = static_cast<std::size_t>(nodes), nr = static_cast<std::size_t>(racks);
  node_in_job.resize(nn);
  for (std::size_t k = 0; k < nn; ++k) node_in_job[k] = (k % 32 == 31) ? 0 : 1;
  node_hazard.assign(nn, 0.0);
  node_threshold.assign(nn, 1.0);
  node_life.assign(nn, 0u);
  node_life_start_s.assign(nn, 0.0f);
  rack_hazard.assign(nr, 0.0);
  rack_threshold.assign(nr, 1.0);
  rack_life.assign(nr, 0u);
  rack_life_start_s.assign(nr, 0.0f);
  rack_power_w.assign(nr, 32e3);
  rack_inlet_c.assign(nr, 26.0);
  rack_hot_k.resize(nr);
  for (std::size_t r = 0; r < nr; ++r) rack_hot_k[r] = (r % 10 == 7) ? 12.0 : 6.0 * u(rng);
  racc_power.assign(nr, 0.0);
  racc_inlet.assign(nr, 0.0);
  racc_max_junction.assign(nr, -kInf);
  racc_throttled.assign(nr, 0.0);
  pending.reserve(1024);
}

template <bool with_accounting>
TickOut tick(Fleet& f, double t0_s) {
  const thermal::AcceleratorSpec& spec = f.spec;
  const double dt = f.dt, decay = f.decay, t1_s = t0_s + dt;
  TickOut out;
  double job_min_clock = kInf;
  std::array<double, kCategories> rack_time{}, rack_energy{}, node_time{}, node_energy{};
  double* junction_c = f.junction_c.data();
  double* clock_ratio = f.clock_ratio.data();
  const double* resistance = f.resistance_k_per_w.data();
  thermal::CycleState* cycles = f.cycles.data();
  for (std::int64_t r = 0; r < f.racks; ++r) {
    const auto ru = static_cast<std::size_t>(r);
    rack_time.fill(0.0);
    rack_energy.fill(0.0);
    double rack_p = 0.0, inlet_sum = 0.0, rack_max_c = -kInf;
    std::int64_t throttled = 0, rack_large_cycles = 0;
    double rack_swing_k_s = 0.0, rack_running_s = 0.0, rack_large_swing_k = 0.0;
    double rack_job_time = 0.0, rack_job_energy = 0.0;
    for (std::int64_t k = 0; k < kNpr; ++k) {
      const std::int64_t ln = r * kNpr + k;
      const double inlet = f.inlet_of(r, k);
      inlet_sum += inlet;
      const bool in_job = f.node_in_job[static_cast<std::size_t>(ln)] != 0;
      const JobTick& jt = in_job ? f.job : f.idle;
      node_time.fill(0.0);
      node_energy.fill(0.0);
      ct::twin::UnitSums node_units;
      double acc_power_sum = 0.0;
      for (std::int64_t a = 0; a < kApn; ++a) {
        const std::int64_t i = ln * kApn + a;
        const double r_k_per_w = resistance[i];
        const thermal::GovernorInput gi{ct::twin::mean_activity(jt, clock_ratio[i]),
                                        jt.peak_activity(),
                                        inlet,
                                        r_k_per_w,
                                        f.cap_w,
                                        junction_c[i],
                                        decay,
                                        jt.ripple_peak_per_r * r_k_per_w};
        const thermal::GovernorResult g = thermal::governor_clock_ratio(spec, gi);
        const double phi = g.clock_ratio;
        const double d_w = g.dynamic_power_w;
        // The engine's per-unit split (twin/job_tick.hpp): the unit's power, and with
        // accounting its category times and energies.
        const double energy_j = ct::twin::add_unit_tick(jt, phi, d_w, spec.idle_w, dt, node_units);
        if constexpr (with_accounting) {
          if (in_job && jt.run_f > 0.0) job_min_clock = std::min(job_min_clock, phi);
          if (in_job) {
            const double run_s = jt.run_f * dt;
            rack_swing_k_s += 2.0 * jt.half_swing_per_r * r_k_per_w * d_w * run_s;
            rack_running_s += run_s;
          }
        }
        const double power_w = energy_j / dt;
        acc_power_sum += power_w;
        const double t_new = thermal::junction_step_c(
            junction_c[i], thermal::steady_temperature_c(inlet, r_k_per_w, power_w), decay);
        junction_c[i] = t_new;
        clock_ratio[i] = phi;
        throttled += g.throttled() ? 1 : 0;
        rack_max_c = std::max(rack_max_c, t_new);
        const float swing_k = thermal::observe(cycles[i], t_new, f.hysteresis);
        if (swing_k > 0.0f) {
          ++rack_large_cycles;
          rack_large_swing_k += swing_k;
          const double half_cycle_s =
              std::max(t1_s - static_cast<double>(f.cycle_turn_s[static_cast<std::size_t>(i)]), dt);
          f.cycle_turn_s[static_cast<std::size_t>(i)] = static_cast<float>(t1_s);
          f.cycle_damage_ref_s[static_cast<std::size_t>(i)] +=
              static_cast<float>(faults::half_cycle_damage_reference_s(
                  swing_k, half_cycle_s, thermal::last_half_cycle_peak_c(cycles[i], swing_k),
                  f.model.cycling_reference, f.model.fatigue));
        }
        if (t_new > spec.shutdown_temperature_c &&
            std::isfinite(f.acc_hazard[static_cast<std::size_t>(i)])) {
          f.acc_hazard[static_cast<std::size_t>(i)] = kInf;
          f.pending.push_back(
              Pending{t1_s,
                      static_cast<std::int64_t>(faults::component_key(
                          faults::Scope::accelerator, static_cast<std::uint64_t>(i))),
                      static_cast<std::int32_t>(faults::FailureClass::thermal_interface)});
        }
      }
      if constexpr (with_accounting)
        ct::twin::split_unit_ticks(jt, node_units, spec.idle_w, dt, node_time, node_energy);
      const double node_w = thermal::node_power_w(spec, acc_power_sum);
      if constexpr (with_accounting) {
        const double overhead_j = (node_w - acc_power_sum) * dt;
        const double per_second = overhead_j / (static_cast<double>(kApn) * dt);
        for (int c = 0; c < kCategories; ++c) {
          const double e = node_energy[c] + per_second * node_time[c];
          rack_time[c] += node_time[c];
          rack_energy[c] += e;
        }
        if (in_job) {
          rack_job_time += node_time[compute];
          rack_job_energy += node_energy[compute] + per_second * node_time[compute];
        }
      }
      rack_p += node_w;
    }
    f.rack_power_w[ru] = rack_p;
    f.rack_inlet_c[ru] = inlet_sum / static_cast<double>(kNpr);
    out.max_junction = std::max(out.max_junction, rack_max_c);
    out.throttled += throttled;
    if constexpr (with_accounting) {
      std::int64_t* sums = f.sums.data();
      sums[0] += to_fixed(rack_p, kWattScale);
      for (int c = 0; c < kCategories; ++c) {
        sums[1 + c] += to_fixed(rack_time[c], kSecondScale);
        sums[1 + kCategories + c] += to_fixed(rack_energy[c], kJouleScale);
      }
      sums[19] += to_fixed(rack_job_time, kSecondScale);
      sums[20] += to_fixed(rack_job_energy, kJouleScale);
      sums[21] += throttled;
      sums[22] += to_fixed(rack_swing_k_s, kSecondScale);
      sums[23] += to_fixed(rack_running_s, kSecondScale);
      sums[24] += rack_large_cycles;
      sums[25] += to_fixed(rack_large_swing_k, kSecondScale);
      sums[26] += to_fixed(job_min_clock, 1.0);
      f.racc_power[ru] += rack_p;
      f.racc_inlet[ru] += f.rack_inlet_c[ru];
      f.racc_max_junction[ru] = std::max(f.racc_max_junction[ru], rack_max_c);
      f.racc_throttled[ru] += static_cast<double>(throttled) / static_cast<double>(kApr);
    }
  }
  return out;
}

// Accounting alone: the clock ratio φ of the tick is given (the governor's output, read from
// the array); D(φ) in closed form (full dynamic power when unthrottled, as the governor returns).
double accounting(Fleet& f) {
  const thermal::AcceleratorSpec& spec = f.spec;
  const double dt = f.dt;
  const double full_w = spec.tdp_w - spec.idle_w;
  std::array<double, kCategories> rack_time{}, rack_energy{}, node_time{}, node_energy{};
  const double* clock_ratio = f.clock_ratio.data();
  std::int64_t* sums = f.sums.data();
  double job_min_clock = kInf;
  for (std::int64_t r = 0; r < f.racks; ++r) {
    rack_time.fill(0.0);
    rack_energy.fill(0.0);
    double rack_p = 0.0, rack_job_time = 0.0, rack_job_energy = 0.0;
    for (std::int64_t k = 0; k < kNpr; ++k) {
      const std::int64_t ln = r * kNpr + k;
      const bool in_job = f.node_in_job[static_cast<std::size_t>(ln)] != 0;
      const JobTick& jt = in_job ? f.job : f.idle;
      node_time.fill(0.0);
      node_energy.fill(0.0);
      ct::twin::UnitSums node_units;
      double acc_power_sum = 0.0;
      for (std::int64_t a = 0; a < kApn; ++a) {
        const double phi = clock_ratio[ln * kApn + a];
        const double d_w = phi >= 1.0 ? full_w : full_w * phi * phi * std::sqrt(phi);  // k = 2.5
        const double energy_j = ct::twin::add_unit_tick(jt, phi, d_w, spec.idle_w, dt, node_units);
        if (in_job && jt.run_f > 0.0) job_min_clock = std::min(job_min_clock, phi);
        acc_power_sum += energy_j / dt;
      }
      ct::twin::split_unit_ticks(jt, node_units, spec.idle_w, dt, node_time, node_energy);
      const double node_w = thermal::node_power_w(spec, acc_power_sum);
      const double per_second = (node_w - acc_power_sum) / static_cast<double>(kApn);
      for (int c = 0; c < kCategories; ++c) {
        rack_time[c] += node_time[c];
        rack_energy[c] += node_energy[c] + per_second * node_time[c];
      }
      if (in_job) {
        rack_job_time += node_time[compute];
        rack_job_energy += node_energy[compute] + per_second * node_time[compute];
      }
      rack_p += node_w;
    }
    sums[0] += to_fixed(rack_p, kWattScale);
    for (int c = 0; c < kCategories; ++c) {
      sums[1 + c] += to_fixed(rack_time[c], kSecondScale);
      sums[1 + kCategories + c] += to_fixed(rack_energy[c], kJouleScale);
    }
    sums[19] += to_fixed(rack_job_time, kSecondScale);
    sums[20] += to_fixed(rack_job_energy, kJouleScale);
  }
  return job_min_clock;
}

// Hazard update (Engine::State::hazard_update), window = 60 ticks of 1 s.
void hazard(Fleet& f, double t0_s, double window_s) {
  const faults::FailureModel& model = f.model;
  const double full_w = f.spec.tdp_w - f.spec.idle_w;
  double rates[faults::kFailureClassCount];
  auto integrate = [&](double& hz, double threshold, double rate_per_s, std::int64_t key,
                       const faults::ScopeHazardTable& table, std::uint32_t life) {
    if (!std::isfinite(hz)) return;
    const double h = hz;
    if (h + rate_per_s * window_s < threshold) {
      hz = h + rate_per_s * window_s;
      return;
    }
    const double at = h >= threshold ? t0_s : t0_s + (threshold - h) / rate_per_s;
    const faults::FailureClass cls =
        faults::choose_cause(rates, table.classes.data(), table.count,
                             faults::cause_uniform(2024, static_cast<std::uint64_t>(key), life));
    f.pending.push_back(Pending{at, key, static_cast<std::int32_t>(cls)});
    hz = kInf;
  };
  const JobTick& job = f.job;
  for (std::int64_t r = 0; r < f.racks; ++r) {
    const auto ru = static_cast<std::size_t>(r);
    const double rack_inlet = f.rack_inlet_c[ru];
    double rack_damage = 0.0;
    for (std::int64_t k = 0; k < kNpr; ++k) {
      const std::int64_t ln = r * kNpr + k;
      const auto lu = static_cast<std::size_t>(ln);
      const JobTick* jt = f.node_in_job[lu] ? &job : nullptr;
      const double inlet = f.inlet_of(r, k);
      double node_max_c = -kInf, node_damage = 0.0;
      for (std::int64_t a = 0; a < kApn; ++a) {
        const auto i = static_cast<std::size_t>(ln * kApn + a);
        double damage = 0.0;
        if (jt && model.cycling_enabled) {
          const double dyn_w = full_w * std::pow(f.clock_ratio[i], f.spec.power_exponent);
          const double swing_k = 2.0 * jt->half_swing_per_r * f.resistance_k_per_w[i] * dyn_w;
          damage = jt->run_f * faults::relative_damage_rate(swing_k, 1.0 / jt->step_s,
                                                            f.junction_c[i] + 0.5 * swing_k,
                                                            model.cycling_reference, model.fatigue);
        }
        node_max_c = std::max(node_max_c, f.junction_c[i]);
        node_damage += damage;
        double rate = faults::scope_hazard_rate_per_s(f.acc_table, f.junction_c[i], inlet,
                                                      model.cycling_enabled ? damage : 1.0, rates);
        rate = faults::scope_hazard_rate_with_age_per_s(f.acc_table, model, rates,
                                                        t0_s - f.acc_life_start_s[i], rate);
        if (model.cycling_enabled && f.cycle_damage_ref_s[i] > 0.0f) {
          const double per_s = static_cast<double>(f.cycle_damage_ref_s[i]) / window_s;
          for (int c = 0; c < f.acc_table.count; ++c) {
            rates[c] += f.acc_table.cycling_rate_per_s[c] * per_s;
            rate += f.acc_table.cycling_rate_per_s[c] * per_s;
          }
        }
        f.cycle_damage_ref_s[i] = 0.0f;
        integrate(f.acc_hazard[i], f.acc_threshold[i], rate,
                  static_cast<std::int64_t>(faults::component_key(faults::Scope::accelerator, i)),
                  f.acc_table, f.acc_life[i]);
      }
      node_damage /= static_cast<double>(kApn);
      rack_damage += node_damage;
      double rate = faults::scope_hazard_rate_per_s(
          f.node_table, node_max_c, inlet, model.cycling_enabled ? node_damage : 1.0, rates);
      rate = faults::scope_hazard_rate_with_age_per_s(f.node_table, model, rates,
                                                      t0_s - f.node_life_start_s[lu], rate);
      integrate(f.node_hazard[lu], f.node_threshold[lu], rate,
                static_cast<std::int64_t>(faults::component_key(faults::Scope::node, lu)),
                f.node_table, f.node_life[lu]);
    }
    double rate = faults::scope_hazard_rate_per_s(
        f.rack_table, rack_inlet, rack_inlet,
        model.cycling_enabled ? rack_damage / static_cast<double>(kNpr) : 1.0, rates);
    rate = faults::scope_hazard_rate_with_age_per_s(f.rack_table, model, rates,
                                                    t0_s - f.rack_life_start_s[ru], rate);
    integrate(f.rack_hazard[ru], f.rack_threshold[ru], rate,
              static_cast<std::int64_t>(faults::component_key(faults::Scope::rack_leaf_switch, ru)),
              f.rack_table, f.rack_life[ru]);
  }
}

template TickOut tick<false>(Fleet& f, double t0_s);
template TickOut tick<true>(Fleet& f, double t0_s);

}  // namespace ct::bench
