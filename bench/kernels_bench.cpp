// Microbenchmarks of clustertwin's per-tick kernels (Google Benchmark).
//
// Each benchmark runs one loop over a struct-of-arrays fleet of N accelerators (8 per node,
// 4 nodes per rack, as in configs/llama3-16k.yaml) that has the shape of the matching part of
// twin/fleet_kernel.cpp, calling the same physics functions (thermal/, faults/):
//
//   thermal_dvfs  governor_clock_ratio + accelerator power + exact RC step + clock write +
//                 large-cycle counter, per accelerator; rack inlet per node
//   accounting    per-category time and energy of each accelerator, node overhead shared out,
//                 per-rack fixed-point sums (the reduction's int64 layout)
//   fused_tick    the two above in one loop, as Engine::State::kernel does it
//   hazard        scope_hazard_rate_per_s (one Arrhenius exp per class of the calibrated H100
//                 table) + in-iteration cycling damage + threshold check, per accelerator, then
//                 per node and per rack (Engine::State::hazard_update; it runs every
//                 faults.hazard_update_s / tick_s ticks, 60 by default)
//   triad         STREAM triad a[i] = b[i] + s·c[i] over arrays larger than the caches: the
//                 memory bandwidth of this machine, 24 bytes per element
//
// items/s = accelerator-updates per second; bytes/s counts the bytes each update reads and
// writes in the per-accelerator arrays (no write-allocate traffic: every written array is read
// first, and STREAM does not count it either). Single-threaded unless the name ends in
// /threads:2 (one fleet per thread, like one fleet block per MPI rank), so items/s is per core.
//
// After the run the harness prints a summary (stderr, or JSON with --summary_json=FILE):
// updates/s/core, bytes/update, the bandwidth bound = triad bytes/s ÷ bytes/update, and the
// measured rate over that bound.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "faults/failure_classes.hpp"
#include "faults/failure_sampler.hpp"
#include "faults/hazard.hpp"
#include "thermal/accelerator_catalog.hpp"
#include "thermal/accelerator_power.hpp"
#include "thermal/dvfs_governor.hpp"
#include "thermal/junction.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/job_tick.hpp"

namespace {

namespace thermal = ct::thermal;
namespace faults = ct::faults;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kApn = 8;  // accelerators per node
constexpr std::int64_t kNpr = 4;  // nodes per rack
constexpr std::int64_t kApr = kApn * kNpr;
constexpr int kCategories = ct::twin::kCategoryCount;
using ct::twin::JobTick;
using namespace ct::twin;  // the accounting categories
// twin/tick_reduction.hpp
constexpr double kWattScale = 1e6, kJouleScale = 1e6, kSecondScale = 1e9;
inline std::int64_t to_fixed(double value, double scale) {
  return static_cast<std::int64_t>(value * scale + (value >= 0 ? 0.5 : -0.5));
}

struct Pending {
  double time_s;
  std::int64_t key;
  std::int32_t failure_class;
};

// Bytes each accelerator-update reads + writes in the per-accelerator arrays.
//   thermal_dvfs: read R, T, φ, cycle state (8+8+8+8); write T, φ, cycle state (8+8+8) = 56
//   accounting:   read φ (the governor's result of the tick) = 8
//   fused_tick:   as thermal_dvfs (accounting adds no per-accelerator array) = 56
//   hazard:       read T, φ, R, acc_hazard, threshold (5·8), cycle damage (4); write hazard (8),
//                 cycle damage (4) = 56
constexpr double kThermalBytes = 56.0, kAccountingBytes = 8.0, kFusedBytes = 56.0,
                 kHazardBytes = 56.0, kTriadBytes = 24.0;

// One rank's fleet, with realistic inputs: supply air 24 °C, most racks' inlets 24–30 °C so most
// units run at full clock, and one rack in ten on a hot spot (+12 K) where the hottest units
// throttle; 1 node in 32 is a spare (not in the job); per-unit R lognormal around 0.075 K/W.
struct Fleet {
  std::int64_t n = 0, racks = 0, nodes = 0;
  thermal::AcceleratorSpec spec;
  thermal::AirRackSpec air{};
  faults::FailureModel model;
  faults::ScopeHazardTable acc_table, node_table, rack_table;
  double dt = 1.0, decay = 0.0, a_comm = 0.3, hysteresis = 10.0, cap_w = 700.0;
  JobTick job, idle;
  // per accelerator
  std::vector<double> junction_c, resistance_k_per_w, clock_ratio;
  std::vector<thermal::CycleState> cycles;
  std::vector<float> cycle_turn_s, cycle_damage_ref_s, acc_life_start_s;
  std::vector<double> acc_hazard, acc_threshold;
  std::vector<std::uint32_t> acc_life;
  // per node / rack
  std::vector<std::uint8_t> node_in_job;
  std::vector<double> node_hazard, node_threshold, rack_hazard, rack_threshold;
  std::vector<std::uint32_t> node_life, rack_life;
  std::vector<float> node_life_start_s, rack_life_start_s;
  std::vector<double> rack_power_w, rack_inlet_c, rack_hot_k;
  std::vector<double> racc_power, racc_inlet, racc_max_junction, racc_throttled;
  std::vector<Pending> pending;
  std::array<std::int64_t, 64> sums{};
  double supply_c = 24.0;

  explicit Fleet(std::int64_t count)
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

  double inlet_of(std::int64_t r, std::int64_t k) const {
    return thermal::air_inlet_c(air, supply_c + rack_hot_k[static_cast<std::size_t>(r)],
                                (static_cast<double>(k) + 0.5) / static_cast<double>(kNpr),
                                rack_power_w[static_cast<std::size_t>(r)], 0.0);
  }
};

// ---- the kernels -----------------------------------------------------------------------------

struct TickOut {
  std::int64_t throttled = 0;
  double max_junction = -kInf;
};

// thermal/DVFS (with_accounting = false) or the fused tick (true). Follows
// Engine::State::kernel statement by statement; the accounting half is compiled out when false.
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

// ---- benchmarks ------------------------------------------------------------------------------

void set_rates(benchmark::State& state, std::int64_t n, double bytes_per_update) {
  const auto updates = static_cast<std::int64_t>(state.iterations()) * n;
  state.SetItemsProcessed(updates);
  state.SetBytesProcessed(
      static_cast<std::int64_t>(static_cast<double>(updates) * bytes_per_update));
  // Per-thread constants: averaged over threads, not summed.
  state.counters["bytes_per_update"] =
      benchmark::Counter(bytes_per_update, benchmark::Counter::kAvgThreads);
  state.counters["accelerators"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kAvgThreads);
}

void BM_thermal_dvfs(benchmark::State& state) {
  Fleet f(state.range(0));
  double t = 0.0;
  for (std::size_t w = 0; w < 30; ++w, t += 1.0) tick<false>(f, t);  // settle toward steady state
  std::int64_t throttled = 0;
  for (auto _ : state) {
    const TickOut o = tick<false>(f, t);
    throttled += o.throttled;
    benchmark::DoNotOptimize(o.max_junction);
    t += 1.0;
    f.pending.clear();
  }
  set_rates(state, f.n, kThermalBytes);
  state.counters["throttled_share"] =
      static_cast<double>(throttled) /
      (static_cast<double>(state.iterations()) * static_cast<double>(f.n));
}

void BM_accounting(benchmark::State& state) {
  Fleet f(state.range(0));
  for (double t = 0.0; t < 30.0; t += 1.0) tick<false>(f, t);  // realistic clocks
  for (auto _ : state) {
    benchmark::DoNotOptimize(accounting(f));
    benchmark::ClobberMemory();
  }
  set_rates(state, f.n, kAccountingBytes);
}

void BM_fused_tick(benchmark::State& state) {
  Fleet f(state.range(0));
  double t = 0.0;
  for (std::size_t w = 0; w < 30; ++w, t += 1.0) tick<true>(f, t);
  for (auto _ : state) {
    const TickOut o = tick<true>(f, t);
    benchmark::DoNotOptimize(o.max_junction);
    t += 1.0;
    f.pending.clear();
  }
  set_rates(state, f.n, kFusedBytes);
}

// The engine's per-unit fast path, with the engine's own functions (twin/fleet_kernel.cpp):
// a node whose units are all at the job's clock and below the thermal limit is stepped by
// thermal::step_common_power (one vectorized test and exact RC step for its 8 units; category
// times and energies are per-job constants counted per node), then thermal::observe_units runs
// the cycle counter on the node. A node that fails the test would take the per-unit governor
// path (BM_thermal_dvfs); with realistic inputs few do (`slow_share`, per unit).
// Reads R, T, clock, cycle state (8+8+8+4+4); writes T and cycle state (8+4+4): 48 bytes.
constexpr double kFastBytes = 48.0;
void BM_fast_units(benchmark::State& state) {
  Fleet f(state.range(0));
  double t = 0.0;
  for (std::size_t w = 0; w < 30; ++w, t += 1.0) tick<false>(f, t);  // realistic temperatures
  const thermal::AcceleratorSpec& spec = f.spec;
  const double gain = 1.0 - f.decay, full_w = spec.tdp_w - spec.idle_w;
  const double a_full = ct::twin::mean_activity(f.job, 1.0);
  const double k_per_r = gain * (spec.idle_w + a_full * full_w) + f.job.ripple_peak_per_r * full_w;
  const double p_fast_w = spec.idle_w + a_full * full_w;
  std::vector<float> turning(f.cycles.size()), extreme(f.cycles.size()), swing(kApn);
  for (std::size_t i = 0; i < f.cycles.size(); ++i) {
    turning[i] = f.cycles[i].turning_c;
    extreme[i] = f.cycles[i].extreme_c;
  }
  // As Engine::State::kernel: a tick with stretches (a stall starting or ending inside it) keeps
  // the node's junctions at the tick's start for the cycle counter; the job's tick here has none
  // (the common case), so only the test is paid.
  const ct::twin::TickTrajectory traj =
      ct::twin::tick_trajectory(f.job, f.dt, spec.time_constant_s);
  std::array<double, kApn> t0{};
  std::int64_t slow = 0, cycles = 0;
  for (auto _ : state) {
    double max_c = -1e300;
    for (std::int64_t r = 0; r < f.racks; ++r) {
      for (std::int64_t k = 0; k < kNpr; ++k) {
        const double inlet = thermal::air_inlet_c(
            f.air, f.supply_c, (static_cast<double>(k) + 0.5) / kNpr, f.rack_power_w[r], 0.0);
        const thermal::CommonPowerStep step{1.0,
                                            inlet,
                                            p_fast_w,
                                            f.decay,
                                            gain,
                                            k_per_r,
                                            spec.slowdown_temperature_c - gain * inlet};
        const std::int64_t base = (r * kNpr + k) * kApn;
        if (traj.boundaries > 0)
          std::copy(f.junction_c.data() + base, f.junction_c.data() + base + kApn, t0.data());
        if (!thermal::step_common_power(step, kApn, f.clock_ratio.data() + base,
                                        f.resistance_k_per_w.data() + base,
                                        f.junction_c.data() + base, max_c))
          slow += kApn;
        if (thermal::observe_units(kApn, f.junction_c.data() + base, f.hysteresis,
                                   turning.data() + base, extreme.data() + base, swing.data()))
          ++cycles;
      }
    }
    benchmark::DoNotOptimize(max_c);
    benchmark::DoNotOptimize(cycles);
  }
  set_rates(state, f.n, kFastBytes);
  state.counters["slow_share"] =
      static_cast<double>(slow) /
      (static_cast<double>(state.iterations()) * static_cast<double>(f.n));
}

void BM_hazard(benchmark::State& state) {
  Fleet f(state.range(0));
  double t = 0.0;
  for (std::size_t w = 0; w < 30; ++w, t += 1.0) tick<false>(f, t);
  for (auto _ : state) {
    hazard(f, t, 60.0);
    t += 60.0;
    benchmark::ClobberMemory();
    f.pending.clear();
  }
  set_rates(state, f.n, kHazardBytes);
}

// STREAM triad over three arrays of state.range(0) MiB each (one set per thread).
void BM_triad(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)) * (1u << 20) / sizeof(double);
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  const double s = 3.0;
  for (auto _ : state) {
    double* __restrict pa = a.data();
    const double* __restrict pb = b.data();
    const double* __restrict pc = c.data();
    for (std::size_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::ClobberMemory();
  }
  const auto elements =
      static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n);
  state.SetItemsProcessed(elements);
  state.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(elements) * kTriadBytes));
  state.counters["array_mib"] =
      benchmark::Counter(static_cast<double>(state.range(0)), benchmark::Counter::kAvgThreads);
  benchmark::DoNotOptimize(a[n / 2]);
}

BENCHMARK(BM_thermal_dvfs)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_accounting)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_fused_tick)->Arg(16384)->Arg(1 << 20)->Arg(1 << 22)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_fused_tick)->Arg(1 << 20)->Threads(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_fast_units)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_hazard)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_triad)->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_triad)->Arg(128)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- reporter: pass everything to the usual reporter, keep the numbers for the summary -------

struct Result {
  std::string name;
  int threads = 1;
  double items_per_s = 0, bytes_per_s = 0, bytes_per_update = 0;
};

class Collector : public benchmark::BenchmarkReporter {
 public:
  explicit Collector(benchmark::BenchmarkReporter* inner) : inner_(inner) {}
  bool ReportContext(const Context& c) override { return inner_->ReportContext(c); }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      Result r;
      r.name = run.benchmark_name();
      r.threads = static_cast<int>(run.threads);
      auto get = [&](const char* key) {
        auto it = run.counters.find(key);
        return it == run.counters.end() ? 0.0 : it->second.value;
      };
      r.items_per_s = get("items_per_second");
      r.bytes_per_s = get("bytes_per_second");
      r.bytes_per_update = get("bytes_per_update");
      results.push_back(r);
    }
    inner_->ReportRuns(runs);
  }
  void Finalize() override { inner_->Finalize(); }
  std::vector<Result> results;

 private:
  benchmark::BenchmarkReporter* inner_;
};

std::string json_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    o += ch;
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::string summary_path, format = "console";
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--summary_json=", 0) == 0) {
      summary_path = a.substr(15);
      continue;
    }
    if (a.rfind("--benchmark_format=", 0) == 0) format = a.substr(19);
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  std::unique_ptr<benchmark::BenchmarkReporter> inner;
  if (format == "json")
    inner = std::make_unique<benchmark::JSONReporter>();
  else
    inner = std::make_unique<benchmark::ConsoleReporter>(benchmark::ConsoleReporter::OO_Tabular);
  Collector collector(inner.get());
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();

  // Triad bytes/s per core: single-threaded, and per core with both cores streaming.
  double triad_1 = 0, triad_2 = 0;
  for (const Result& r : collector.results) {
    if (r.name.rfind("BM_triad", 0) != 0) continue;
    if (r.threads == 1) triad_1 = std::max(triad_1, r.bytes_per_s);
    if (r.threads > 1) triad_2 = std::max(triad_2, r.bytes_per_s / r.threads);
  }
  std::FILE* out = stderr;
  std::fprintf(out,
               "\nkernel summary (per core; bound = triad bytes/s per core / bytes per update)\n"
               "triad: %.2f GB/s on 1 core, %.2f GB/s per core with 2 cores streaming\n"
               "%-34s %14s %10s %14s %8s\n",
               triad_1 / 1e9, triad_2 / 1e9, "kernel", "M updates/s", "B/update", "bound M/s",
               "of bound");
  std::string json = "{\n  \"triad_bytes_per_s_1core\": " + std::to_string(triad_1) +
                     ",\n  \"triad_bytes_per_s_per_core_2cores\": " + std::to_string(triad_2) +
                     ",\n  \"kernels\": [";
  bool first = true;
  for (const Result& r : collector.results) {
    if (r.name.rfind("BM_triad", 0) == 0) continue;
    const double per_core = r.items_per_s / r.threads;
    const double triad = r.threads > 1 && triad_2 > 0 ? triad_2 : triad_1;
    const double bound = r.bytes_per_update > 0 ? triad / r.bytes_per_update : 0.0;
    const double ratio = bound > 0 ? per_core / bound : 0.0;
    std::fprintf(out, "%-34s %14.1f %10.0f %14.1f %8.2f\n", r.name.c_str(), per_core / 1e6,
                 r.bytes_per_update, bound / 1e6, ratio);
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%s\n    {\"name\": \"%s\", \"threads\": %d, \"updates_per_s_per_core\": %.6g, "
                  "\"bytes_per_update\": %.6g, \"bandwidth_bound_updates_per_s\": %.6g, "
                  "\"fraction_of_bound\": %.6g}",
                  first ? "" : ",", json_escape(r.name).c_str(), r.threads, per_core,
                  r.bytes_per_update, bound, ratio);
    json += buf;
    first = false;
  }
  json += "\n  ]\n}\n";
  if (!summary_path.empty()) {
    std::ofstream os(summary_path);
    os << json;
    if (!os) {
      std::fprintf(stderr, "cannot write %s\n", summary_path.c_str());
      return 1;
    }
  }
  return collector.results.empty() ? 1 : 0;
}
