// Topology-aware placement (rack, else hall, else building, else spread; best fit at each level)
// and the fragmentation figures, on hand-worked cases.
#include <gtest/gtest.h>

#include <numeric>

#include "sched/placement.hpp"
#include "topology/campus.hpp"

namespace {

using namespace ct::sched;

// 2 buildings × 2 halls × 4 racks × 4 nodes = 64 nodes. Hall h holds nodes [16h, 16h + 16),
// rack r holds [4r, 4r + 4).
NodeTopology small_campus() { return NodeTopology::uniform(2, 2, 4, 4); }

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {  // [first, last)
  std::vector<std::int64_t> v(last - first);
  std::iota(v.begin(), v.end(), first);
  return v;
}

std::vector<std::int64_t> all_but(const std::vector<std::int64_t>& taken, std::int64_t n) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::find(taken.begin(), taken.end(), i) == taken.end()) v.push_back(i);
  }
  return v;
}

TEST(SchedPlacement, UniformTopologyMatchesCampus) {
  ct::topology::CampusSpec spec;
  spec.buildings = {{"A", 0, 0, 2, 4}, {"B", 500, 0, 3, 2}};
  spec.nodes_per_rack = 4;
  const ct::topology::Campus campus(spec);
  const NodeTopology t = NodeTopology::from_campus(campus);
  EXPECT_EQ(t.nodes(), campus.nodes());
  EXPECT_EQ(t.racks(), campus.racks());
  EXPECT_EQ(t.halls(), campus.halls());
  EXPECT_EQ(t.buildings(), 2);
  for (std::int64_t n = 0; n < t.nodes(); ++n) {
    EXPECT_EQ(t.rack_of_node[n], campus.rack_of_node(n));
    EXPECT_EQ(t.building_of_hall[t.hall_of_rack[t.rack_of_node[n]]],
              campus.building_of_rack(campus.rack_of_node(n)));
  }
  const NodeTopology u = small_campus();
  EXPECT_EQ(u.nodes(), 64);
  EXPECT_EQ(u.rack_of_node[17], 4);
  EXPECT_EQ(u.hall_of_rack[4], 1);
  EXPECT_EQ(u.building_of_hall[2], 1);
}

TEST(SchedPlacement, CompactDescendsRackHallBuildingCampus) {
  const NodeTopology t = small_campus();
  const auto all = range(0, 64);
  {
    FreePool pool(t, all);
    Placement p = pool.take(3, PlacementMode::compact);  // one rack: the lowest of equals
    EXPECT_EQ(p.nodes, range(0, 3));
    EXPECT_EQ(p.locality, Locality::rack);
    p = pool.take(1, PlacementMode::compact);  // best fit: the rack with 1 node left
    EXPECT_EQ(p.nodes, range(3, 4));
    EXPECT_EQ(pool.free(), 60);
  }
  {
    // 10 nodes: no rack holds them, hall 0 does: whole racks 0 and 1, then the best-fitting
    // rack for the last 2 (racks 2 and 3 tie at 4 free: rack 2).
    FreePool pool(t, all);
    const Placement p = pool.take(10, PlacementMode::compact);
    EXPECT_EQ(p.nodes, range(0, 10));
    EXPECT_EQ(p.locality, Locality::hall);
  }
  {
    // 20 nodes: building 0 — hall 0 whole, then 4 from hall 1 (best fit rack 4).
    FreePool pool(t, all);
    const Placement p = pool.take(20, PlacementMode::compact);
    EXPECT_EQ(p.nodes, range(0, 20));
    EXPECT_EQ(p.locality, Locality::building);
  }
  {
    // 40 nodes: building 0 whole, then 8 from building 1.
    FreePool pool(t, all);
    const Placement p = pool.take(40, PlacementMode::compact);
    EXPECT_EQ(p.nodes, range(0, 40));
    EXPECT_EQ(p.locality, Locality::campus);
    EXPECT_EQ(pool.free(), 24);
  }
}

TEST(SchedPlacement, LocalityComesBeforeBestFit) {
  const NodeTopology t = small_campus();
  // Building 0: 5 free in hall 0 (rack 0 whole + node 4) and 5 in hall 1; building 1: hall 2
  // whole (16), hall 3 busy. An 8-node job fits one hall only in hall 2, although building 0
  // (10 free) would be the tighter building.
  std::vector<std::int64_t> free = {0, 1, 2, 3, 4, 16, 17, 18, 19, 20};
  for (std::int64_t n = 32; n < 48; ++n) free.push_back(n);
  FreePool pool(t, free);
  const Placement p = pool.take(8, PlacementMode::compact);
  EXPECT_EQ(p.locality, Locality::hall);
  EXPECT_EQ(p.nodes, range(32, 40));
  // 4 nodes: rack 0 is whole and free — one rack beats the partial ones.
  EXPECT_EQ(pool.take(4, PlacementMode::compact).nodes, range(0, 4));
  // 1 node: best-fitting rack = a rack with a single free node (rack 1 has node 4; lowest id).
  EXPECT_EQ(pool.take(1, PlacementMode::compact).nodes, range(4, 5));
}

TEST(SchedPlacement, FirstFitTakesLowestIds) {
  const NodeTopology t = small_campus();
  const std::vector<std::int64_t> free = {2, 3, 9, 17, 40, 41};
  FreePool pool(t, free);
  const Placement p = pool.take(4, PlacementMode::first_fit);
  EXPECT_EQ(p.nodes, (std::vector<std::int64_t>{2, 3, 9, 17}));
  EXPECT_EQ(p.locality, Locality::building);  // racks 0, 2, 4: halls 0 and 1
}

TEST(SchedPlacement, Fragmentation) {
  const NodeTopology t = small_campus();
  Fragmentation f = fragmentation(t, range(0, 64));
  EXPECT_EQ(f.free_nodes, 64);
  EXPECT_DOUBLE_EQ(f.hall, 0.0);  // all free: packed as well as possible
  EXPECT_DOUBLE_EQ(f.rack, 0.0);
  EXPECT_EQ(f.largest_hall_free_nodes, 16);

  f = fragmentation(t, all_but({0, 1, 2}, 64));
  EXPECT_DOUBLE_EQ(f.hall, 0.0);         // hall 1 is whole
  EXPECT_DOUBLE_EQ(f.rack, 1.0 / 61.0);  // node 3 sits in a partly used rack

  f = fragmentation(t, std::vector<std::int64_t>{0, 16, 32, 48});  // one free node per hall
  EXPECT_DOUBLE_EQ(f.hall, 0.75);                                  // 1 − 1 / min(4, 16)
  EXPECT_DOUBLE_EQ(f.rack, 1.0);

  f = fragmentation(
      t, std::vector<std::int64_t>{0, 1, 2, 3, 16, 17, 18, 19});  // two whole racks in two halls
  EXPECT_DOUBLE_EQ(f.hall, 0.5);
  EXPECT_DOUBLE_EQ(f.rack, 0.0);

  f = fragmentation(t, {});
  EXPECT_EQ(f.hall, 0.0);
  EXPECT_EQ(f.rack, 0.0);
}

TEST(SchedPlacement, BadInput) {
  const NodeTopology t = small_campus();
  const std::vector<std::int64_t> unsorted = {3, 2};
  EXPECT_THROW(FreePool(t, unsorted), std::invalid_argument);
  const std::vector<std::int64_t> outside = {64};
  EXPECT_THROW(FreePool(t, outside), std::invalid_argument);
  FreePool pool(t, range(0, 4));
  EXPECT_THROW(pool.take(5, PlacementMode::compact), std::invalid_argument);
  EXPECT_THROW(pool.take(0, PlacementMode::compact), std::invalid_argument);
  EXPECT_THROW(NodeTopology::uniform(1, 0, 1, 1), std::invalid_argument);
}

}  // namespace
