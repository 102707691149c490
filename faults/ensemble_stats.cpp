#include "faults/ensemble_stats.hpp"

#include <cmath>
#include <limits>

namespace ct::faults {

namespace {

// Continued fraction of I_x(a, b) by the modified Lentz method (converges for x < (a+1)/(a+b+2)).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  constexpr double kEps = 1e-15;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double dm = static_cast<double>(m);
    const double m2 = 2.0 * dm;
    double aa = dm * (b - dm) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + dm) * (qab + dm) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return h;
}

// Bisection for the x in [lo, hi] with f(x) = target, f increasing.
template <class F>
double bisect_increasing(F f, double target, double lo, double hi) {
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (f(mid) < target) {
      lo = mid;
    } else {
      hi = mid;
    }
    if (hi - lo <= 1e-13 * std::fabs(hi)) break;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double regularized_incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double regularized_gamma_p(double a, double x) {
  if (x <= 0.0) return 0.0;
  const double log_front = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1.0) {
    // Series: P = e^{−x} x^a / Γ(a+1) · Σ x^k / ((a+1)…(a+k)).
    double term = 1.0 / a;
    double sum = term;
    for (int k = 1; k < 100000; ++k) {
      term *= x / (a + k);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * 1e-16) break;
    }
    return sum * std::exp(log_front);
  }
  // Continued fraction for Q = 1 − P (modified Lentz).
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 100000; ++i) {
    const double di = static_cast<double>(i);
    const double an = -di * (di - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < 1e-16) break;
  }
  return 1.0 - std::exp(log_front) * h;
}

double student_t_quantile(double p, double dof) {
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -student_t_quantile(1.0 - p, dof);
  // Upper tail: P(T > t) = ½·I_{ν/(ν+t²)}(ν/2, ½).
  const auto cdf = [dof](double t) {
    return 1.0 - 0.5 * regularized_incomplete_beta(0.5 * dof, 0.5, dof / (dof + t * t));
  };
  double hi = 1.0;
  while (cdf(hi) < p && hi < 1e300) hi *= 2.0;
  return bisect_increasing(cdf, p, 0.0, hi);
}

double chi_square_quantile(double p, double k) {
  const auto cdf = [k](double x) { return regularized_gamma_p(0.5 * k, 0.5 * x); };
  double hi = k + 10.0;
  while (cdf(hi) < p && hi < 1e300) hi *= 2.0;
  return bisect_increasing(cdf, p, 0.0, hi);
}

MeanCi mean_ci95(std::span<const double> samples) {
  MeanCi out;
  const std::size_t n = samples.size();
  if (n == 0) return out;
  double sum = 0.0;
  for (double x : samples) sum += x;
  out.mean = sum / static_cast<double>(n);
  if (n == 1) return out;
  double ss = 0.0;
  for (double x : samples) ss += (x - out.mean) * (x - out.mean);
  const double dof = static_cast<double>(n - 1);
  const double sd = std::sqrt(ss / dof);
  out.ci95_half_width = student_t_quantile(0.975, dof) * sd / std::sqrt(static_cast<double>(n));
  return out;
}

CountInterval poisson_interval(long long observed, double confidence) {
  const double alpha = 1.0 - confidence;
  const double n = static_cast<double>(observed);
  CountInterval out;
  out.lower = observed <= 0 ? 0.0 : 0.5 * chi_square_quantile(0.5 * alpha, 2.0 * n);
  out.upper = 0.5 * chi_square_quantile(1.0 - 0.5 * alpha, 2.0 * n + 2.0);
  return out;
}

}  // namespace ct::faults
