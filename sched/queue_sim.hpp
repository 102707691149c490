// A discrete-event reference simulator: drives a scheduling policy on a pool of nodes with jobs
// of known run times (no physics, no failures). The tests use it to check the policies against
// queueing theory and their own guarantees; it also shows the engine the calling protocol.
//
// Events: arrivals, job ends (start + run time at full clock), yields of preempted jobs (after
// preempt_checkpoint_s, progress up to the preemption kept), the policy's wake-up times and,
// optionally, every decision_interval_s. All events at one time are applied, then decide() is
// called once and its decisions carried out in order. A start naming a busy node, a job not in
// the queue or the wrong node count is a policy bug: std::logic_error.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "sched/job.hpp"
#include "sched/metrics.hpp"
#include "sched/placement.hpp"
#include "sched/scheduler.hpp"

namespace ct::sched {

struct SimOptions {
  NodeTopology topology;
  double decision_interval_s = 0.0;   // > 0: also decide every this many seconds
  double preempt_checkpoint_s = 0.0;  // a preempted job holds its nodes this long, then yields
  double end_s = kNever;              // no event after this time is processed
  // Power model for cap-aware policies: draw = idle_power_w + busy nodes × node_power_w; the cap
  // in force is cap_w(t) (empty: no cap).
  double node_power_w = 0.0;
  double idle_power_w = 0.0;
  std::function<double(double)> cap_w;
  SignalForecast carbon_forecast;
  SignalForecast price_forecast;
  bool record_segments = true;  // keep each run segment's node list (the tests check overlaps)
};

struct Segment {
  double start_s = 0.0;
  double end_s = 0.0;
  std::vector<std::int64_t> nodes;
};

struct SimJobRecord {
  std::int64_t id = 0;
  std::int64_t nodes = 0;
  std::int64_t accelerators = 0;
  double submit_s = 0.0;
  double earliest_start_s = 0.0;
  double run_time_s = 0.0;
  double first_start_s = kNever;
  double end_s = kNever;
  double held_s = 0.0;      // node-holding time, checkpoints of preemptions included
  double progress_s = 0.0;  // run time done (= run_time_s when finished)
  std::int32_t preemptions = 0;
  double min_reservation_s = kNever;  // earliest reservation the policy announced for it
  Locality first_locality = Locality::rack;
  std::vector<Segment> segments;  // every time it held nodes (when record_segments)
};

struct SimResult {
  std::vector<SimJobRecord> jobs;  // input order
  std::int64_t decide_calls = 0;
  std::int64_t starts = 0;
  std::int64_t preemptions = 0;
  double last_event_s = 0.0;
  double max_over_cap_w = -kNever;  // max over decision points of draw − cap after the starts

  std::vector<JobOutcome> outcomes() const;
};

// jobs: known work (run_time_s() > 0), distinct ids, nodes ≤ the topology's (else
// std::invalid_argument).
SimResult simulate(const Scheduler& scheduler, std::span<const JobRequest> jobs,
                   const SimOptions& options);

}  // namespace ct::sched
