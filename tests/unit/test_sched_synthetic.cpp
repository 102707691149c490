// Synthetic workloads: reproducibility, the non-homogeneous Poisson arrivals against their
// profile (chi-square goodness of fit), and the size and duration distributions against their
// parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "faults/ensemble_stats.hpp"
#include "sched/synthetic.hpp"

namespace {

using namespace ct::sched;

constexpr double kDay = 86400.0;
constexpr double kMonday = 4 * kDay;  // 1970-01-05 00:00 UTC was a Monday

SyntheticSpec base_spec() {
  SyntheticSpec s;
  s.seed = 12345;
  s.duration_s = 10 * kDay;
  s.jobs_per_day = 500.0;
  s.start_unix_s = kMonday;
  return s;
}

bool same(const JobRequest& a, const JobRequest& b) {
  return a.id == b.id && a.submit_s == b.submit_s && a.accelerators == b.accelerators &&
         a.nodes == b.nodes && a.work_accelerator_s == b.work_accelerator_s &&
         a.walltime_s == b.walltime_s && a.priority == b.priority &&
         a.preemptible == b.preemptible && a.deadline_s == b.deadline_s;
}

// Σ (O − E)² / E over bins.
double chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
  double x = 0.0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    x += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  }
  return x;
}

TEST(SchedSynthetic, ReproducibleAndPrefixStable) {
  SyntheticSpec s = base_spec();
  s.size = SizeDistribution::powers_of_two(SizeDistribution::Unit::accelerators, {4, 2, 1, 1});
  s.duration.kind = DurationDistribution::Kind::lognormal;
  s.flexible_fraction = 0.3;
  const auto a = generate(s);
  const auto b = generate(s);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 4000u);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same(a[i], b[i])) << i;
  // Job k depends only on the draws of jobs ≤ k: a shorter run is a prefix.
  s.max_jobs = 100;
  const auto c = generate(s);
  ASSERT_EQ(c.size(), 100u);
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_TRUE(same(a[i], c[i])) << i;
  s.max_jobs = 10'000'000;
  s.seed = 12346;
  const auto d = generate(s);
  EXPECT_NE(a[0].submit_s, d[0].submit_s);
  for (std::size_t i = 1; i < a.size(); ++i) {
    EXPECT_GE(a[i].submit_s, a[i - 1].submit_s);
    EXPECT_EQ(a[i].id, a[i - 1].id + 1);
  }
}

TEST(SchedSynthetic, ConstantRateIsPoisson) {
  SyntheticSpec s = base_spec();
  s.duration_s = 200 * kDay;
  s.jobs_per_day = 240.0;  // one per 360 s
  const auto jobs = generate(s);
  const double n_expected = 240.0 * 200;
  // Count against Poisson(n_expected): within 4 standard deviations.
  EXPECT_NEAR(static_cast<double>(jobs.size()), n_expected, 4 * std::sqrt(n_expected));
  // Inter-arrival times: mean 360 s and coefficient of variation 1 (exponential).
  std::vector<double> gaps;
  for (std::size_t i = 1; i < jobs.size(); ++i)
    gaps.push_back(jobs[i].submit_s - jobs[i - 1].submit_s);
  const double n = static_cast<double>(gaps.size());
  const double mean = std::accumulate(gaps.begin(), gaps.end(), 0.0) / n;
  double var = 0.0;
  for (const double g : gaps) var += (g - mean) * (g - mean);
  var /= n - 1;
  EXPECT_NEAR(mean, 360.0, 4 * 360.0 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(var) / mean, 1.0, 0.03);
}

TEST(SchedSynthetic, DailyProfileFollowedByTheArrivals) {
  SyntheticSpec s = base_spec();
  s.duration_s = 300 * kDay;  // whole days, so each hour of day is covered 300 times
  s.jobs_per_day = 300.0;
  s.utc_offset_s = 2 * 3600.0;  // local time = UTC + 2 h
  for (int h = 0; h < 24; ++h) s.profile.hourly[h] = (h >= 9 && h < 18) ? 3.0 : 1.0;
  s.profile.hourly[3] = 0.0;  // no arrivals at all in local hour 3
  const auto jobs = generate(s);
  const double mean_weight = (9 * 3.0 + 14 * 1.0) / 24.0;
  std::vector<double> observed(24, 0.0), expected(24, 0.0);
  for (const JobRequest& j : jobs) {
    const double local = j.submit_s + s.start_unix_s + s.utc_offset_s;
    observed[static_cast<int>(std::fmod(local, kDay) / 3600.0)] += 1.0;
  }
  EXPECT_EQ(observed[3], 0.0);
  for (int h = 0; h < 24; ++h) {
    expected[h] = s.jobs_per_day / 24.0 * s.profile.hourly[h] / mean_weight * 300.0;
  }
  observed.erase(observed.begin() + 3);
  expected.erase(expected.begin() + 3);
  // 23 independent Poisson bins: Σ(O−E)²/E is χ²(23); reject above the 99.9% quantile.
  const double x2 = chi_square(observed, expected);
  EXPECT_LT(x2, ct::faults::chi_square_quantile(0.999, 23.0)) << x2;
  // The long-run mean stays jobs_per_day (the profile is normalised).
  EXPECT_NEAR(static_cast<double>(jobs.size()) / 300.0, 300.0, 4 * std::sqrt(300.0 * 300) / 300);
}

TEST(SchedSynthetic, WeeklyProfile) {
  SyntheticSpec s = base_spec();
  s.duration_s = 70 * 7 * kDay;  // 70 whole weeks from a Monday
  s.jobs_per_day = 100.0;
  s.profile.weekly = {1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5};
  const auto jobs = generate(s);
  std::vector<double> observed(7, 0.0), expected(7, 0.0);
  for (const JobRequest& j : jobs) observed[static_cast<int>(j.submit_s / kDay) % 7] += 1.0;
  const double mean_weight = (5 * 1.2 + 2 * 0.5) / 7.0;
  for (int d = 0; d < 7; ++d) expected[d] = 100.0 * s.profile.weekly[d] / mean_weight * 70.0;
  const double x2 = chi_square(observed, expected);
  EXPECT_LT(x2, ct::faults::chi_square_quantile(0.999, 7.0)) << x2;
  EXPECT_DOUBLE_EQ(profile_factor(s, 0.0), 1.2 / mean_weight);              // Monday
  EXPECT_DOUBLE_EQ(profile_factor(s, 5 * kDay + 10.0), 0.5 / mean_weight);  // Saturday
}

TEST(SchedSynthetic, SizeDistributions) {
  SyntheticSpec s = base_spec();
  s.duration_s = 100 * kDay;
  s.accelerators_per_node = 8;
  const std::vector<double> w{8, 4, 2, 1, 1};  // 1, 2, 4, 8, 16 accelerators
  s.size = SizeDistribution::powers_of_two(SizeDistribution::Unit::accelerators, w);
  auto jobs = generate(s);
  std::vector<double> observed(5, 0.0), expected(5, 0.0);
  for (const JobRequest& j : jobs) {
    const int k = static_cast<int>(std::log2(static_cast<double>(j.accelerators)) + 0.5);
    ASSERT_EQ(std::int64_t{1} << k, j.accelerators);
    EXPECT_EQ(j.nodes, (j.accelerators + 7) / 8);
    observed[k] += 1.0;
  }
  const double n = static_cast<double>(jobs.size());
  for (int k = 0; k < 5; ++k) expected[k] = n * w[k] / 16.0;
  EXPECT_LT(chi_square(observed, expected), ct::faults::chi_square_quantile(0.999, 4.0));

  // Lognormal in nodes, rounded up and clamped: all accelerators of each node busy.
  s.size = SizeDistribution{};
  s.size.kind = SizeDistribution::Kind::lognormal;
  s.size.unit = SizeDistribution::Unit::nodes;
  s.size.median = 6.0;
  s.size.sigma = 1.0;
  s.size.min = 2;
  s.size.max = 64;
  jobs = generate(s);
  std::int64_t at_min = 0, at_max = 0, below_median = 0;
  for (const JobRequest& j : jobs) {
    EXPECT_GE(j.nodes, 2);
    EXPECT_LE(j.nodes, 64);
    EXPECT_EQ(j.accelerators, j.nodes * 8);
    at_min += j.nodes == 2;
    at_max += j.nodes == 64;
    below_median += j.nodes <= 6;  // ceil(6·e^{σZ}) ≤ 6 ⇔ Z ≤ 0: probability ½
  }
  EXPECT_GT(at_min, 0);
  EXPECT_GT(at_max, 0);
  const double m = static_cast<double>(jobs.size());
  EXPECT_NEAR(static_cast<double>(below_median) / m, 0.5, 4 * 0.5 / std::sqrt(m));
}

TEST(SchedSynthetic, DurationDistributions) {
  SyntheticSpec s = base_spec();
  s.duration_s = 100 * kDay;
  s.duration.kind = DurationDistribution::Kind::lognormal;
  s.duration.median_s = 1800.0;
  s.duration.sigma = 1.5;
  s.duration.min_s = 1e-3;
  auto jobs = generate(s);
  double sum = 0.0, sum2 = 0.0;
  for (const JobRequest& j : jobs) {
    const double x = std::log(j.run_time_s());
    sum += x;
    sum2 += x * x;
  }
  double n = static_cast<double>(jobs.size());
  const double mu = sum / n, sd = std::sqrt((sum2 - n * mu * mu) / (n - 1));
  EXPECT_NEAR(mu, std::log(1800.0), 4 * 1.5 / std::sqrt(n));
  EXPECT_NEAR(sd, 1.5, 4 * 1.5 / std::sqrt(2 * n));

  s.duration.kind = DurationDistribution::Kind::exponential;
  s.duration.mean_s = 600.0;
  s.duration.min_s = 1e-9;
  jobs = generate(s);
  n = static_cast<double>(jobs.size());
  sum = 0.0;
  for (const JobRequest& j : jobs) sum += j.run_time_s();
  EXPECT_NEAR(sum / n, 600.0, 4 * 600.0 / std::sqrt(n));

  // Empirical: linear between the sorted samples 100, 200, 400 (given unsorted).
  s.duration.kind = DurationDistribution::Kind::empirical;
  s.duration.samples_s = {400.0, 100.0, 200.0};
  jobs = generate(s);
  n = static_cast<double>(jobs.size());
  double below_150 = 0.0, below_300 = 0.0;
  for (const JobRequest& j : jobs) {
    EXPECT_GE(j.run_time_s(), 100.0);
    EXPECT_LE(j.run_time_s(), 400.0);
    below_150 += j.run_time_s() < 150.0;
    below_300 += j.run_time_s() < 300.0;
  }
  EXPECT_NEAR(below_150 / n, 0.25, 0.02);  // F(150) = ½·½
  EXPECT_NEAR(below_300 / n, 0.75, 0.02);  // F(300) = ½ + ½·½

  // Clamping.
  s.duration.min_s = 150.0;
  s.duration.max_s = 300.0;
  for (const JobRequest& j : generate(s)) {
    EXPECT_GE(j.run_time_s(), 150.0 - 1e-9);
    EXPECT_LE(j.run_time_s(), 300.0 + 1e-9);
  }
}

TEST(SchedSynthetic, WalltimePriorityFlexibility) {
  SyntheticSpec s = base_spec();
  s.walltime_factor = 1.5;
  s.walltime_round_s = 900.0;
  s.priority_values = {0, 10};
  s.priority_weights = {3.0, 1.0};
  s.preemptible_fraction = 0.6;
  s.flexible_fraction = 0.25;
  s.flex_window_s = 7200.0;
  const auto jobs = generate(s);
  const double n = static_cast<double>(jobs.size());
  double high = 0.0, preemptible = 0.0, flexible = 0.0;
  for (const JobRequest& j : jobs) {
    EXPECT_GE(j.walltime_s, 1.5 * j.run_time_s() - 1e-6);
    EXPECT_LT(j.walltime_s, 1.5 * j.run_time_s() + 900.0);
    EXPECT_DOUBLE_EQ(std::fmod(j.walltime_s, 900.0), 0.0);
    EXPECT_EQ(j.earliest_start_s, j.submit_s);
    high += j.priority == 10;
    preemptible += j.preemptible;
    if (j.flexible()) {
      flexible += 1.0;
      EXPECT_DOUBLE_EQ(j.deadline_s, j.submit_s + j.walltime_s + 7200.0);
    }
  }
  const auto near = [n](double count, double p) {
    EXPECT_NEAR(count / n, p, 4 * std::sqrt(p * (1 - p) / n)) << p;
  };
  near(high, 0.25);
  near(preemptible, 0.6);
  near(flexible, 0.25);
}

TEST(SchedSynthetic, BadSpecsRejected) {
  SyntheticSpec s = base_spec();
  s.jobs_per_day = 0.0;
  EXPECT_THROW(generate(s), std::invalid_argument);
  s = base_spec();
  s.profile.hourly.fill(0.0);
  EXPECT_THROW(generate(s), std::invalid_argument);
  s = base_spec();
  s.size.values = {1, 2};
  EXPECT_THROW(generate(s), std::invalid_argument);  // weights do not match
  s = base_spec();
  s.duration.kind = DurationDistribution::Kind::empirical;
  EXPECT_THROW(generate(s), std::invalid_argument);  // no samples
  s = base_spec();
  s.walltime_factor = 0.9;
  EXPECT_THROW(generate(s), std::invalid_argument);
  s = base_spec();
  s.flexible_fraction = 1.5;
  EXPECT_THROW(generate(s), std::invalid_argument);
}

}  // namespace
