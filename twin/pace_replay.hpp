// A coasting rack's inputs walked tick by tick through the multi-rate step history (twin/README.md,
// "Multi-rate stepping": pace steps, ticks with stretches). Read by settle_inputs, which records
// the walk once per key (settle_inputs.cpp), and by settle_rack's tick-by-tick feed of the
// cycle counter (coasting_replay.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "twin/coasting_history.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin {

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
          end_w += static_cast<double>(count[f]) * ft.end_node_step_w();
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

}  // namespace ct::twin
