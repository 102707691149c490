// Checkpoint size/time and Young/Daly intervals against hand-computed values, a numerical
// optimum and a Monte Carlo of Daly's restart model.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "common/random.hpp"
#include "faults/checkpoint.hpp"
#include "faults/failure_classes.hpp"

namespace {

using namespace ct::faults;

constexpr double kDelta = 300.0;   // s
constexpr double kMtbf = 21600.0;  // 6 h

TEST(FaultsCheckpoint, SizeAndWriteTime) {
  // 405e9 parameters × 14 B = 5.67e12 B; at 20 GB/s aggregate → 283.5 s.
  const double size = checkpoint_size_bytes(405e9);
  EXPECT_NEAR(size, 5.67e12, 1e-3);
  EXPECT_NEAR(checkpoint_size_bytes(405e9, 16.0), 6.48e12, 1e-3);
  EXPECT_NEAR(checkpoint_write_time_s(size, 20e9), 283.5, 1e-9);
}

TEST(FaultsCheckpoint, YoungHandValue) {
  // √(2 × 300 × 21600) = √12,960,000 = 3600 s.
  EXPECT_DOUBLE_EQ(young_interval_s(kDelta, kMtbf), 3600.0);
}

TEST(FaultsCheckpoint, DalyHandValue) {
  // δ/2M = 1/144, √ = 1/12: 3600 × (1 + 1/36 + 1/1296) − 300 = 3600 + 100 + 2.7778 − 300.
  EXPECT_NEAR(daly_interval_s(kDelta, kMtbf), 3402.7777777777774, 1e-9);
  EXPECT_DOUBLE_EQ(daly_interval_s(50000.0, kMtbf), kMtbf);  // δ ≥ 2M → M
  EXPECT_DOUBLE_EQ(daly_interval_s(2.0 * kMtbf, kMtbf), kMtbf);
}

TEST(FaultsCheckpoint, ExpectedWallTimeHandValue) {
  // M e^{R/M}(e^{(τ+δ)/M} − 1)/τ with R = 600, τ = 3600:
  // e^{1/36} × (e^{3900/21600} − 1) × 6 = 1.028171 × 0.197885 × 6 = 1.220739.
  const double tw = daly_expected_wall_time_s(1e6, 3600.0, kDelta, 600.0, kMtbf);
  EXPECT_NEAR(tw / 1e6, 1.220738789456011, 1e-12);
  EXPECT_NEAR(expected_ettr(3600.0, kDelta, 600.0, kMtbf), 1.0 / 1.220738789456011, 1e-12);
  // No failures (M → ∞): T_w → T_s(τ+δ)/τ.
  EXPECT_NEAR(daly_expected_wall_time_s(1.0, 3600.0, kDelta, 600.0, 1e15), 3900.0 / 3600.0, 1e-6);
}

TEST(FaultsCheckpoint, DalyIntervalMinimizesExpectedWallTime) {
  for (double mtbf : {kMtbf, 3.0931 * 3600.0, 1800.0}) {
    const auto tw = [&](double tau) {
      return daly_expected_wall_time_s(1.0, tau, kDelta, 600.0, mtbf);
    };
    // Golden-section search on [10 s, 10 M].
    double a = 10.0, b = 10.0 * mtbf;
    const double g = 0.5 * (std::sqrt(5.0) - 1.0);
    double c = b - g * (b - a), d = a + g * (b - a);
    for (int i = 0; i < 200; ++i) {
      if (tw(c) < tw(d)) {
        b = d;
      } else {
        a = c;
      }
      c = b - g * (b - a);
      d = a + g * (b - a);
    }
    const double tau_opt = 0.5 * (a + b);
    EXPECT_NEAR(daly_interval_s(kDelta, mtbf), tau_opt, 0.01 * tau_opt) << mtbf;
  }
}

TEST(FaultsCheckpoint, MonteCarloOfRestartModelMatchesDaly) {
  // Each segment needs τ+δ failure-free seconds; a failure (Exp(M)) throws the segment away and
  // costs a restart R, which can itself fail and start over. Mean segment time × T_s/τ = T_w.
  const double tau = 3600.0, restart = 600.0, m = kMtbf;
  const int segments = 200000;
  double sum = 0.0, sum2 = 0.0;
  std::uint32_t draw = 0;
  for (int s = 0; s < segments; ++s) {
    double t = 0.0;
    for (;;) {
      const double x = m * ct::rng::exponential1(7, ct::rng::Stream::job_failure, s, draw++);
      if (x >= tau + kDelta) {
        t += tau + kDelta;
        break;
      }
      t += x;
      for (;;) {  // restart
        const double y = m * ct::rng::exponential1(7, ct::rng::Stream::job_failure, s, draw++);
        if (y >= restart) {
          t += restart;
          break;
        }
        t += y;
      }
    }
    sum += t;
    sum2 += t * t;
  }
  const double mean = sum / segments;
  const double sd = std::sqrt(sum2 / segments - mean * mean);
  const double expected = daly_expected_wall_time_s(tau, tau, kDelta, restart, m);
  EXPECT_NEAR(mean, expected, 4.0 * sd / std::sqrt(static_cast<double>(segments)));
}

TEST(FaultsCheckpoint, ReferenceClusterInterval) {
  // M from the calibrated model: 3.0931 h unplanned; δ = 300 s → Young √(2·300·11135) ≈ 2585 s.
  const auto model = h100_failure_model();
  const double m = 1.0 / expected_failure_rate_per_s(model, kReferenceCluster);
  EXPECT_NEAR(young_interval_s(300.0, m), std::sqrt(2.0 * 300.0 * 54.0 * 86400.0 / 419.0), 1e-9);
  EXPECT_NEAR(young_interval_s(300.0, m), 2584.5, 0.5);
}

}  // namespace
