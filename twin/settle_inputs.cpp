// Multi-rate stepping: a coasting rack's inputs from its first coasting tick to the settle's,
// recorded once per key and shared by the racks of one tick that would read the same
// (Engine::State::settle_inputs; twin/README.md, "Settling").
#include <bit>
#include <cstdint>
#include <vector>

#include "twin/engine_state.hpp"
#include "twin/pace_replay.hpp"

namespace ct::twin {

// What rack r's inputs from tick `since` to k − 1 depend on (settle_inputs): PaceReplay reads
// of the rack only its nodes' slots, RC-step powers and inlets, its power and mean inlet when it
// started coasting, its supply temperature and row-end weight (coast_inlet_c), all in the key,
// bit for bit.
void Engine::State::settle_key(std::int64_t r, std::int64_t since, std::int64_t k,
                               std::vector<std::uint64_t>& key) const {
  key.clear();
  key.push_back(static_cast<std::uint64_t>(since));
  key.push_back(static_cast<std::uint64_t>(k));
  key.push_back(std::bit_cast<std::uint64_t>(sites[rack_site[r]].supply_c));
  key.push_back(std::bit_cast<std::uint64_t>(rack_row_end_weight[r]));
  key.push_back(std::bit_cast<std::uint64_t>(fleet.rack_power_w[r]));
  key.push_back(std::bit_cast<std::uint64_t>(coast.rack_inlet_c[r]));
  for (std::int64_t n = r * npr; n < (r + 1) * npr; ++n) {
    key.push_back(static_cast<std::uint64_t>(coast.node_slot[n]));
    key.push_back(std::bit_cast<std::uint64_t>(coast.node_power_w[n]));
    key.push_back(std::bit_cast<std::uint64_t>(coast.node_inlet_c[n]));
  }
}

// Rack r's inputs from tick `since` to k − 1, recorded by walking its PaceReplay, or those of
// an earlier rack of this tick with the same key.
const Coasting::SettleInputs& Engine::State::settle_inputs(std::int64_t r, std::int64_t since,
                                                           std::int64_t k) {
  std::vector<std::uint64_t>& key = coast.scratch_key;
  settle_key(r, since, k, key);
  for (std::size_t e = 0; e < coast.settle_inputs_valid; ++e)
    if (coast.settle_inputs[e].key == key) return coast.settle_inputs[e];
  std::size_t e = coast.settle_inputs_valid;
  if (e < Coasting::kSettleInputs) {
    ++coast.settle_inputs_valid;
  } else {
    e = coast.settle_inputs_next;
    coast.settle_inputs_next = (e + 1) % Coasting::kSettleInputs;
  }
  Coasting::SettleInputs& rec = coast.settle_inputs[e];
  rec.key = key;
  rec.m.clear(), rec.mean_power_w.clear(), rec.tick_inlet_c.clear(), rec.inlet_c.clear();
  rec.power_w.clear(), rec.run_c.clear(), rec.stall_c.clear(), rec.words.clear();
  rec.boundary.clear(), rec.sampled.clear();
  rec.series_valid = false;
  const double idle_w = sc.accelerator.idle_w;
  PaceReplay in(*this, r, since, k, coast);
  for (std::int64_t j = since; j < k;) {
    in.at(j);
    const std::int64_t next = in.next_change(j);
    rec.m.push_back(next - j);
    rec.mean_power_w.push_back(in.mean_power_w);
    rec.tick_inlet_c.push_back(in.tick_inlet_c);
    for (std::int64_t node = 0; node < npr; ++node) {
      rec.inlet_c.push_back(in.stretches ? in.step_c[node] : in.node_inlet_c[node]);
      rec.power_w.push_back(in.node_power_w[node]);
      const FastTick* ft = in.stretch_tick(node);
      if (ft == nullptr || ft->traj.boundaries == 0) {
        rec.boundary.push_back(-1), rec.run_c.push_back(0.0), rec.stall_c.push_back(0.0);
        continue;
      }
      // A node's steady temperature in a running or stalled stretch is inlet + R·power
      // (count_cycles' at its clock): the two powers, then each boundary's weights.
      const TickTrajectory& tr = ft->traj;
      if (rec.sampled.empty() || rec.sampled.back() != rec.m.size() - 1)
        rec.sampled.push_back(rec.m.size() - 1);
      rec.run_c.push_back(in.run_c[node]), rec.stall_c.push_back(in.stall_c[node]);
      // A node with the last node's FastTick reads its words (the same values): the settle then
      // samples the rack's nodes in one call.
      if (node > 0 && in.stretch_tick(node - 1) == ft) {
        rec.boundary.push_back(rec.boundary.back());
        continue;
      }
      rec.boundary.push_back(static_cast<std::int32_t>(rec.words.size()));
      rec.words.push_back(static_cast<double>(tr.boundaries));
      rec.words.push_back(idle_w + ft->run_activity * ft->dynamic_w);
      rec.words.push_back(idle_w + ft->stall_activity * ft->dynamic_w);
      for (int b = 0; b < tr.boundaries; ++b) {
        rec.words.push_back(tr.decay[b]);
        rec.words.push_back(tr.run_w[b]);
        rec.words.push_back(tr.stall_w[b]);
      }
    }
    j = next;
  }
  rec.end_power_w = in.end_power_w;
  rec.last_inlet_c = in.tick_inlet_c;
  return rec;
}

}  // namespace ct::twin
