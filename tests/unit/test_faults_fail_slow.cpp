// Fail-slow events (faults/fail_slow.hpp): the effective slowdown over an interval against a
// fine numerical integral of 1/s(t), and the duration transforms' medians and means.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "common/random.hpp"
#include "faults/fail_slow.hpp"

namespace ct::faults {
namespace {

TEST(FaultsFailSlow, EffectiveSlowdownIsTheHarmonicMeanOfTheSlowestMember) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<SlowInterval> iv;
    const int n = static_cast<int>(4 * u(rng));
    for (int k = 0; k < n; ++k) {
      const double a = -20.0 + 100.0 * u(rng);
      iv.push_back(SlowInterval{a, a + 60.0 * u(rng), 1.0 + 4.0 * u(rng)});
    }
    const double t0 = 10.0 * u(rng), t1 = t0 + 1.0 + 60.0 * u(rng);
    // Midpoint rule on a fine grid (exact between breakpoints up to the cells cut by them).
    const int cells = 200000;
    double inverse = 0.0;
    for (int c = 0; c < cells; ++c) {
      const double t = t0 + (c + 0.5) * (t1 - t0) / cells;
      double s = 1.0;
      for (const auto& i : iv)
        if (i.start_s <= t && t < i.end_s) s = std::max(s, i.severity);
      inverse += 1.0 / s;
    }
    const double want = cells / inverse;
    EXPECT_NEAR(effective_slowdown(iv, t0, t1), want, 1e-4 * want) << trial;
  }
  EXPECT_EQ(effective_slowdown({}, 0.0, 1.0), 1.0);
  // Half of the interval at s = 3: 1/s_eff = (0.5 + 0.5/3).
  EXPECT_NEAR(effective_slowdown({{5.0, 100.0, 3.0}}, 0.0, 10.0), 1.0 / (0.5 + 0.5 / 3.0), 1e-15);
}

TEST(FaultsFailSlow, DurationsHaveTheirMedianAndMean) {
  FailSlowClassSpec c;
  c.duration_s = 600.0;
  c.duration_sigma = 1.5;
  const int n = 200000;
  std::vector<double> d(n);
  double mean = 0.0;
  for (DurationDistribution dist : {DurationDistribution::fixed, DurationDistribution::exponential,
                                    DurationDistribution::lognormal}) {
    c.distribution = dist;
    mean = 0.0;
    for (int k = 0; k < n; ++k) {
      d[k] = fail_slow_duration_s(c, rng::uniform01(9, rng::Stream::fail_slow, 1, k),
                                  rng::uniform01(9, rng::Stream::fail_slow, 2, k));
      mean += d[k] / n;
    }
    std::nth_element(d.begin(), d.begin() + n / 2, d.end());
    const double median = d[n / 2];
    const double want_median =
        dist == DurationDistribution::exponential ? 600.0 * std::log(2.0) : 600.0;
    EXPECT_NEAR(median, want_median, 0.02 * want_median) << static_cast<int>(dist);
    // Lognormal mean median·e^{σ²/2} = 1848 s; its sampling error with σ = 1.5 is ~1.3%.
    EXPECT_NEAR(mean, mean_fail_slow_duration_s(c), 0.05 * mean_fail_slow_duration_s(c))
        << static_cast<int>(dist);
  }
}

}  // namespace
}  // namespace ct::faults
