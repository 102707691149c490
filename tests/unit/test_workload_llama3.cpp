// Llama 3 405B pre-training on 16,384 H100 (published: ~6 s/step at 38–43% MFU with TP 8, PP 16,
// DP 128, 16M-token batches of 8K sequences). The model should land in a loose 5–9 s band.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "topology/campus.hpp"
#include "topology/fabric.hpp"
#include "workload/placement.hpp"
#include "workload/step_time.hpp"

namespace ct::workload {
namespace {

using topology::Campus;
using topology::CampusSpec;
using topology::FabricSpec;

JobSpec llama3_405b() {
  JobSpec j;
  j.name = "llama3-405b";
  j.model.parameters = 405e9;
  j.model.active_parameters = 405e9;  // dense
  j.model.sequence_length = 8192;
  j.model.global_batch_tokens = 16777216;  // 2,048 sequences
  j.model.layers = 126;
  j.model.hidden_size = 16384;
  j.parallel.tp = 8;
  j.parallel.pp = 16;
  j.parallel.dp = 128;
  // 16 sequences per DP replica → m = 16 microbatches of one sequence; 126 layers ≈ 8 per
  // stage, interleaved as v = 8 chunks of ~1 layer.
  j.parallel.microbatches = 16;
  j.parallel.schedule = ParallelSpec::interleaved;
  j.parallel.virtual_stages = 8;
  j.bytes_per_gradient_element = 2.0;
  j.peak_flops_per_accelerator = 989e12;  // H100 SXM dense BF16
  j.efficiency = 0.43;
  j.dp_overlap_fraction = 0.8;
  j.tp_exposed_fraction = 0.1;
  j.pp_exposed_fraction = 0.2;
  j.spare_nodes = 32;
  return j;
}

TEST(WorkloadLlama3, StepTimeNearPublished) {
  // 2,048 DGX H100 nodes, 4 per rack (512 racks) in 4 halls of one building, plus room for spares.
  CampusSpec spec;
  spec.buildings = {{"dc1", 0.0, 0.0, 4, 136}};
  spec.nodes_per_rack = 4;
  spec.accelerators_per_node = 8;
  const Campus campus(spec);
  const FabricSpec fabric = topology::fabric_preset_h100_ndr();  // NDR, 400 Gb/s per GPU
  const JobSpec job = llama3_405b();
  ASSERT_EQ(job.accelerators(), 16384);

  std::vector<std::int8_t> taken(campus.nodes(), 0);
  const JobPlacement placement = place_job(campus, fabric, job, taken);
  EXPECT_EQ(placement.nodes.size(), 2048u);
  EXPECT_EQ(placement.spares.size(), 32u);
  const StepBreakdown b = step_breakdown(job, placement, campus, fabric);

  std::printf("Llama 3 405B, 16,384 H100, TP8 PP16 DP128, interleaved v=%d m=%d, eff %.2f\n",
              job.parallel.virtual_stages, job.parallel.microbatches, job.efficiency);
  std::printf("  compute        %8.4f s\n  bubble         %8.4f s\n  exposed comm   %8.4f s\n",
              b.compute_s, b.bubble_s, b.exposed_comm_s);
  std::printf("  step           %8.4f s   (MFU %.1f%%, %.2f s at clock 0.95)\n", b.step_s,
              100.0 * model_flops_utilization(job, b.step_s), step_time_s(b, 0.95));
  for (const CollectiveDetail& c : b.collectives)
    std::printf(
        "  %-13s tier %-7s p=%-4d calls=%6.0f bytes=%.4g alpha=%.3g us B=%.3g  "
        "lat %.4f s  bw %.4f s  exposed %.4f s\n",
        c.name.c_str(), topology::tier_name(c.tier), c.members, c.calls_per_step, c.bytes,
        c.alpha_s * 1e6, c.bandwidth_bytes_per_s, c.latency_s, c.bandwidth_s, c.exposed_s);

  EXPECT_GT(b.step_s, 5.0);
  EXPECT_LT(b.step_s, 9.0);
  // Compute alone: 6·405e9·2^24 / (16384·989e12·0.43) = 5.851 s; bubble 15/128 of it.
  EXPECT_NEAR(b.compute_s, 6.0 * 405e9 * 16777216.0 / (16384 * 989e12 * 0.43), 1e-9);
  EXPECT_NEAR(b.bubble_s, b.compute_s * 15.0 / 128.0, 1e-12);
  const double mfu = model_flops_utilization(job, b.step_s);
  EXPECT_GT(mfu, 0.33);
  EXPECT_LT(mfu, 0.45);
}

}  // namespace
}  // namespace ct::workload
