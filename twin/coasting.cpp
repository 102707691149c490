// Multi-rate stepping: racks whose inputs do not change are not stepped every tick.
//
// A unit at its job's clock with a constant inlet and power follows T ← gain·T_ss + decay·T,
// T_ss = T_inlet + R·P (the exact RC step over a tick), and its tick's power, category times and
// energies are constants of its job's tick (FastTick); its rack's power, hence its inlet, is
// constant too. Such a rack *coasts*: the kernel skips it, counts its nodes per FastTick slot
// and adds its per-rack constants each tick, in the same fixed point, so the reduced sums are
// the same integers as with per-tick stepping. It is brought to the present (settle_rack) when
// an input changes (a job's tick, the supply temperature, a node's role), before a hazard
// update, at an output sample's last tick and at the run's end: its m steps are then done in
// registers, the same operations as the kernel's, with the junction maximum, the large-cycle
// counter and the per-rack series of the m ticks, so the output is the one per-tick stepping
// gives. Eligibility (coast_check_rack): the rack's last step had every unit at its job's
// clock, no stretches, and its power unchanged; and every unit stays under the thermal limit up
// to its steady temperature (the governor's test R·k + decay·T ≤ L is linear in T, and in R at
// T_ss, so the unit's current T and the node's largest R at T_ss bound it).
#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

#include "common/simd.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin {

void Engine::State::coast_setup() {
  coast.enabled = sc.time.multi_rate;
  const auto racks = static_cast<std::size_t>(block.rack_count);
  const auto nodes = static_cast<std::size_t>(local_nodes);
  coast.since.assign(racks, -1);
  coast.eligible.assign(racks, 0);
  coast.rack_power_w.assign(racks, 0.0);
  coast.rack_throttled.assign(racks, 0);
  coast.rack_swing_fx.assign(racks, 0);
  coast.node_slot.assign(nodes, 0);
  coast.site_power_fx.assign(sites.size(), 0);
  coast.node_inlet_c.assign(nodes, 0.0);
  coast.node_power_w.assign(nodes, 0.0);
  coast.node_resistance_max.assign(nodes, 0.0);
  const auto per_rack = static_cast<std::size_t>(apr);
  coast.scratch_drive.assign(per_rack, 0.0);
  coast.scratch_start.assign(per_rack, 0.0);
  coast.scratch_max.assign(per_rack, 0.0);
  coast.scratch_turning.assign(per_rack, 0.0f);
  coast.scratch_extreme.assign(per_rack, 0.0f);
  for (std::size_t n = 0; n < nodes; ++n)
    for (std::int64_t a = 0; a < apn; ++a)
      coast.node_resistance_max[n] =
          std::max(coast.node_resistance_max[n],
                   fleet.resistance_k_per_w[static_cast<std::int64_t>(n) * apn + a]);
}

// The bits of everything a coasting rack's per-tick step depends on besides its own state.
void Engine::State::coast_signature(std::vector<std::uint64_t>& sig) const {
  sig.clear();
  auto d = [&](double v) { sig.push_back(std::bit_cast<std::uint64_t>(v)); };
  auto i = [&](std::int64_t v) { sig.push_back(static_cast<std::uint64_t>(v)); };
  // Coasting::kGlobalWords (the supply temperatures folded into one word, the slot count),
  // then Coasting::kSlotWords per slot.
  std::uint64_t supply = 0;
  for (const Facility& fa : sites)
    supply = supply * 0x9E3779B97F4A7C15ull ^ std::bit_cast<std::uint64_t>(fa.supply_c);
  sig.push_back(supply);
  i(static_cast<std::int64_t>(fast.size()));
  for (std::size_t f = 0; f < fast.size(); ++f) {
    const FastTick& ft = fast[f];
    const bool running = f < control.jobs.size() && control.jobs[f].tick.run_f > 0.0;
    d(ft.clock), d(ft.k_per_r), d(ft.unit_power_w), d(ft.thermal_power_w), d(ft.node_power_w);
    d(ft.swing_per_r);
    i(ft.capped), i(ft.traj.boundaries), i(ft.inlet_follows), i(running);
    i(ft.node_power_fx), i(ft.node_running_fx), i(ft.node_energy_all_fx);
    for (int c = 0; c < kCategoryCount; ++c) i(ft.node_time_fx[c]), i(ft.node_energy_fx[c]);
  }
  assert(sig.size() == Coasting::kGlobalWords + fast.size() * Coasting::kSlotWords);
}

void Engine::State::coast_check_rack(std::int64_t r, double rack_power_w, std::int64_t throttled,
                                     std::int64_t swing_fx) {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  const double decay = rc_decay_per_tick, gain = 1.0 - decay;
  const bool air = campus.spec().cooling == topology::Cooling::air;
  const double prev_power_w = fleet.rack_power_w[r];
  const double supply_c = sites[rack_site[r]].supply_c;
  const std::size_t n_jobs = control.jobs.size();
  for (std::int64_t k = 0; k < npr; ++k) {
    const std::int64_t ln = r * npr + k;
    const std::int64_t node = first_node + ln;
    const bool in_job = control.node_role[node] == NodeRole::active;
    const std::size_t fi = in_job ? static_cast<std::size_t>(control.node_job[node]) : n_jobs;
    const FastTick& ft = fast[fi];
    // The inlet exactly as the kernel computes it from the rack's (unchanged) power.
    const double inlet = air ? thermal::air_inlet_c(sc.air_rack, supply_c, node_height_fraction[k],
                                                    prev_power_w, rack_row_end_weight[r])
                             : thermal::liquid_inlet_c(sc.liquid_rack, supply_c, prev_power_w);
    const double limit_c = spec.slowdown_temperature_c - gain * inlet;
    const double r_max = coast.node_resistance_max[ln];
    // At the steady temperature of the node's highest-R unit, with a margin for rounding.
    const double at_steady = r_max * ft.k_per_r + decay * (inlet + r_max * ft.thermal_power_w);
    if (!(at_steady <= limit_c - 1e-9 * std::fabs(limit_c))) return;
    coast.node_slot[ln] = static_cast<std::int16_t>(fi);
    coast.node_inlet_c[ln] = inlet;
    coast.node_power_w[ln] = ft.thermal_power_w;
  }
  coast.eligible[r] = 1;
  coast.eligible_racks.push_back(r);
  coast.rack_power_w[r] = rack_power_w;
  coast.rack_throttled[r] = throttled;
  coast.rack_swing_fx[r] = swing_fx;
}

void Engine::State::coast_tick(std::int64_t k) {
  if (!coast.enabled) return;
  std::swap(coast.signature, coast.previous);
  coast_signature(coast.signature);
  const std::size_t n_slots = fast.size();
  // Everything changed for every rack: the supply temperature, the job slots, a node's role,
  // a hazard update, an output sample's last tick, the run's end.
  const bool all_same =
      coast.signature.size() == coast.previous.size() &&
      std::equal(coast.signature.begin(), coast.signature.begin() + Coasting::kGlobalWords,
                 coast.previous.begin()) &&
      !control.nodes_changed && k % hazard_every != 0 && (k + 1) % ticks_per_output != 0 &&
      k + 1 < ticks;
  control.nodes_changed = false;
  if (!all_same) {
    if (coast.coasting_racks > 0)
      for (std::int64_t r = 0; r < block.rack_count; ++r)
        if (coast.since[r] >= 0) settle_rack(r, k);
    for (std::int64_t r : coast.eligible_racks) coast.eligible[r] = 0;
    coast.eligible_racks.clear();
    coast.slot_nodes.assign(n_slots, 0);
    coast.coasting_racks = coast.throttled = coast.swing_fx = 0;
    std::fill(coast.site_power_fx.begin(), coast.site_power_fx.end(), 0);
    return;
  }
  // A job whose tick changed (a checkpoint, a failure, a request burst): only the racks that
  // hold one of its nodes are brought to the present or lose their eligibility.
  coast.slot_changed.assign(n_slots, 0);
  bool any_changed = false;
  for (std::size_t f = 0; f < n_slots; ++f) {
    const auto at = static_cast<std::ptrdiff_t>(Coasting::kGlobalWords + f * Coasting::kSlotWords);
    coast.slot_changed[f] = !std::equal(coast.signature.begin() + at,
                                        coast.signature.begin() + at + Coasting::kSlotWords,
                                        coast.previous.begin() + at);
    any_changed |= coast.slot_changed[f] != 0;
  }
  if (any_changed) {
    auto touched = [&](std::int64_t r) {
      for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n)
        if (coast.slot_changed[static_cast<std::size_t>(coast.node_slot[n])]) return true;
      return false;
    };
    if (coast.coasting_racks > 0)
      for (std::int64_t r = 0; r < block.rack_count; ++r)
        if (coast.since[r] >= 0 && touched(r)) settle_rack(r, k);
    std::erase_if(coast.eligible_racks, [&](std::int64_t r) {
      if (!touched(r)) return false;
      coast.eligible[r] = 0;
      return true;
    });
  }
  for (std::int64_t r : coast.eligible_racks) {
    coast.eligible[r] = 0;
    coast.since[r] = k;
    for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n) ++coast.slot_nodes[coast.node_slot[n]];
    coast.throttled += coast.rack_throttled[r];
    coast.swing_fx += coast.rack_swing_fx[r];
    coast.site_power_fx[rack_site[r]] += to_fixed(coast.rack_power_w[r], kWattScale);
    ++coast.coasting_racks;
  }
  coast.eligible_racks.clear();
}

// Rack r coasted from tick `since` to k − 1: its units at tick k's start. The m steps are the
// kernel's own (T ← gain·(T_inlet + R·P) + decay·T, the same operations in the same order), done
// here in registers without the per-tick bookkeeping, so the junctions, their maximum and the
// cycle counter are bit for bit what per-tick stepping gives. The counter sees only the last
// step when that confirms no half-cycle (the trajectory is monotone, so no earlier step would
// have); otherwise the rack's m steps are replayed with the counter fed at every step.
void Engine::State::settle_rack(std::int64_t r, std::int64_t k) {
  const double decay = rc_decay_per_tick, gain = 1.0 - decay;
  const std::int64_t since = coast.since[r];
  const std::int64_t m = k - since;
  const double hysteresis = sc.faults.cycle_hysteresis_k;
  double* const jc = fleet.junction_c.data() + r * apr;
  const double* const res = fleet.resistance_k_per_w.data() + r * apr;
  float* const turning = fleet.cycle_turning_c.data() + r * apr;
  float* const extreme = fleet.cycle_extreme_c.data() + r * apr;
  double* const drive = coast.scratch_drive.data();
  double* const start = coast.scratch_start.data();
  double* const hottest = coast.scratch_max.data();
  float* const turning_copy = coast.scratch_turning.data();
  float* const extreme_copy = coast.scratch_extreme.data();
  const auto n = static_cast<std::size_t>(apr);
  for (std::int64_t u = 0; u < apr; ++u) {
    const std::int64_t ln = r * npr + u / apn;
    drive[u] = gain * (coast.node_inlet_c[ln] + res[u] * coast.node_power_w[ln]);
    start[u] = jc[u];
    hottest[u] = -kInf;
  }
  // Eight units at a time held in registers over the m steps (four independent chains of two
  // lanes hide the multiply-add latency), the rest one by one: the same IEEE operations.
  std::size_t u0 = 0;
  for (; u0 + 8 <= n; u0 += 8) {
    using simd::f64x2;
    const f64x2 dec = f64x2{} + decay;
    f64x2 t[4], dr[4], mx[4];
    for (int v = 0; v < 4; ++v) {
      t[v] = simd::load<f64x2>(jc + u0 + 2 * v);
      dr[v] = simd::load<f64x2>(drive + u0 + 2 * v);
      mx[v] = f64x2{} - kInf;
    }
    for (std::int64_t j = 0; j < m; ++j)
      for (int v = 0; v < 4; ++v) {
        t[v] = dr[v] + dec * t[v];
        mx[v] = mx[v] > t[v] ? mx[v] : t[v];
      }
    for (int v = 0; v < 4; ++v) {
      simd::store(jc + u0 + 2 * v, t[v]);
      simd::store(hottest + u0 + 2 * v, mx[v]);
    }
  }
  for (std::size_t u = u0; u < n; ++u)
    for (std::int64_t j = 0; j < m; ++j) {
      jc[u] = drive[u] + decay * jc[u];
      hottest[u] = hottest[u] > jc[u] ? hottest[u] : jc[u];
    }
  double rack_max_c = -kInf;
  for (std::size_t u = 0; u < n; ++u) rack_max_c = std::max(rack_max_c, hottest[u]);
  // The counter at the last step, on a copy: kept unless some half-cycle is confirmed.
  std::copy(turning, turning + n, turning_copy);
  std::copy(extreme, extreme + n, extreme_copy);
  bool replay = false;
  for (std::int64_t b = 0; b < apr && !replay; b += apn)
    replay = thermal::observe_units(apn, jc + b, hysteresis, turning_copy + b, extreme_copy + b,
                                    node_swing_k.data());
  if (!replay) {
    std::copy(turning_copy, turning_copy + n, turning);
    std::copy(extreme_copy, extreme_copy + n, extreme);
  } else {
    std::copy(start, start + n, jc);
    for (std::int64_t j = 0; j < m; ++j) {
      const double t0_s = static_cast<double>(since + j) * dt;
      std::int64_t cycles = 0;
      double swing_k = 0.0, damage_ref_s = 0.0;
      for (std::int64_t ln = r * npr; ln < (r + 1) * npr; ++ln) {
        const std::int64_t base = ln * apn;
        for (std::int64_t a = base; a < base + apn; ++a)
          fleet.junction_c[a] = drive[a - r * apr] + decay * fleet.junction_c[a];
        if (thermal::observe_units(apn, fleet.junction_c.data() + base, hysteresis,
                                   fleet.cycle_turning_c.data() + base,
                                   fleet.cycle_extreme_c.data() + base, node_swing_k.data())) {
          FastTick ft;  // one stretch at the node's coasting power
          ft.thermal_power_w = coast.node_power_w[ln];
          const double inlet = coast.node_inlet_c[ln];
          count_cycles(base, inlet, inlet, inlet, t0_s, t0_s + dt, ft, true, true, cycles, swing_k,
                       damage_ref_s);
        }
      }
      if (cycles > 0) {
        coast.settled_cycles += cycles;
        coast.settled_swing_fx += to_fixed(swing_k, kSecondScale);
        coast.settled_damage_fx += to_fixed(damage_ref_s, kSecondScale);
      }
    }
  }
  for (std::int64_t ln = r * npr; ln < (r + 1) * npr; ++ln) --coast.slot_nodes[coast.node_slot[ln]];
  // The per-rack series, added once per tick as the kernel adds them.
  double& power = series.rack_values(ids.rack_power)[r];
  double& inlet = series.rack_values(ids.rack_inlet)[r];
  double& throttled = series.rack_values(ids.rack_throttled)[r];
  const double throttled_share =
      static_cast<double>(coast.rack_throttled[r]) / static_cast<double>(apr);
  for (std::int64_t j = 0; j < m; ++j) {
    power += coast.rack_power_w[r];
    inlet += fleet.rack_inlet_c[r];
    throttled += throttled_share;
  }
  double& rack_max = series.rack_values(ids.rack_max_junction)[r];
  rack_max = std::max(rack_max, rack_max_c);
  coast.settled_max_c = std::max(coast.settled_max_c, rack_max_c);
  coast.throttled -= coast.rack_throttled[r];
  coast.swing_fx -= coast.rack_swing_fx[r];
  coast.site_power_fx[rack_site[r]] -= to_fixed(coast.rack_power_w[r], kWattScale);
  --coast.coasting_racks;
  coast.since[r] = -1;
}

void Engine::State::coast_restored() {
  coast.eligible_racks.clear();
  coast.slot_nodes.assign(control.jobs.size() + 1, 0);
  coast.coasting_racks = coast.throttled = coast.swing_fx = 0;
  coast.site_power_fx.assign(sites.size(), 0);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    if (coast.eligible[r]) coast.eligible_racks.push_back(r);
    if (coast.since[r] < 0) continue;
    for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n) ++coast.slot_nodes[coast.node_slot[n]];
    coast.throttled += coast.rack_throttled[r];
    coast.swing_fx += coast.rack_swing_fx[r];
    coast.site_power_fx[rack_site[r]] += to_fixed(coast.rack_power_w[r], kWattScale);
    ++coast.coasting_racks;
  }
}

}  // namespace ct::twin
