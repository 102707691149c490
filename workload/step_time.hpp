// Where the time of one synchronous training step goes, from the α–β fabric model.
//
// At full clock:
//   compute  = 6 · active_parameters · tokens / (accelerators · peak · efficiency)
//   bubble   = compute · (pp−1)/(v·m)  (interleaved; (pp−1)/m for plain 1F1B)
//   exposed  = Σ over collectives of (exposed share) × (α part + β part)
//   step     = compute + bubble + exposed
// Compute and bubble stretch when the slowest participant's clock drops; communication does not
// (step_time_s). Collectives, with counts per step (m microbatches, L/pp layers per stage,
// a = microbatch tokens · hidden · bytes_per_activation_element):
//   dp_allreduce  ring all-reduce of bytes_per_gradient_element · parameters/(tp·pp) over the dp
//                 replicas, once per step; hierarchical when several replicas share a scale-up
//                 domain; the slowest PP stage's DP group counts; exposed (1 − dp_overlap).
//                 α is the ring's effective per-step latency (topology::ring_path: pipelined
//                 critical path, a campus link costs 2 steps' worth per crossing).
//   pp_p2p        2·v·m messages of a/tp per stage (each forward and backward chunk pass sends
//                 one message to the neighbouring stage; sequence-parallel activations are
//                 sharded over the TP group's NICs); α and B of the slowest stage boundary.
//   tp_allreduce  4·m·L/pp all-reduces of a over tp inside the scale-up domain (Megatron: two in
//                 the forward, two in the backward per layer; recomputation not counted).
//   ep_alltoall   4·m·L/pp all-to-alls of a/tp over ep replicas (dispatch + combine, forward +
//                 backward, every layer treated as MoE), when ep > 1; α of the group's slowest
//                 link.
#pragma once

#include <string>
#include <vector>

#include "topology/campus.hpp"
#include "topology/fabric.hpp"
#include "workload/placement.hpp"
#include "workload/training_job.hpp"

namespace ct::workload {

struct CollectiveDetail {
  std::string name;                               // dp_allreduce, pp_p2p, tp_allreduce, ep_alltoall
  topology::Tier tier = topology::Tier::scaleup;  // highest tier the collective crosses
  int members = 1;                                // group size
  double calls_per_step = 0;                      // how often it runs per step
  double bytes = 0;                               // per call, per member
  double alpha_s = 0;  // α of one step of one call (rings: effective per-step α)
  double bandwidth_bytes_per_s = 0;
  double latency_s = 0;    // α part, all calls of one step
  double bandwidth_s = 0;  // β part, all calls of one step
  double exposed_s = 0;    // the part on the step's critical path
};

struct StepBreakdown {
  double compute_s = 0;       // at full clock
  double bubble_s = 0;        // at full clock
  double exposed_comm_s = 0;  // Σ collectives[i].exposed_s
  double step_s = 0;          // compute + bubble + exposed at full clock
  std::vector<CollectiveDetail> collectives;
};

// Once per job setup (allocates). Throws std::invalid_argument on an invalid job or a placement
// that does not belong to it.
StepBreakdown step_breakdown(const JobSpec& job, const JobPlacement& placement,
                             const topology::Campus& campus, const topology::FabricSpec& fabric);

// Step time when the slowest participant runs at clock ratio φ = f/f_max ∈ (0, 1].
// Per-tick safe: no allocation.
inline double step_time_s(const StepBreakdown& b, double slowest_clock_ratio) {
  return (b.compute_s + b.bubble_s) / slowest_clock_ratio + b.exposed_comm_s;
}

double tokens_per_step(const JobSpec& job);  // global batch tokens
double flops_per_step(const JobSpec& job);   // 6 · active_parameters · tokens
// Model FLOPs utilisation of a step of the given length: flops / (step · accelerators · peak).
double model_flops_utilization(const JobSpec& job, double step_s);

}  // namespace ct::workload
