// Job placement: rank layout, compact and spread orders, spares, and clear errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "topology/campus.hpp"
#include "topology/fabric.hpp"
#include "workload/placement.hpp"

namespace ct::workload {
namespace {

using topology::Campus;
using topology::CampusSpec;
using topology::FabricSpec;

// Two buildings, each 1 hall × 4 racks × 4 nodes × 8 GPUs: nodes 0..15 in A, 16..31 in B.
Campus two_buildings(std::int32_t racks_per_hall = 4) {
  CampusSpec spec;
  spec.buildings = {{"A", 0.0, 0.0, 1, racks_per_hall}, {"B", 2000.0, 0.0, 1, racks_per_hall}};
  return Campus(spec);
}

JobSpec job(int tp, int pp, int dp) {
  JobSpec j;
  j.name = "test";
  j.model = {1e9, 1e9, 4096, 4096.0 * 64, 16, 2048};
  j.parallel.tp = tp;
  j.parallel.pp = pp;
  j.parallel.dp = dp;
  j.parallel.microbatches = 4;
  return j;
}

std::int32_t building_of(const Campus& c, std::int64_t node) {
  return c.building_of_rack(c.rack_of_node(node));
}

TEST(WorkloadPlacement, CompactSkipsTakenNodesAndMarksItsOwn) {
  const Campus c = two_buildings();
  std::vector<std::int8_t> taken(c.nodes(), 0);
  taken[1] = taken[2] = 1;
  const JobPlacement p = place_job(c, FabricSpec{}, job(8, 2, 2), taken);
  EXPECT_EQ(p.nodes, (std::vector<std::int64_t>{0, 3, 4, 5}));
  for (std::int64_t n : {0, 1, 2, 3, 4, 5}) EXPECT_EQ(taken[n], 1) << n;
  EXPECT_EQ(taken[6], 0);
  // rank = t + tp·(s + pp·d): replica 1, stage 1 is rank 24 → 4th job node.
  EXPECT_EQ(p.rank(0, 1, 1), 24);
  EXPECT_EQ(p.node_of_rank(24), 5);
  EXPECT_EQ(p.dp_ring_nodes, (std::vector<std::int64_t>{0, 4}));
  // 1F1B: only the (stage 0, stage 1) boundary of each replica.
  ASSERT_EQ(p.pp_boundaries.size(), 2u);
  EXPECT_EQ(p.pp_boundaries[1].from, 4);
  EXPECT_EQ(p.pp_boundaries[1].to, 5);
}

TEST(WorkloadPlacement, InterleavedAddsTheWrapAroundBoundary) {
  const Campus c = two_buildings();
  std::vector<std::int8_t> taken(c.nodes(), 0);
  JobSpec j = job(8, 3, 1);
  j.parallel.schedule = ParallelSpec::interleaved;
  j.parallel.virtual_stages = 2;
  const JobPlacement p = place_job(c, FabricSpec{}, j, taken);
  ASSERT_EQ(p.pp_boundaries.size(), 3u);
  EXPECT_EQ(p.pp_boundaries[2].from, 2);
  EXPECT_EQ(p.pp_boundaries[2].to, 0);
}

TEST(WorkloadPlacement, SeveralReplicasShareANodeWhenTpIsSmall) {
  const Campus c = two_buildings();
  std::vector<std::int8_t> taken(c.nodes(), 0);
  const JobPlacement p = place_job(c, FabricSpec{}, job(4, 1, 4), taken);
  EXPECT_EQ(p.nodes, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(p.dp_ring_nodes, (std::vector<std::int64_t>{0, 0, 1, 1}));
}

TEST(WorkloadPlacement, SpreadDealsReplicasRoundRobinOverBuildings) {
  const Campus c = two_buildings();
  std::vector<std::int8_t> taken(c.nodes(), 0);
  JobSpec j = job(8, 2, 4);
  j.order = Placement::spread_buildings;
  const JobPlacement p = place_job(c, FabricSpec{}, j, taken);
  EXPECT_EQ(p.nodes, (std::vector<std::int64_t>{0, 1, 16, 17, 2, 3, 18, 19}));
  ASSERT_EQ(p.dp_ring_nodes.size(), 4u);
  for (int d = 0; d < 4; ++d) EXPECT_EQ(building_of(c, p.dp_ring_nodes[d]), d % 2);
  // Each replica's pipeline stays in one building.
  for (const NodePair& b : p.pp_boundaries) EXPECT_EQ(building_of(c, b.from), building_of(c, b.to));
}

TEST(WorkloadPlacement, SpreadSkipsAFullBuilding) {
  const Campus c = two_buildings();
  std::vector<std::int8_t> taken(c.nodes(), 0);
  for (std::int64_t n = 16; n < 31; ++n) taken[n] = 1;  // B has one free node left
  JobSpec j = job(8, 2, 3);
  j.order = Placement::spread_buildings;
  const JobPlacement p = place_job(c, FabricSpec{}, j, taken);
  for (std::int64_t n : p.nodes) EXPECT_EQ(building_of(c, n), 0) << n;
}

TEST(WorkloadPlacement, SparesPreferTheJobsBuilding) {
  const Campus c = two_buildings();
  std::vector<std::int8_t> taken(c.nodes(), 0);
  for (std::int64_t n = 0; n < 14; ++n) taken[n] = 1;  // A: nodes 14, 15 free
  JobSpec j = job(8, 1, 4);
  j.spare_nodes = 2;
  const JobPlacement p = place_job(c, FabricSpec{}, j, taken);
  // Job: 14, 15 (A), 16, 17 (B) → tie, A first by id; spares then come from A? A is full, so B.
  EXPECT_EQ(p.nodes, (std::vector<std::int64_t>{14, 15, 16, 17}));
  EXPECT_EQ(p.spares, (std::vector<std::int64_t>{18, 19}));
  // A job wholly in B takes its spares in B even though A has free nodes first in id order.
  std::vector<std::int8_t> taken2(c.nodes(), 0);
  for (std::int64_t n = 0; n < 12; ++n) taken2[n] = 1;  // A: 12..15 free
  for (std::int64_t n = 16; n < 20; ++n) taken2[n] = 1;
  JobSpec k = job(8, 1, 4);
  k.order = Placement::spread_buildings;  // replicas alternate A/B
  k.spare_nodes = 3;
  const JobPlacement q = place_job(c, FabricSpec{}, k, taken2);
  EXPECT_EQ(q.nodes, (std::vector<std::int64_t>{12, 20, 13, 21}));
  EXPECT_EQ(q.spares, (std::vector<std::int64_t>{14, 15, 22}));  // tie → A first, then B
}

TEST(WorkloadPlacement, RackScaleTpSpansAlignedNodesOfOneRack) {
  CampusSpec spec;
  spec.buildings = {{"A", 0.0, 0.0, 1, 2}};
  spec.nodes_per_rack = 18;  // GB200 NVL72: 18 trays × 4 GPUs
  spec.accelerators_per_node = 4;
  const Campus c(spec);
  const FabricSpec f = topology::fabric_preset_gb200_nvl72();
  std::vector<std::int8_t> taken(c.nodes(), 0);
  taken[1] = 1;  // breaks the unit (0, 1)
  const JobPlacement p = place_job(c, f, job(8, 1, 2), taken);
  EXPECT_EQ(p.nodes, (std::vector<std::int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(taken[0], 0);
  // TP 8 does not fit an 8-GPU node domain and TP 3 does not divide it.
  std::vector<std::int8_t> t2(two_buildings().nodes(), 0);
  EXPECT_THROW(place_job(two_buildings(), FabricSpec{}, job(16, 1, 1), t2), std::invalid_argument);
  EXPECT_THROW(place_job(two_buildings(), FabricSpec{}, job(3, 1, 1), t2), std::invalid_argument);
}

TEST(WorkloadPlacement, ErrorsLeaveNodeTakenUnchanged) {
  const Campus c = two_buildings();
  std::vector<std::int8_t> taken(c.nodes(), 0);
  taken[5] = 1;
  const std::vector<std::int8_t> before = taken;
  JobSpec j = job(8, 4, 8);  // 32 nodes, 31 free
  try {
    place_job(c, FabricSpec{}, j, taken);
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("31"), std::string::npos) << e.what();
  }
  EXPECT_EQ(taken, before);
  j = job(8, 2, 2);
  j.spare_nodes = 28;  // 4 + 28 > 31
  EXPECT_THROW(place_job(c, FabricSpec{}, j, taken), std::invalid_argument);
  EXPECT_EQ(taken, before);
  j = job(4, 1, 3);  // a replica is half a node: cannot be dealt to buildings
  j.order = Placement::spread_buildings;
  EXPECT_THROW(place_job(c, FabricSpec{}, j, taken), std::invalid_argument);
  std::vector<std::int8_t> wrong_size(3, 0);
  EXPECT_THROW(place_job(c, FabricSpec{}, job(8, 1, 1), wrong_size), std::invalid_argument);
}

}  // namespace
}  // namespace ct::workload
