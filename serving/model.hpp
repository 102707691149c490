// Step times and power of one inference replica from first principles (serving/README.md).
//
// A replica is a tensor-parallel group of tp accelerators inside one scale-up domain holding a
// whole copy of the model. It runs iterations ("steps"):
//   prefill  compute bound: 2·A·T FLOP for T prompt tokens (A active parameters), and the
//            weights read once;
//   decode   one token for each of B sequences: 2·A·B FLOP, and the weights plus the KV cache of
//            every sequence in the batch streamed from HBM (a roofline).
//   t = max(compute/φ, memory) + TP all-reduces + fixed overhead
// φ is the replica's clock ratio: a throttled clock slows the compute-bound part only (HBM runs
// on its own clock). Power follows activity a = min(1, u_compute + a_mem·u_memory), with u the
// busy shares of the step: P = P_idle + (P_max − P_idle)·a·φ^k (thermal/accelerator_power.hpp).
// Plain C++: no MPI, HDF5 or YAML.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ct::serving {

enum class Precision : std::int8_t { bf16 = 0, fp8 = 1 };

struct ModelSpec {
  double parameters = 0.0;         // total (all experts are resident in HBM)
  double active_parameters = 0.0;  // used per token (mixture of experts); = parameters if dense
  std::int64_t layers = 1;
  double hidden_size = 1.0;
  double kv_bytes_per_token = 0.0;  // K and V of every layer for one token
  Precision precision = Precision::bf16;
  double bytes_per_parameter() const { return precision == Precision::fp8 ? 1.0 : 2.0; }
  double weight_bytes() const { return parameters * bytes_per_parameter(); }
};

// Key-value cache per token of a transformer with grouped-query attention: K and V of every
// layer, kv_heads × head_dim elements each.
inline double kv_bytes_per_token(std::int64_t layers, double kv_heads, double head_dim,
                                 double bytes_per_element) {
  return 2.0 * static_cast<double>(layers) * kv_heads * head_dim * bytes_per_element;
}

// One replica's hardware and the efficiencies it achieves.
struct ReplicaHardware {
  int tp = 1;                            // accelerators of the replica
  double peak_flops = 0.0;               // per accelerator, at the model's precision, full clock
  double hbm_bandwidth_bytes_per_s = 0;  // per accelerator
  double hbm_bytes = 0.0;                // per accelerator
  double compute_efficiency = 0.6;       // achieved share of peak FLOP/s
  double memory_efficiency = 0.8;        // achieved share of HBM bandwidth
  double memory_fraction = 0.9;          // share of HBM for weights and KV cache
  // TP all-reduce (two per layer and step, of tokens · hidden · activation bytes) over the
  // scale-up domain: ring α–β (topology::ring_allreduce).
  double scaleup_latency_s = 0.5e-6;
  double scaleup_bandwidth_bytes_per_s = 450e9;
  double activation_bytes = 2.0;
  double step_overhead_s = 0.0;  // per step (scheduling, sampling, kernel launches)
  double memory_activity = 0.5;  // activity of a unit streaming HBM at full rate, compute idle
};

// Bytes of weights one step reads for `tokens` tokens: every weight of a dense model; for a
// mixture of experts, at most the experts the tokens touch, min(P, A·tokens) (upper bound of the
// union when each token uses A parameters).
inline double weight_read_bytes(const ModelSpec& m, double tokens) {
  return std::min(m.parameters, m.active_parameters * std::max(tokens, 1.0)) *
         m.bytes_per_parameter();
}

// HBM of the replica left for the KV cache: tp·HBM·memory_fraction − weights (≤ 0: no fit).
inline double kv_capacity_bytes(const ModelSpec& m, const ReplicaHardware& h) {
  return static_cast<double>(h.tp) * h.hbm_bytes * h.memory_fraction - m.weight_bytes();
}

// The parts of one step at full clock (seconds).
struct StepParts {
  double compute_s = 0.0;  // FLOP / (tp · peak · efficiency), at φ = 1
  double memory_s = 0.0;   // bytes / (tp · HBM bandwidth · efficiency)
  double fixed_s = 0.0;    // TP all-reduces + overhead (clock independent)
  // Step time at clock ratio φ: max(compute/φ, memory) + fixed.
  double time_s(double clock_ratio) const {
    return std::max(compute_s / clock_ratio, memory_s) + fixed_s;
  }
  // Activity over the step at φ: busy shares of compute and memory.
  double activity(double clock_ratio, double memory_activity) const {
    const double t = time_s(clock_ratio);
    if (t <= 0.0) return 0.0;
    return std::min(1.0, (compute_s / clock_ratio + memory_activity * memory_s) / t);
  }
};

// TP all-reduces of one step: 2 per layer, each of tokens · hidden · activation bytes.
double tp_allreduce_s(const ModelSpec& m, const ReplicaHardware& h, double tokens);

// Prefill of `prompt_tokens` tokens (one iteration, any number of requests).
StepParts prefill_step(const ModelSpec& m, const ReplicaHardware& h, double prompt_tokens);
// Decode of `batch` sequences whose KV caches hold `context_tokens` tokens in total.
StepParts decode_step(const ModelSpec& m, const ReplicaHardware& h, double batch,
                      double context_tokens);

// A run of decode steps with a constant batch B while each sequence's context grows by one
// token per step: step s (s = 0, 1, …) takes
//   t(s) = max(c, m0 + m1·s) + x,   c = compute/φ, m0 = memory of step 0, m1 = B·kv/(tp·BW_eff)
// with closed forms for the sum of n steps and the number of steps that fit in a time.
struct DecodeRun {
  double c = 0.0, m0 = 0.0, m1 = 0.0, x = 0.0;
  double memory_activity = 0.5;

  static DecodeRun make(const ModelSpec& m, const ReplicaHardware& h, double batch,
                        double context_tokens, double clock_ratio);
  double step_s(std::int64_t s) const { return std::max(c, m0 + m1 * static_cast<double>(s)) + x; }
  // Σ_{s<n} t(s), exact up to rounding.
  double time_s(std::int64_t n) const;
  // Σ_{s<n} memory part m0 + m1·s (for the activity).
  double memory_s(std::int64_t n) const;
  // Smallest n ≥ 0 with time_s(n) ≥ elapsed_s (the first step boundary at or after it).
  std::int64_t steps_to_reach(double elapsed_s) const;
  // Mean activity of the first n steps: (n·c + a_mem·Σ memory)/time, at most 1.
  double activity(std::int64_t n) const;
};

}  // namespace ct::serving
