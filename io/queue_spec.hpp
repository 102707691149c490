// The `queue:` section: a shared cluster's batch workload (a trace in the Standard Workload
// Format or CSV, or a synthetic generator), the scheduling policy and its options, and what the
// queue's jobs do (their checkpoints and activity, what a failure does to them). The jobs are
// read or generated while the scenario is compiled, so a malformed trace line is an input
// error (exit 2) at `validate` already. docs/workloads.md describes the keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sched/job.hpp"
#include "sched/scheduler.hpp"
#include "sched/synthetic.hpp"
#include "sched/trace.hpp"

namespace ct::io {

class Binder;
struct Scenario;

struct QueueSpec {
  enum class Source { swf, csv, synthetic } source = Source::synthetic;
  std::string trace_file;  // resolved
  sched::TraceStats trace_stats;
  std::string policy = "easy";
  sched::PolicyOptions policy_options;
  double decision_interval_s = 0.0;  // also decide this often (0: events and wake-ups only)
  // With several sites (docs/sites.md): the site a starting job goes to, among those with room:
  // the first in list order, or the one with the lowest mean carbon intensity or price over the
  // job's expected run (its remaining work at full clock).
  enum class SitePolicy { first, lowest_carbon, lowest_price } site_policy = SitePolicy::first;
  // With a carbon or price site policy: at each checkpoint a running job moves to a better site
  // with room when what it saves over its remaining run exceeds what the move costs.
  bool migrate = false;
  enum class OnFailure { spare, requeue } on_failure = OnFailure::spare;
  bool requeue_front = true;
  // What a batch job does: running time split into compute (paced by its slowest member, at
  // activity 1) and communication; a synchronous checkpoint every interval of running time.
  double compute_fraction = 0.9;
  double checkpoint_interval_s = 3600.0;  // 0: never
  double checkpoint_s = 60.0;             // the stall of one checkpoint
  double load_s = 60.0;                   // reading it back after a failure
  std::vector<std::int64_t> size_buckets_accelerators{8, 64, 512, 4096};
  std::vector<sched::JobRequest> jobs;  // sorted by (submit_s, id)
  // Synthetic source: the generator's parameters (each replica draws its own workload with
  // its seed); `jobs` holds the scenario seed's draw.
  std::optional<sched::SyntheticSpec> synthetic;
};

// Binds the section into `q` (jobs included). `sc` is the scenario bound so far (campus,
// seed, time); `scenario_path` resolves a relative trace file.
void bind_queue(Binder& b, QueueSpec& q, const Scenario& sc, const std::string& scenario_path);

}  // namespace ct::io
