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
#include "thermal/junction.hpp"
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
  coast.rack_inlet_c.assign(racks, 0.0);
  coast.rack_changed.assign(racks, 0);
  coast.rack_throttled.assign(racks, 0);
  coast.rack_swing_fx.assign(racks, 0);
  coast.rack_unallocated_fx.assign(racks, 0);
  coast.node_slot.assign(nodes, 0);
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
  coast.rack_end_power_w.assign(racks, 0.0);
  for (std::int64_t k = 0; k < npr; ++k) {
    if (node_height_fraction[k] < node_height_fraction[coast.lowest_node]) coast.lowest_node = k;
    if (node_height_fraction[k] > node_height_fraction[coast.highest_node]) coast.highest_node = k;
  }
  const auto per_rack = static_cast<std::size_t>(apr);
  coast.scratch_drive.assign(per_rack, 0.0);
  coast.scratch_start.assign(per_rack, 0.0);
  coast.scratch_max.assign(per_rack, 0.0);
  coast.scratch_min.assign(per_rack, 0.0);
  coast.scratch_fall.assign(per_rack, 0.0);
  coast.scratch_rise.assign(per_rack, 0.0);
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

namespace {

// What a tick with stretches reads of its job's FastTick besides the RC-step and node powers,
// with the job's running share and its node power at the last tick's end, as kStretchWords
// doubles (replicated history, restart file).
enum StretchWord : std::size_t {
  kDynamic,
  kRunActivity,
  kStallActivity,
  kNodeRun,
  kNodeStall,
  kFollows,
  kEndRunning,
  kRunShare,
  kEndNodePower,
  kBoundaries,
  kFirstRunning,
  kLastRunning,
  kEndRunWeight,
  kPerBoundary
};
static_assert(Coasting::kStretchWords == kPerBoundary + 5 * kMaxSegments);

void encode_stretch(const FastTick& ft, double run_f, double end_node_power_w, double* w) {
  std::fill(w, w + Coasting::kStretchWords, 0.0);
  w[kDynamic] = ft.dynamic_w, w[kRunActivity] = ft.run_activity;
  w[kStallActivity] = ft.stall_activity, w[kNodeRun] = ft.node_power_run_w;
  w[kNodeStall] = ft.node_power_stall_w, w[kFollows] = ft.inlet_follows;
  w[kEndRunning] = ft.end_running, w[kRunShare] = run_f, w[kEndNodePower] = end_node_power_w;
  const TickTrajectory& tr = ft.traj;
  w[kBoundaries] = tr.boundaries, w[kFirstRunning] = tr.first_running;
  w[kLastRunning] = tr.last_running, w[kEndRunWeight] = tr.end_run_w;
  for (int b = 0; b < tr.boundaries; ++b) {
    double* at = w + kPerBoundary + 5 * b;
    at[0] = tr.time_f[b], at[1] = tr.decay[b], at[2] = tr.run_w[b], at[3] = tr.stall_w[b];
    at[4] = tr.running_before[b];
  }
}

// The FastTick of a recorded tick with stretches, as far as the kernel's step and cycle counter
// read it for units at the job's clock.
void decode_stretch(const double* w, double thermal_power_w, double node_power_w, FastTick& ft) {
  ft = FastTick{};
  ft.thermal_power_w = thermal_power_w, ft.node_power_w = node_power_w;
  ft.dynamic_w = w[kDynamic], ft.run_activity = w[kRunActivity];
  ft.stall_activity = w[kStallActivity], ft.node_power_run_w = w[kNodeRun];
  ft.node_power_stall_w = w[kNodeStall], ft.inlet_follows = w[kFollows] != 0.0;
  ft.end_running = w[kEndRunning] != 0.0;
  TickTrajectory& tr = ft.traj;
  tr.boundaries = static_cast<int>(w[kBoundaries]);
  tr.first_running = w[kFirstRunning] != 0.0, tr.last_running = w[kLastRunning] != 0.0;
  tr.end_run_w = w[kEndRunWeight];
  for (int b = 0; b < tr.boundaries; ++b) {
    const double* at = w + kPerBoundary + 5 * b;
    tr.time_f[b] = at[0], tr.decay[b] = at[1], tr.run_w[b] = at[2], tr.stall_w[b] = at[3];
    tr.running_before[b] = at[4] != 0.0;
  }
}

}  // namespace

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
    const std::int64_t node = first_node + ln;
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
  const thermal::AcceleratorSpec& spec = sc.accelerator;
  const double decay = rc_decay_per_tick, gain = 1.0 - decay;
  const std::size_t n_jobs = control.jobs.size();
  double power_w = 0.0;  // summed node by node, as the kernel sums a rack's power
  double thermal_w = 0.0, k_per_r = 0.0;
  for (std::int64_t ln = r * npr; ln < (r + 1) * npr; ++ln) {
    if (coast.node_slot[ln] == Coasting::kRepairing) continue;  // no power
    const auto f = static_cast<std::size_t>(coast.node_slot[ln]);
    const FastTick& ft = fast[f];
    power_w += ft.node_power_w;
    thermal_w = std::max(thermal_w, ft.thermal_power_w);
    k_per_r = std::max(k_per_r, ft.k_per_r);
    if (f < n_jobs && ft.inlet_follows && rack_stretch_nodes[f]++ == 0)
      rack_stretch_jobs.push_back(static_cast<int>(f));
  }
  // The rack's power at this tick's end (the kernel's sum), and the largest it has in a stretch.
  const double before_end_w = coast.rack_end_power_w[r];
  double end_w = power_w, highest_w = before_end_w;
  for (int jj : rack_stretch_jobs) {
    const FastTick& ft = fast[static_cast<std::size_t>(jj)];
    const auto n = static_cast<double>(rack_stretch_nodes[jj]);
    end_w += n * ((ft.end_running ? ft.node_power_run_w : ft.node_power_stall_w) - ft.node_power_w);
    const double end_node_w = job_end_node_power_w[static_cast<std::size_t>(jj)];
    highest_w = std::max({highest_w, before_end_w + n * (ft.node_power_run_w - end_node_w),
                          before_end_w + n * (ft.node_power_stall_w - end_node_w)});
    rack_stretch_nodes[jj] = 0;
  }
  rack_stretch_jobs.clear();
  highest_w = std::max(highest_w, end_w);
  const double r_max = coast.rack_resistance_max[r];
  const double inlet = std::max(coast_inlet_c(r, coast.lowest_node, highest_w),
                                coast_inlet_c(r, coast.highest_node, highest_w));
  const double t_upper = std::max(coast.rack_t_upper[r], inlet + r_max * thermal_w);
  const double limit_c = spec.slowdown_temperature_c - gain * inlet;
  if (!(r_max * k_per_r + decay * t_upper <= limit_c - 1e-9 * std::fabs(limit_c))) return false;
  coast.rack_t_upper[r] = t_upper;
  // The rack's in-iteration ΔT_pp·s of a tick, summed as the kernel sums it.
  double swing_k_s = 0.0;
  for (std::int64_t ln = r * npr; ln < (r + 1) * npr; ++ln) {
    if (coast.node_slot[ln] == Coasting::kRepairing) continue;
    const auto f = static_cast<std::size_t>(coast.node_slot[ln]);
    const JobTick& jt = f < n_jobs ? control.jobs[f].tick : idle_tick;
    if (jt.run_f > 0.0) swing_k_s += fast[f].swing_per_r * fleet.node_resistance_sum[ln];
  }
  const std::int64_t swing_fx = to_fixed(swing_k_s, kSecondScale);
  if (coasting) {  // (an eligible rack adds its values when it starts)
    coast.swing_fx += swing_fx - coast.rack_swing_fx[r];
    coast.site_power_fx[rack_site[r]] +=
        to_fixed(power_w, kWattScale) - to_fixed(coast.rack_power_w[r], kWattScale);
  }
  coast.rack_swing_fx[r] = swing_fx;
  coast.rack_power_w[r] = power_w;
  coast.rack_end_power_w[r] = end_w;
  return true;
}

void Engine::State::coast_tick(std::int64_t k) {
  if (!coast.enabled) {
    control.changed_nodes.clear();
    return;
  }
  coast_tick_racks(k);
  for (std::int64_t node : control.changed_nodes)  // the flags coast_tick_racks read
    if (node >= first_node && node < first_node + local_nodes)
      coast.rack_changed[static_cast<std::size_t>((node - first_node) / npr)] = 0;
  control.changed_nodes.clear();
}

void Engine::State::coast_tick_racks(std::int64_t k) {
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
    if (node >= first_node && node < first_node + local_nodes)
      coast.rack_changed[static_cast<std::size_t>((node - first_node) / npr)] = 1;
  if (!all_same) {
    if (coast.coasting_racks > 0)
      for (std::int64_t r = 0; r < block.rack_count; ++r)
        if (coast.since[r] >= 0) settle_rack(r, k);
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
  coast.unchanged = !any_changed && !roles_changed;
  if (any_changed || roles_changed) {
    auto touched = [&](std::int64_t r) {
      if (coast.rack_changed[static_cast<std::size_t>(r)]) return true;
      for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n)
        if (coast.node_slot[n] != Coasting::kRepairing &&
            coast.slot_changed[static_cast<std::size_t>(coast.node_slot[n])])
          return true;
      return false;
    };
    auto only_paced = [&](std::int64_t r) {
      if (coast.rack_changed[static_cast<std::size_t>(r)]) return false;
      for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n) {
        if (coast.node_slot[n] == Coasting::kRepairing) continue;
        const auto f = static_cast<std::size_t>(coast.node_slot[n]);
        if (coast.slot_changed[f] && !coast.slot_paced[f]) return false;
      }
      return true;
    };
    if (any_paced) {  // the step every coasting rack's history holds (settle_rack)
      coast.step_ticks.push_back(k);
      for (const FastTick& ft : fast) coast.step_thermal_w.push_back(ft.thermal_power_w);
      for (const FastTick& ft : fast) coast.step_node_w.push_back(ft.node_power_w);
      const std::size_t at = coast.step_stretch.size();
      coast.step_stretch.resize(at + n_slots * Coasting::kStretchWords);
      for (std::size_t f = 0; f < n_slots; ++f) {
        const bool in_job = f < control.jobs.size();
        encode_stretch(fast[f], in_job ? control.jobs[f].tick.run_f : 0.0,
                       in_job ? job_end_node_power_w[f] : 0.0,
                       coast.step_stretch.data() + at + f * Coasting::kStretchWords);
      }
      for (std::size_t f = 0; f < n_slots; ++f) coast.step_slots.push_back(coast.slot_paced[f]);
    }
    if (coast.coasting_racks > 0)
      for (std::int64_t r = 0; r < block.rack_count; ++r)
        if (coast.since[r] >= 0 && touched(r) && !(only_paced(r) && follow_pace(r, true)))
          settle_rack(r, k);
    std::erase_if(coast.eligible_racks, [&](std::int64_t r) {
      if (!touched(r) || (only_paced(r) && follow_pace(r, false))) return false;
      coast.eligible[r] = 0;
      return true;
    });
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

namespace {

// A coasting rack's inputs through its pace steps (Coasting::step_ticks): each node's RC-step
// power and inlet and the rack's power, tick by tick, from the values at its first coasting
// tick. A step at tick c gives the nodes their slots' new power at c, and the rack's power at
// c's end gives the inlet from c + 1 (the inlet follows the rack's power at the last tick's
// end). A step into a tick with stretches (`stretches`) also gives, as the kernel computes them,
// each node's inlets of that tick (its RC step's, its running and stalled stretches') and its
// slot's FastTick, the rack's mean inlet of the tick and its power at the tick's end.
struct PaceReplay {
  const Engine::State& s;
  std::int64_t r, k;
  double* node_power_w;              // per node of the rack
  double* node_inlet_c;              // from the rack's power at the last tick's end
  double *step_c, *run_c, *stall_c;  // per node, in a tick with stretches
  FastTick* fast;                    // per slot, in a tick with stretches
  std::int32_t* count;               // per slot: its nodes in the rack
  std::size_t n_slots;               // per step
  std::size_t step;                  // the next pace step
  std::size_t steps_end;
  double end_power_w;            // the rack's power at the last tick's end
  double mean_power_w;           // the rack's mean power of the tick (its series)
  double rack_inlet_c;           // the mean of node_inlet_c, as the kernel sums it
  double tick_inlet_c;           // the rack's mean inlet of the tick (its series)
  bool stretches = false;        // this tick has stretches for a node of the rack
  std::size_t stretch_step = 0;  // its step
  std::int64_t inlet_due = -1;   // tick from which the inlet follows end_power_w

  PaceReplay(const Engine::State& state, std::int64_t rack, std::int64_t since, std::int64_t to,
             Coasting& scratch)
      : s(state),
        r(rack),
        k(to),
        node_power_w(scratch.scratch_node_power_w.data()),
        node_inlet_c(scratch.scratch_node_inlet_c.data()),
        step_c(scratch.scratch_node_step_c.data()),
        run_c(scratch.scratch_node_run_c.data()),
        stall_c(scratch.scratch_node_stall_c.data()) {
    // The history's slots per step: the tick that settles every rack because the slot count
    // changed reads the steps recorded before it.
    const auto& ticks = s.coast.step_ticks;
    n_slots = ticks.empty() ? s.fast.size() : s.coast.step_slots.size() / ticks.size();
    scratch.scratch_fast.resize(n_slots);
    scratch.scratch_count.assign(n_slots, 0);
    fast = scratch.scratch_fast.data();
    count = scratch.scratch_count.data();
    // A step at `since` itself: the rack started coasting through it (its eligibility saw the
    // tick before); for the other racks it changes nothing.
    step = static_cast<std::size_t>(std::lower_bound(ticks.begin(), ticks.end(), since) -
                                    ticks.begin());
    steps_end =
        static_cast<std::size_t>(std::lower_bound(ticks.begin(), ticks.end(), to) - ticks.begin());
    for (std::int64_t n = 0; n < s.npr; ++n) {
      node_power_w[n] = s.coast.node_power_w[r * s.npr + n];
      node_inlet_c[n] = s.coast.node_inlet_c[r * s.npr + n];
    }
    end_power_w = mean_power_w = s.fleet.rack_power_w[r];
    rack_inlet_c = tick_inlet_c = s.coast.rack_inlet_c[r];
    skip();
  }
  // Steps of other jobs change nothing here: past them.
  void skip() {
    for (; step < steps_end; ++step) {
      const std::int8_t* stepped = s.coast.step_slots.data() + step * n_slots;
      for (std::int64_t n = 0; n < s.npr; ++n) {
        const std::int16_t f = s.coast.node_slot[r * s.npr + n];
        if (f != Coasting::kRepairing && stepped[f]) return;
      }
    }
  }
  // The first tick after j (≤ k) at which the inputs change.
  std::int64_t next_change(std::int64_t j) const {
    if (stretches) return j + 1;
    std::int64_t next = k;
    if (step < steps_end) next = std::min(next, s.coast.step_ticks[step]);
    if (inlet_due > j) next = std::min(next, inlet_due);
    return next;
  }
  // The inputs of tick j (called at every tick where they may change); true if they changed.
  bool at(std::int64_t j) {
    bool changed = stretches;  // the tick after one with stretches
    stretches = false;
    tick_inlet_c = rack_inlet_c;
    if (inlet_due == j) {
      s.coast_inlets_c(r, end_power_w, node_inlet_c);
      double sum = 0.0;  // the rack's mean inlet, summed as the kernel sums it
      for (std::int64_t n = 0; n < s.npr; ++n) sum += node_inlet_c[n];
      rack_inlet_c = tick_inlet_c = sum / static_cast<double>(s.npr);
      inlet_due = -1;
      changed = true;
    }
    if (step < steps_end && s.coast.step_ticks[step] == j) {
      const std::size_t n_jobs = n_slots - 1;
      const double* thermal = s.coast.step_thermal_w.data() + step * n_slots;
      const double* node = s.coast.step_node_w.data() + step * n_slots;
      const double* words = s.coast.step_stretch.data() + step * n_slots * Coasting::kStretchWords;
      auto word = [&](std::size_t f, std::size_t w) {
        return words[f * Coasting::kStretchWords + w];
      };
      double power_w = 0.0;
      for (std::int64_t n = 0; n < s.npr; ++n) {
        if (s.coast.node_slot[r * s.npr + n] == Coasting::kRepairing) continue;
        const auto f = static_cast<std::size_t>(s.coast.node_slot[r * s.npr + n]);
        changed |= node_power_w[n] != thermal[f];
        node_power_w[n] = thermal[f];
        power_w += node[f];
        if (f < n_jobs && word(f, kFollows) != 0.0 && count[f]++ == 0) {
          decode_stretch(words + f * Coasting::kStretchWords, thermal[f], node[f], fast[f]);
          stretches = true;
        }
      }
      double end_w = power_w;
      if (stretches) {
        // The kernel's inlets of a tick whose job steps at its start or inside it.
        double sum = 0.0;
        for (std::int64_t n = 0; n < s.npr; ++n) {
          step_c[n] = run_c[n] = stall_c[n] = node_inlet_c[n];
          const std::int16_t f = s.coast.node_slot[r * s.npr + n];
          if (f == Coasting::kRepairing || static_cast<std::size_t>(f) >= n_jobs || count[f] == 0) {
            sum += node_inlet_c[n];
            continue;
          }
          const FastTick& ft = fast[f];
          const double n_jr = static_cast<double>(count[f]);
          const double p_end = word(static_cast<std::size_t>(f), kEndNodePower);
          const double run_f = word(static_cast<std::size_t>(f), kRunShare);
          run_c[n] = s.coast_inlet_c(r, n, end_power_w + n_jr * (ft.node_power_run_w - p_end));
          stall_c[n] = s.coast_inlet_c(r, n, end_power_w + n_jr * (ft.node_power_stall_w - p_end));
          step_c[n] = ft.traj.boundaries > 0
                          ? ft.traj.end_run_w * run_c[n] + (1.0 - ft.traj.end_run_w) * stall_c[n]
                      : run_f > 0.0 ? run_c[n]
                                    : stall_c[n];
          sum += run_f * run_c[n] + (1.0 - run_f) * stall_c[n];
        }
        tick_inlet_c = sum / static_cast<double>(s.npr);
        // The rack's power at the tick's end: its jobs in the order of their first node.
        for (std::int64_t n = 0; n < s.npr; ++n) {
          const std::int16_t f = s.coast.node_slot[r * s.npr + n];
          if (f == Coasting::kRepairing || count[f] == 0) continue;
          const FastTick& ft = fast[f];
          end_w +=
              static_cast<double>(count[f]) *
              ((ft.end_running ? ft.node_power_run_w : ft.node_power_stall_w) - ft.node_power_w);
          count[f] = 0;
        }
        changed = true;
        stretch_step = step;
      }
      if (end_w != end_power_w) inlet_due = j + 1;
      end_power_w = end_w;
      mean_power_w = power_w;
      ++step;
      skip();
    }
    return changed;
  }
  // Rack node n's slot's FastTick in this tick with stretches (null: it has none).
  const FastTick* stretch_tick(std::int64_t n) const {
    const std::int16_t f = s.coast.node_slot[r * s.npr + n];
    if (!stretches || f == Coasting::kRepairing || static_cast<std::size_t>(f) + 1 >= n_slots)
      return nullptr;
    const double* w =
        s.coast.step_stretch.data() +
        (stretch_step * n_slots + static_cast<std::size_t>(f)) * Coasting::kStretchWords;
    return w[kFollows] != 0.0 ? &fast[f] : nullptr;
  }
};

}  // namespace

namespace {

// m steps T ← drive + decay·T of n units (n a multiple of 2·V), V·2 units in registers at a
// time: V independent chains hide the multiply-add latency. Element-wise IEEE operations, the
// kernel's, so the result is bit for bit its m ticks.
template <int V>
std::size_t step_units(double* jc, const double* drive, double decay, std::int64_t m,
                       std::size_t n) {
  using simd::f64x2;
  const f64x2 dec = f64x2{} + decay;
  std::size_t u0 = 0;
  for (; u0 + 2 * V <= n; u0 += 2 * V) {
    f64x2 t[V];
    for (int v = 0; v < V; ++v) t[v] = simd::load<f64x2>(jc + u0 + 2 * v);
    for (std::int64_t i = 0; i < m; ++i)
      for (int v = 0; v < V; ++v) t[v] = simd::load<f64x2>(drive + u0 + 2 * v) + dec * t[v];
    for (int v = 0; v < V; ++v) simd::store(jc + u0 + 2 * v, t[v]);
  }
  return u0;
}

}  // namespace

// Rack r coasted from tick `since` to k − 1: its units at tick k's start. The m steps are the
// kernel's own (T ← gain·(T_inlet + R·P) + decay·T, the same operations in the same order), done
// here in registers without the per-tick bookkeeping, one stretch of constant inputs at a time
// (the rack's pace steps divide them), so the junctions are bit for bit what per-tick stepping
// gives. Within a stretch the step is a monotone map (rounding is monotone and decay > 0), so
// each junction's trajectory is monotone: its extremes, and the largest fall from a maximum or
// rise from a minimum, are at a stretch's first or last step. From them the cycle counter's
// outcome is known without feeding it every step when no half-cycle can complete (each unit's
// leg known, and neither its extreme nor any maximum (rising) or minimum (falling) of the
// stretch is more than the hysteresis from a later value): the leg then only extends, to the
// trajectory's extreme. Otherwise the m steps are replayed with the counter fed at every step.
void Engine::State::settle_rack(std::int64_t r, std::int64_t k) {
  const double decay = rc_decay_per_tick, gain = 1.0 - decay;
  const std::int64_t since = coast.since[r];
  const double hysteresis = sc.faults.cycle_hysteresis_k;
  double* const jc = fleet.junction_c.data() + r * apr;
  const double* const res = fleet.resistance_k_per_w.data() + r * apr;
  float* const turning = fleet.cycle_turning_c.data() + r * apr;
  float* const extreme = fleet.cycle_extreme_c.data() + r * apr;
  double* __restrict const drive = coast.scratch_drive.data();
  double* __restrict const start = coast.scratch_start.data();
  double* __restrict const hottest = coast.scratch_max.data();
  double* __restrict const coldest = coast.scratch_min.data();
  double* __restrict const fall = coast.scratch_fall.data();  // largest fall from a maximum
  double* __restrict const rise = coast.scratch_rise.data();  // largest rise from a minimum
  const auto n = static_cast<std::size_t>(apr);
  auto set_drive = [&](const PaceReplay& in) {
    for (std::int64_t node = 0; node < npr; ++node)
      for (std::int64_t u = node * apn; u < (node + 1) * apn; ++u)
        drive[u] = gain * (in.node_inlet_c[node] + res[u] * in.node_power_w[node]);
  };
  // A value the counter sees: a tick's end, or a boundary inside a tick with stretches.
  auto note_unit = [&](std::size_t u, double t) {
    hottest[u] = hottest[u] > t ? hottest[u] : t;
    coldest[u] = coldest[u] < t ? coldest[u] : t;
    fall[u] = std::max(fall[u], hottest[u] - t);
    rise[u] = std::max(rise[u], t - coldest[u]);
  };
  double rack_max_c = -kInf;  // of the ticks' ends (the kernel's)
  // note_unit for units u0..u1 − 1 with values t[0..], two at a time (the same comparisons, so
  // the same values), and the rack's maximum if they are a tick's ends.
  auto note_units = [&](std::size_t u0, std::size_t u1, const double* t, bool tick_end) {
    using simd::f64x2;
    f64x2 m2 = f64x2{} + rack_max_c;
    std::size_t u = u0;
    for (; u + 2 <= u1; u += 2) {
      const f64x2 v = simd::load<f64x2>(t + (u - u0));
      f64x2 hot = simd::load<f64x2>(hottest + u), cold = simd::load<f64x2>(coldest + u);
      hot = hot > v ? hot : v;
      cold = cold < v ? cold : v;
      const f64x2 down = hot - v, up = v - cold;
      f64x2 fell = simd::load<f64x2>(fall + u), rose = simd::load<f64x2>(rise + u);
      fell = fell < down ? down : fell;  // std::max(fall, hottest − t)
      rose = rose < up ? up : rose;
      simd::store(hottest + u, hot), simd::store(coldest + u, cold);
      simd::store(fall + u, fell), simd::store(rise + u, rose);
      m2 = m2 > v ? m2 : v;
    }
    double m = m2[0] > m2[1] ? m2[0] : m2[1];
    for (; u < u1; ++u) {
      note_unit(u, t[u - u0]);
      m = m > t[u - u0] ? m : t[u - u0];
    }
    if (tick_end) rack_max_c = m;
  };
  auto note = [&] { note_units(0, n, jc, true); };  // the junctions now: one step's ends
  const double idle_w = sc.accelerator.idle_w;
  // A node's steady temperature in a running or stalled stretch (count_cycles' at its clock).
  auto stretch_steady_c = [&](const FastTick& ft, double inlet_c, std::size_t u, bool running) {
    return inlet_c +
           res[u] * (idle_w + (running ? ft.run_activity : ft.stall_activity) * ft.dynamic_w);
  };
  double& power = series.rack_values(ids.rack_power)[r];
  double& inlet = series.rack_values(ids.rack_inlet)[r];
  double& throttled = series.rack_values(ids.rack_throttled)[r];
  const double throttled_share =
      static_cast<double>(coast.rack_throttled[r]) / static_cast<double>(apr);
  PaceReplay in(*this, r, since, k, coast);
  // Nodes under repair are powered off: T ← T_inlet + (T − T_inlet)·decay (junction_step_c, as
  // the kernel steps them), and their counter is not fed.
  const std::int16_t* const slot = coast.node_slot.data() + r * npr;
  bool repairs = false;
  for (std::int64_t node = 0; node < npr; ++node) repairs |= slot[node] == Coasting::kRepairing;
  std::copy(jc, jc + n, start);
  std::fill(hottest, hottest + n, -kInf);
  std::fill(coldest, coldest + n, kInf);
  std::fill(fall, fall + n, 0.0);
  std::fill(rise, rise + n, 0.0);
  for (std::int64_t j = since; j < k;) {
    in.at(j);
    const std::int64_t next = in.next_change(j);
    const std::int64_t m = next - j;
    // A tick with stretches: the junctions at its boundaries (what the counter sees), then its
    // step with each node's inlet of the tick.
    for (std::int64_t node = 0; node < npr && in.stretches; ++node) {
      const auto u0 = static_cast<std::size_t>(node * apn), u1 = u0 + static_cast<std::size_t>(apn);
      const FastTick* ft = in.stretch_tick(node);
      if (ft == nullptr) continue;
      const TickTrajectory& tr = ft->traj;
      for (int b = 0; b < tr.boundaries; ++b) {
        for (std::size_t u = u0; u < u1; ++u)
          node_sample_c[u - u0] = tr.decay[b] * jc[u] +
                                  tr.run_w[b] * stretch_steady_c(*ft, in.run_c[node], u, true) +
                                  tr.stall_w[b] * stretch_steady_c(*ft, in.stall_c[node], u, false);
        note_units(u0, u1, node_sample_c.data(), false);
      }
    }
    // The stretch's first step (with its drive), then the rest: its extremes are at its ends.
    for (std::int64_t node = 0; node < npr; ++node) {
      const double node_inlet = in.stretches ? in.step_c[node] : in.node_inlet_c[node];
      const double node_power = in.node_power_w[node];
      const auto u0 = static_cast<std::size_t>(node * apn), u1 = u0 + static_cast<std::size_t>(apn);
      if (slot[node] == Coasting::kRepairing) {
        for (std::size_t u = u0; u < u1; ++u)
          jc[u] = thermal::junction_step_c(jc[u], node_inlet, decay);
        continue;
      }
      for (std::size_t u = u0; u < u1; ++u) {
        drive[u] = gain * (node_inlet + res[u] * node_power);
        jc[u] = drive[u] + decay * jc[u];
      }
    }
    note();
    if (m > 1 && !repairs) {
      std::size_t u = step_units<8>(jc, drive, decay, m - 1, n);
      u += step_units<4>(jc + u, drive + u, decay, m - 1, n - u);
      for (; u < n; ++u)
        for (std::int64_t i = 1; i < m; ++i) jc[u] = drive[u] + decay * jc[u];
      note();
    } else if (m > 1) {
      for (std::int64_t node = 0; node < npr; ++node) {
        const auto u0 = static_cast<std::size_t>(node * apn);
        const auto u1 = u0 + static_cast<std::size_t>(apn);
        if (slot[node] == Coasting::kRepairing) {
          const double node_inlet = in.node_inlet_c[node];
          for (std::size_t u = u0; u < u1; ++u)
            for (std::int64_t i = 1; i < m; ++i)
              jc[u] = thermal::junction_step_c(jc[u], node_inlet, decay);
          continue;
        }
        std::size_t u = u0 + step_units<4>(jc + u0, drive + u0, decay, m - 1, u1 - u0);
        for (; u < u1; ++u)
          for (std::int64_t i = 1; i < m; ++i) jc[u] = drive[u] + decay * jc[u];
      }
      note();
    }
    // The per-rack series, added once per tick as the kernel adds them (in registers).
    double power_sum = power, inlet_sum = inlet, throttled_sum = throttled;
    for (std::int64_t i = 0; i < m; ++i) {
      power_sum += in.mean_power_w;
      inlet_sum += in.tick_inlet_c;
      throttled_sum += throttled_share;
    }
    power = power_sum, inlet = inlet_sum, throttled = throttled_sum;
    j = next;
  }
  // The counter's outcome (thermal_cycles.hpp, observe_sample): a rising leg extends to the
  // trajectory's maximum and completes a half-cycle only if some value falls more than the
  // hysteresis below the leg's extreme so far; a falling leg likewise. In float, as the counter
  // compares: a fall between two steps is bounded by the double one plus the conversions'
  // rounding (the 1e-6 margin; a case inside it is replayed).
  const auto h = static_cast<float>(hysteresis);
  bool replay = false;
  auto counted = [&](std::size_t u) {
    return slot[static_cast<std::int64_t>(u) / apn] != Coasting::kRepairing;
  };
  for (std::size_t u = 0; u < n && !replay; ++u) {
    if (!counted(u)) continue;
    const float e0 = extreme[u], leg = e0 - turning[u];
    const auto hi = static_cast<float>(hottest[u]), lo = static_cast<float>(coldest[u]);
    const double margin = 1e-6 * std::max(std::fabs(hottest[u]), std::fabs(coldest[u]));
    if (leg > 0.0f)
      replay = e0 - lo > h || !(fall[u] + margin <= 0.999999 * hysteresis);
    else if (leg < 0.0f)
      replay = hi - e0 > h || !(rise[u] + margin <= 0.999999 * hysteresis);
    else
      replay = true;  // no direction yet (only at the start of a run): the counter decides
  }
  if (!replay) {
    for (std::size_t u = 0; u < n; ++u) {
      if (!counted(u)) continue;
      const float e0 = extreme[u];
      if (e0 > turning[u])
        extreme[u] = std::max(e0, static_cast<float>(hottest[u]));
      else
        extreme[u] = std::min(e0, static_cast<float>(coldest[u]));
    }
  } else {
    std::copy(start, start + n, jc);
    PaceReplay again(*this, r, since, k, coast);
    for (std::int64_t j = since; j < k; ++j) {
      if (again.at(j) || j == since) set_drive(again);
      const double t0_s = static_cast<double>(j) * dt;
      std::int64_t cycles = 0;
      double swing_k = 0.0, damage_ref_s = 0.0;
      for (std::int64_t node = 0; node < npr; ++node) {
        const std::int64_t base = node * apn;
        const double node_inlet = again.stretches ? again.step_c[node] : again.node_inlet_c[node];
        if (slot[node] == Coasting::kRepairing) {
          for (std::int64_t a = base; a < base + apn; ++a)
            jc[a] = thermal::junction_step_c(jc[a], node_inlet, decay);
          continue;
        }
        const FastTick* stretch = again.stretch_tick(node);
        if (again.stretches) {  // the node's step with its inlet of the tick
          std::copy(jc + base, jc + base + apn, node_t0_c.data());
          for (std::int64_t a = base; a < base + apn; ++a)
            jc[a] = gain * (node_inlet + res[a] * again.node_power_w[node]) + decay * jc[a];
        } else {
          for (std::int64_t a = base; a < base + apn; ++a) jc[a] = drive[a] + decay * jc[a];
        }
        if (stretch != nullptr && stretch->traj.boundaries > 0) {
          count_cycles(r * apr + base, node_inlet, again.run_c[node], again.stall_c[node], t0_s,
                       t0_s + dt, *stretch, true, false, cycles, swing_k, damage_ref_s);
        } else if (thermal::observe_units(apn, jc + base, hysteresis, turning + base,
                                          extreme + base, node_swing_k.data())) {
          FastTick ft;  // one stretch at the node's coasting power
          ft.thermal_power_w = again.node_power_w[node];
          const bool in_tick = again.stretches;  // a tick with stretches: their inlets
          count_cycles(r * apr + base, node_inlet, in_tick ? again.run_c[node] : node_inlet,
                       in_tick ? again.stall_c[node] : node_inlet, t0_s, t0_s + dt, ft, true, true,
                       cycles, swing_k, damage_ref_s);
        }
      }
      if (cycles > 0) {
        coast.settled_cycles += cycles;
        coast.settled_swing_fx += to_fixed(swing_k, kSecondScale);
        coast.settled_damage_fx += to_fixed(damage_ref_s, kSecondScale);
      }
    }
  }
  // The rack's power and mean inlet of its last coasting tick: the next tick's inlet, the
  // hazard update's.
  fleet.rack_power_w[r] = in.end_power_w;
  fleet.rack_inlet_c[r] = in.tick_inlet_c;
  double& rack_max = series.rack_values(ids.rack_max_junction)[r];
  rack_max = std::max(rack_max, rack_max_c);
  coast.settled_max_c = std::max(coast.settled_max_c, rack_max_c);
  coast_count_rack(r, -1);
  coast.since[r] = -1;
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
}

void Engine::State::coast_restored() {
  coast.eligible_racks.clear();
  coast.slot_nodes.assign(control.jobs.size() + 1, 0);
  coast.coasting_racks = coast.throttled = coast.swing_fx = coast.unallocated_fx = 0;
  coast.site_power_fx.assign(sites.size(), 0);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    if (coast.eligible[r]) coast.eligible_racks.push_back(r);
    if (coast.since[r] < 0) continue;
    coast_count_rack(r, 1);
  }
}

}  // namespace ct::twin
