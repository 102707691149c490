// Fail-slow events (twin/fail_slow.hpp, faults/fail_slow.hpp): onsets, the slowdown each job
// sees, mitigation. Replicated: every rank draws the same events (Philox keyed by seed, class
// and event number, never by rank) and applies them in the same order.
#include <algorithm>
#include <cmath>

#include "common/random.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin {

namespace {

// Philox ids of a class's draws: what the draw is for, per class.
enum Draw : std::uint64_t { arrival = 0, instance = 1, duration_u1 = 2, duration_u2 = 3 };
std::uint64_t draw_id(int cls, Draw what) { return (static_cast<std::uint64_t>(cls) << 8) | what; }

std::int64_t instances(const topology::Campus& campus, faults::Scope scope) {
  switch (scope) {
    case faults::Scope::accelerator:
      return campus.accelerators();
    case faults::Scope::node:
      return campus.nodes();
    case faults::Scope::rack_leaf_switch:
      return campus.racks();
    default:
      return 0;
  }
}

}  // namespace

void Engine::State::fail_slow_setup() {
  const faults::FailSlowModel& m = sc.faults.fail_slow;
  FailSlowState& st = fail_slow;
  st = FailSlowState{};
  for (int c = 0; c < faults::kFailSlowClassCount; ++c) {
    const double rate =
        m.classes[c].rate_per_s * static_cast<double>(instances(campus, m.classes[c].scope));
    st.next_s[c] =
        sc.faults.enabled && rate > 0.0
            ? rng::exponential1(seed, rng::Stream::fail_slow, draw_id(c, arrival), 0) / rate
            : kInf;
  }
  fail_slow_scheduled = sc.faults.enabled ? m.events : std::vector<faults::ScheduledFailSlow>{};
  std::stable_sort(fail_slow_scheduled.begin(), fail_slow_scheduled.end(),
                   [](const faults::ScheduledFailSlow& a, const faults::ScheduledFailSlow& b) {
                     return a.start_s < b.start_s;
                   });
}

void Engine::State::fail_slow_begin_tick(double t0_s, double t1_s) {
  const faults::FailSlowModel& m = sc.faults.fail_slow;
  FailSlowState& st = fail_slow;
  auto start = [&](FailSlowState::Event e) {
    st.active.push_back(e);
    ++st.events;
    const auto cls = static_cast<faults::FailSlowClass>(e.cls);
    const faults::Scope scope = m[cls].scope;
    const std::int64_t rack = scope == faults::Scope::accelerator ? e.instance / apr
                              : scope == faults::Scope::node      ? e.instance / npr
                                                                  : e.instance;
    // The job it slows, if any (the first node of a rack's in a job).
    int job = -1;
    for (std::int64_t k = 0; k < (scope == faults::Scope::rack_leaf_switch ? npr : 1); ++k) {
      const std::int64_t node = scope == faults::Scope::accelerator ? e.instance / apn
                                : scope == faults::Scope::node      ? e.instance
                                                                    : e.instance * npr + k;
      if (job < 0 && control.node_role[node] == NodeRole::active) job = control.node_job[node];
    }
    emit_event(e.start_s, ev_fail_slow, faults::kFailureClassCount + e.cls, e.instance, rack, job,
               0.0);
  };
  // Scheduled events (what-if) and random onsets due before the tick's end, in time order per
  // source (their order among sources does not matter: they only add slow intervals).
  while (st.scheduled_started < fail_slow_scheduled.size() &&
         fail_slow_scheduled[st.scheduled_started].start_s < t1_s) {
    const faults::ScheduledFailSlow& s = fail_slow_scheduled[st.scheduled_started++];
    start(FailSlowState::Event{s.start_s, s.start_s + s.duration_s, s.severity, s.instance,
                               static_cast<std::int32_t>(s.cls)});
  }
  for (int c = 0; c < faults::kFailSlowClassCount; ++c) {
    const faults::FailSlowClassSpec& spec = m.classes[c];
    const std::int64_t n = instances(campus, spec.scope);
    const double rate = spec.rate_per_s * static_cast<double>(n);
    while (st.next_s[c] < t1_s) {
      const std::uint32_t k = st.drawn[c]++;
      const double u = rng::uniform01(seed, rng::Stream::fail_slow, draw_id(c, instance), k);
      const auto inst = std::min(static_cast<std::int64_t>(u * static_cast<double>(n)), n - 1);
      const double d = faults::fail_slow_duration_s(
          spec, rng::uniform01(seed, rng::Stream::fail_slow, draw_id(c, duration_u1), k),
          rng::uniform01(seed, rng::Stream::fail_slow, draw_id(c, duration_u2), k));
      start(FailSlowState::Event{st.next_s[c], st.next_s[c] + d, spec.severity, inst, c});
      st.next_s[c] +=
          rng::exponential1(seed, rng::Stream::fail_slow, draw_id(c, arrival), k + 1) / rate;
    }
  }
  // Each job's slowest member over the tick: intervals of the events on its nodes.
  std::vector<faults::SlowInterval> intervals;
  for (std::size_t j = 0; j < control.jobs.size(); ++j) {
    if (!control.jobs[j].active) continue;  // a free slot of the queue
    intervals.clear();
    for (const FailSlowState::Event& e : st.active) {
      const auto cls = static_cast<faults::FailSlowClass>(e.cls);
      const faults::Scope scope = m[cls].scope;
      bool slows = false;
      auto in_job = [&](std::int64_t node) {
        return control.node_role[node] == NodeRole::active &&
               control.node_job[node] == static_cast<int>(j);
      };
      if (scope == faults::Scope::rack_leaf_switch) {
        for (std::int64_t k = 0; k < npr && !slows; ++k) slows = in_job(e.instance * npr + k);
      } else {
        slows = in_job(scope == faults::Scope::accelerator ? e.instance / apn : e.instance);
      }
      if (slows) intervals.push_back(faults::SlowInterval{e.start_s, e.end_s, e.severity});
    }
    control.jobs[j].work->set_slowdown(faults::effective_slowdown(intervals, t0_s, t1_s));
  }
}

void Engine::State::fail_slow_end_tick(double t0_s, double t1_s) {
  const faults::FailSlowModel& m = sc.faults.fail_slow;
  FailSlowState& st = fail_slow;
  if (st.active.empty()) return;
  std::vector<int> hit;
  for (FailSlowState::Event& e : st.active) {
    const auto cls = static_cast<faults::FailSlowClass>(e.cls);
    const faults::FailSlowClassSpec& spec = m[cls];
    // The nodes the event slows.
    std::vector<std::int64_t> nodes;
    if (spec.scope == faults::Scope::rack_leaf_switch)
      for (std::int64_t k = 0; k < npr; ++k) nodes.push_back(e.instance * npr + k);
    else
      nodes.push_back(spec.scope == faults::Scope::accelerator ? e.instance / apn : e.instance);
    // A node drained for repair meanwhile is fixed (or replaced): the event is over.
    if (spec.scope != faults::Scope::rack_leaf_switch &&
        control.node_role[nodes.front()] == NodeRole::repairing)
      e.end_s = std::min(e.end_s, t1_s);
    const double found_s = e.start_s + m.detection_s;
    if (m.mitigation != faults::FailSlowMitigation::replace || found_s >= t1_s ||
        found_s >= e.end_s)
      continue;
    // Found: each job it slows swaps the slow node(s) for hot spares if it has enough, and
    // restarts (it saves first: nothing is lost). Otherwise it keeps running slowly and the
    // swap is tried again at the next tick.
    const double at = std::max(found_s, t0_s);
    std::vector<int> jobs;
    for (std::int64_t n : nodes)
      if (control.node_role[n] == NodeRole::active &&
          std::find(jobs.begin(), jobs.end(), control.node_job[n]) == jobs.end())
        jobs.push_back(control.node_job[n]);
    if (jobs.empty()) continue;
    bool enough = true;
    for (int j : jobs) {
      std::int64_t need = 0, have = 0;
      for (std::int64_t n : nodes)
        need += control.node_role[n] == NodeRole::active && control.node_job[n] == j;
      for (std::int64_t s : control.jobs[j].alloc.spares)
        have += control.node_role[s] == NodeRole::spare;
      enough = enough && have >= need;
    }
    if (!enough) continue;
    hit.clear();
    std::vector<std::pair<int, std::size_t>> hit_slots;
    for (std::int64_t n : nodes)
      if (control.node_role[n] == NodeRole::active) drain_node(n, at, spec.mttr_s, hit, &hit_slots);
    drop_pending_of_drained(at);
    for (int j : hit) {
      FailureHit h;
      h.time_s = at;
      h.planned = true;  // announced by the detection: the job saves first
      h.downtime_s = 0.0;
      for (const auto& [jj, slot] : hit_slots)
        if (jj == j) h.slots.push_back(slot);
      interrupt_job(j, h, true);
      emit_event(at, ev_fail_slow_replaced, faults::kFailureClassCount + e.cls, e.instance,
                 campus.rack_of_node(nodes.front()), j, 0.0);
    }
    ++st.replacements;
    e.end_s = std::min(e.end_s, at);
  }
  std::erase_if(st.active, [&](const FailSlowState::Event& e) { return e.end_s <= t1_s; });
}

}  // namespace ct::twin
