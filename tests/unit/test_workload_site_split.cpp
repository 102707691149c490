// A training job split over sites (workload/site_split.hpp): replicas and hot spares placed site
// by site, and the step with the split DP all-reduce against the one-site step.
#include <gtest/gtest.h>

#include "topology/campus.hpp"
#include "workload/site_split.hpp"

namespace ct::workload {
namespace {

topology::CampusSpec two_sites() {
  topology::CampusSpec c;
  c.nodes_per_rack = 4;
  c.accelerators_per_node = 8;
  c.buildings = {{"a", 0.0, 0.0, 1, 9}, {"b", 0.0, 0.0, 1, 9}};  // 36 nodes each
  return c;
}

JobSpec job() {
  JobSpec j;
  j.name = "a-job-split-over-two-sites";
  j.model.parameters = 70e9;
  j.model.active_parameters = 70e9;
  j.model.sequence_length = 8192;
  j.model.global_batch_tokens = 8192.0 * 480;
  j.model.layers = 80;
  j.model.hidden_size = 8192;
  j.parallel.tp = 8;
  j.parallel.pp = 4;
  j.parallel.dp = 15;
  j.parallel.microbatches = 32;
  j.spare_nodes = 3;
  return j;
}

TEST(WorkloadSiteSplit, ReplicasAndSparesStayAtTheirSites) {
  const topology::Campus campus(two_sites());
  const topology::FabricSpec fabric;
  std::vector<std::int8_t> taken(static_cast<std::size_t>(campus.nodes()), 0);
  const std::vector<NodeRange> sites = {{0, 36}, {36, 36}};
  const SplitPlacement p = place_split(campus, fabric, job(), sites, {8, 7}, taken);
  ASSERT_EQ(p.parts.size(), 2u);
  EXPECT_EQ(p.combined.dp, 15);
  ASSERT_EQ(p.combined.nodes.size(), 60u);  // 15 replicas x 4 nodes, site after site
  for (std::size_t n = 0; n < 32; ++n) EXPECT_LT(p.combined.nodes[n], 36);
  for (std::size_t n = 32; n < 60; ++n) EXPECT_GE(p.combined.nodes[n], 36);
  // 3 spares in proportion to 8 : 7 → floor 1 and 1, the remaining one to the first site.
  ASSERT_EQ(p.parts[0].spares.size(), 2u);
  ASSERT_EQ(p.parts[1].spares.size(), 1u);
  for (std::int64_t s : p.parts[1].spares) EXPECT_GE(s, 36);
  std::int64_t used = 0;
  for (auto t : taken) used += t;
  EXPECT_EQ(used, 63);
  // A site too small for its share: an error naming the site, nothing taken.
  std::vector<std::int8_t> fresh(taken.size(), 0);
  EXPECT_THROW((void)place_split(campus, fabric, job(), sites, {10, 5}, fresh),
               std::invalid_argument);
  for (auto t : fresh) EXPECT_EQ(t, 0);
}

TEST(WorkloadSiteSplit, StepAddsTheSplitsExposedTimeOverOneSite) {
  const topology::Campus campus(two_sites());
  const topology::FabricSpec fabric;
  std::vector<std::int8_t> taken(static_cast<std::size_t>(campus.nodes()), 0);
  const JobSpec j = job();
  const SplitPlacement p = place_split(campus, fabric, j, {{0, 36}, {36, 36}}, {8, 7}, taken);
  topology::LongHaulLink link;
  link.distance_m = 1000e3;
  const topology::SplitCost c = split_cost(j, p, campus, fabric, {link});
  const StepBreakdown split = split_step_breakdown(j, p.combined, c, campus, fabric);
  const StepBreakdown plain = step_breakdown(j, p.combined, campus, fabric);
  // Only the DP all-reduce changes: its exposed share is (1 − 0.8) of the split's total.
  EXPECT_DOUBLE_EQ(split.compute_s, plain.compute_s);
  EXPECT_DOUBLE_EQ(split.bubble_s, plain.bubble_s);
  EXPECT_NEAR(c.exposed_s, (1.0 - j.dp_overlap_fraction) * c.total.total_s(), 1e-15);
  double others = 0.0;
  for (const auto& d : plain.collectives)
    if (d.name != "dp_allreduce") others += d.exposed_s;
  EXPECT_NEAR(split.exposed_comm_s, others + c.exposed_s, 1e-12);
  EXPECT_NEAR(split.step_s, split.compute_s + split.bubble_s + split.exposed_comm_s, 1e-12);
  // α_L = 1,500 km of fibre × 4.9 µs/km + 2 hops × 10 µs + 5 µs; two sites: 2 α_L.
  EXPECT_NEAR(c.inter_site.latency_s, 2.0 * (1500.0 * 4.9e-6 + 25e-6), 1e-12);
  EXPECT_GT(c.added_per_step_s, 0.0);
}

}  // namespace
}  // namespace ct::workload
