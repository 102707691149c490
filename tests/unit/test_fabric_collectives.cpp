// α–β collective costs against their closed forms (relative tolerance 1e-12: only rounding).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "topology/fabric.hpp"

namespace ct::topology {
namespace {

constexpr double kRel = 1e-12;

void expect_rel(double actual, double expected) {
  EXPECT_NEAR(actual, expected, kRel * std::abs(expected)) << "expected " << expected;
}

struct Case {
  int p;
  double bytes;
};

const Case kCases[] = {{2, 1.0},          {2, 6.328125e9},   {8, 268435456.0}, {8, 1e6},
                       {128, 6.328125e9}, {128, 33554432.0}, {1024, 1e3},      {1024, 1.6e10}};
constexpr double kAlpha = 3.07e-6;  // s
constexpr double kB = 50e9;         // B/s

TEST(FabricCollectives, RingAllReduceClosedForm) {
  for (const Case& c : kCases) {
    const CollectiveCost cost = ring_allreduce(c.p, c.bytes, kAlpha, kB);
    expect_rel(cost.latency_s, 2.0 * (c.p - 1) * kAlpha);
    expect_rel(cost.bandwidth_s, 2.0 * (c.p - 1) / c.p * c.bytes / kB);
    expect_rel(cost.total_s(), cost.latency_s + cost.bandwidth_s);
  }
}

TEST(FabricCollectives, ReduceScatterAllGatherAllToAllClosedForm) {
  for (const Case& c : kCases) {
    const double lat = (c.p - 1) * kAlpha;
    const double bw = static_cast<double>(c.p - 1) / c.p * c.bytes / kB;
    for (const CollectiveCost& cost :
         {reduce_scatter(c.p, c.bytes, kAlpha, kB), all_gather(c.p, c.bytes, kAlpha, kB),
          all_to_all(c.p, c.bytes, kAlpha, kB)}) {
      expect_rel(cost.latency_s, lat);
      expect_rel(cost.bandwidth_s, bw);
    }
    // RS + AG is an all-reduce.
    const CollectiveCost rs = reduce_scatter(c.p, c.bytes, kAlpha, kB);
    const CollectiveCost ar = ring_allreduce(c.p, c.bytes, kAlpha, kB);
    expect_rel(2.0 * rs.total_s(), ar.total_s());
  }
}

TEST(FabricCollectives, PointToPoint) {
  const CollectiveCost c = point_to_point(33554432.0, kAlpha, kB);
  expect_rel(c.latency_s, kAlpha);
  expect_rel(c.bandwidth_s, 33554432.0 / kB);
}

TEST(FabricCollectives, SingleMemberCostsNothing) {
  EXPECT_EQ(ring_allreduce(1, 1e9, kAlpha, kB).total_s(), 0.0);
  EXPECT_EQ(all_to_all(1, 1e9, kAlpha, kB).total_s(), 0.0);
  EXPECT_THROW(ring_allreduce(0, 1e9, kAlpha, kB), std::invalid_argument);
}

TEST(FabricCollectives, HierarchicalIsReduceScatterPlusAllReducePlusAllGather) {
  const double a_in = 0.5e-6, b_in = 450e9, a_out = 4.2e-6, b_out = 50e9;
  const struct { int p, d; } shapes[] = {{2, 2}, {8, 2}, {128, 8}, {1024, 4}, {1024, 8}, {16, 1}};
  for (const auto& s : shapes)
    for (double bytes : {1.0, 1e6, 6.328125e9}) {
      const CollectiveCost h = hierarchical_allreduce(s.p, s.d, bytes, a_in, b_in, a_out, b_out);
      const CollectiveCost rs = reduce_scatter(s.d, bytes, a_in, b_in);
      const CollectiveCost ar = ring_allreduce(s.p / s.d, bytes / s.d, a_out, b_out);
      const CollectiveCost ag = all_gather(s.d, bytes, a_in, b_in);
      expect_rel(h.latency_s, rs.latency_s + ar.latency_s + ag.latency_s);
      expect_rel(h.bandwidth_s, rs.bandwidth_s + ar.bandwidth_s + ag.bandwidth_s);
      // Written out: 2(d−1)α_in + 2(p/d−1)α_out; 2(d−1)/d·S/B_in + 2(p/d−1)/(p/d)·(S/d)/B_out.
      const double q = static_cast<double>(s.p / s.d);
      expect_rel(h.latency_s, 2.0 * (s.d - 1) * a_in + 2.0 * (q - 1) * a_out);
      expect_rel(h.bandwidth_s,
                 2.0 * (s.d - 1) / s.d * bytes / b_in + 2.0 * (q - 1) / q * (bytes / s.d) / b_out);
    }
  // d = 1 is the flat ring between domains.
  expect_rel(hierarchical_allreduce(128, 1, 1e9, a_in, b_in, a_out, b_out).total_s(),
             ring_allreduce(128, 1e9, a_out, b_out).total_s());
  EXPECT_THROW(hierarchical_allreduce(12, 8, 1e9, a_in, b_in, a_out, b_out), std::invalid_argument);
}

}  // namespace
}  // namespace ct::topology
