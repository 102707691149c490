// Failures and repairs (replicated control): the failures of a tick in (time, key) order, what a
// failure takes down, hot-spare swaps, the jobs it interrupts and the work they lose, component
// renewal, and repairs returning nodes.
#include <algorithm>

#include "twin/engine_state.hpp"
#include "twin/failure_scope.hpp"

namespace ct::twin {

// Work thrown away moves to `lost` (DESIGN §4), and the failure tick's time after the failure
// instant to `recovery`, in the interval's series and the run totals (the categories' sum is
// unchanged).
void Engine::State::move_to_lost(const Loss& loss) {
  auto move = [&](int from, int to, double time_s, double energy_j) {
    if (from == to || (time_s == 0.0 && energy_j == 0.0)) return;
    series.add(ids.cat_time[from], -time_s);
    series.add(ids.cat_time[to], time_s);
    series.add(ids.cat_energy[from], -energy_j);
    series.add(ids.cat_energy[to], energy_j);
    acct.time_total[from] -= time_s;
    acct.time_total[to] += time_s;
    acct.energy_total[from] -= energy_j;
    acct.energy_total[to] += energy_j;
  };
  for (int c = 0; c < kCategoryCount; ++c) {
    move(c, recovery, loss.recovery_time_s[c], loss.recovery_energy_j[c]);
    move(c, lost, loss.time_s[c], loss.energy_j[c]);
  }
}

// The candidates of the tick: the replicated scopes' failures due (twin/scopes/: job-scope
// hazards, spine clocks), and the earliest distributed failure per job from the reduction.
void Engine::State::failures_tick(TickReduction& red, double t0_s, double t1_s) {
  tick_t0_s = t0_s;
  candidates.clear();
  for (int sc_i = 0; sc_i < faults::kScopeCount; ++sc_i)
    failure_scope(static_cast<faults::Scope>(sc_i)).candidates(*this, t0_s, t1_s, candidates);
  const FailureSlot* fs = red.slots();
  for (int j = 0; j < slots.n_slots; ++j)
    if (std::isfinite(fs[j].time_s))
      candidates.push_back(Candidate{fs[j].time_s, fs[j].key, fs[j].failure_class});
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.time_s != b.time_s ? a.time_s < b.time_s : a.key < b.key;
  });
  for (const Candidate& c : candidates) apply_failure(c);
  complete_repairs(t1_s);
}

// The failed component starts a new life (repaired or replaced): fresh hazard and threshold.
// Every rank calls this; only the owner of a distributed component changes anything.
void Engine::State::reset_component(std::int64_t key, double time_s) {
  const auto ukey = static_cast<std::uint64_t>(key);
  const faults::Scope scope = faults::scope_of_key(ukey);
  const auto index = static_cast<std::int64_t>(faults::index_of_key(ukey));
  std::erase_if(fleet.pending, [&](const Pending& p) { return p.key == key; });
  failure_scope(scope).renew(*this, index, ukey, time_s);
}

void Engine::State::apply_failure(const Candidate& c) {
  const auto ukey = static_cast<std::uint64_t>(c.key);
  const faults::Scope scope = faults::scope_of_key(ukey);
  const auto index = static_cast<std::int64_t>(faults::index_of_key(ukey));
  const auto cls = static_cast<faults::FailureClass>(c.failure_class);
  const faults::FailureClassSpec& spec = sc.faults.model[cls];
  ++acct.failures_total;
  ++acct.failures_by_class[c.failure_class];
  const double t = c.time_s;

  // What leaves service, and which jobs are interrupted.
  FailureEffect effect;
  failure_scope(scope).effect(*this, index, spec.takes_down, effect);
  std::vector<std::int64_t>& drained = effect.drained;
  std::vector<int>& hit = effect.hit;
  const std::int64_t event_rack = effect.event_rack;
  std::vector<std::pair<int, std::size_t>> hit_slots;  // (job, slot) of each drained job node
  for (std::int64_t n : drained) drain_node(n, t, spec.mttr_s, hit, &hit_slots);
  std::sort(hit.begin(), hit.end());
  hit.erase(std::unique(hit.begin(), hit.end()), hit.end());

  const std::int64_t component_id = index;
  if (hit.empty()) emit_event(t, ev_failure, c.failure_class, component_id, event_rack, -1, 0.0);
  for (int j : hit) {
    FailureHit h;
    h.time_s = t;
    h.planned = spec.planned;
    h.downtime_s = spec.mttr_s;
    for (const auto& [jj, slot] : hit_slots)
      if (jj == j) h.slots.push_back(slot);
    const Loss loss = interrupt_job(j, h, !drained.empty());
    emit_event(t, ev_failure, c.failure_class, component_id, event_rack, j, loss.accelerator_s());
  }
  reset_component(c.key, t);
  if (!drained.empty()) drop_pending_of_drained(t);
}

Loss Engine::State::interrupt_job(int j, FailureHit h, bool nodes_changed) {
  JobControl::Job& job = control.jobs[j];
  if (nodes_changed) job.work->nodes_changed(job.alloc);
  h.nodes_missing = !job.alloc.missing_slots.empty();
  const Loss loss = job.work->fail(h);
  job.interrupted_this_tick = true;
  move_to_lost(loss);
  // The job-scope hazard grows only while the job runs: its running time of this tick after
  // the interruption (booked before it was known) does not count.
  const double x = std::clamp((h.time_s - tick_t0_s) / dt, 0.0, 1.0);
  if (x < job.hazard_cut_f) {
    job.hazard -= job.rate_per_s * dt *
                  (job.tick.running_before_f(job.hazard_cut_f) - job.tick.running_before_f(x));
    job.hazard = std::max(job.hazard, 0.0);
    job.hazard_cut_f = x;
  }
  ++acct.interruptions;
  ++job.interruptions;
  if (!h.planned) ++acct.interruptions_unplanned;
  return loss;
}

void Engine::State::drain_node(std::int64_t n, double t, double mttr_s, std::vector<int>& hit,
                               std::vector<std::pair<int, std::size_t>>* hit_slots) {
  auto& role = control.node_role;
  if (role[n] == NodeRole::repairing) return;
  const NodeRole was = role[n];
  role[n] = NodeRole::repairing;
  control.changed_nodes.push_back(n);
  control.repairs.emplace(t + mttr_s, n);
  if (was != NodeRole::active) return;
  const int j = control.node_job[n];
  Allocation& a = control.jobs[j].alloc;
  if (std::find(hit.begin(), hit.end(), j) == hit.end()) hit.push_back(j);
  const auto slot =
      static_cast<std::size_t>(std::find(a.nodes.begin(), a.nodes.end(), n) - a.nodes.begin());
  if (hit_slots) hit_slots->emplace_back(j, slot);
  auto spare = std::find_if(a.spares.begin(), a.spares.end(),
                            [&](std::int64_t s) { return role[s] == NodeRole::spare; });
  if (spare != a.spares.end()) {
    const std::int64_t replacement = *spare;
    *spare = n;  // the failed node becomes a spare of the job once repaired
    role[replacement] = NodeRole::active;
    control.changed_nodes.push_back(replacement);
    a.nodes[slot] = replacement;
  } else {
    a.missing_slots.push_back(slot);
    a.spares.push_back(n);
  }
}

// Components of drained nodes are swapped out with them: drop their pending failures.
void Engine::State::drop_pending_of_drained(double t) {
  auto& role = control.node_role;
  {
    for (auto it = fleet.pending.begin(); it != fleet.pending.end();) {
      const auto pk = static_cast<std::uint64_t>(it->key);
      const auto ps = faults::scope_of_key(pk);
      const auto pi = static_cast<std::int64_t>(faults::index_of_key(pk));
      const std::int64_t node = ps == faults::Scope::accelerator ? pi / apn
                                : ps == faults::Scope::node      ? pi
                                                                 : -1;
      if (node >= 0 && role[node] == NodeRole::repairing) {
        const std::int64_t key = it->key;
        it = fleet.pending.erase(it);
        reset_component(key, t);
        it = fleet.pending.begin();
      } else {
        ++it;
      }
    }
  }
}

void Engine::State::complete_repairs(double until_s) {
  while (!control.repairs.empty() && control.repairs.top().first <= until_s) {
    const auto [t, n] = control.repairs.top();
    control.repairs.pop();
    const int j = control.node_job[n];
    control.node_role[n] = j >= 0 ? NodeRole::spare : NodeRole::free;
    control.changed_nodes.push_back(n);
    emit_event(t, ev_repair, -1, n, campus.rack_of_node(n), j, 0.0);
    if (j < 0) continue;
    JobControl::Job& job = control.jobs[j];
    Allocation& a = job.alloc;
    if (a.missing_slots.empty()) continue;
    const std::size_t slot = a.missing_slots.back();
    a.missing_slots.pop_back();
    std::erase(a.spares, n);
    control.node_role[n] = NodeRole::active;
    a.nodes[slot] = n;
    job.work->slot_restored(slot, t);
    // The node that failed in this slot (maybe n itself) is a spare once repaired.
    if (a.missing_slots.empty()) {
      job.work->nodes_changed(a);
      job.work->nodes_restored(t);
    }
  }
}

}  // namespace ct::twin
