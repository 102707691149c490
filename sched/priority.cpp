#include "sched/priority.hpp"

#include <algorithm>

namespace ct::sched {

DecisionSet PriorityScheduler::decide(const ClusterView& view, double now_s) const {
  DecisionSet out;
  Pass pass(view, now_s, options_.placement, false);
  std::vector<const QueuedJob*> order;
  order.reserve(view.queue.size());
  for (const QueuedJob& q : view.queue) order.push_back(&q);
  std::sort(order.begin(), order.end(), [](const QueuedJob* a, const QueuedJob* b) {
    if (a->priority != b->priority) return a->priority > b->priority;
    return a->order_s != b->order_s ? a->order_s < b->order_s : a->id < b->id;
  });
  const std::size_t head_index = start_in_order(pass, order, kNoHold, out);
  if (head_index == order.size()) return out;
  const QueuedJob& head = *order[head_index];

  Pass::Plan plan;
  bool planned = false;
  if (options_.preemption) {
    std::int64_t coming_free = pass.free_nodes();
    double release_s = now_s;
    std::vector<const RunningJob*> victims;
    for (const RunningJob& r : view.running) {
      if (r.yielding) {
        coming_free += r.nodes;
        release_s = std::max(release_s, r.requested_end_s);
      } else if (r.preemptible &&
                 std::int64_t{r.priority} <=
                     std::int64_t{head.priority} - options_.min_priority_gap &&
                 now_s - r.start_s >= options_.min_runtime_s) {
        victims.push_back(&r);
      }
    }
    std::sort(victims.begin(), victims.end(), [](const RunningJob* a, const RunningJob* b) {
      if (a->priority != b->priority) return a->priority < b->priority;
      return a->start_s != b->start_s ? a->start_s > b->start_s : a->id < b->id;
    });
    std::size_t chosen = 0;
    std::int64_t reachable = coming_free;
    while (reachable < head.nodes && chosen < victims.size()) reachable += victims[chosen++]->nodes;
    if (reachable >= head.nodes) {
      for (std::size_t i = 0; i < chosen; ++i) {
        Decision d;
        d.kind = Decision::Kind::preempt;
        d.job_id = victims[i]->id;
        out.decisions.push_back(std::move(d));
      }
      planned = true;
      plan.shadow_s = now_s;  // the head takes the nodes as soon as they are back
      plan.extra_nodes = reachable - head.nodes;
      out.reservations.push_back({head.id, release_s});
    }
  }
  if (!planned) {
    plan = pass.reservation(head);
    out.reservations.push_back({head.id, plan.shadow_s});
  }
  if (options_.backfill) backfill(pass, order, head_index, plan, kNoHold, out);
  return out;
}

PolicyInfo priority_policy() {
  return {"priority",
          "highest priority first; lower-priority jobs are preempted (checkpoint, then yield) "
          "for a blocked higher-priority job",
          {kPlacementOption,
           {"backfill", "true", "true | false", "EASY backfilling behind the blocked head"},
           {"preemption", "true", "true | false", "preempt lower-priority jobs for the head"},
           {"min_priority_gap", "1", "[1, 2^31)",
            "a victim's priority is at most the head's minus this"},
           {"min_runtime_s", "0", "[0, 1e9]",
            "a job runs at least this long before it can be "
            "preempted"}},
          [](const PolicyOptions& o) -> std::unique_ptr<Scheduler> {
            PriorityOptions p;
            p.placement = placement_option(o);
            p.backfill = o.flag("backfill", true);
            p.preemption = o.flag("preemption", true);
            p.min_priority_gap =
                static_cast<std::int32_t>(o.integer("min_priority_gap", 1, 1, 2147483647));
            p.min_runtime_s = o.number("min_runtime_s", 0.0, 0.0, 1e9);
            return std::make_unique<PriorityScheduler>(p);
          }};
}

}  // namespace ct::sched
