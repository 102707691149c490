// Step-time model against closed forms: compute, pipeline bubble, each collective, clock scaling,
// and the cost of spreading a data-parallel job over two buildings.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
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
using topology::Tier;

constexpr double kRel = 1e-12;

void expect_rel(double actual, double expected, double rel = kRel) {
  EXPECT_NEAR(actual, expected, rel * std::abs(expected)) << "expected " << expected;
}

// One building, one hall of 8 racks × 4 nodes × 8 GPUs (32 nodes).
Campus one_hall() {
  CampusSpec spec;
  spec.buildings = {{"A", 0.0, 0.0, 1, 8}};
  return Campus(spec);
}

JobSpec base_job(int tp, int pp, int dp, int m) {
  JobSpec j;
  j.name = "unit";
  j.model = {8e9, 8e9, 4096, 4096.0 * 256, 32, 4096};
  j.parallel.tp = tp;
  j.parallel.pp = pp;
  j.parallel.dp = dp;
  j.parallel.microbatches = m;
  j.peak_flops_per_accelerator = 989e12;
  j.efficiency = 0.4;
  j.dp_overlap_fraction = 0.75;
  j.tp_exposed_fraction = 0.2;
  j.pp_exposed_fraction = 0.5;
  return j;
}

const CollectiveDetail* find(const StepBreakdown& b, const std::string& name) {
  for (const CollectiveDetail& c : b.collectives)
    if (c.name == name) return &c;
  return nullptr;
}

StepBreakdown breakdown(const Campus& c, const FabricSpec& f, const JobSpec& j) {
  std::vector<std::int8_t> taken(c.nodes(), 0);
  return step_breakdown(j, place_job(c, f, j, taken), c, f);
}

TEST(WorkloadStepTime, ComputeAndBubbleClosedForm) {
  const Campus c = one_hall();
  const FabricSpec f;
  JobSpec j = base_job(8, 4, 2, 8);
  const double compute = 6.0 * 8e9 * 4096.0 * 256 / (64 * 989e12 * 0.4);
  StepBreakdown b = breakdown(c, f, j);
  expect_rel(b.compute_s, compute);
  expect_rel(b.bubble_s, compute * 3.0 / 8.0);  // plain 1F1B: (p−1)/m
  j.parallel.schedule = ParallelSpec::interleaved;
  j.parallel.virtual_stages = 2;
  b = breakdown(c, f, j);
  expect_rel(b.bubble_s, compute * 3.0 / 16.0);  // interleaved: (p−1)/(v·m)
  j.parallel.virtual_stages = 4;
  j.parallel.microbatches = 16;
  b = breakdown(c, f, j);
  expect_rel(b.bubble_s, compute * 3.0 / 64.0);
  b = breakdown(c, f, base_job(8, 1, 8, 8));
  EXPECT_EQ(b.bubble_s, 0.0);
  expect_rel(tokens_per_step(j), 4096.0 * 256);
  expect_rel(flops_per_step(j), 6.0 * 8e9 * 4096.0 * 256);
}

TEST(WorkloadStepTime, StepIsSumAndOnlyComputeScalesWithClock) {
  const Campus c = one_hall();
  const StepBreakdown b = breakdown(c, FabricSpec{}, base_job(8, 4, 2, 8));
  double exposed = 0;
  for (const CollectiveDetail& d : b.collectives) exposed += d.exposed_s;
  expect_rel(b.exposed_comm_s, exposed);
  EXPECT_GT(b.exposed_comm_s, 0.0);
  expect_rel(b.step_s, b.compute_s + b.bubble_s + b.exposed_comm_s);
  expect_rel(step_time_s(b, 1.0), b.step_s);
  expect_rel(step_time_s(b, 0.8), (b.compute_s + b.bubble_s) / 0.8 + b.exposed_comm_s);
}

TEST(WorkloadStepTime, DataParallelRingInsideOneRack) {
  const Campus c = one_hall();
  const FabricSpec f;
  const JobSpec j = base_job(8, 1, 4, 8);  // nodes 0..3: one rack, leaf tier
  const StepBreakdown b = breakdown(c, f, j);
  const CollectiveDetail* dp = find(b, "dp_allreduce");
  ASSERT_NE(dp, nullptr);
  const double alpha = 1 * f.leaf.hop_latency_s + f.leaf.cable_length_m * 4.9e-9 + f.nic_latency_s;
  const double bytes = 2.0 * 8e9 / 8;
  EXPECT_EQ(dp->tier, Tier::leaf);
  expect_rel(dp->bytes, bytes);
  expect_rel(dp->latency_s, 2.0 * 3 * alpha);
  expect_rel(dp->bandwidth_s, 2.0 * 3 / 4 * bytes / 50e9);
  expect_rel(dp->exposed_s, 0.25 * (2.0 * 3 * alpha + 2.0 * 3 / 4 * bytes / 50e9));
  EXPECT_EQ(find(b, "pp_p2p"), nullptr);
  EXPECT_EQ(find(b, "ep_alltoall"), nullptr);
}

TEST(WorkloadStepTime, DataParallelIsHierarchicalWhenReplicasShareANode) {
  const Campus c = one_hall();
  const FabricSpec f;
  const JobSpec j = base_job(4, 1, 8, 8);  // 2 replicas per node, nodes 0..3
  const StepBreakdown b = breakdown(c, f, j);
  const CollectiveDetail* dp = find(b, "dp_allreduce");
  ASSERT_NE(dp, nullptr);
  const double alpha = f.leaf.hop_latency_s + f.leaf.cable_length_m * 4.9e-9 + f.nic_latency_s;
  const double bytes = 2.0 * 8e9 / 4;
  const topology::CollectiveCost h = topology::hierarchical_allreduce(
      8, 2, bytes, f.scaleup_latency_s, f.scaleup_bandwidth_bytes_per_s, alpha, 50e9);
  expect_rel(dp->latency_s, h.latency_s);
  expect_rel(dp->bandwidth_s, h.bandwidth_s);
  EXPECT_EQ(dp->tier, Tier::leaf);
}

TEST(WorkloadStepTime, PipelineAndTensorParallelClosedForm) {
  const Campus c = one_hall();
  const FabricSpec f;
  JobSpec j = base_job(8, 4, 1, 8);  // nodes 0..3, one rack
  j.parallel.schedule = ParallelSpec::interleaved;
  j.parallel.virtual_stages = 2;
  const StepBreakdown b = breakdown(c, f, j);
  const double mb_seq = 256.0 / (1 * 8);  // sequences per microbatch
  const double act = mb_seq * 4096 * 4096 * 2;
  const CollectiveDetail* pp = find(b, "pp_p2p");
  ASSERT_NE(pp, nullptr);
  const double alpha = f.leaf.hop_latency_s + f.leaf.cable_length_m * 4.9e-9 + f.nic_latency_s;
  const double calls = 2.0 * 2 * 8;  // forward + backward, v·m chunk passes
  EXPECT_EQ(pp->tier, Tier::leaf);
  expect_rel(pp->latency_s, calls * alpha);
  expect_rel(pp->bandwidth_s, calls * (act / 8) / 50e9);
  expect_rel(pp->exposed_s, 0.5 * calls * (alpha + act / 8 / 50e9));
  const CollectiveDetail* tp = find(b, "tp_allreduce");
  ASSERT_NE(tp, nullptr);
  const double tp_calls = 4.0 * 8 * (32.0 / 4);  // 4 per layer per microbatch, L/pp layers
  EXPECT_EQ(tp->tier, Tier::scaleup);
  expect_rel(tp->latency_s, tp_calls * 2.0 * 7 * f.scaleup_latency_s);
  expect_rel(tp->bandwidth_s, tp_calls * 2.0 * 7 / 8 * act / f.scaleup_bandwidth_bytes_per_s);
  expect_rel(tp->exposed_s, 0.2 * (tp->latency_s + tp->bandwidth_s));
}

TEST(WorkloadStepTime, ExpertParallelAllToAll) {
  const Campus c = one_hall();
  const FabricSpec f;
  JobSpec j = base_job(8, 1, 4, 4);
  j.model.active_parameters = 2e9;
  j.parallel.ep = 2;
  j.ep_exposed_fraction = 0.5;
  const StepBreakdown b = breakdown(c, f, j);
  const CollectiveDetail* ep = find(b, "ep_alltoall");
  ASSERT_NE(ep, nullptr);
  const double bytes = 256.0 / (4 * 4) * 4096 * 4096 * 2 / 8;
  const double alpha = f.leaf.hop_latency_s + f.leaf.cable_length_m * 4.9e-9 + f.nic_latency_s;
  const double calls = 4.0 * 4 * 32;
  expect_rel(ep->latency_s, calls * alpha);
  expect_rel(ep->bandwidth_s, calls * 0.5 * bytes / 50e9);
  expect_rel(ep->exposed_s, 0.5 * (ep->latency_s + ep->bandwidth_s));
  // MoE compute uses the active parameters.
  expect_rel(b.compute_s, 6.0 * 2e9 * 4096.0 * 256 / (32 * 989e12 * 0.4));
}

// A 32-replica DP job (one node per replica) moved from one building (compact: racks 0–7 of one
// hall, so 24 leaf links inside racks and 8 spine links between them) to two buildings d apart
// (spread: all 32 ring links cross the campus). The ring's α term is the pipelined critical path
// 2Σα − min adjacent pair (topology::ring_path): compact 2(24·α_leaf + 8·α_spine) − 2·α_leaf,
// spread 2·31·α_campus. The β term is unchanged (every tier 50e9 B/s, non-blocking), so the
// exposed communication grows by (1 − overlap) times the difference. Tolerance 1e-9 relative.
TEST(WorkloadStepTime, SpreadingOverTwoBuildingsAddsFibreLatency) {
  for (double d_m : {2000.0, 10000.0}) {
    CampusSpec spec;
    spec.buildings = {{"A", 0.0, 0.0, 1, 16}, {"B", d_m, 0.0, 1, 16}};
    const Campus c(spec);
    const FabricSpec f;
    JobSpec j = base_job(8, 1, 32, 8);
    j.dp_overlap_fraction = 0.75;
    const StepBreakdown one = breakdown(c, f, j);
    j.order = Placement::spread_buildings;
    const StepBreakdown two = breakdown(c, f, j);
    EXPECT_EQ(find(one, "dp_allreduce")->tier, Tier::spine);
    EXPECT_EQ(find(two, "dp_allreduce")->tier, Tier::campus);

    const double fibre = d_m * f.campus_route_factor * 4.9e-9;  // 4.9 µs/km
    auto alpha = [&](const topology::TierSpec& t, double extra_m) {
      return t.hops * t.hop_latency_s + (t.cable_length_m + extra_m) * 4.9e-9 + f.nic_latency_s;
    };
    const double leaf = alpha(f.leaf, 0.0), spine = alpha(f.spine, 0.0);
    const double campus = alpha(f.campus, d_m * f.campus_route_factor);
    const double one_latency = 2.0 * (24 * leaf + 8 * spine) - 2.0 * leaf;
    const double two_latency = 2.0 * 31 * campus;
    expect_rel(find(one, "dp_allreduce")->latency_s, one_latency, 1e-9);
    expect_rel(find(two, "dp_allreduce")->latency_s, two_latency, 1e-9);
    const double expected = (1.0 - 0.75) * (two_latency - one_latency);
    expect_rel(two.exposed_comm_s - one.exposed_comm_s, expected, 1e-9);
    expect_rel(two.compute_s + two.bubble_s, one.compute_s + one.bubble_s);
    // Fibre is most of it: at 2 km 14.7 of 19.5 µs per step; at 10 km 73.5 of 78.3 µs.
    EXPECT_GT(2.0 * 31 * 0.25 * fibre / expected, d_m > 5000.0 ? 0.9 : 0.7);
  }
}

// Compact placement over two buildings: the ring crosses the campus twice (c = 2), so the campus
// delay is paid 2c = 4 times, not on all 2(p−1) = 62 steps. Buildings of one hall × 4 racks, 32
// one-node replicas: 24 leaf links, 3 spine links per building, 2 campus links. Against the same
// job in one building (8 spine links), the α term grows by exactly 4·(α_campus − α_spine): tens of
// µs (70.7 µs at 2 km), where charging the slowest link on every step gave 1.1 ms.
TEST(WorkloadStepTime, CompactOverTwoBuildingsPaysTheCampusTwicePerCrossing) {
  CampusSpec two_spec;
  two_spec.buildings = {{"A", 0.0, 0.0, 1, 4}, {"B", 2000.0, 0.0, 1, 4}};
  const Campus two(two_spec);
  CampusSpec one_spec;
  one_spec.buildings = {{"A", 0.0, 0.0, 1, 8}};
  const Campus one(one_spec);
  const FabricSpec f;
  const JobSpec j = base_job(8, 1, 32, 8);
  const CollectiveDetail split = *find(breakdown(two, f, j), "dp_allreduce");
  const CollectiveDetail whole = *find(breakdown(one, f, j), "dp_allreduce");
  EXPECT_EQ(split.tier, Tier::campus);
  const double spine =
      f.spine.hops * f.spine.hop_latency_s + f.spine.cable_length_m * 4.9e-9 + f.nic_latency_s;
  const double campus = f.campus.hops * f.campus.hop_latency_s +
                        (f.campus.cable_length_m + 2000.0 * f.campus_route_factor) * 4.9e-9 +
                        f.nic_latency_s;
  const double added_s = split.latency_s - whole.latency_s;
  expect_rel(added_s, 4.0 * (campus - spine), 1e-9);
  EXPECT_GT(added_s, 10e-6);
  EXPECT_LT(added_s, 100e-6);
}

TEST(WorkloadStepTime, RejectsAForeignPlacement) {
  const Campus c = one_hall();
  const FabricSpec f;
  std::vector<std::int8_t> taken(c.nodes(), 0);
  const JobPlacement p = place_job(c, f, base_job(8, 1, 4, 8), taken);
  EXPECT_THROW(step_breakdown(base_job(8, 2, 4, 8), p, c, f), std::invalid_argument);
  JobSpec bad = base_job(8, 1, 4, 8);
  bad.efficiency = 1.5;
  EXPECT_THROW(step_breakdown(bad, p, c, f), std::invalid_argument);
}

}  // namespace
}  // namespace ct::workload
