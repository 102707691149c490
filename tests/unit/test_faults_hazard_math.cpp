// The hazard model's exp and x^y (faults/hazard_math.hpp): accuracy against long-double libm,
// exact values where the math gives them, the same bits for one value and for every batch width,
// and the batch forms of the faults functions against their one-value forms.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "faults/hazard.hpp"
#include "faults/hazard_math.hpp"

namespace {

using namespace ct::faults;

// |a − ref| in units in the last place of ref.
double ulps(double a, long double ref) {
  const auto r = static_cast<double>(ref);
  const double ulp =
      std::nextafter(std::fabs(r), std::numeric_limits<double>::infinity()) - std::fabs(r);
  return static_cast<double>(std::fabs(static_cast<long double>(a) - ref) / ulp);
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

TEST(HazardMath, ExpWithinOneUlp) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> wide(-708.0, 708.0), narrow(-5.0, 5.0);
  double worst = 0.0;
  for (int i = 0; i < 400000; ++i) {
    const double x = i % 2 == 0 ? wide(rng) : narrow(rng);
    worst = std::max(worst, ulps(hazard_exp(x), std::exp(static_cast<long double>(x))));
  }
  // The reference is rounded to double once more, so a correctly rounded result may be off by
  // up to 1 of its ulps here; the method's own bound is about 1 ulp (faults/README.md).
  EXPECT_LE(worst, 1.5) << "worst error " << worst << " ulp";
}

TEST(HazardMath, PowWithinItsBound) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> base(0.01, 10.0), exponent(-3.0, 3.0);
  for (int i = 0; i < 400000; ++i) {
    const double x = base(rng), y = exponent(rng);
    const long double ref = std::pow(static_cast<long double>(x), static_cast<long double>(y));
    // The product y·ln x is rounded: |y·ln x| ulps on top of about 2 (faults/README.md).
    const double bound = 3.0 + 2.0 * std::fabs(y * std::log(x));
    const double err = ulps(hazard_pow(x, y), ref);
    ASSERT_LE(err, bound) << "x = " << x << ", y = " << y;
  }
}

TEST(HazardMath, ExactWhereTheMathIs) {
  EXPECT_EQ(hazard_exp(0.0), 1.0);  // the Arrhenius factor at its reference is exactly 1
  EXPECT_EQ(hazard_exp(-0.0), 1.0);
  EXPECT_EQ(hazard_pow(1.0, 1.9), 1.0);  // a swing at the reference: factor exactly 1
  EXPECT_EQ(hazard_pow(2.0, 0.0), 1.0);
  EXPECT_EQ(hazard_pow(4.0, 0.5), 2.0);
  EXPECT_EQ(hazard_pow(2.0, 10.0), 1024.0);
}

TEST(HazardMath, OutsideTheRangeIsLibms) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double x : {709.5, 1000.0, -709.0, -800.0, inf, -inf})
    EXPECT_TRUE(same_bits(hazard_exp(x), std::exp(x))) << x;
  EXPECT_TRUE(std::isnan(hazard_exp(std::nan(""))));
  for (double x : {0.0, -1.0, 1e-310, inf})
    EXPECT_TRUE(same_bits(hazard_pow(x, 1.7), std::pow(x, 1.7))) << x;
  EXPECT_TRUE(std::isnan(hazard_pow(std::nan(""), 1.7)));
  EXPECT_TRUE(same_bits(hazard_pow(1e300, 3.0), std::pow(1e300, 3.0)));  // |y ln x| > 708
}

// Every width gives the bits of the one-value form, in and out of range, at every position of
// a batch (8-, 4- and 2-wide blocks and their tails).
TEST(HazardMath, BatchesGiveTheOneValueBits) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> wide(-720.0, 720.0), base(1e-3, 50.0);
  std::vector<double> x(203), b(203);
  for (auto& v : x) v = wide(rng);
  for (auto& v : b) v = base(rng);
  x[5] = std::numeric_limits<double>::quiet_NaN(), x[17] = 0.0, x[40] = -0.0;
  b[3] = 0.0, b[9] = -2.0, b[30] = 1.0, b[31] = 1e-310;
  for (HazardMathIsa isa : {HazardMathIsa::best, HazardMathIsa::avx2, HazardMathIsa::sse2}) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{203}}) {
      std::vector<double> e(n), p(n);
      hazard_exp_n(x.data(), e.data(), n, isa);
      hazard_pow_n(b.data(), 2.35, p.data(), n, isa);
      for (std::size_t i = 0; i < n; ++i) {
        const double se = hazard_exp(x[i]), sp = hazard_pow(b[i], 2.35);
        EXPECT_TRUE(same_bits(e[i], se) || (std::isnan(e[i]) && std::isnan(se))) << i;
        EXPECT_TRUE(same_bits(p[i], sp) || (std::isnan(p[i]) && std::isnan(sp))) << i;
      }
    }
  }
  std::vector<double> in_place = x;  // out may be x
  hazard_exp_n(in_place.data(), in_place.data(), in_place.size());
  EXPECT_TRUE(same_bits(in_place[100], hazard_exp(x[100])));
}

// The cycle counter's batch of half-cycles (count_cycles) against the one-value function.
TEST(HazardMath, HalfCycleDamageBatchIsTheOneValueFunction) {
  const CyclingReference ref;
  const SolderFatigue fatigue;
  std::mt19937_64 rng(14);
  std::uniform_real_distribution<double> swing(0.5, 60.0), half(1e-3, 5000.0), peak(30.0, 95.0);
  std::vector<double> d(37), h(37), t(37), out(37);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = swing(rng), h[i] = half(rng), t[i] = peak(rng);
  d[4] = 0.0, h[6] = 0.0, h[7] = -1.0;  // the one-value function's zeros
  half_cycle_damage_reference_s_n(d.data(), h.data(), t.data(), d.size(), ref, fatigue, out.data());
  for (std::size_t i = 0; i < d.size(); ++i)
    EXPECT_TRUE(same_bits(out[i], half_cycle_damage_reference_s(d[i], h[i], t[i], ref, fatigue)))
        << i;
  EXPECT_EQ(out[4], 0.0);
  EXPECT_EQ(out[6], 0.0);
}

}  // namespace
