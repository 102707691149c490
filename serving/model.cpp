#include "serving/model.hpp"

#include <cmath>

#include "topology/fabric.hpp"

namespace ct::serving {

namespace {
// Σ_{s<n} s = n(n−1)/2.
double triangle(std::int64_t n) {
  const auto d = static_cast<double>(n);
  return 0.5 * d * (d - 1.0);
}
}  // namespace

double tp_allreduce_s(const ModelSpec& m, const ReplicaHardware& h, double tokens) {
  if (h.tp <= 1) return 0.0;
  const double bytes = tokens * m.hidden_size * h.activation_bytes;
  const topology::CollectiveCost one =
      topology::ring_allreduce(h.tp, bytes, h.scaleup_latency_s, h.scaleup_bandwidth_bytes_per_s);
  return 2.0 * static_cast<double>(m.layers) * one.total_s();
}

StepParts prefill_step(const ModelSpec& m, const ReplicaHardware& h, double prompt_tokens) {
  const double tp = static_cast<double>(h.tp);
  StepParts p;
  p.compute_s =
      2.0 * m.active_parameters * prompt_tokens / (tp * h.peak_flops * h.compute_efficiency);
  p.memory_s = weight_read_bytes(m, prompt_tokens) /
               (tp * h.hbm_bandwidth_bytes_per_s * h.memory_efficiency);
  p.fixed_s = tp_allreduce_s(m, h, prompt_tokens) + h.step_overhead_s;
  return p;
}

StepParts decode_step(const ModelSpec& m, const ReplicaHardware& h, double batch,
                      double context_tokens) {
  const double tp = static_cast<double>(h.tp);
  StepParts p;
  p.compute_s = 2.0 * m.active_parameters * batch / (tp * h.peak_flops * h.compute_efficiency);
  p.memory_s = (weight_read_bytes(m, batch) + m.kv_bytes_per_token * context_tokens) /
               (tp * h.hbm_bandwidth_bytes_per_s * h.memory_efficiency);
  p.fixed_s = tp_allreduce_s(m, h, batch) + h.step_overhead_s;
  return p;
}

DecodeRun DecodeRun::make(const ModelSpec& m, const ReplicaHardware& h, double batch,
                          double context_tokens, double clock_ratio) {
  const StepParts first = decode_step(m, h, batch, context_tokens);
  DecodeRun r;
  r.c = first.compute_s / clock_ratio;
  r.m0 = first.memory_s;
  r.m1 = batch * m.kv_bytes_per_token /
         (static_cast<double>(h.tp) * h.hbm_bandwidth_bytes_per_s * h.memory_efficiency);
  r.x = first.fixed_s;
  r.memory_activity = h.memory_activity;
  return r;
}

double DecodeRun::time_s(std::int64_t n) const {
  if (n <= 0) return 0.0;
  // Steps s < k are compute bound (m0 + m1·s ≤ c), the rest memory bound.
  std::int64_t k = 0;
  if (c > m0) {
    k = m1 > 0.0
            ? static_cast<std::int64_t>(std::min(std::ceil((c - m0) / m1), static_cast<double>(n)))
            : n;
  }
  const double nk = static_cast<double>(n - k);
  return static_cast<double>(k) * c + nk * m0 + m1 * (triangle(n) - triangle(k)) +
         static_cast<double>(n) * x;
}

double DecodeRun::memory_s(std::int64_t n) const {
  if (n <= 0) return 0.0;
  return static_cast<double>(n) * m0 + m1 * triangle(n);
}

std::int64_t DecodeRun::steps_to_reach(double elapsed_s) const {
  if (elapsed_s <= 0.0) return 0;
  const double first = step_s(0);
  if (!(first > 0.0)) return 0;
  // time_s is nondecreasing and each step takes at least `first`.
  std::int64_t lo = 0, hi = static_cast<std::int64_t>(std::ceil(elapsed_s / first)) + 1;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (time_s(mid) >= elapsed_s)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

double DecodeRun::activity(std::int64_t n) const {
  const double t = time_s(n);
  if (!(t > 0.0)) return 0.0;
  return std::min(1.0, (static_cast<double>(n) * c + memory_activity * memory_s(n)) / t);
}

}  // namespace ct::serving
