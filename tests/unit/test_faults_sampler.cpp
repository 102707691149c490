// Exact sampling by cumulative hazard: means, distributions, competing risks, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "faults/failure_classes.hpp"
#include "faults/failure_sampler.hpp"
#include "faults/hazard.hpp"

namespace {

using namespace ct::faults;

constexpr std::uint64_t kSeed = 20240722;

// Tick loop as the engine runs it: H accumulates, the crossing is placed inside the tick.
template <class RateAt>
double failure_time_by_ticks(double threshold, double tick_s, RateAt rate_at) {
  double h = 0.0;
  for (std::int64_t i = 0;; ++i) {
    const double t = static_cast<double>(i) * tick_s;
    const double rate = rate_at(t);
    if (h + rate * tick_s >= threshold) {
      return t + tick_s * time_within_tick_to_threshold(h, rate, tick_s, threshold);
    }
    h += rate * tick_s;
  }
}

TEST(FaultsSampler, ConstantRateMeanAndTickIndependence) {
  const double lambda = 1e-3;  // per s → mean 1000 s
  const int n = 20000;
  double sum1 = 0.0, sum60 = 0.0, max_diff = 0.0;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t key = component_key(Scope::accelerator, static_cast<std::uint64_t>(i));
    const double e = failure_threshold(kSeed, key, 0);
    const auto rate = [&](double) { return lambda; };
    const double t1 = failure_time_by_ticks(e, 1.0, rate);
    const double t60 = failure_time_by_ticks(e, 60.0, rate);
    sum1 += t1;
    sum60 += t60;
    max_diff = std::max(max_diff, std::fabs(t1 - t60) / std::max(t1, 1.0));
  }
  // Mean of n Exp(λ) has σ = (1/λ)/√n = 7.07 s; 4σ bound.
  const double bound = 4.0 / lambda / std::sqrt(static_cast<double>(n));
  EXPECT_NEAR(sum1 / n, 1.0 / lambda, bound);
  EXPECT_NEAR(sum60 / n, 1.0 / lambda, bound);
  // Same thresholds → the same failure times whatever the tick (only summation rounding).
  EXPECT_LT(max_diff, 1e-9);
}

// One-sample Kolmogorov–Smirnov statistic against a CDF.
template <class Cdf>
double ks_statistic(std::vector<double> x, Cdf cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

TEST(FaultsSampler, TimeVaryingRateFollowsExpMinusH) {
  // Rate alternating λ1, λ2 per 10-s tick: H(t) is piecewise linear, F = 1 − exp(−H).
  const double l1 = 2e-3, l2 = 5e-4, tick = 10.0;
  const auto rate = [&](double t) {
    return (static_cast<std::int64_t>(t / tick + 0.5) % 2 == 0) ? l1 : l2;
  };
  const auto cumulative = [&](double t) {
    const auto k = static_cast<std::int64_t>(t / tick);
    double h = 0.0;
    for (std::int64_t i = 0; i < k; ++i) h += (i % 2 == 0 ? l1 : l2) * tick;
    return h + (k % 2 == 0 ? l1 : l2) * (t - static_cast<double>(k) * tick);
  };
  const int n = 20000;
  std::vector<double> times;
  for (int i = 0; i < n; ++i) {
    const double e = failure_threshold(kSeed + 1, component_key(Scope::node, i), 3);
    times.push_back(failure_time_by_ticks(e, tick, rate));
  }
  // KS critical value at α = 0.001: 1.95/√n = 0.0138.
  const double d = ks_statistic(times, [&](double t) { return -std::expm1(-cumulative(t)); });
  EXPECT_LT(d, 1.95 / std::sqrt(static_cast<double>(n)));
  // And not the constant-mean-rate exponential at the wrong rate (the test can fail).
  const double d_wrong = ks_statistic(times, [&](double t) { return -std::expm1(-l1 * t); });
  EXPECT_GT(d_wrong, 0.05);
}

TEST(FaultsSampler, WeibullEmpiricalCdf) {
  // A class with β = 1.8 and mean rate chosen so η ≈ 2e4 s; ticks of 60 s from new.
  auto model = h100_failure_model();
  auto& spec = model[FailureClass::gpu];
  spec.weibull_shape = 1.8;
  model.weibull_reference_age_s = 1e4;
  spec.base_rate_per_s = 1e-4 * std::pow(0.5, 1.8);  // H(1e4) = 1e4·that → η = 2e4 s
  const double eta = weibull_eta_s(spec.base_rate_per_s, 1.8, 1e4);
  ASSERT_NEAR(eta, 2e4, 1e-6);
  const double tick = 60.0;
  const int n = 20000;
  std::vector<double> ages;
  for (int i = 0; i < n; ++i) {
    const double e = failure_threshold(kSeed, component_key(Scope::accelerator, i), 1);
    double h = 0.0, age = 0.0;
    for (;;) {
      const double dh =
          class_hazard_increment(spec, model, spec.reference_temperature_c, 1.0, age, tick);
      if (h + dh >= e) {
        ages.push_back(age + tick * time_within_tick_to_threshold(h, dh / tick, tick, e));
        break;
      }
      h += dh;
      age += tick;
    }
  }
  const auto cdf = [&](double a) { return -std::expm1(-std::pow(a / eta, 1.8)); };
  const double d = ks_statistic(ages, cdf);
  // KS α = 0.001 bound plus the linear-in-tick interpolation error (< 1e-3 here).
  EXPECT_LT(d, 1.95 / std::sqrt(static_cast<double>(n)) + 1e-3);
  const double d_exp = ks_statistic(ages, [&](double a) { return -std::expm1(-a / eta); });
  EXPECT_GT(d_exp, 0.05);
}

TEST(FaultsSampler, CompetingRiskShares) {
  const std::array<double, 4> rates{1e-9, 2e-9, 3e-9, 4e-9};
  const std::array<FailureClass, 4> classes{FailureClass::gpu, FailureClass::hbm,
                                            FailureClass::sram, FailureClass::gsp};
  const int n = 100000;
  std::array<int, 4> hits{};
  for (int i = 0; i < n; ++i) {
    const double u = cause_uniform(kSeed, component_key(Scope::accelerator, i), 7);
    const FailureClass c = choose_cause(rates.data(), classes.data(), 4, u);
    for (int k = 0; k < 4; ++k) hits[k] += (c == classes[k]) ? 1 : 0;
  }
  for (int k = 0; k < 4; ++k) {
    const double p = rates[k] / 1e-8;
    const double sigma = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(static_cast<double>(hits[k]) / n, p, 4 * sigma) << k;
  }
}

TEST(FaultsSampler, ChooseCauseEdges) {
  const std::array<double, 3> rates{0.0, 1.0, 0.0};
  const std::array<FailureClass, 3> classes{FailureClass::gpu, FailureClass::hbm,
                                            FailureClass::sram};
  EXPECT_EQ(choose_cause(rates.data(), classes.data(), 3, 1e-300), FailureClass::hbm);
  EXPECT_EQ(choose_cause(rates.data(), classes.data(), 3, 1.0), FailureClass::hbm);
  const std::array<double, 2> two{1.0, 3.0};
  EXPECT_EQ(choose_cause(two.data(), classes.data(), 2, 0.249), FailureClass::gpu);
  EXPECT_EQ(choose_cause(two.data(), classes.data(), 2, 0.251), FailureClass::hbm);
}

TEST(FaultsSampler, AcceleratorCauseSharesFollowCalibration) {
  // Reference conditions: causes of accelerator failures ∝ published counts (gpu 148/268 …).
  const auto model = h100_failure_model();
  const auto table = make_scope_hazard_table(model, Scope::accelerator);
  double rates[kFailureClassCount];
  const double total =
      scope_hazard_rate_per_s(table, kReferenceJunctionC, kReferenceInletC, 1.0, rates);
  const int n = 200000;
  int gpu = 0, sdc = 0;
  for (int i = 0; i < n; ++i) {
    const auto c = choose_cause(rates, table.classes.data(), table.count,
                                cause_uniform(kSeed, component_key(Scope::accelerator, i), 0));
    gpu += c == FailureClass::gpu;
    sdc += c == FailureClass::sdc;
  }
  EXPECT_NEAR(total * 16384 * kReferenceWindowS, 268.0, 1e-9);
  const double p_gpu = 148.0 / 268.0, p_sdc = 6.0 / 268.0;
  EXPECT_NEAR(static_cast<double>(gpu) / n, p_gpu, 4 * std::sqrt(p_gpu * (1 - p_gpu) / n));
  EXPECT_NEAR(static_cast<double>(sdc) / n, p_sdc, 4 * std::sqrt(p_sdc * (1 - p_sdc) / n));
}

TEST(FaultsSampler, DeterminismAndIndependence) {
  const std::uint64_t a = component_key(Scope::accelerator, 12345);
  EXPECT_EQ(failure_threshold(kSeed, a, 2), failure_threshold(kSeed, a, 2));
  EXPECT_NE(failure_threshold(kSeed, a, 2), failure_threshold(kSeed, a, 3));
  EXPECT_NE(failure_threshold(kSeed, a, 2), failure_threshold(kSeed + 1, a, 2));
  EXPECT_NE(failure_threshold(kSeed, a, 2),
            failure_threshold(kSeed, component_key(Scope::node, 12345), 2));
  // Correlation of neighbouring keys and of successive lives ≈ 0 (|r| < 4/√n), mean ≈ 1.
  const int n = 20000;
  double sx = 0, sy = 0, sz = 0, sxx = 0, syy = 0, szz = 0, sxy = 0, sxz = 0;
  for (int i = 0; i < n; ++i) {
    const double x = failure_threshold(kSeed, component_key(Scope::accelerator, 2 * i), 0);
    const double y = failure_threshold(kSeed, component_key(Scope::accelerator, 2 * i + 1), 0);
    const double z = failure_threshold(kSeed, component_key(Scope::accelerator, 2 * i), 1);
    sx += x, sy += y, sz += z, sxx += x * x, syy += y * y, szz += z * z, sxy += x * y, sxz += x * z;
  }
  const auto corr = [n](double s1, double s2, double s11, double s22, double s12) {
    const double c = s12 / n - s1 / n * s2 / n;
    return c / std::sqrt((s11 / n - s1 / n * s1 / n) * (s22 / n - s2 / n * s2 / n));
  };
  const double bound = 4.0 / std::sqrt(static_cast<double>(n));
  EXPECT_LT(std::fabs(corr(sx, sy, sxx, syy, sxy)), bound);
  EXPECT_LT(std::fabs(corr(sx, sz, sxx, szz, sxz)), bound);
  EXPECT_NEAR(sx / n, 1.0, bound);  // Exp(1): σ = 1
}

TEST(FaultsSampler, ComponentKeysAreUniqueAcrossScopes) {
  for (int s = 0; s < kScopeCount; ++s) {
    const auto scope = static_cast<Scope>(s);
    const std::uint64_t key = component_key(scope, 987654321);
    EXPECT_EQ(scope_of_key(key), scope);
    EXPECT_EQ(index_of_key(key), 987654321u);
    for (int t = 0; t < s; ++t) EXPECT_NE(key, component_key(static_cast<Scope>(t), 987654321));
  }
  EXPECT_NE(component_key(Scope::accelerator, 0), 0u);
  // Job keys draw from the job_failure stream, hardware from failure_threshold.
  const std::uint64_t job = component_key(Scope::job, 3);
  EXPECT_EQ(failure_threshold(kSeed, job, 0),
            ct::rng::exponential1(kSeed, ct::rng::Stream::job_failure, job, 0));
  const std::uint64_t node = component_key(Scope::node, 3);
  EXPECT_EQ(failure_threshold(kSeed, node, 0),
            ct::rng::exponential1(kSeed, ct::rng::Stream::failure_threshold, node, 0));
}

TEST(FaultsSampler, TimeWithinTick) {
  EXPECT_DOUBLE_EQ(time_within_tick_to_threshold(0.2, 0.01, 60.0, 0.5), 0.5);  // 0.3 of 0.6
  EXPECT_DOUBLE_EQ(time_within_tick_to_threshold(0.6, 0.01, 60.0, 0.5), 0.0);
  EXPECT_GT(time_within_tick_to_threshold(0.0, 0.01, 60.0, 0.7), 1.0);
  EXPECT_TRUE(std::isinf(time_within_tick_to_threshold(0.0, 0.0, 60.0, 0.7)));
}

}  // namespace
