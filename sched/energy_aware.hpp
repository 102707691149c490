// Energy-aware scheduling: FCFS order with EASY backfilling, plus
//  - holding flexible jobs (finite deadline) for cleaner or cheaper hours: a job that could
//    start now is held when, among the start times now, the multiples of step_s up to its latest
//    start (deadline − wall time, and at most horizon_s ahead) and the latest start itself, one
//    has a forecast mean signal over the job's wall time lower than starting now by more than
//    min_saving (a fraction of the value now). A held job is passed over (it neither starts nor
//    blocks the queue); decide() asks to be called again at the best start time.
//  - cap-aware admission: a job starts only if nodes × node_power_w fits the power headroom left
//    under the cap in force. A job the cap could never admit (more than the headroom plus every
//    running job's power) is passed over; a head waiting for power blocks backfilling, so small
//    jobs cannot starve it.
// Reservations count nodes only; power is not reserved for a head that waits for nodes.
#pragma once

#include "sched/registry.hpp"

namespace ct::sched {

struct EnergyAwareOptions {
  PlacementMode placement = PlacementMode::compact;
  bool backfill = true;
  enum class Signal : std::uint8_t { none, carbon, price } signal = Signal::carbon;
  double step_s = 3600.0;
  double horizon_s = 172800.0;
  double min_saving = 0.1;
  bool cap_admission = true;
};

class EnergyAwareScheduler final : public Scheduler {
 public:
  explicit EnergyAwareScheduler(EnergyAwareOptions options) : options_(options) {}
  std::string_view name() const override { return "energy_aware"; }
  DecisionSet decide(const ClusterView& view, double now_s) const override;

  // Best start time for a flexible job from now (now itself when holding saves too little or the
  // forecast is missing). Exposed for tests.
  double best_start_s(const QueuedJob& job, const SignalForecast& forecast, double now_s) const;

 private:
  EnergyAwareOptions options_;
};

PolicyInfo energy_aware_policy();

}  // namespace ct::sched
