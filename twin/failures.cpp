// Failures and repairs (replicated control): what a failure takes down, hot-spare swaps, the
// jobs it interrupts and the work they lose, component renewal, and repairs returning nodes.
#include <algorithm>

#include "twin/engine_state.hpp"

namespace ct::twin {

// The failed component starts a new life (repaired or replaced): fresh hazard and threshold.
// Every rank calls this; only the owner of a distributed component changes anything.
void Engine::State::reset_component(std::int64_t key, double time_s) {
  const auto ukey = static_cast<std::uint64_t>(key);
  const faults::Scope scope = faults::scope_of_key(ukey);
  const auto index = static_cast<std::int64_t>(faults::index_of_key(ukey));
  std::erase_if(pending, [&](const Pending& p) { return p.key == key; });
  auto fresh = [&](double& hazard, double& threshold, std::uint32_t& life, float& start) {
    ++life;
    hazard = 0.0;
    threshold = faults::failure_threshold(seed, ukey, life);
    start = static_cast<float>(time_s);
  };
  switch (scope) {
    case faults::Scope::accelerator:
      if (index >= first_acc && index < first_acc + local_accs) {
        const std::int64_t i = index - first_acc;
        fresh(acc_hazard[i], acc_threshold[i], acc_life[i], acc_life_start_s[i]);
      }
      break;
    case faults::Scope::node:
      if (index >= first_node && index < first_node + local_nodes) {
        const std::int64_t n = index - first_node;
        fresh(node_hazard[n], node_threshold[n], node_life[n], node_life_start_s[n]);
      }
      break;
    case faults::Scope::rack_leaf_switch:
      if (index >= block.first_rack && index < block.first_rack + block.rack_count) {
        const std::int64_t r = index - block.first_rack;
        fresh(rack_hazard[r], rack_threshold[r], rack_life[r], rack_life_start_s[r]);
      }
      break;
    case faults::Scope::spine_switch:
      ++spine_life[index];
      spine_next_s[index] =
          time_s + faults::failure_threshold(seed, ukey, spine_life[index]) / spine_rate_per_s;
      break;
    case faults::Scope::job: {
      Job& job = jobs[index];
      ++job.life;
      job.hazard = 0.0;
      job.threshold = faults::failure_threshold(seed, ukey, job.life);
      break;
    }
  }
}

namespace {

void replace_node(workload::JobPlacement& p, std::size_t slot, std::int64_t replacement) {
  const std::int64_t old = p.nodes[slot];
  p.nodes[slot] = replacement;
  for (auto& n : p.dp_ring_nodes)
    if (n == old) n = replacement;
  for (auto& b : p.pp_boundaries) {
    if (b.from == old) b.from = replacement;
    if (b.to == old) b.to = replacement;
  }
}

}  // namespace

void Engine::State::apply_failure(const Candidate& c, double tick_end_s) {
  const auto ukey = static_cast<std::uint64_t>(c.key);
  const faults::Scope scope = faults::scope_of_key(ukey);
  const auto index = static_cast<std::int64_t>(faults::index_of_key(ukey));
  const auto cls = static_cast<faults::FailureClass>(c.failure_class);
  const faults::FailureClassSpec& spec = sc.faults.model[cls];
  ++failures_total;
  ++failures_by_class[c.failure_class];
  const double t = c.time_s;

  // What leaves service, and which jobs are interrupted.
  std::vector<std::int64_t> drained;
  std::vector<int> hit;
  std::int64_t event_rack = -1;
  auto add_rack_nodes = [&](std::int64_t rack) {
    for (std::int64_t k = 0; k < npr; ++k) drained.push_back(rack * npr + k);
  };
  switch (scope) {
    case faults::Scope::accelerator:
    case faults::Scope::node: {
      const std::int64_t node = scope == faults::Scope::accelerator ? index / apn : index;
      event_rack = campus.rack_of_node(node);
      if (spec.takes_down == faults::TakesDown::rack)
        add_rack_nodes(event_rack);
      else if (spec.takes_down != faults::TakesDown::job_only &&
               spec.takes_down != faults::TakesDown::bandwidth_only)
        drained.push_back(node);
      else if (node_role[node] == NodeRole::active)
        hit.push_back(node_job[node]);
      break;
    }
    case faults::Scope::rack_leaf_switch:
      event_rack = index;
      add_rack_nodes(index);
      break;
    case faults::Scope::spine_switch:
      // Bandwidth only: nothing is drained; the jobs with nodes in the hall restart.
      for (std::size_t j = 0; j < jobs.size(); ++j)
        for (std::int64_t n : jobs[j].placement.nodes)
          if (campus.hall_of_rack(campus.rack_of_node(n)) == index) {
            hit.push_back(static_cast<int>(j));
            break;
          }
      break;
    case faults::Scope::job:
      hit.push_back(static_cast<int>(index));
      break;
  }

  for (std::int64_t n : drained) {
    if (node_role[n] == NodeRole::repairing) continue;
    const NodeRole was = node_role[n];
    node_role[n] = NodeRole::repairing;
    repairs.emplace(t + spec.mttr_s, n);
    if (was != NodeRole::active) continue;
    const int j = node_job[n];
    Job& job = jobs[j];
    if (std::find(hit.begin(), hit.end(), j) == hit.end()) hit.push_back(j);
    const auto slot = static_cast<std::size_t>(
        std::find(job.placement.nodes.begin(), job.placement.nodes.end(), n) -
        job.placement.nodes.begin());
    auto spare = std::find_if(job.placement.spares.begin(), job.placement.spares.end(),
                              [&](std::int64_t s) { return node_role[s] == NodeRole::spare; });
    if (spare != job.placement.spares.end()) {
      const std::int64_t replacement = *spare;
      *spare = n;  // the failed node becomes a spare of the job once repaired
      node_role[replacement] = NodeRole::active;
      replace_node(job.placement, slot, replacement);
    } else {
      job.missing_slots.push_back(slot);
      job.placement.spares.push_back(n);
    }
  }
  std::sort(hit.begin(), hit.end());
  hit.erase(std::unique(hit.begin(), hit.end()), hit.end());

  const std::int64_t component_id = index;
  if (hit.empty()) {
    emit_event(t, ev_failure, c.failure_class, component_id, event_rack, -1, 0.0);
  }
  for (int j : hit) {
    Job& job = jobs[j];
    if (!drained.empty()) recompute_breakdown(job);
    const JobRuntime::Loss loss =
        job.runtime.fail(t, spec.planned, spec.mttr_s, !job.missing_slots.empty());
    // Work thrown away moves from compute to lost (DESIGN §4).
    cat_time_interval[compute] -= loss.accelerator_s;
    cat_time_interval[lost] += loss.accelerator_s;
    cat_energy_interval[compute] -= loss.energy_j;
    cat_energy_interval[lost] += loss.energy_j;
    cat_time_total[compute] -= loss.accelerator_s;
    cat_time_total[lost] += loss.accelerator_s;
    cat_energy_total[compute] -= loss.energy_j;
    cat_energy_total[lost] += loss.energy_j;
    ++interruptions;
    ++job.interruptions;
    if (!spec.planned) ++interruptions_unplanned;
    emit_event(t, ev_failure, c.failure_class, component_id, event_rack, j, loss.accelerator_s);
  }
  (void)tick_end_s;
  reset_component(c.key, t);
  // Components of drained nodes are swapped out with them: drop their pending failures.
  if (!drained.empty()) {
    for (auto it = pending.begin(); it != pending.end();) {
      const auto pk = static_cast<std::uint64_t>(it->key);
      const auto ps = faults::scope_of_key(pk);
      const auto pi = static_cast<std::int64_t>(faults::index_of_key(pk));
      const std::int64_t node = ps == faults::Scope::accelerator ? pi / apn
                                : ps == faults::Scope::node      ? pi
                                                                 : -1;
      if (node >= 0 && node_role[node] == NodeRole::repairing) {
        const std::int64_t key = it->key;
        it = pending.erase(it);
        reset_component(key, t);
        it = pending.begin();
      } else {
        ++it;
      }
    }
  }
}

void Engine::State::complete_repairs(double until_s) {
  while (!repairs.empty() && repairs.top().first <= until_s) {
    const auto [t, n] = repairs.top();
    repairs.pop();
    const int j = node_job[n];
    node_role[n] = j >= 0 ? NodeRole::spare : NodeRole::free;
    emit_event(t, ev_repair, -1, n, campus.rack_of_node(n), j, 0.0);
    if (j < 0) continue;
    Job& job = jobs[j];
    if (job.missing_slots.empty()) continue;
    const std::size_t slot = job.missing_slots.back();
    job.missing_slots.pop_back();
    std::erase(job.placement.spares, n);
    node_role[n] = NodeRole::active;
    replace_node(job.placement, slot, n);
    // The node that failed in this slot (maybe n itself) is a spare once repaired.
    if (job.missing_slots.empty()) {
      recompute_breakdown(job);
      job.runtime.spares_ready(t);
    }
  }
}

}  // namespace ct::twin
