// First come, first served: jobs start in queue order (order_s, then id) while they fit; the
// first that does not fit blocks every job behind it.
#pragma once

#include "sched/registry.hpp"

namespace ct::sched {

class FcfsScheduler final : public Scheduler {
 public:
  explicit FcfsScheduler(PlacementMode placement) : placement_(placement) {}
  std::string_view name() const override { return "fcfs"; }
  DecisionSet decide(const ClusterView& view, double now_s) const override;

 private:
  PlacementMode placement_;
};

PolicyInfo fcfs_policy();

}  // namespace ct::sched
