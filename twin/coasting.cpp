// Multi-rate stepping: racks whose inputs do not change are not stepped every tick.
//
// A unit at its job's clock with a constant inlet and power follows T ← gain·T_ss + decay·T,
// T_ss = T_inlet + R·P (the exact RC step over a tick), and its tick's power, category times and
// energies are constants of its job's tick (FastTick); its rack's power, hence its inlet, is
// constant too. Such a rack *coasts*: the kernel skips it, counts its nodes per FastTick slot
// and adds its per-rack constants each tick, in the same fixed point, so the reduced sums are
// the same integers as with per-tick stepping. It is brought to the present (settle_rack,
// coasting_replay.cpp) when an input changes (a job's tick, the supply temperature, a node's role),
// before a hazard update, at an output sample's last tick and at the run's end: its m steps are
// then done in registers, the same operations as the kernel's, with the junction maximum, the
// large-cycle counter and the per-rack series of the m ticks, so the output is the one per-tick
// stepping gives. Eligibility (coast_check_rack): the rack's last step had every unit at its job's
// clock, no stretches, and its power unchanged; and every unit stays under the thermal limit up
// to its steady temperature (the governor's test R·k + decay·T ≤ L is linear in T, and in R at
// T_ss, so the unit's current T and the node's largest R at T_ss bound it).
#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>

#include "common/simd.hpp"
#include "thermal/junction.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/coasting_history.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin {

void Engine::State::coast_setup() {
  coast.enabled = sc.time.multi_rate;
  const auto racks = static_cast<std::size_t>(block.rack_count);
  const auto nodes = static_cast<std::size_t>(local_nodes);
  coast.since.assign(racks, -1);
  coast.eligible.assign(racks, 0);
  coast.rack_power_w.assign(racks, 0.0);
  coast.rack_inlet_c.assign(racks, 0.0);
  coast.rack_changed.assign(racks, 0);
  const std::size_t words = (racks + Coasting::kRacksPerWord - 1) / Coasting::kRacksPerWord;
  coast.coasting_bits.assign(words, 0);
  coast.coasting_codes.assign(words, 0);
  coast.word_touched.assign(words, 0);
  coast.rack_throttled.assign(racks, 0);
  coast.rack_swing_fx.assign(racks, 0);
  coast.rack_unallocated_fx.assign(racks, 0);
  coast.node_slot.assign(nodes, 0);
  coast.rack_slot.assign(racks, Coasting::kMixed);
  coast.site_power_fx.assign(sites.size(), 0);
  coast.node_inlet_c.assign(nodes, 0.0);
  coast.node_power_w.assign(nodes, 0.0);
  coast.node_resistance_max.assign(nodes, 0.0);
  coast.rack_t_upper.assign(racks, 0.0);
  coast.rack_resistance_max.assign(racks, 0.0);
  coast.scratch_node_power_w.assign(static_cast<std::size_t>(npr), 0.0);
  coast.scratch_node_inlet_c.assign(static_cast<std::size_t>(npr), 0.0);
  coast.scratch_node_step_c.assign(static_cast<std::size_t>(npr), 0.0);
  coast.scratch_node_run_c.assign(static_cast<std::size_t>(npr), 0.0);
  coast.scratch_node_stall_c.assign(static_cast<std::size_t>(npr), 0.0);
  coast.scratch_replay.assign(3 * static_cast<std::size_t>(npr), 0);  // a settle's, a chunk's (2)
  coast.rack_end_power_w.assign(racks, 0.0);
  coast.scratch_follow.assign(racks, 0);
  coast.scratch_settle.assign(racks, 0);
  for (std::int64_t k = 0; k < npr; ++k) {
    if (node_height_fraction[k] < node_height_fraction[coast.lowest_node]) coast.lowest_node = k;
    if (node_height_fraction[k] > node_height_fraction[coast.highest_node]) coast.highest_node = k;
  }
  const auto per_rack = static_cast<std::size_t>(apr);
  for (auto* v :
       {&coast.scratch_drive, &coast.scratch_start, &coast.scratch_max, &coast.scratch_min,
        &coast.scratch_fall, &coast.scratch_rise, &coast.scratch_sampled_max, &coast.scratch_peak})
    v->assign(2 * per_rack, 0.0);  // two racks' (settle_pair)
  coast.scratch_quiet_c.assign(per_rack, 0.0);
  coast.scratch_quiet_end.assign(static_cast<std::size_t>(npr), 0);
  for (std::size_t n = 0; n < nodes; ++n)
    for (std::int64_t a = 0; a < apn; ++a)
      coast.node_resistance_max[n] =
          std::max(coast.node_resistance_max[n],
                   fleet.resistance_k_per_w[static_cast<std::int64_t>(n) * apn + a]);
  for (std::size_t r = 0; r < racks; ++r)
    for (std::int64_t k = 0; k < npr; ++k)
      coast.rack_resistance_max[r] =
          std::max(coast.rack_resistance_max[r],
                   coast.node_resistance_max[r * static_cast<std::size_t>(npr) +
                                             static_cast<std::size_t>(k)]);
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

// A node's inlet exactly as the kernel computes it from its rack's power at the last tick's end.
double Engine::State::coast_inlet_c(std::int64_t r, std::int64_t node_in_rack,
                                    double rack_power_w) const {
  const double supply_c = sites[rack_site[r]].supply_c;
  return campus.spec().cooling == topology::Cooling::air
             ? thermal::air_inlet_c(sc.air_rack, supply_c, node_height_fraction[node_in_rack],
                                    rack_power_w, rack_row_end_weight[r])
             : thermal::liquid_inlet_c(sc.liquid_rack, supply_c, rack_power_w);
}

// Every node's inlet of rack r: coast_inlet_c for each node.
void Engine::State::coast_inlets_c(std::int64_t r, double rack_power_w, double* inlet_c) const {
  const double supply_c = sites[rack_site[r]].supply_c;
  if (campus.spec().cooling == topology::Cooling::air) {
    thermal::air_inlets_c(sc.air_rack, supply_c, node_height_fraction.data(), npr, rack_power_w,
                          rack_row_end_weight[r], inlet_c);
  } else {
    std::fill(inlet_c, inlet_c + npr,
              thermal::liquid_inlet_c(sc.liquid_rack, supply_c, rack_power_w));
  }
}

bool Engine::State::stretch_history_valid() const {
  const std::size_t n = coast.step_stretch.size() / Coasting::kStretchWords;
  for (std::size_t i = 0; i < n; ++i) {
    const double b = coast.step_stretch[i * Coasting::kStretchWords + kBoundaries];
    if (!(b >= 0.0 && b < kMaxSegments && b == std::floor(b))) return false;
  }
  return true;
}

void Engine::State::coast_check_rack(std::int64_t r, double rack_power_w, std::int64_t throttled,
                                     std::int64_t unallocated_fx, std::int64_t swing_fx) {
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  const double decay = rc_decay_per_tick, gain = 1.0 - decay;
  // The inlet from the next tick on follows the rack's power of this tick. If that changed (its
  // job's pace stepped), the units' junctions now were tested by the kernel against this tick's
  // inlet only: test them against the next one too.
  const bool power_changed = rack_power_w != fleet.rack_power_w[r];
  const std::size_t n_jobs = control.jobs.size();
  double t_upper = -kInf, inlet_sum = 0.0;
  for (std::int64_t k = 0; k < npr; ++k) {
    const std::int64_t ln = r * npr + k;
    const std::int64_t node = global_node(ln);
    const double inlet = coast_inlet_c(r, k, rack_power_w);
    inlet_sum += inlet;
    double node_max_c = -kInf;
    for (std::int64_t a = ln * apn; a < (ln + 1) * apn; ++a)
      node_max_c = std::max(node_max_c, fleet.junction_c[a]);
    if (control.node_role[node] == NodeRole::repairing) {  // powered off: cools to the inlet
      coast.node_slot[ln] = Coasting::kRepairing;
      coast.node_inlet_c[ln] = inlet;
      coast.node_power_w[ln] = 0.0;
      t_upper = std::max({t_upper, inlet, node_max_c});
      continue;
    }
    const bool in_job = control.node_role[node] == NodeRole::active;
    const std::size_t fi = in_job ? static_cast<std::size_t>(control.node_job[node]) : n_jobs;
    const FastTick& ft = fast[fi];
    const double limit_c = spec.slowdown_temperature_c - gain * inlet;
    const double r_max = coast.node_resistance_max[ln];
    // At the steady temperature of the node's highest-R unit, with a margin for rounding.
    const double t_ss_c = inlet + r_max * ft.thermal_power_w;
    const double at_steady = r_max * ft.k_per_r + decay * t_ss_c;
    if (!(at_steady <= limit_c - 1e-9 * std::fabs(limit_c))) return;
    if (power_changed &&
        !(r_max * ft.k_per_r + decay * node_max_c <= limit_c - 1e-9 * std::fabs(limit_c)))
      return;
    coast.node_slot[ln] = static_cast<std::int16_t>(fi);
    coast.node_inlet_c[ln] = inlet;
    coast.node_power_w[ln] = ft.thermal_power_w;
    // Every unit's junction stays between its value now and its steady temperature.
    t_upper = std::max({t_upper, t_ss_c, node_max_c});
  }
  coast.rack_t_upper[r] = t_upper;
  coast.rack_inlet_c[r] = inlet_sum / static_cast<double>(npr);  // as the kernel's mean
  coast_rack_slot(r);
  coast.eligible[r] = 1;
  coast.eligible_racks.push_back(r);
  coast.rack_power_w[r] = rack_power_w;
  coast.rack_end_power_w[r] = rack_power_w;  // (no stretches)
  coast.rack_throttled[r] = throttled;
  coast.rack_unallocated_fx[r] = unallocated_fx;
  coast.rack_swing_fx[r] = swing_fx;
}

// Coasting rack r through a pace step of this tick (or a step into or out of a tick with
// stretches): its nodes take their slots' new RC-step power now and the inlet of the rack's
// power at this tick's end from the next tick. It keeps coasting if the thermal limit cannot
// bind for any unit with any inlet this tick or the next can give. Its units' junctions stay
// below the largest of their bound so far and the new steady temperatures (each step moves a
// junction toward its steady temperature); the governor's test R·k + decay·T ≤ L − gain·T_inlet
// is monotone in R, k, T and the inlet (rounding is monotone), so the rack's largest R, k, power
// and inlet (at its lowest or highest node: the inlet is affine in the height) bound it, with
// the eligibility's margin. In a tick with stretches a node's inlet is a weighted mean of the
// inlets of the rack's power in its job's running and stalled stretches (the kernel's), which
// the largest of those bounds.
bool Engine::State::follow_pace(std::int64_t r, bool coasting) {
  return follow_paces(&r, 1, coasting) == 0;
}

// The memo's values for rack r: its power, end power and inlet bound, its slots' largest RC-step
// power and k, and each node's swing per R (0 under repair or not running: adding 0 to the sum,
// never −0, leaves it as skipping the node does).
void Engine::State::follow_memo_fill(std::int64_t r) {
  const std::size_t n_jobs = control.jobs.size();
  const std::int16_t* const slot = coast.node_slot.data() + r * npr;
  const double before_end_w = coast.rack_end_power_w[r];
  Coasting::FollowMemo& memo = coast.follow_memo;
  double power_w = 0.0;  // summed node by node, as the kernel sums a rack's power
  double thermal_w = 0.0, k_per_r = 0.0;
  memo.node_swing_per_r.resize(static_cast<std::size_t>(npr));  // (allocates once)
  for (std::int64_t node = 0; node < npr; ++node) {
    memo.node_swing_per_r[node] = 0.0;
    if (slot[node] == Coasting::kRepairing) continue;  // no power
    const auto f = static_cast<std::size_t>(slot[node]);
    const FastTick& ft = fast[f];
    power_w += ft.node_power_w;
    thermal_w = std::max(thermal_w, ft.thermal_power_w);
    k_per_r = std::max(k_per_r, ft.k_per_r);
    if (ft.swings) memo.node_swing_per_r[node] = ft.swing_per_r;
    if (f < n_jobs && ft.inlet_follows && rack_stretch_nodes[f]++ == 0)
      rack_stretch_jobs.push_back(static_cast<int>(f));
  }
  // The rack's power at this tick's end (the kernel's sum), and the largest it has in a
  // stretch.
  double end_w = power_w, highest_w = before_end_w;
  for (int jj : rack_stretch_jobs) {
    const FastTick& ft = fast[static_cast<std::size_t>(jj)];
    const auto n = static_cast<double>(rack_stretch_nodes[jj]);
    end_w += n * ft.end_node_step_w();
    const double end_node_w = job_end_node_power_w[static_cast<std::size_t>(jj)];
    highest_w = std::max({highest_w, before_end_w + n * (ft.node_power_run_w - end_node_w),
                          before_end_w + n * (ft.node_power_stall_w - end_node_w)});
    rack_stretch_nodes[jj] = 0;
  }
  rack_stretch_jobs.clear();
  highest_w = std::max(highest_w, end_w);
  // The inlet at the rack's lowest and highest node (its extremes: it is affine in the
  // height), the load divided out once (air_inlets_c: coast_inlet_c's operations).
  double inlet = 0.0;
  if (campus.spec().cooling == topology::Cooling::air) {
    const double height[2] = {node_height_fraction[coast.lowest_node],
                              node_height_fraction[coast.highest_node]};
    double inlet_c[2];
    thermal::air_inlets_c(sc.air_rack, sites[rack_site[r]].supply_c, height, 2, highest_w,
                          rack_row_end_weight[r], inlet_c);
    inlet = std::max(inlet_c[0], inlet_c[1]);
  } else {
    inlet = coast_inlet_c(r, coast.lowest_node, highest_w);
  }
  memo.valid = true;
  memo.slots.assign(slot, slot + npr);
  memo.before_end_w_bits = std::bit_cast<std::uint64_t>(before_end_w);
  memo.site = rack_site[r];
  memo.row_end_weight_bits = std::bit_cast<std::uint64_t>(rack_row_end_weight[r]);
  memo.power_w = power_w, memo.thermal_w = thermal_w, memo.k_per_r = k_per_r;
  memo.end_w = end_w, memo.inlet_c = inlet;
  memo.power_fx = to_fixed(power_w, kWattScale);
}

namespace {

// What follow_run reads and writes per rack, and the values of one run of racks (the memo's).
struct FollowArrays {
  const std::int16_t *slot, *site;
  const double *row_end_weight, *resistance_max, *node_resistance_sum;
  double *t_upper_c, *power_w, *end_power_w;
  std::int64_t* swing_fx;
};
struct FollowRun {
  const std::int16_t* slots;  // per node
  std::uint64_t end_w_bits, row_end_weight_bits;
  std::int64_t site;
  double thermal_w, k_per_r, inlet_c, bound_c, decay, power_w, end_w;
  std::int64_t power_fx;
  const double* node_swing_per_r;
  // Summed over the run: the changes of the racks' swing and power (fixed point).
  std::int64_t swing_delta_fx = 0, power_delta_fx = 0;
};

// The node slots of a rack equal (NPR: nodes per rack, 4 compared as one word; 0: npr).
template <int NPR>
bool same_slots(const std::int16_t* a, const std::int16_t* b, std::int64_t npr) {
  if constexpr (NPR == 4) {
    std::uint64_t x = 0, y = 0;
    std::memcpy(&x, a, sizeof x);
    std::memcpy(&y, b, sizeof y);
    return x == y;
  } else {
    bool equal = true;  // (a loop: std::equal calls memcmp, per rack and pace step)
    for (std::int64_t node = 0; node < npr; ++node) equal &= a[node] == b[node];
    return equal;
  }
}

// Racks racks[i], racks[i + 1], ... through the pace step with the run's values while they have
// them (racks[i] has); the ones that cannot follow go to racks[failed++], untouched. Returns the
// first rack past the run.
template <int NPR>
std::size_t follow_run(const FollowArrays& a, FollowRun& run, std::int64_t npr_any,
                       std::int64_t* racks, std::size_t i, std::size_t n, std::size_t& failed) {
  const std::int64_t npr = NPR > 0 ? NPR : npr_any;
  std::uint64_t old_bits = 0;  // the last old power and its fixed point (a run's are alike)
  std::int64_t old_fx = to_fixed(0.0, kWattScale);
  // Local sums and values (the stores to the per-rack arrays could alias `run`'s).
  std::int64_t swing_delta_fx = 0, power_delta_fx = 0;
  std::size_t failed_here = failed;
  const FollowRun v = run;
  double swing_per_r[NPR > 0 ? NPR : 1];
  const double* const s = NPR > 0 ? swing_per_r : v.node_swing_per_r;
  if constexpr (NPR > 0) std::copy(v.node_swing_per_r, v.node_swing_per_r + NPR, swing_per_r);
  do {
    const std::int64_t r = racks[i];
    const double t_up = std::max(a.t_upper_c[r], v.inlet_c + a.resistance_max[r] * v.thermal_w);
    if (!(a.resistance_max[r] * v.k_per_r + v.decay * t_up <= v.bound_c)) {
      racks[failed_here++] = r;
      continue;
    }
    a.t_upper_c[r] = t_up;
    // The rack's in-iteration ΔT_pp·s of a tick, summed as the kernel sums it (every time: the
    // slots' swing per R moves with their pace).
    double swing_k_s = 0.0;
    const double* const rn = a.node_resistance_sum + r * npr;
    for (std::int64_t node = 0; node < npr; ++node) swing_k_s += s[node] * rn[node];
    const std::int64_t swing_fx = to_fixed(swing_k_s, kSecondScale);
    swing_delta_fx += swing_fx - a.swing_fx[r];
    if (const auto bits = std::bit_cast<std::uint64_t>(a.power_w[r]); bits != old_bits)
      old_bits = bits, old_fx = to_fixed(a.power_w[r], kWattScale);
    power_delta_fx += v.power_fx - old_fx;
    a.swing_fx[r] = swing_fx;
    a.power_w[r] = v.power_w;
    a.end_power_w[r] = v.end_w;
  } while (++i < n && std::bit_cast<std::uint64_t>(a.end_power_w[racks[i]]) == v.end_w_bits &&
           a.site[racks[i]] == v.site &&
           std::bit_cast<std::uint64_t>(a.row_end_weight[racks[i]]) == v.row_end_weight_bits &&
           same_slots<NPR>(a.slot + racks[i] * npr, v.slots, npr));
  run.swing_delta_fx += swing_delta_fx;
  run.power_delta_fx += power_delta_fx;
  failed = failed_here;
  return i;
}

}  // namespace

// Whether rack r follows with the memo's values: the same node slots, end power, site and
// row-end weight, bit for bit (all that they read besides this tick's FastTicks and supply
// temperatures).
bool Engine::State::follow_memo_matches(std::int64_t r) const {
  const Coasting::FollowMemo& memo = coast.follow_memo;
  return memo.valid &&
         memo.before_end_w_bits == std::bit_cast<std::uint64_t>(coast.rack_end_power_w[r]) &&
         memo.site == rack_site[r] &&
         memo.row_end_weight_bits == std::bit_cast<std::uint64_t>(rack_row_end_weight[r]) &&
         same_slots<0>(coast.node_slot.data() + r * npr, memo.slots.data(), npr);
}

// Racks (local, ascending) through a pace step of this tick, in runs of racks that share the
// memo's values (most of a job's racks: one memo per run, the rest per rack in a tight loop).
// The racks that cannot follow are moved to the front of `racks`, untouched; returns their
// count.
std::size_t Engine::State::follow_paces(std::int64_t* racks, std::size_t n, bool coasting) {
  const Coasting::FollowMemo& memo = coast.follow_memo;
  const FollowArrays arrays{coast.node_slot.data(),           rack_site.data(),
                            rack_row_end_weight.data(),       coast.rack_resistance_max.data(),
                            fleet.node_resistance_sum.data(), coast.rack_t_upper.data(),
                            coast.rack_power_w.data(),        coast.rack_end_power_w.data(),
                            coast.rack_swing_fx.data()};
  const double decay = rc_decay_per_tick, gain = 1.0 - decay;
  std::size_t failed = 0, i = 0;
  while (i < n) {
    if (!follow_memo_matches(racks[i])) follow_memo_fill(racks[i]);
    const double limit_c = sc.accelerator.slowdown_temperature_c - gain * memo.inlet_c;
    FollowRun run{memo.slots.data(),
                  memo.before_end_w_bits,
                  memo.row_end_weight_bits,
                  memo.site,
                  memo.thermal_w,
                  memo.k_per_r,
                  memo.inlet_c,
                  limit_c - 1e-9 * std::fabs(limit_c),
                  decay,
                  memo.power_w,
                  memo.end_w,
                  memo.power_fx,
                  memo.node_swing_per_r.data()};
    i = npr == 4 ? follow_run<4>(arrays, run, npr, racks, i, n, failed)
                 : follow_run<0>(arrays, run, npr, racks, i, n, failed);
    if (coasting) {  // (an eligible rack adds its values when it starts)
      coast.swing_fx += run.swing_delta_fx;
      coast.site_power_fx[memo.site] += run.power_delta_fx;
    }
  }
  return failed;
}

void Engine::State::coast_tick(std::int64_t k) {
  if (!coast.enabled) {
    control.changed_nodes.clear();
    return;
  }
  coast_tick_racks(k);
  for (std::int64_t node : control.changed_nodes)  // the flags coast_tick_racks read
    if (const std::int64_t ln = local_node(node); ln >= 0) {
      const auto r = static_cast<std::size_t>(ln / npr);
      coast.rack_changed[r] = 0;
      coast.word_touched[r / Coasting::kRacksPerWord] = 0;
    }
  control.changed_nodes.clear();
}

void Engine::State::coast_tick_racks(std::int64_t k) {
  coast.settle_inputs_valid = 0;    // recorded for this tick's settles only
  coast.follow_memo.valid = false;  // and follow_pace's values for its FastTicks
  std::swap(coast.signature, coast.previous);
  coast_signature(coast.signature);
  const std::size_t n_slots = fast.size();
  // Everything changed for every rack: the supply temperature, the job slots, a node's role,
  // a hazard update, an output sample's last tick, the run's end, a full step history.
  const bool all_same =
      coast.signature.size() == coast.previous.size() &&
      std::equal(coast.signature.begin(), coast.signature.begin() + Coasting::kGlobalWords,
                 coast.previous.begin()) &&
      !control.nodes_changed && k % hazard_every != 0 && (k + 1) % ticks_per_output != 0 &&
      k + 1 < ticks &&
      coast.step_stretch.size() + n_slots * Coasting::kStretchWords <= Coasting::kMaxHistoryWords;
  control.nodes_changed = false;
  coast.unchanged = false;
  // Racks holding a node whose role changed (a failure, a repair): brought to the present, like
  // the racks of a job whose tick changed.
  const bool roles_changed = !control.changed_nodes.empty();
  for (std::int64_t node : control.changed_nodes)
    if (const std::int64_t ln = local_node(node); ln >= 0) {
      const auto r = static_cast<std::size_t>(ln / npr);
      coast.rack_changed[r] = 1;
      coast.word_touched[r / Coasting::kRacksPerWord] = 1;
    }
  if (!all_same) {
    if (coast.coasting_racks > 0) {
      std::int64_t* const settle = coast.scratch_settle.data();
      std::size_t n = 0;
      for (std::int64_t r = 0; r < block.rack_count; ++r)
        if (coast.since[r] >= 0) settle[n++] = r;
      settle_racks(settle, n, k);
    }
    coast.step_ticks.clear();
    coast.step_thermal_w.clear();
    coast.step_node_w.clear();
    coast.step_stretch.clear();
    coast.step_slots.clear();
    for (std::int64_t r : coast.eligible_racks) coast.eligible[r] = 0;
    coast.eligible_racks.clear();
    coast.slot_nodes.assign(n_slots, 0);
    coast.coasting_racks = coast.throttled = coast.swing_fx = coast.unallocated_fx = 0;
    std::fill(coast.site_power_fx.begin(), coast.site_power_fx.end(), 0);
    std::fill(coast.coasting_codes.begin(), coast.coasting_codes.end(), 0);  // none coasts
    return;
  }
  // A job whose tick changed (a checkpoint, a failure, a request burst): only the racks that
  // hold one of its nodes are brought to the present or lose their eligibility.
  // A slot that changed only its pace, or stepped into or out of a tick with stretches, keeps
  // the words of its clock, cap and running state (coast_signature's order): its units stay on
  // the kernel's fast path with a new RC-step power (and, with stretches, inlets and samples
  // inside the tick), which the replay reproduces from the step's record.
  constexpr std::size_t kPaceKept[] = {0, 6, 9};
  coast.slot_changed.assign(n_slots, 0);
  coast.slot_paced.assign(n_slots, 0);
  bool any_changed = false, any_paced = false;
  for (std::size_t f = 0; f < n_slots; ++f) {
    const auto at = static_cast<std::ptrdiff_t>(Coasting::kGlobalWords + f * Coasting::kSlotWords);
    const std::uint64_t* now = coast.signature.data() + at;
    const std::uint64_t* before = coast.previous.data() + at;
    coast.slot_changed[f] = !std::equal(now, now + Coasting::kSlotWords, before);
    if (coast.slot_changed[f]) {
      bool paced = true;
      for (std::size_t w : kPaceKept) paced &= now[w] == before[w];
      coast.slot_paced[f] = paced;
      any_paced |= paced;
    }
    any_changed |= coast.slot_changed[f] != 0;
  }
  static_assert(Coasting::kRepairing == -1);  // slot_code[node_slot + 1]
  coast.slot_code.assign(n_slots + 1, 0);
  for (std::size_t f = 0; f < n_slots; ++f)
    coast.slot_code[f + 1] =
        static_cast<std::int8_t>(coast.slot_changed[f] * (2 - coast.slot_paced[f]));
  coast.unchanged = !any_changed && !roles_changed;
  if (any_changed || roles_changed) {
    // How this tick touches rack r: 0 not at all, 1 only through paced slots (follow_pace may
    // keep it coasting), 2 otherwise (a slot that changed more than its pace, or a node's role).
    const std::int8_t* const code = coast.slot_code.data() + 1;
    auto change = [&](std::int64_t r) {
      if (coast.rack_changed[static_cast<std::size_t>(r)]) return 2;
      if (const std::int16_t f = coast.rack_slot[r]; f != Coasting::kMixed)
        return static_cast<int>(code[f]);
      int c = 0;
      for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n)
        c = std::max(c, static_cast<int>(code[coast.node_slot[n]]));
      return c;
    };
    if (any_paced) {  // the step every coasting rack's history holds (settle_rack)
      coast.step_ticks.push_back(k);
      for (const FastTick& ft : fast) coast.step_thermal_w.push_back(ft.thermal_power_w);
      for (const FastTick& ft : fast) coast.step_node_w.push_back(ft.node_power_w);
      const std::size_t at = coast.step_stretch.size();
      coast.step_stretch.resize(at + n_slots * Coasting::kStretchWords);
      // Only a slot whose inlet follows its power has a tick the replay reads (stretches imply
      // it); the others' records stay zero (resize), which the replay reads as "none".
      for (std::size_t f = 0; f < control.jobs.size(); ++f)
        if (fast[f].inlet_follows)
          encode_stretch(fast[f], control.jobs[f].tick.run_f, job_end_node_power_w[f],
                         coast.step_stretch.data() + at + f * Coasting::kStretchWords);
      for (std::size_t f = 0; f < n_slots; ++f) coast.step_slots.push_back(coast.slot_paced[f]);
    }
    // Racks touched only through paced slots follow the step together (follow_paces); the
    // coasting ones that cannot are brought to the present, the eligible ones lose eligibility.
    std::int64_t* const follow = coast.scratch_follow.data();
    if (coast.coasting_racks > 0) {
      // The slot codes that changed: a word of coasting racks without any of them, and without
      // a rack whose node's role changed, holds no rack this tick touches (change gives 0).
      std::uint64_t changed_codes = 0;
      for (std::size_t f = 0; f < n_slots; ++f)
        if (coast.slot_code[f + 1] != 0) changed_codes |= Coasting::code_bit(f + 1);
      // The racks it touches otherwise are settled after the scan (in order, paired where they
      // can share a pass: settle_racks); they are not among those that follow.
      std::int64_t* const settle = coast.scratch_settle.data();
      std::size_t n = 0, n_settle = 0;
      for (std::size_t w = 0; w < coast.coasting_bits.size(); ++w) {
        std::uint64_t bits = coast.coasting_bits[w];
        if (bits == 0 || ((coast.coasting_codes[w] & changed_codes) == 0 && !coast.word_touched[w]))
          continue;
        for (; bits != 0; bits &= bits - 1) {  // its coasting racks, ascending
          const auto r = static_cast<std::int64_t>(
              w * Coasting::kRacksPerWord + static_cast<std::size_t>(std::countr_zero(bits)));
          const int c = change(r);
          follow[n] = r;  // (listed without a branch: which racks follow is the data's)
          n += c == 1;
          settle[n_settle] = r;
          n_settle += c == 2;
        }
      }
      settle_racks(settle, n_settle, k);
      const std::size_t failed = follow_paces(follow, n, true);
      settle_racks(follow, failed, k);
    }
    std::size_t n = 0;
    for (std::int64_t r : coast.eligible_racks)
      if (const int c = change(r); c == 2)
        coast.eligible[r] = 0;
      else if (c == 1)
        follow[n++] = r;
    const std::size_t failed = follow_paces(follow, n, false);
    for (std::size_t i = 0; i < failed; ++i) coast.eligible[follow[i]] = 0;
    std::erase_if(coast.eligible_racks, [&](std::int64_t r) { return coast.eligible[r] == 0; });
  }
  for (std::int64_t r : coast.eligible_racks) {
    coast.eligible[r] = 0;
    coast.since[r] = k;
    coast_count_rack(r, 1);
  }
  coast.eligible_racks.clear();
}

// Whether this tick's reduction would give the last reduced tick's result, so that every rank
// may take that instead of reducing (decided from replicated values only, so all ranks agree):
// the last reduced tick stepped no rack on any rank (every rack coasted, none was brought to
// the present, none became eligible), every tick since had the same inputs (so every rack
// still coasts with the same constants, and no hazard update, output sample or run's end came),
// and no failure is due in this tick (none is pending before it on any rank; new ones come only
// from hazard updates and stepped racks). Then every rank's contribution is the same integers
// and maxima as at the last reduced tick, and it had no failure offers. The reduction stays
// the one that carries stop and save requests, so at most kMaxRepeats ticks are repeated in a
// row.
bool Engine::State::reduction_repeats(const TickReduction& red, double t1_s) const {
  return coast.enabled && coast.unchanged && red.has_previous() && reduced_stepped_racks == 0 &&
         reduced_next_failure_s >= t1_s && repeated_in_a_row < kMaxRepeats;
}

// A coasting rack's per-tick contributions (its nodes per FastTick slot and its per-rack
// constants) added to (+1) or taken from (−1) the coasting totals the kernel adds each tick.
void Engine::State::coast_count_rack(std::int64_t r, int sign) {
  for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n)
    if (coast.node_slot[n] != Coasting::kRepairing) coast.slot_nodes[coast.node_slot[n]] += sign;
  coast.throttled += sign * coast.rack_throttled[r];
  coast.unallocated_fx += sign * coast.rack_unallocated_fx[r];
  coast.swing_fx += sign * coast.rack_swing_fx[r];
  coast.site_power_fx[rack_site[r]] += sign * to_fixed(coast.rack_power_w[r], kWattScale);
  coast.coasting_racks += sign;
  const auto w = static_cast<std::size_t>(r) / Coasting::kRacksPerWord;
  const std::uint64_t bit = std::uint64_t{1}
                            << (static_cast<std::size_t>(r) % Coasting::kRacksPerWord);
  if (sign > 0) {
    coast.coasting_bits[w] |= bit;
    for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n)
      coast.coasting_codes[w] |=
          Coasting::code_bit(static_cast<std::size_t>(coast.node_slot[n] + 1));
  } else {
    coast.coasting_bits[w] &= ~bit;
  }
}

// The slot every node of rack r holds, or kMixed (coast_tick_racks reads one value per rack).
void Engine::State::coast_rack_slot(std::int64_t r) {
  const std::int16_t* const slot = coast.node_slot.data() + r * npr;
  bool one = true;
  for (std::int64_t n = 1; n < npr; ++n) one &= slot[n] == slot[0];
  coast.rack_slot[r] = one ? slot[0] : Coasting::kMixed;
}

void Engine::State::coast_restored() {
  coast.eligible_racks.clear();
  coast.slot_nodes.assign(control.jobs.size() + 1, 0);
  coast.coasting_racks = coast.throttled = coast.swing_fx = coast.unallocated_fx = 0;
  coast.site_power_fx.assign(sites.size(), 0);
  std::fill(coast.coasting_bits.begin(), coast.coasting_bits.end(), 0);
  std::fill(coast.coasting_codes.begin(), coast.coasting_codes.end(), 0);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    coast_rack_slot(r);
    if (coast.eligible[r]) coast.eligible_racks.push_back(r);
    if (coast.since[r] < 0) continue;
    coast_count_rack(r, 1);
  }
}

}  // namespace ct::twin
