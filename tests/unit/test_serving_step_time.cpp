// Inference step times against the roofline closed form (serving/model.hpp), written out here
// from the datasheet numbers: prefill compute bound, decode memory bound until the batch makes it
// compute bound, the clock slowing only the compute part, and the closed-form sums of a decode
// run against step-by-step sums.
#include <gtest/gtest.h>

#include <cmath>

#include "serving/model.hpp"

namespace ct::serving {
namespace {

// Llama-2-70B-like dense model on 8 H100 SXM (datasheet: 989.4 TFLOP/s dense BF16, 3.35 TB/s).
ModelSpec llama70b() {
  ModelSpec m;
  m.parameters = 70e9;
  m.active_parameters = 70e9;
  m.layers = 80;
  m.hidden_size = 8192;
  m.kv_bytes_per_token = kv_bytes_per_token(80, 8, 128, 2.0);  // GQA: 8 KV heads of 128
  return m;
}

ReplicaHardware h100x8() {
  ReplicaHardware h;
  h.tp = 8;
  h.peak_flops = 989.4e12;
  h.hbm_bandwidth_bytes_per_s = 3.35e12;
  h.hbm_bytes = 80e9;
  h.compute_efficiency = 0.6;
  h.memory_efficiency = 0.8;
  h.scaleup_latency_s = 0.5e-6;
  h.scaleup_bandwidth_bytes_per_s = 450e9;
  return h;
}

// Ring all-reduce of S bytes over p members: 2(p−1)α + 2(p−1)/p · S/B (DESIGN §3).
double ring_s(int p, double bytes, double alpha, double bw) {
  return 2.0 * (p - 1) * alpha + 2.0 * (p - 1) / p * bytes / bw;
}

TEST(ServingStepTime, KvPerTokenOfGroupedQueryAttention) {
  // 2 (K, V) · 80 layers · 8 heads · 128 · 2 bytes = 327,680 bytes.
  EXPECT_EQ(kv_bytes_per_token(80, 8, 128, 2.0), 327680.0);
  const ModelSpec m = llama70b();
  EXPECT_EQ(m.weight_bytes(), 140e9);
  // 8 · 80 GB · 0.9 − 140 GB of weights.
  EXPECT_DOUBLE_EQ(kv_capacity_bytes(m, h100x8()), 8 * 80e9 * 0.9 - 140e9);
}

TEST(ServingStepTime, PrefillIsComputeBoundAtTheRoofline) {
  const ModelSpec m = llama70b();
  const ReplicaHardware h = h100x8();
  const double tokens = 2048;
  const double compute = 2 * 70e9 * tokens / (8 * 989.4e12 * 0.6);  // 0.0604 s
  const double memory = 140e9 / (8 * 3.35e12 * 0.8);                // 0.0065 s
  const double comm = 2 * 80 * ring_s(8, tokens * 8192 * 2, 0.5e-6, 450e9);
  const StepParts p = prefill_step(m, h, tokens);
  EXPECT_DOUBLE_EQ(p.compute_s, compute);
  EXPECT_DOUBLE_EQ(p.memory_s, memory);
  EXPECT_DOUBLE_EQ(p.fixed_s, comm);
  EXPECT_GT(compute, 5 * memory);  // compute bound
  for (double phi : {1.0, 0.8, 0.5})
    EXPECT_DOUBLE_EQ(p.time_s(phi), std::max(compute / phi, memory) + comm) << phi;
  // A throttled clock stretches prefill in proportion.
  EXPECT_NEAR((p.time_s(0.5) - comm) / (p.time_s(1.0) - comm), 2.0, 1e-12);
}

TEST(ServingStepTime, DecodeIsTheRooflineOfWeightsPlusKvAgainstFlops) {
  const ModelSpec m = llama70b();
  const ReplicaHardware h = h100x8();
  const double bw = 8 * 3.35e12 * 0.8, flops = 8 * 989.4e12 * 0.6;
  for (double batch : {1.0, 16.0, 64.0, 256.0, 2048.0}) {
    const double context = batch * 1500;  // tokens in the batch's KV caches
    const double memory = (140e9 + 327680.0 * context) / bw;
    const double compute = 2 * 70e9 * batch / flops;
    const double comm = 2 * 80 * ring_s(8, batch * 8192 * 2, 0.5e-6, 450e9);
    const StepParts p = decode_step(m, h, batch, context);
    EXPECT_DOUBLE_EQ(p.memory_s, memory) << batch;
    EXPECT_DOUBLE_EQ(p.compute_s, compute) << batch;
    for (double phi : {1.0, 0.7})
      EXPECT_DOUBLE_EQ(p.time_s(phi), std::max(compute / phi, memory) + comm) << batch;
  }
  // Small batches are memory bound: the clock does not matter; 2048 sequences of 1500 tokens
  // would not fit in HBM but show the compute-bound side of the roofline.
  const StepParts small = decode_step(m, h, 16, 16 * 1500);
  EXPECT_EQ(small.time_s(0.6), small.time_s(1.0));
  const StepParts big = decode_step(m, h, 2048, 0);
  EXPECT_GT(big.compute_s, big.memory_s);
  EXPECT_GT(big.time_s(0.6), big.time_s(1.0));
}

TEST(ServingStepTime, MixtureOfExpertsReadsOnlyTouchedExperts) {
  ModelSpec m;
  m.parameters = 671e9;
  m.active_parameters = 37e9;
  m.precision = Precision::fp8;
  EXPECT_EQ(weight_read_bytes(m, 1), 37e9);
  EXPECT_EQ(weight_read_bytes(m, 4), 4 * 37e9);
  EXPECT_EQ(weight_read_bytes(m, 64), 671e9);  // every expert touched
}

TEST(ServingStepTime, ActivityFollowsTheBusyShares) {
  StepParts p;
  p.compute_s = 0.002;
  p.memory_s = 0.010;
  p.fixed_s = 0.0;
  // Memory bound: the memory streams all step (a_mem), compute is busy 20% of it.
  EXPECT_DOUBLE_EQ(p.activity(1.0, 0.5), (0.002 + 0.5 * 0.010) / 0.010);
  // Compute bound prefill: activity 1.
  StepParts q{0.05, 0.005, 0.0};
  EXPECT_DOUBLE_EQ(q.activity(1.0, 0.5), 1.0);
}

TEST(ServingStepTime, DecodeRunClosedFormsMatchStepSums) {
  const ModelSpec m = llama70b();
  ReplicaHardware h = h100x8();
  // Runs that stay compute bound, stay memory bound, and cross the ridge.
  for (double batch : {8.0, 256.0, 1024.0}) {
    for (double phi : {1.0, 0.55}) {
      const DecodeRun run = DecodeRun::make(m, h, batch, batch * 200, phi);
      double sum = 0.0, mem = 0.0;
      for (std::int64_t n = 0; n <= 3000; ++n) {
        ASSERT_NEAR(run.time_s(n), sum, 1e-12 * std::max(sum, 1.0)) << batch << " " << n;
        ASSERT_NEAR(run.memory_s(n), mem, 1e-12 * std::max(mem, 1.0));
        // Step n against the roofline of its own context, written out.
        const StepParts step =
            decode_step(m, h, batch, batch * 200 + batch * static_cast<double>(n));
        ASSERT_NEAR(run.step_s(n), step.time_s(phi), 1e-12 * run.step_s(n));
        sum += run.step_s(n);
        mem += run.m0 + run.m1 * static_cast<double>(n);
      }
      // The first step boundary at or after a time.
      for (double e : {0.0, 1e-6, run.time_s(7), run.time_s(7) + 1e-9, 3.7, 17.0}) {
        const std::int64_t k = run.steps_to_reach(e);
        EXPECT_GE(run.time_s(k), e);
        if (k > 0) {
          EXPECT_LT(run.time_s(k - 1), e);
        }
      }
    }
  }
}

}  // namespace
}  // namespace ct::serving
