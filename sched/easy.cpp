#include "sched/easy.hpp"

namespace ct::sched {

DecisionSet EasyScheduler::decide(const ClusterView& view, double now_s) const {
  DecisionSet out;
  Pass pass(view, now_s, placement_, false);
  const auto order = fcfs_order(view.queue);
  const std::size_t head = start_in_order(pass, order, kNoHold, out);
  if (head < order.size()) {
    const Pass::Plan plan = pass.reservation(*order[head]);
    out.reservations.push_back({order[head]->id, plan.shadow_s});
    backfill(pass, order, head, plan, kNoHold, out);
  }
  return out;
}

PolicyInfo easy_policy() {
  return {"easy",
          "FCFS with EASY backfilling: later jobs start early if they do not delay the head's "
          "reservation",
          {kPlacementOption},
          [](const PolicyOptions& o) -> std::unique_ptr<Scheduler> {
            return std::make_unique<EasyScheduler>(placement_option(o));
          }};
}

}  // namespace ct::sched
