// A batch job request: what a trace line or the synthetic generator hands to the queue.
//
// Times are seconds from the start of the simulated window (the engine adds time.start). Sizes are
// whole nodes for the scheduler (nodes are allocated exclusively) and accelerators for the work:
// a 2-accelerator job on 8-accelerator nodes holds one node and does 2 accelerators' work.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace ct::sched {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

struct JobRequest {
  std::int64_t id = 0;  // unique; every tie in the scheduler is broken by it
  double submit_s = 0.0;
  std::int64_t accelerators = 1;  // accelerators doing work
  std::int64_t nodes = 1;         // nodes held: ceil(accelerators / accelerators_per_node)
  // Amount of work, accelerator-seconds at full clock. < 0 means "not known yet": the job names a
  // model and steps/tokens instead, and resolve_work() fills it (see WorkModelHook).
  double work_accelerator_s = -1.0;
  // Requested wall time (the user's limit), the basis of every reservation. Never below the run
  // time at full clock (readers raise it, counting how often).
  double walltime_s = 0.0;
  std::int32_t priority = 0;  // larger runs first under the priority policy
  bool preemptible = true;
  // Flexibility window: the job may not start before earliest_start_s; a finite deadline_s makes
  // it "flexible" (energy-aware holding may delay it as long as it can still end by deadline_s).
  double earliest_start_s = 0.0;
  double deadline_s = kNever;
  std::int64_t user = -1;
  std::int64_t group = -1;
  // Provenance: original SWF status (−1 unknown, 0 failed, 1 completed, 5 cancelled; −1 for CSV
  // and synthetic jobs) and the trace's own wait time (−1 unknown), kept for comparison.
  std::int32_t swf_status = -1;
  double trace_wait_s = -1.0;
  // Hook for work given as training steps or tokens of a named model (empty: plain work).
  std::string model;
  double steps = -1.0;
  double tokens = -1.0;

  // Run time at full clock on its accelerators; < 0 while the work is unknown.
  double run_time_s() const {
    return work_accelerator_s < 0.0 ? -1.0 : work_accelerator_s / static_cast<double>(accelerators);
  }
  bool flexible() const { return deadline_s < kNever; }
};

}  // namespace ct::sched
