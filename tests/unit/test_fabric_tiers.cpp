// Tier classification, link latency/bandwidth and ring paths on a small two-building campus.
// Latencies are compared with hand-written closed forms (relative tolerance 1e-12).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "topology/campus.hpp"
#include "topology/fabric.hpp"

namespace ct::topology {
namespace {

constexpr double kRel = 1e-12;
constexpr double kFibre = 4.9e-9;  // s/m

// Buildings 5 km apart (3-4-5 triangle); 2 halls × 2 racks × 4 nodes × 8 GPUs each.
// Nodes: building 0 → 0..15 (rack r holds 4r..4r+3; racks 0,1 in hall 0, racks 2,3 in hall 1),
// building 1 → 16..31.
Campus two_buildings() {
  CampusSpec spec;
  spec.buildings = {{"A", 0.0, 0.0, 2, 2}, {"B", 3000.0, 4000.0, 2, 2}};
  spec.nodes_per_rack = 4;
  spec.accelerators_per_node = 8;
  return Campus(spec);
}

// Distinct values per tier so a wrong tier lookup shows.
FabricSpec distinct_fabric() {
  FabricSpec f;
  f.scaleup_latency_s = 0.7e-6;
  f.scaleup_bandwidth_bytes_per_s = 450e9;
  f.nic_latency_s = 1.1e-6;
  f.leaf = {110e-9, 50e9, 1.0, 8.0, 1};
  f.spine = {120e-9, 50e9, 1.0, 90.0, 3};
  f.core = {140e-9, 50e9, 2.0, 250.0, 5};
  f.campus = {150e-9, 40e9, 4.0, 500.0, 7};
  f.campus_route_factor = 1.4;
  return f;
}

void expect_rel(double actual, double expected) {
  EXPECT_NEAR(actual, expected, kRel * std::abs(expected)) << "expected " << expected;
}

TEST(FabricTiers, Classification) {
  const Campus c = two_buildings();
  FabricSpec f = distinct_fabric();
  EXPECT_EQ(tier_between_nodes(c, f, 5, 5), Tier::scaleup);
  EXPECT_EQ(tier_between_nodes(c, f, 4, 7), Tier::leaf);     // same rack
  EXPECT_EQ(tier_between_nodes(c, f, 1, 5), Tier::spine);    // racks 0, 1 of hall 0
  EXPECT_EQ(tier_between_nodes(c, f, 1, 9), Tier::core);     // halls 0, 1 of building A
  EXPECT_EQ(tier_between_nodes(c, f, 1, 17), Tier::campus);  // buildings A, B
  EXPECT_EQ(tier_between_nodes(c, f, 17, 1), Tier::campus);
  f.scaleup = ScaleupDomain::rack;  // NVL72-style: the rack is one NVLink domain
  EXPECT_EQ(tier_between_nodes(c, f, 4, 7), Tier::scaleup);
  EXPECT_EQ(tier_between_nodes(c, f, 3, 4), Tier::spine);
  EXPECT_EQ(scaleup_domain_of_node(c, f, 7), 1);
  EXPECT_EQ(scaleup_domain_accelerators(c, f), 32);
}

TEST(FabricTiers, LinkLatencyClosedForm) {
  const Campus c = two_buildings();
  FabricSpec f = distinct_fabric();
  const double nic = 1.1e-6;
  expect_rel(link_latency_s(c, f, 5, 5), 0.7e-6);
  expect_rel(link_latency_s(c, f, 4, 7), 1 * 110e-9 + 8.0 * kFibre + nic);
  expect_rel(link_latency_s(c, f, 1, 5), 3 * 120e-9 + 90.0 * kFibre + nic);
  expect_rel(link_latency_s(c, f, 1, 9), 5 * 140e-9 + 250.0 * kFibre + nic);
  const double campus = 7 * 150e-9 + (500.0 + 5000.0 * 1.4) * kFibre + nic;
  expect_rel(link_latency_s(c, f, 1, 17), campus);
  // 5 km of straight line × 1.4 route: 34.3 µs of fibre dominates.
  EXPECT_GT(link_latency_s(c, f, 1, 17), 34.3e-6);
  f.scaleup = ScaleupDomain::rack;
  expect_rel(link_latency_s(c, f, 4, 7), 0.7e-6);
}

TEST(FabricTiers, LinkBandwidthIsBottleneckOverCrossedTiers) {
  const Campus c = two_buildings();
  FabricSpec f = distinct_fabric();
  EXPECT_EQ(link_bandwidth_bytes_per_s(c, f, 5, 5), 450e9);
  EXPECT_EQ(link_bandwidth_bytes_per_s(c, f, 4, 7), 50e9);
  EXPECT_EQ(link_bandwidth_bytes_per_s(c, f, 1, 5), 50e9);
  EXPECT_EQ(link_bandwidth_bytes_per_s(c, f, 1, 9), 25e9);   // 50e9 / 2
  EXPECT_EQ(link_bandwidth_bytes_per_s(c, f, 1, 17), 10e9);  // 40e9 / 4
  // A core path also crosses the spine: a tapered spine limits it.
  f.spine.oversubscription = 5.0;
  EXPECT_EQ(link_bandwidth_bytes_per_s(c, f, 1, 9), 10e9);
}

TEST(FabricTiers, RingPathSlowestLinkSetsAlphaAndBandwidth) {
  const Campus c = two_buildings();
  const FabricSpec f = distinct_fabric();
  const std::vector<std::int64_t> local = {0, 1, 2};  // all in rack 0, closing 2 → 0
  RingPath r = ring_path(c, f, local);
  expect_rel(r.alpha_s, link_latency_s(c, f, 0, 1));
  EXPECT_EQ(r.bandwidth_bytes_per_s, 50e9);
  EXPECT_EQ(r.tier, Tier::leaf);

  const std::vector<std::int64_t> mixed = {0, 1, 5, 9, 17};
  r = ring_path(c, f, mixed);
  expect_rel(r.alpha_s, link_latency_s(c, f, 9, 17));
  EXPECT_EQ(r.bandwidth_bytes_per_s, 10e9);
  EXPECT_EQ(r.tier, Tier::campus);

  // Closing link only: 0 → 5 → 9 is spine then core; 9 → 0 is core as well.
  const std::vector<std::int64_t> closing = {0, 5, 9};
  r = ring_path(c, f, closing);
  expect_rel(r.alpha_s, link_latency_s(c, f, 9, 0));
  EXPECT_EQ(r.tier, Tier::core);

  const std::int64_t one = 3;
  r = ring_path(c, f, &one, 1);
  EXPECT_EQ(r.alpha_s, 0.0);
  EXPECT_EQ(r.tier, Tier::scaleup);
  EXPECT_THROW(ring_path(c, f, &one, 0), std::invalid_argument);
}

TEST(FabricTiers, DefaultsAreInfinibandNdr) {
  const FabricSpec f = fabric_preset_h100_ndr();
  EXPECT_NO_THROW(validate(f));
  for (Tier t : {Tier::leaf, Tier::spine, Tier::core, Tier::campus}) {
    EXPECT_GE(tier_spec(f, t).hop_latency_s, 130e-9);
    EXPECT_LE(tier_spec(f, t).hop_latency_s, 150e-9);
    EXPECT_EQ(tier_spec(f, t).bandwidth_bytes_per_s, 50e9);  // 400 Gb/s per GPU
  }
  EXPECT_EQ(f.leaf.hops, 1);
  EXPECT_EQ(f.spine.hops, 3);
  EXPECT_EQ(f.core.hops, 5);
  EXPECT_EQ(f.campus.hops, 7);
  const FabricSpec g = fabric_preset_gb200_nvl72();
  EXPECT_EQ(g.scaleup, ScaleupDomain::rack);
  EXPECT_EQ(g.leaf.bandwidth_bytes_per_s, 100e9);  // 800 Gb/s
  // B200 with ConnectX-8: 8-GPU NVLink 5 node domain, 800 Gb/s per GPU on every scale-out tier.
  const FabricSpec b = fabric_preset_b200_800g();
  EXPECT_NO_THROW(validate(b));
  EXPECT_EQ(b.scaleup, ScaleupDomain::node);
  EXPECT_EQ(b.scaleup_bandwidth_bytes_per_s, 900e9);  // 1.8 TB/s both directions
  for (Tier t : {Tier::leaf, Tier::spine, Tier::core, Tier::campus})
    EXPECT_EQ(tier_spec(b, t).bandwidth_bytes_per_s, 100e9);  // 800 Gb/s
  ASSERT_NE(find_fabric_preset("b200_800g"), nullptr);
  EXPECT_EQ(find_fabric_preset("nope"), nullptr);
  EXPECT_EQ(fabric_presets().size(), 3u);
  FabricSpec bad = f;
  bad.campus_route_factor = 0.9;
  EXPECT_THROW(validate(bad), std::invalid_argument);
}

}  // namespace
}  // namespace ct::topology
