// Workload kind `training`: a synchronous data/tensor/pipeline-parallel training job (DESIGN §4,
// §6). Its physics is in workload/ (placement, step time) and faults/ (checkpoint intervals);
// its state machine in twin/job_runtime.hpp. This file pair binds its scenario keys and plays it
// in the engine through the Workload interface.
#pragma once

#include <cstdint>
#include <memory>

#include "faults/recovery_policy.hpp"
#include "io/components.hpp"
#include "io/scenario.hpp"
#include "topology/campus.hpp"
#include "twin/job_runtime.hpp"
#include "workload/placement.hpp"
#include "workload/site_split.hpp"
#include "workload/step_time.hpp"
#include "workload/training_job.hpp"

namespace ct::twin {

struct TrainingConfig : io::ComponentConfig {
  workload::JobSpec spec;
  faults::CheckpointPolicy checkpoint;
  // Over several sites (`sites:`, docs/sites.md): each site's node range and DP replicas, in
  // ring order, and the long-haul links of the ring (k = 2: one).
  std::vector<workload::NodeRange> site_nodes;
  std::vector<int> replicas_per_site;
  std::vector<topology::LongHaulLink> links;
};

// What a training job's checkpoints and failures cost, from its spec, its placement and the
// fault model at nominal conditions: the one source of the figures `run` plays and `info`
// prints.
struct TrainingTimings {
  double checkpoint_bytes = 0.0;
  double write_s = 0.0;          // the whole checkpoint over the storage write bandwidth
  double snapshot_s = 0.0;       // device → host copy per accelerator (asynchronous checkpoints)
  double delta_s = 0.0;          // the stall a checkpoint costs the job (write or snapshot)
  double load_s = 0.0;           // reading the checkpoint back
  double restart_total_s = 0.0;  // R = detection + restart + load
  double mtbf_s = 0.0;           // expected unplanned MTBF of the job (inf without failures)
  double interval_s = 0.0;       // running seconds between checkpoint starts (0: none/steps)
  double policy_interval_s = 0.0;  // the policy's interval before an async write floors it
  JobTimings runtime;              // the state machine's parameters
};
// `breakdown`: the job's step (step_breakdown of the placement, or the split one over sites).
TrainingTimings training_timings(const TrainingConfig& config,
                                 const workload::JobPlacement& placement,
                                 const workload::StepBreakdown& breakdown,
                                 const topology::Campus& campus, const io::Scenario& scenario);

}  // namespace ct::twin
