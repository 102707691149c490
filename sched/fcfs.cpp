#include "sched/fcfs.hpp"

namespace ct::sched {

DecisionSet FcfsScheduler::decide(const ClusterView& view, double now_s) const {
  DecisionSet out;
  Pass pass(view, now_s, placement_, false);
  const auto order = fcfs_order(view.queue);
  start_in_order(pass, order, kNoHold, out);
  return out;
}

PolicyInfo fcfs_policy() {
  return {"fcfs",
          "first come, first served; the first job that does not fit blocks the queue",
          {kPlacementOption},
          [](const PolicyOptions& o) -> std::unique_ptr<Scheduler> {
            return std::make_unique<FcfsScheduler>(placement_option(o));
          }};
}

}  // namespace ct::sched
