// Ensemble statistics against published table values and an independent Poisson-sum check.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "faults/ensemble_stats.hpp"

namespace {

using namespace ct::faults;

TEST(FaultsStats, StudentTQuantilesMatchTables) {
  // Standard t tables (two-sided 95%).
  EXPECT_NEAR(student_t_quantile(0.975, 9), 2.262157, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706205, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.776445, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 29), 2.045230, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 1e7), 1.959964, 1e-5);  // → normal
  EXPECT_NEAR(student_t_quantile(0.025, 9), -2.262157, 1e-6);
  EXPECT_DOUBLE_EQ(student_t_quantile(0.5, 9), 0.0);
}

TEST(FaultsStats, ChiSquareQuantilesMatchTables) {
  EXPECT_NEAR(chi_square_quantile(0.975, 10), 20.48318, 1e-4);
  EXPECT_NEAR(chi_square_quantile(0.025, 10), 3.246973, 1e-5);
  EXPECT_NEAR(chi_square_quantile(0.95, 1), 3.841459, 1e-5);
  EXPECT_NEAR(chi_square_quantile(0.5, 2), 2.0 * std::log(2.0), 1e-10);  // Exp(½) median
}

TEST(FaultsStats, IncompleteFunctionsClosedForms) {
  // P(1, x) = 1 − e^{−x}; I_x(1, b) = 1 − (1−x)^b; I_x(a, 1) = x^a.
  EXPECT_NEAR(regularized_gamma_p(1.0, 2.5), 1.0 - std::exp(-2.5), 1e-14);
  EXPECT_NEAR(regularized_gamma_p(1.0, 0.3), 1.0 - std::exp(-0.3), 1e-14);
  EXPECT_NEAR(regularized_incomplete_beta(1.0, 3.0, 0.4), 1.0 - std::pow(0.6, 3.0), 1e-14);
  EXPECT_NEAR(regularized_incomplete_beta(2.5, 1.0, 0.7), std::pow(0.7, 2.5), 1e-14);
}

TEST(FaultsStats, MeanCi) {
  std::array<double, 10> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const MeanCi ci = mean_ci95(x);
  EXPECT_DOUBLE_EQ(ci.mean, 5.5);
  // s = 3.0276504, t = 2.262157 → 2.262157 × 3.0276504 / √10 = 2.165851.
  EXPECT_NEAR(ci.ci95_half_width, 2.165851, 1e-5);
  const std::array<double, 1> one{42.0};
  EXPECT_DOUBLE_EQ(mean_ci95(one).mean, 42.0);
  EXPECT_DOUBLE_EQ(mean_ci95(one).ci95_half_width, 0.0);
}

// P(X ≤ n | μ) by direct summation in log space (independent of the chi-square route).
double poisson_cdf(long long n, double mu) {
  double sum = 0.0;
  for (long long k = 0; k <= n; ++k) {
    sum += std::exp(-mu + static_cast<double>(k) * std::log(mu) -
                    std::lgamma(static_cast<double>(k) + 1.0));
  }
  return sum;
}

TEST(FaultsStats, GarwoodIntervals) {
  const CountInterval zero = poisson_interval(0);
  EXPECT_DOUBLE_EQ(zero.lower, 0.0);
  EXPECT_NEAR(zero.upper, -std::log(0.025), 1e-8);  // 3.688879
  const CountInterval ten = poisson_interval(10);   // tables: [4.795, 18.390]
  EXPECT_NEAR(ten.lower, 4.795389, 1e-5);
  EXPECT_NEAR(ten.upper, 18.390356, 1e-5);
  // 419 unexpected interruptions: ≈ [379.84, 461.11].
  const CountInterval c = poisson_interval(419);
  EXPECT_NEAR(c.lower, 379.8359, 1e-3);
  EXPECT_NEAR(c.upper, 461.1059, 1e-3);
  // Defining property: P(X ≥ 419 | lower) = 0.025 and P(X ≤ 419 | upper) = 0.025.
  EXPECT_NEAR(1.0 - poisson_cdf(418, c.lower), 0.025, 1e-8);
  EXPECT_NEAR(poisson_cdf(419, c.upper), 0.025, 1e-8);
}

}  // namespace
