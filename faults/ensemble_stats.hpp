// Ensemble statistics: mean with a Student-t 95% confidence interval over replicas, and the exact
// (Garwood) 95% interval of a Poisson count, to compare simulated failure counts with published
// ones. Not hot: plain functions in ensemble_stats.cpp.
#pragma once

#include <cstddef>
#include <span>

namespace ct::faults {

struct MeanCi {
  double mean = 0.0;
  double ci95_half_width = 0.0;  // t_{0.975, n−1}·s/√n; 0 for n = 1
};

// Mean and 95% CI half-width of the samples (n ≥ 1; n = 0 gives {0, 0}).
MeanCi mean_ci95(std::span<const double> samples);

// Regularized incomplete beta I_x(a, b) and lower regularized gamma P(a, x).
double regularized_incomplete_beta(double a, double b, double x);
double regularized_gamma_p(double a, double x);

// Quantile p ∈ (0,1) of Student's t with dof > 0 degrees of freedom (bisection on the CDF,
// relative accuracy ~1e-12).
double student_t_quantile(double p, double dof);

// Quantile p ∈ (0,1) of the chi-square distribution with k > 0 degrees of freedom.
double chi_square_quantile(double p, double k);

struct CountInterval {
  double lower = 0.0;
  double upper = 0.0;
};

// Exact two-sided (1−α) interval for the mean of a Poisson count n (Garwood 1936):
// [χ²_{α/2}(2n)/2, χ²_{1−α/2}(2n+2)/2], lower = 0 for n = 0.
CountInterval poisson_interval(long long observed, double confidence = 0.95);

}  // namespace ct::faults
