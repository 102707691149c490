// A training job: the model, how it is parallelised, and the efficiency/overlap knobs that turn
// it into a step time (see step_time.hpp) and a node placement (see placement.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace ct::workload {

struct ModelSpec {
  double parameters = 0.0;         // total
  double active_parameters = 0.0;  // per token (MoE); equal to parameters for a dense model
  double sequence_length = 0.0;    // tokens per sequence
  double global_batch_tokens = 0.0;
  int layers = 0;
  double hidden_size = 0.0;
};

struct ParallelSpec {
  int tp = 1;            // tensor parallel, inside one scale-up domain
  int pp = 1;            // pipeline stages
  int dp = 1;            // data-parallel replicas
  int ep = 1;            // expert parallel, carved out of the DP replicas (divides dp)
  int microbatches = 1;  // m, per pipeline per step
  enum Schedule { one_f_one_b, interleaved } schedule = one_f_one_b;
  int virtual_stages = 1;  // v, model chunks per stage for the interleaved schedule

  std::int64_t accelerators() const { return std::int64_t{tp} * pp * dp; }
};

// How a job's nodes are chosen: `compact` takes free nodes in global id order; `spread_buildings`
// deals whole DP replicas round-robin over the buildings, so the DP ring crosses buildings.
enum class Placement { compact, spread_buildings };

struct JobSpec {
  std::string name;
  ModelSpec model;
  ParallelSpec parallel;
  double bytes_per_gradient_element = 2.0;     // bf16 gradients
  double bytes_per_activation_element = 2.0;   // bf16 activations (PP, TP, EP messages)
  double peak_flops_per_accelerator = 989e12;  // H100 SXM dense BF16
  double efficiency = 0.4;                     // achieved / peak FLOP/s while computing
  double dp_overlap_fraction = 0.8;            // share of the DP all-reduce hidden behind backward
  double tp_exposed_fraction = 0.1;            // share of TP all-reduce time on the critical path
  double pp_exposed_fraction = 0.2;  // share of PP point-to-point time on the critical path
  double ep_exposed_fraction = 1.0;  // share of EP all-to-all time on the critical path
  Placement order = Placement::compact;
  int spare_nodes = 0;

  std::int64_t accelerators() const { return parallel.accelerators(); }
};

// Throws std::invalid_argument naming the job and the offending field.
void validate(const JobSpec& job);

// Sequences in one microbatch of one pipeline: batch / (sequence · dp · m). May be fractional.
double microbatch_sequences(const JobSpec& job);

}  // namespace ct::workload
