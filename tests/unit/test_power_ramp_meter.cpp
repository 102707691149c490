// Grid-side figures: ramp histogram percentiles against exact nearest-rank percentiles, the
// exceedance share in closed form, the window swing against a brute-force sliding window.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "common/random.hpp"
#include "power/ramp_meter.hpp"
#include "power/swing_meter.hpp"

namespace ct::power {
namespace {

// A fleet that stalls from 100 MW to 40 MW for 300 s every 1800 s (1 s ticks): two 60 MW/s ramps
// per period, zero otherwise.
TEST(PowerRampMeter, SquareWaveClosedForm) {
  const int n = 7200;  // 4 periods
  std::vector<double> p(n);
  for (int k = 0; k < n; ++k) p[k] = (k % 1800) >= 1500 ? 40e6 : 100e6;
  RampMeter meter(1.0, 1e6);
  for (const double x : p) meter.observe(x);
  EXPECT_EQ(meter.ramps(), static_cast<std::uint64_t>(n - 1));
  EXPECT_EQ(meter.exceedances_down(), 4u);
  EXPECT_EQ(meter.exceedances_up(), 3u);
  EXPECT_DOUBLE_EQ(meter.exceedance_fraction(), 7.0 / (n - 1));
  EXPECT_DOUBLE_EQ(meter.largest_ramp_w_per_s(), 60e6);
  // Nearest rank: 7192 zero ramps, then 7 of 60 MW/s.
  EXPECT_LE(meter.percentile_w_per_s(0.5), 1.0);  // below the first bin edge (1 W/s)
  EXPECT_DOUBLE_EQ(meter.percentile_w_per_s(0.9995), 60e6);
  EXPECT_DOUBLE_EQ(meter.percentile_w_per_s(1.0), 60e6);
  EXPECT_DOUBLE_EQ(exact_ramp_percentile_w_per_s(p, 1.0, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(exact_ramp_percentile_w_per_s(p, 1.0, 0.9995), 60e6);
  const RampStatistics s = ramp_statistics(p, 1.0, 1e6, 60.0);
  EXPECT_DOUBLE_EQ(s.exceedance_fraction, meter.exceedance_fraction());
  EXPECT_DOUBLE_EQ(s.largest_window_swing_w, 60e6);
  EXPECT_DOUBLE_EQ(s.p99_w_per_s, 0.0);  // 7 of 7199 ramps are nonzero: < 1%
}

double brute_force_window_swing(const std::vector<double>& p, std::size_t samples) {
  double worst = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const std::size_t end = std::min(p.size(), i + samples);
    const auto [lo, hi] = std::minmax_element(p.begin() + static_cast<std::ptrdiff_t>(i),
                                              p.begin() + static_cast<std::ptrdiff_t>(end));
    worst = std::max(worst, *hi - *lo);
  }
  return worst;
}

// Random stall/restart series: every histogram percentile is within one bin above the exact one.
TEST(PowerRampMeter, HistogramPercentilesBracketExactOnes) {
  for (std::uint64_t series = 0; series < 20; ++series) {
    std::vector<double> p;
    std::uint32_t draw = 0;
    auto u = [&] { return rng::uniform01(7, rng::Stream::sched_workload, series, draw++); };
    const double tick_s = series % 2 ? 1.0 : 10.0;
    double level = 80e6;
    for (int k = 0; k < 5000; ++k) {
      if (u() < 0.01) level = level > 60e6 ? 30e6 + 10e6 * u() : 80e6 + 5e6 * u();
      p.push_back(level + 2e5 * (u() - 0.5) + (u() < 0.3 ? 0.0 : 50.0 * u()));
    }
    RampMeter meter(tick_s, 1e5, 50);
    for (const double x : p) meter.observe(x);
    for (const double q : {0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
      const double exact = exact_ramp_percentile_w_per_s(p, tick_s, q);
      const double estimate = meter.percentile_w_per_s(q);
      EXPECT_GE(estimate, exact) << series << " q " << q;
      if (exact >= 1.0) {
        EXPECT_LE(estimate, exact * (1.0 + meter.relative_resolution()) * (1 + 1e-12))
            << series << " q " << q;
      } else {
        EXPECT_LE(estimate, 1.0);
      }
    }
    const RampStatistics s = ramp_statistics(p, tick_s, 1e5, 60.0);
    EXPECT_DOUBLE_EQ(meter.exceedance_fraction(), s.exceedance_fraction);
    EXPECT_DOUBLE_EQ(meter.largest_ramp_w_per_s(), s.largest_ramp_w_per_s);
    const auto samples = static_cast<std::size_t>(std::floor(60.0 / tick_s)) + 1;
    EXPECT_DOUBLE_EQ(s.largest_window_swing_w, brute_force_window_swing(p, samples));
    // Every ramp is counted in exactly one bin.
    std::uint64_t total = 0;
    for (const std::uint64_t c : meter.counts()) total += c;
    EXPECT_EQ(total, meter.ramps());
  }
}

TEST(PowerRampMeter, BinEdgesAndErrors) {
  RampMeter m(1.0, 10.0, 10, 1.0, 1000.0);  // 3 decades × 10 bins + under + over
  EXPECT_EQ(m.counts().size(), 32u);
  EXPECT_DOUBLE_EQ(m.lower_edge_w_per_s(0), 0.0);
  EXPECT_DOUBLE_EQ(m.upper_edge_w_per_s(0), 1.0);
  EXPECT_NEAR(m.upper_edge_w_per_s(10), 10.0, 1e-12);
  EXPECT_DOUBLE_EQ(m.upper_edge_w_per_s(30), 1000.0);
  EXPECT_TRUE(std::isinf(m.upper_edge_w_per_s(31)));
  // A ramp exactly on an edge goes to the bin starting there.
  m.observe(0.0);
  m.observe(10.0);
  EXPECT_EQ(m.counts()[11], 1u);
  m.observe(10.0 + 5000.0);  // above max_ramp: overflow bin
  EXPECT_EQ(m.counts()[31], 1u);
  EXPECT_DOUBLE_EQ(m.percentile_w_per_s(1.0), 5000.0);
  EXPECT_THROW(RampMeter(0.0), std::invalid_argument);
  EXPECT_THROW(RampMeter(1.0, -1.0), std::invalid_argument);
  EXPECT_THROW(RampMeter(1.0, 1.0, 10, 5.0, 1.0), std::invalid_argument);
  EXPECT_THROW((void)m.percentile_w_per_s(1.5), std::invalid_argument);
  RampMeter empty(1.0);
  EXPECT_EQ(empty.exceedance_fraction(), 0.0);
  EXPECT_EQ(empty.percentile_w_per_s(0.5), 0.0);
}

}  // namespace
}  // namespace ct::power
