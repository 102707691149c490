// EASY backfilling (Lifka 1995; Mu'alem & Feitelson 2001): FCFS order; the first job that does
// not fit (the head) gets a reservation at the earliest requested end of the running jobs that
// frees enough nodes (the shadow time); a later job may start now if it fits and either ends by
// the shadow time (by its requested wall time) or uses only nodes the head will not need then.
// So backfilling never delays the head's reservation while jobs end by their requested ends.
#pragma once

#include "sched/registry.hpp"

namespace ct::sched {

class EasyScheduler final : public Scheduler {
 public:
  explicit EasyScheduler(PlacementMode placement) : placement_(placement) {}
  std::string_view name() const override { return "easy"; }
  DecisionSet decide(const ClusterView& view, double now_s) const override;

 private:
  PlacementMode placement_;
};

PolicyInfo easy_policy();

}  // namespace ct::sched
