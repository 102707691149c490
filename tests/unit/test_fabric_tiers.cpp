// Tier classification, link latency/bandwidth and ring paths on a small two-building campus.
// Latencies are compared with hand-written closed forms (relative tolerance 1e-12).
#include <gtest/gtest.h>

#include <algorithm>
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

// Ring all-reduce critical path, computed independently: the latest arrival of the last step
// by the recurrence a(j+1, s) = a(j, s−1) + α_j (member j+1 forwards at step s what it received
// from j at step s−1), a(·, 0) = 0, maximised over members.
double ring_critical_path_s(const std::vector<double>& alpha, std::int64_t steps) {
  const std::size_t n = alpha.size();
  std::vector<double> arrival(n, 0.0), next(n);
  for (std::int64_t s = 0; s < steps; ++s) {
    for (std::size_t j = 0; j < n; ++j) next[(j + 1) % n] = arrival[j] + alpha[j];
    arrival.swap(next);
  }
  double latest = 0.0;
  for (double a : arrival) latest = std::max(latest, a);
  return latest;
}

TEST(FabricTiers, RingLatencyMatchesTheCriticalPathRecurrence) {
  // Irregular latencies, every step count from 0 to three turns, rings of 1 to 9 links.
  for (std::size_t n = 1; n <= 9; ++n) {
    std::vector<double> alpha(n);
    for (std::size_t j = 0; j < n; ++j) alpha[j] = 1e-6 * (1.0 + static_cast<double>((j * 7) % 5));
    for (std::int64_t steps = 0; steps <= static_cast<std::int64_t>(3 * n); ++steps)
      expect_rel(ring_latency_s(alpha.data(), n, steps), ring_critical_path_s(alpha, steps));
  }
  const double one = 1e-6;
  EXPECT_THROW(ring_latency_s(&one, 0, 1), std::invalid_argument);
  EXPECT_THROW(ring_latency_s(&one, 1, -1), std::invalid_argument);
}

// c of p links are slow (α_c, a campus crossing), the rest fast (α_l). Closed forms of the ring
// all-reduce latency T = 2Σα − min over adjacent pairs (α_j + α_{j+1}), 2(p−1) steps:
//   c = 0                          2(p−1)·α_l
//   1 ≤ c ≤ p−2 in a row (1, 2, p/2, p−2)  2(p−1)·α_l + 2c·(α_c − α_l)  (campus paid 2c times)
//   c = p/2, alternating           (p−1)·(α_l + α_c)
//   c = p                          2(p−1)·α_c
// (The brief's estimate 2(p−1)·c/p crossings agrees to O(c/p).) Tolerance 1e-12 relative.
TEST(FabricTiers, RingAllReduceLatencyWithCSlowLinks) {
  const double fast = 1.78e-6, slow = 19.45e-6;  // spine, campus 2 km (defaults)
  for (std::size_t p : {4u, 16u, 128u}) {
    const auto steps = 2 * static_cast<std::int64_t>(p - 1);
    const double pm1 = static_cast<double>(p - 1);
    for (std::size_t c : {std::size_t{0}, std::size_t{1}, std::size_t{2}, p / 2, p - 2}) {
      std::vector<double> alpha(p, fast);
      for (std::size_t j = 0; j < c; ++j) alpha[(j + 5) % p] = slow;  // c in a row
      expect_rel(ring_latency_s(alpha.data(), p, steps),
                 2.0 * pm1 * fast + 2.0 * static_cast<double>(c) * (slow - fast));
    }
    std::vector<double> alternating(p, fast);
    for (std::size_t j = 1; j < p; j += 2) alternating[j] = slow;
    expect_rel(ring_latency_s(alternating.data(), p, steps), pm1 * (fast + slow));
    const std::vector<double> all(p, slow);
    // Equal links: exactly the old 2(p−1)·α, not just to rounding.
    EXPECT_EQ(ring_latency_s(all.data(), p, steps), static_cast<double>(steps) * slow);
  }
}

TEST(FabricTiers, RingPathPipelinedAlphaAndSlowestBandwidth) {
  const Campus c = two_buildings();
  const FabricSpec f = distinct_fabric();
  const std::vector<std::int64_t> local = {0, 1, 2};  // all in rack 0, closing 2 → 0
  RingPath r = ring_path(c, f, local);
  expect_rel(r.alpha_s, link_latency_s(c, f, 0, 1));
  expect_rel(r.max_link_alpha_s, link_latency_s(c, f, 0, 1));
  EXPECT_EQ(r.bandwidth_bytes_per_s, 50e9);
  EXPECT_EQ(r.tier, Tier::leaf);
  EXPECT_EQ(r.campus_links, 0);

  // 0 →leaf 1 →spine 5 →core 9 →campus 17 →campus 0: per step, 2Σα − min adjacent pair over
  // 2(p−1) = 8 steps; the adjacent pair with the smallest sum is leaf + spine.
  const std::vector<std::int64_t> mixed = {0, 1, 5, 9, 17};
  r = ring_path(c, f, mixed);
  const double leaf = link_latency_s(c, f, 0, 1), spine = link_latency_s(c, f, 1, 5);
  const double core = link_latency_s(c, f, 5, 9), campus = link_latency_s(c, f, 9, 17);
  expect_rel(r.alpha_s, (2.0 * (leaf + spine + core + 2.0 * campus) - (leaf + spine)) / 8.0);
  expect_rel(r.max_link_alpha_s, campus);
  EXPECT_EQ(r.bandwidth_bytes_per_s, 10e9);
  EXPECT_EQ(r.tier, Tier::campus);
  EXPECT_EQ(r.campus_links, 2);

  // Every link crosses the campus at the same distance: today's α, bit for bit.
  const std::vector<std::int64_t> spread = {0, 16, 4, 20, 8, 24};
  r = ring_path(c, f, spread);
  EXPECT_EQ(r.alpha_s, link_latency_s(c, f, 0, 16));
  EXPECT_EQ(r.campus_links, 6);

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
  ASSERT_NE(fabric_catalogue().find("b200_800g"), nullptr);
  EXPECT_EQ(fabric_catalogue().find("nope"), nullptr);
  EXPECT_EQ(fabric_catalogue().entries().size(), 3u);
  FabricSpec bad = f;
  bad.campus_route_factor = 0.9;
  EXPECT_THROW(validate(bad), std::invalid_argument);
}

}  // namespace
}  // namespace ct::topology
