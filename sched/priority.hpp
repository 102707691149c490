// Priority with preemption. The queue is ordered by priority (higher first), then order_s, then
// id; jobs start in that order while they fit. When the first job that does not fit (the head)
// could fit by taking nodes from lower-priority jobs, those jobs are told to preempt: they
// checkpoint, then yield their nodes and go back to the queue (the engine carries this out and
// calls decide() again when they have yielded). Victims: running, preemptible, not already
// yielding, priority ≤ head's − min_priority_gap, running for at least min_runtime_s; taken in
// order of lowest priority, then latest start (least progress at stake), then id, until enough
// nodes are coming free; nobody is preempted if that cannot free enough. With backfill, later
// jobs may start on nodes the head will not need (EASY rule, the head's start counted as now
// while it waits for preempted nodes).
#pragma once

#include "sched/registry.hpp"

namespace ct::sched {

struct PriorityOptions {
  PlacementMode placement = PlacementMode::compact;
  bool backfill = true;
  bool preemption = true;
  std::int32_t min_priority_gap = 1;
  double min_runtime_s = 0.0;
};

class PriorityScheduler final : public Scheduler {
 public:
  explicit PriorityScheduler(PriorityOptions options) : options_(options) {}
  std::string_view name() const override { return "priority"; }
  DecisionSet decide(const ClusterView& view, double now_s) const override;

 private:
  PriorityOptions options_;
};

PolicyInfo priority_policy();

}  // namespace ct::sched
