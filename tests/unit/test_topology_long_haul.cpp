// Long-haul links and a training job's DP all-reduce split over sites, against the α–β closed
// form written out here by hand (and, for equal groups, the existing hierarchical all-reduce).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "topology/fabric.hpp"
#include "topology/long_haul.hpp"

namespace ct::topology {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(TopologyLongHaul, GreatCircleDistanceClosedForms) {
  const double r = kEarthMeanRadiusM;
  EXPECT_DOUBLE_EQ(great_circle_distance_m({10.0, 20.0}, {10.0, 20.0}), 0.0);
  // A quarter of the equator, half of it, one degree of a meridian.
  EXPECT_NEAR(great_circle_distance_m({0.0, 0.0}, {0.0, 90.0}), 0.5 * kPi * r, 1e-6);
  EXPECT_NEAR(great_circle_distance_m({0.0, -90.0}, {0.0, 90.0}), kPi * r, 1e-6);
  EXPECT_NEAR(great_circle_distance_m({45.0, 7.0}, {46.0, 7.0}), kPi * r / 180.0, 1e-6);
  // Pole to equator, and symmetry.
  EXPECT_NEAR(great_circle_distance_m({90.0, 0.0}, {0.0, 123.0}), 0.5 * kPi * r, 1e-6);
  EXPECT_DOUBLE_EQ(great_circle_distance_m({48.85, 2.35}, {51.51, -0.13}),
                   great_circle_distance_m({51.51, -0.13}, {48.85, 2.35}));
  EXPECT_THROW((void)great_circle_distance_m({91.0, 0.0}, {0.0, 0.0}), std::invalid_argument);
  EXPECT_THROW((void)great_circle_distance_m({0.0, 0.0}, {0.0, 181.0}), std::invalid_argument);
}

// α_L = d · 1.5 · 4.9 µs/km + 2 routers · 10 µs + 5 µs, by hand.
TEST(TopologyLongHaul, OneWayLatencyAtHundredThousandAndFourThousandKm) {
  const double expected_s[] = {0.760e-3, 7.375e-3, 29.425e-3};
  const double km[] = {100.0, 1000.0, 4000.0};
  for (int i = 0; i < 3; ++i) {
    LongHaulLink link;
    link.distance_m = km[i] * 1000.0;
    EXPECT_NEAR(fibre_length_m(link), 1.5 * km[i] * 1000.0, 1e-9);
    EXPECT_NEAR(one_way_latency_s(link), expected_s[i], 1e-15) << km[i] << " km";
  }
  LongHaulLink link;
  link.distance_m = 1000e3;
  EXPECT_NEAR(transfer_time_s(link, 1e12), 7.375e-3 + 2.5, 1e-12);  // 1 TB checkpoint
}

// Llama 3 405B-like job (tp 8, pp 16, dp 128, bf16 gradients) split 64 + 64 replicas over two
// sites: the closed form
//   T = 2·[(g−1)α_s + (g−1)/g · S/B_s] + 2α_L + S / min(B_L / (tp·pp), g·B_nic)
// at 100, 1000 and 4000 km.
TEST(TopologyLongHaul, TwoSiteSplitMatchesAlphaBetaClosedForm) {
  const double S = 2.0 * 405e9 / (8 * 16);
  const int g = 64;
  const double alpha_s = 20e-6, B_s = 50e9, B_nic = 50e9, B_L = 400e9;
  const int groups = 8 * 16;
  for (const double km : {100.0, 1000.0, 4000.0}) {
    SiteSplit split;
    split.sites = {{g, alpha_s, B_s, B_nic}, {g, alpha_s, B_s, B_nic}};
    LongHaulLink link;
    link.distance_m = km * 1000.0;
    link.bandwidth_bytes_per_s = B_L;
    split.links = {link};
    split.bytes = S;
    split.concurrent_groups = groups;
    split.overlap_fraction = 0.8;
    const SplitCost c = split_allreduce_cost(split);

    const double alpha_L = km * 1.5 * 4.9e-6 + 2 * 10e-6 + 5e-6;
    const double B_eff = std::min(B_L / groups, g * B_nic);
    const double intra = (g - 1) * alpha_s + (g - 1.0) / g * S / B_s;
    const double closed = 2.0 * intra + 2.0 * alpha_L + S / B_eff;
    const double flat = 2.0 * (2 * g - 1) * alpha_s + 2.0 * (2 * g - 1.0) / (2 * g) * S / B_s;
    EXPECT_NEAR(c.total.total_s(), closed, 1e-12 * closed) << km;
    EXPECT_NEAR(c.inter_site.latency_s, 2.0 * alpha_L, 1e-15) << km;
    EXPECT_NEAR(c.single_site.total_s(), flat, 1e-12 * flat);
    EXPECT_NEAR(c.exposed_s, 0.2 * closed, 1e-12 * closed);
    EXPECT_NEAR(c.added_per_step_s, 0.2 * (closed - flat), 1e-9 * closed);
    EXPECT_TRUE(c.link_bound);
    EXPECT_DOUBLE_EQ(c.inter_bandwidth_bytes_per_s, B_eff);
    EXPECT_NEAR(c.bytes_per_link_direction, S * groups, 1e-6 * S);
    // Equal groups: the existing hierarchical all-reduce with B_eff shared by the g rings.
    const CollectiveCost h = hierarchical_allreduce(2 * g, g, S, alpha_s, B_s, alpha_L, B_eff / g);
    EXPECT_NEAR(c.total.total_s(), h.total_s(), 1e-12 * closed);
    EXPECT_NEAR(c.total.latency_s, h.latency_s, 1e-15);
    std::printf(
        "[long-haul] %5.0f km: alpha_L %.4f ms, all-reduce %.4f s (closed form %.4f s, rel err "
        "%.1e), one site %.4f s, exposed +%.4f s/step\n",
        km, alpha_L * 1e3, c.total.total_s(), closed, std::abs(c.total.total_s() - closed) / closed,
        flat, c.added_per_step_s);
  }
}

// Three sites with different links: the ring's α part is the pipelined critical path
// 2·Σα − min_j(α_j + α_{j+1}) = Σα + max α for k = 3 (fabric README), not 2(k−1)·max α.
TEST(TopologyLongHaul, ThreeSiteRingLatencyIsPipelinedCriticalPath) {
  SiteSplit split;
  split.sites = {{4, 1e-5, 50e9, 50e9}, {4, 1e-5, 50e9, 50e9}, {4, 1e-5, 50e9, 50e9}};
  LongHaulLink a, b, c;
  a.distance_m = 100e3;
  b.distance_m = 1000e3;
  c.distance_m = 4000e3;
  c.bandwidth_bytes_per_s = 100e9;
  split.links = {a, b, c};
  split.bytes = 1e9;
  const SplitCost cost = split_allreduce_cost(split);
  const double aa = one_way_latency_s(a), ab = one_way_latency_s(b), ac = one_way_latency_s(c);
  EXPECT_NEAR(cost.inter_site.latency_s, aa + ab + ac + ac, 1e-15);
  // Bottleneck: the slowest link (100e9), shared by one group; 4 NICs give 200e9.
  EXPECT_NEAR(cost.inter_site.bandwidth_s, 4.0 / 3.0 * 1e9 / 100e9, 1e-15);
  EXPECT_DOUBLE_EQ(cost.long_haul_alpha_s, ac);
}

// Unequal groups: the slowest site's reduce-scatter counts; the smallest site's NICs bound the
// inter-site rate when the links are wide.
TEST(TopologyLongHaul, UnequalGroupsSlowestSiteAndSmallestSiteInjection) {
  SiteSplit split;
  split.sites = {{6, 2e-5, 50e9, 50e9}, {2, 1e-5, 100e9, 25e9}};
  LongHaulLink link;
  link.distance_m = 500e3;
  link.bandwidth_bytes_per_s = 10e12;
  split.links = {link};
  split.bytes = 3e9;
  split.concurrent_groups = 4;
  const SplitCost c = split_allreduce_cost(split);
  const double rs6 = 5 * 2e-5 + 5.0 / 6.0 * 3e9 / 50e9;
  const double rs2 = 1 * 1e-5 + 0.5 * 3e9 / 100e9;
  ASSERT_GT(rs6, rs2);
  EXPECT_NEAR(c.reduce_scatter.total_s(), rs6, 1e-15);
  EXPECT_FALSE(c.link_bound);
  EXPECT_DOUBLE_EQ(c.inter_bandwidth_bytes_per_s, 2 * 25e9);  // 10e12/4 > 2·25e9
  EXPECT_NEAR(c.inter_site.bandwidth_s, 3e9 / 50e9, 1e-15);
  EXPECT_NEAR(c.total.total_s(), 2 * rs6 + 2 * one_way_latency_s(link) + 3e9 / 50e9, 1e-12);
}

TEST(TopologyLongHaul, OneSiteIsTheFlatRingAndHideWindowCapsOverlap) {
  SiteSplit split;
  split.sites = {{8, 1e-5, 50e9, 50e9}};
  split.bytes = 1e9;
  const SplitCost c = split_allreduce_cost(split);
  const CollectiveCost ring = ring_allreduce(8, 1e9, 1e-5, 50e9);
  EXPECT_NEAR(c.total.total_s(), ring.total_s(), 1e-15);
  EXPECT_EQ(c.added_per_step_s, 0.0);
  EXPECT_EQ(c.inter_site.total_s(), 0.0);

  // A short backward pass cannot hide 80% of a long all-reduce.
  EXPECT_DOUBLE_EQ(exposed_time_s(10.0, 0.8, 3.0), 7.0);
  EXPECT_DOUBLE_EQ(exposed_time_s(10.0, 0.8, 9.0), 2.0);
}

TEST(TopologyLongHaul, InvalidInputsNameTheField) {
  LongHaulLink bad;
  bad.route_factor = 0.9;
  try {
    validate(bad);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("route_factor"), std::string::npos);
  }
  SiteSplit split;
  split.sites = {{4, 1e-5, 50e9, 50e9}, {4, 1e-5, 50e9, 50e9}};
  split.bytes = 1e9;
  try {
    (void)split_allreduce_cost(split);  // two sites, no link
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ring link"), std::string::npos);
  }
  split.links = {LongHaulLink{}};
  split.sites[1].replicas = 0;
  EXPECT_THROW((void)split_allreduce_cost(split), std::invalid_argument);
}

}  // namespace
}  // namespace ct::topology
