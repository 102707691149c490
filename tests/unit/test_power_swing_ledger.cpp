// Swing meter against brute force; energy ledger against closed-form integrals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "power/energy_ledger.hpp"
#include "power/grid_signal.hpp"
#include "power/swing_meter.hpp"
#include "thermal/weather.hpp"

namespace ct::power {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

TEST(PowerSwingMeter, HandWorkedSequence) {
  SwingMeter m(2.0, 4.0);  // windows of 3 samples
  EXPECT_EQ(m.window_samples(), 3u);
  for (double p : {10.0, 10.0, 30.0, 25.0, 5.0, 6.0}) m.observe(p);
  EXPECT_EQ(m.ticks(), 6u);
  EXPECT_EQ(m.peak_w(), 30.0);
  EXPECT_EQ(m.min_w(), 5.0);
  EXPECT_EQ(m.largest_step_w(), 20.0);          // 10 → 30 and 25 → 5
  EXPECT_EQ(m.largest_ramp_w_per_s(), 10.0);    // 20 W over 2 s
  EXPECT_EQ(m.largest_window_swing_w(), 25.0);  // {30, 25, 5}; 10 → 5 spans 6 s > 4 s
}

TEST(PowerSwingMeter, WindowSampleCount) {
  EXPECT_EQ(SwingMeter(0.1, 60.0).window_samples(), 601u);
  EXPECT_EQ(SwingMeter(1.0, 60.0).window_samples(), 61u);
  EXPECT_EQ(SwingMeter(7.0, 60.0).window_samples(), 9u);
  EXPECT_EQ(SwingMeter(100.0, 60.0).window_samples(), 2u);  // at least consecutive ticks
  EXPECT_THROW(SwingMeter(0.0, 60.0), std::invalid_argument);
}

TEST(PowerSwingMeter, MatchesBruteForce) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 1e6);
  std::vector<double> p(5000);
  double level = 100e6;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i % 97 == 0) level = 100e6 - level + 150e6;  // synchronized stalls: 100 ↔ 50 MW
    p[i] = level + noise(rng);
  }
  for (double window_s : {0.0, 5.0, 60.0, 300.0}) {
    SwingMeter m(1.0, window_s);
    for (double v : p) m.observe(v);
    const std::size_t n = m.window_samples();
    double swing = 0.0;
    double step = 0.0;
    for (std::size_t j = 0; j < p.size(); ++j) {
      const std::size_t first = j + 1 >= n ? j + 1 - n : 0;
      const auto [lo, hi] = std::minmax_element(p.begin() + first, p.begin() + j + 1);
      swing = std::max(swing, *hi - *lo);
      if (j > 0) step = std::max(step, std::abs(p[j] - p[j - 1]));
    }
    EXPECT_EQ(m.largest_window_swing_w(), swing) << window_s;
    EXPECT_EQ(m.largest_step_w(), step);
    EXPECT_EQ(m.peak_w(), *std::max_element(p.begin(), p.end()));
  }
}

TEST(PowerEnergyLedger, UnitConversions) {
  // 1 MW for an hour at 400 g/kWh and $50/MWh: 1000 kWh → 400 kg, $50.
  EnergyLedger l;
  const TickGridRates r = l.add(1e6, 3600.0, 400.0, 50.0);
  EXPECT_DOUBLE_EQ(r.carbon_g_per_s, 400e3 / 3600.0);
  EXPECT_DOUBLE_EQ(r.cost_usd_per_s, 50.0 / 3600.0);
  EXPECT_DOUBLE_EQ(l.energy_j(), 3.6e9);
  EXPECT_DOUBLE_EQ(l.carbon_kg(), 400.0);
  EXPECT_DOUBLE_EQ(l.cost_usd(), 50.0);
  EXPECT_DOUBLE_EQ(l.mean_carbon_g_per_kwh(), 400.0);
  EXPECT_DOUBLE_EQ(l.mean_price_usd_per_mwh(), 50.0);
  EXPECT_DOUBLE_EQ(joules_per_token(l.energy_j(), 1.8e9), 2.0);
  EXPECT_TRUE(std::isnan(joules_per_token(1.0, 0.0)));
}

TEST(PowerEnergyLedger, CarbonOfSinusoidalIntensityMatchesClosedForm) {
  // Constant power, I(t) = m + A·cos(ω(t − t_p)) over 1.37 days of 1-s ticks (not whole days).
  const DailyShape shape{229.0, 80.0, 3.0};
  const GridSignal carbon = GridSignal::daily(shape);
  const double power_w = 85e6;
  const double t0 = thermal::parse_iso8601_utc("2026-07-01T00:00:00Z") + 0.25;
  const double tick_s = 1.0;
  const long ticks = 118368;
  EnergyLedger exact;     // tick means (closed form)
  EnergyLedger midpoint;  // midpoint samples
  for (long i = 0; i < ticks; ++i) {
    const double a = t0 + static_cast<double>(i) * tick_s;
    exact.add(power_w, tick_s, carbon.mean_over(a, a + tick_s), 0.0);
    midpoint.add(power_w, tick_s, carbon.at(a + 0.5 * tick_s), 0.0);
  }
  const double t1 = t0 + static_cast<double>(ticks) * tick_s;
  const double omega = kTwoPi / 86400.0;
  const double tp = 3.0 * 3600.0;
  const double integral_g_s_per_kwh =
      shape.mean * (t1 - t0) + shape.amplitude / omega *
                                   (std::sin(omega * std::remainder(t1 - tp, 86400.0)) -
                                    std::sin(omega * std::remainder(t0 - tp, 86400.0)));
  const double expected_g = power_w * integral_g_s_per_kwh / 3.6e6;
  EXPECT_NEAR(exact.carbon_g(), expected_g, 1e-9 * expected_g);
  // Midpoint rule error ≤ (ω·Δt)²/24 relative to the amplitude term: ~1e-10.
  EXPECT_NEAR(midpoint.carbon_g(), expected_g, 1e-9 * expected_g);
  EXPECT_NEAR(exact.energy_j(), power_w * (t1 - t0), 1e-12 * power_w * (t1 - t0));
}

TEST(PowerEnergyLedger, PiecewiseLinearPriceWithVaryingPower) {
  // Price ramps 0 → 100 $/MWh over an hour; power steps 1 MW → 3 MW at 30 min.
  // ∫P·π dt = 1e6·∫_0^1800 (t/36) dt + 3e6·∫_1800^3600 (t/36) dt  [$/MWh · J]
  const GridSignal price = GridSignal::series(HourlySeries({0.0, 3600.0}, {0.0, 100.0}));
  EnergyLedger l;
  for (int i = 0; i < 3600; i += 7) {  // 7-s ticks, last one partial
    const double a = i;
    const double b = std::min(a + 7.0, 3600.0);
    const double power_w = a < 1800.0 ? 1e6 : 3e6;
    if (a < 1800.0 && b > 1800.0) {  // split the tick at the step, as the engine's ticks would
      l.add(1e6, 1800.0 - a, 0.0, price.mean_over(a, 1800.0));
      l.add(3e6, b - 1800.0, 0.0, price.mean_over(1800.0, b));
    } else {
      l.add(power_w, b - a, 0.0, price.mean_over(a, b));
    }
  }
  const double expected_usd =
      (1e6 * (1800.0 * 1800.0 / 72.0) + 3e6 * ((3600.0 * 3600.0 - 1800.0 * 1800.0) / 72.0)) / 3.6e9;
  EXPECT_NEAR(l.cost_usd(), expected_usd, 1e-12 * expected_usd);
  EXPECT_NEAR(l.duration_s(), 3600.0, 1e-9);
}

TEST(PowerEnergyLedger, CompensatedSumKeepsSmallTerms) {
  CompensatedSum s;
  s.add(1e16);
  for (int i = 0; i < 1000; ++i) s.add(1.0);
  s.add(-1e16);
  EXPECT_EQ(s.value(), 1000.0);  // a naive sum gives 0
}

}  // namespace
}  // namespace ct::power
