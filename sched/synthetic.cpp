#include "sched/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "common/random.hpp"
#include "sched/strings.hpp"

namespace ct::sched {

namespace {

constexpr double kHourS = 3600.0;
constexpr double kDayS = 86400.0;

void require(bool ok, std::string_view field, std::string_view rule) {
  if (!ok) throw std::invalid_argument(cat({"synthetic workload: ", field, ": ", rule}));
}

bool finite_positive(double v) { return v > 0.0 && std::isfinite(v); }

void check_weights(const std::vector<double>& weights, std::string_view field) {
  require(!weights.empty(), field, "needs at least one weight");
  double total = 0.0;
  for (const double w : weights) {
    require(w >= 0.0 && std::isfinite(w), field, "weights must be finite and ≥ 0");
    total += w;
  }
  require(total > 0.0, field, "weights must not all be 0");
}

template <std::size_t N>
std::array<double, N> normalised(const std::array<double, N>& a) {
  const double mean = std::accumulate(a.begin(), a.end(), 0.0) / static_cast<double>(N);
  std::array<double, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = a[i] / mean;
  return out;
}

// Index drawn with probability weight/total by inverse transform of u ∈ (0, 1).
std::size_t pick(const std::vector<double>& weights, double u) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double target = u * total, cumulative = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    cumulative += weights[i];
    if (target < cumulative && weights[i] > 0.0) return i;
  }
  for (std::size_t i = weights.size(); i-- > 0;) {  // rounding at the top end
    if (weights[i] > 0.0) return i;
  }
  return 0;
}

double uniform(const SyntheticSpec& s, std::uint64_t k, Draw d) {
  return rng::uniform01(s.seed, rng::Stream::sched_workload, k, static_cast<std::uint32_t>(d));
}
double normal(const SyntheticSpec& s, std::uint64_t k, Draw d) {
  return rng::standard_normal(s.seed, rng::Stream::sched_workload, k,
                              static_cast<std::uint32_t>(d));
}

}  // namespace

SizeDistribution SizeDistribution::powers_of_two(Unit unit, std::vector<double> weights) {
  SizeDistribution d;
  d.kind = Kind::discrete;
  d.unit = unit;
  d.values.clear();
  for (std::size_t i = 0; i < weights.size(); ++i) d.values.push_back(std::int64_t{1} << i);
  d.weights = std::move(weights);
  return d;
}

void validate(const SyntheticSpec& s) {
  require(finite_positive(s.duration_s), "duration_s", "must be a finite number > 0");
  require(s.max_jobs >= 1, "max_jobs", "must be ≥ 1");
  require(finite_positive(s.jobs_per_day), "jobs_per_day", "must be a finite number > 0");
  for (const double h : s.profile.hourly) {
    require(h >= 0.0 && std::isfinite(h), "hourly", "factors must be finite and ≥ 0");
  }
  for (const double w : s.profile.weekly) {
    require(w >= 0.0 && std::isfinite(w), "weekly", "factors must be finite and ≥ 0");
  }
  require(std::accumulate(s.profile.hourly.begin(), s.profile.hourly.end(), 0.0) > 0.0, "hourly",
          "factors must not all be 0");
  require(std::accumulate(s.profile.weekly.begin(), s.profile.weekly.end(), 0.0) > 0.0, "weekly",
          "factors must not all be 0");
  require(std::isfinite(s.start_unix_s) && std::isfinite(s.utc_offset_s), "start_unix_s",
          "must be finite");
  require(s.accelerators_per_node >= 1, "accelerators_per_node", "must be ≥ 1");
  const SizeDistribution& z = s.size;
  if (z.kind == SizeDistribution::Kind::discrete) {
    require(z.values.size() == z.weights.size(), "size.values", "one weight per value");
    for (const std::int64_t v : z.values) require(v >= 1, "size.values", "must be ≥ 1");
    check_weights(z.weights, "size.weights");
  } else {
    require(finite_positive(z.median), "size.median", "must be a finite number > 0");
    require(z.sigma >= 0.0 && std::isfinite(z.sigma), "size.sigma", "must be finite and ≥ 0");
    require(z.min >= 1 && z.max >= z.min, "size.max", "needs 1 ≤ min ≤ max");
  }
  const DurationDistribution& d = s.duration;
  switch (d.kind) {
    case DurationDistribution::Kind::exponential:
      require(finite_positive(d.mean_s), "duration.mean_s", "must be a finite number > 0");
      break;
    case DurationDistribution::Kind::lognormal:
      require(finite_positive(d.median_s), "duration.median_s", "must be a finite number > 0");
      require(d.sigma >= 0.0 && std::isfinite(d.sigma), "duration.sigma", "must be finite and ≥ 0");
      break;
    case DurationDistribution::Kind::empirical:
      require(!d.samples_s.empty(), "duration.samples_s", "needs at least one sample");
      for (const double v : d.samples_s) {
        require(finite_positive(v), "duration.samples_s", "samples must be finite and > 0");
      }
      break;
  }
  require(d.min_s > 0.0 && d.max_s >= d.min_s, "duration.max_s", "needs 0 < min_s ≤ max_s");
  require(s.walltime_factor >= 1.0 && std::isfinite(s.walltime_factor), "walltime_factor",
          "must be finite and ≥ 1");
  require(s.walltime_round_s >= 0.0 && std::isfinite(s.walltime_round_s), "walltime_round_s",
          "must be finite and ≥ 0");
  require(s.priority_values.size() == s.priority_weights.size(), "priority_values",
          "one weight per value");
  check_weights(s.priority_weights, "priority_weights");
  require(s.preemptible_fraction >= 0.0 && s.preemptible_fraction <= 1.0, "preemptible_fraction",
          "must be in [0, 1]");
  require(s.flexible_fraction >= 0.0 && s.flexible_fraction <= 1.0, "flexible_fraction",
          "must be in [0, 1]");
  require(s.flex_window_s >= 0.0 && std::isfinite(s.flex_window_s), "flex_window_s",
          "must be finite and ≥ 0");
}

namespace {

// Local hour index (0..23) and weekday (0 = Monday) at time t; the unix epoch was a Thursday.
struct LocalTime {
  std::int64_t hour_index;  // hours since the epoch, local
  int hour;
  int weekday;
};

LocalTime local_time(const SyntheticSpec& s, double t_s) {
  const double local = t_s + s.start_unix_s + s.utc_offset_s;
  const auto hours = static_cast<std::int64_t>(std::floor(local / kHourS));
  const std::int64_t days = hours >= 0 ? hours / 24 : (hours - 23) / 24;
  LocalTime lt;
  lt.hour_index = hours;
  lt.hour = static_cast<int>(hours - days * 24);
  lt.weekday = static_cast<int>(((days + 3) % 7 + 7) % 7);
  return lt;
}

}  // namespace

double profile_factor(const SyntheticSpec& s, double t_s) {
  const auto hourly = normalised(s.profile.hourly);
  const auto weekly = normalised(s.profile.weekly);
  const LocalTime lt = local_time(s, t_s);
  return hourly[lt.hour] * weekly[lt.weekday];
}

std::vector<JobRequest> generate(const SyntheticSpec& s) {
  validate(s);
  const auto hourly = normalised(s.profile.hourly);
  const auto weekly = normalised(s.profile.weekly);
  const double base_rate_per_s = s.jobs_per_day / kDayS;
  const double shift_s = s.start_unix_s + s.utc_offset_s;  // local time at t = 0
  std::vector<double> samples = s.duration.samples_s;
  std::sort(samples.begin(), samples.end());

  std::vector<JobRequest> jobs;
  // The walk over local hours is kept as an integer hour index so segment ends never stall on
  // rounding: segment h spans local [h·3600, (h+1)·3600).
  std::int64_t hour = local_time(s, 0.0).hour_index;
  double t = 0.0;           // time reached
  double big_lambda = 0.0;  // Λ(t)
  double target = 0.0;      // Λ of the next arrival: E₁ + … + E_k
  for (std::int64_t k = 0; k < s.max_jobs; ++k) {
    const auto key = static_cast<std::uint64_t>(k);
    target += -std::log(uniform(s, key, Draw::arrival));
    while (true) {
      if (t >= s.duration_s) return jobs;
      const std::int64_t day = hour >= 0 ? hour / 24 : (hour - 23) / 24;
      const auto hour_of_day = static_cast<int>(hour - day * 24);
      const auto weekday = static_cast<int>(((day + 3) % 7 + 7) % 7);
      const double rate = base_rate_per_s * hourly[hour_of_day] * weekly[weekday];
      const double segment_end = static_cast<double>(hour + 1) * kHourS - shift_s;
      const double gain = rate * std::max(0.0, segment_end - t);
      if (rate > 0.0 && big_lambda + gain >= target) {
        t = std::min(t + (target - big_lambda) / rate, segment_end);
        big_lambda = target;
        break;
      }
      big_lambda += gain;
      t = std::max(t, segment_end);
      ++hour;
    }
    if (t >= s.duration_s) break;

    JobRequest job;
    job.id = s.first_id + k;
    job.submit_s = t;
    job.earliest_start_s = t;

    const SizeDistribution& z = s.size;
    std::int64_t size = 1;
    if (z.kind == SizeDistribution::Kind::discrete) {
      size = z.values[pick(z.weights, uniform(s, key, Draw::size))];
    } else {
      const double v = std::ceil(z.median * std::exp(z.sigma * normal(s, key, Draw::size)));
      size = static_cast<std::int64_t>(
          std::clamp(v, static_cast<double>(z.min), static_cast<double>(z.max)));
    }
    if (z.unit == SizeDistribution::Unit::accelerators) {
      job.accelerators = size;
      job.nodes = (size + s.accelerators_per_node - 1) / s.accelerators_per_node;
    } else {
      job.nodes = size;
      job.accelerators = size * s.accelerators_per_node;
    }

    const DurationDistribution& d = s.duration;
    double run_s = 0.0;
    switch (d.kind) {
      case DurationDistribution::Kind::exponential:
        run_s = -d.mean_s * std::log(uniform(s, key, Draw::duration));
        break;
      case DurationDistribution::Kind::lognormal:
        run_s = d.median_s * std::exp(d.sigma * normal(s, key, Draw::duration));
        break;
      case DurationDistribution::Kind::empirical: {
        const double position =
            uniform(s, key, Draw::duration) * static_cast<double>(samples.size() - 1);
        const auto i = static_cast<std::size_t>(position);
        const double frac = position - static_cast<double>(i);
        run_s =
            i + 1 < samples.size() ? samples[i] + frac * (samples[i + 1] - samples[i]) : samples[i];
        break;
      }
    }
    run_s = std::clamp(run_s, d.min_s, d.max_s);
    job.work_accelerator_s = run_s * static_cast<double>(job.accelerators);
    double wall_s = run_s * s.walltime_factor;
    if (s.walltime_round_s > 0.0)
      wall_s = std::ceil(wall_s / s.walltime_round_s) * s.walltime_round_s;
    job.walltime_s = std::max(wall_s, job.run_time_s());

    job.priority = s.priority_values[pick(s.priority_weights, uniform(s, key, Draw::priority))];
    job.preemptible = uniform(s, key, Draw::preemptible) < s.preemptible_fraction;
    if (uniform(s, key, Draw::flexible) < s.flexible_fraction) {
      job.deadline_s = t + job.walltime_s + s.flex_window_s;
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

}  // namespace ct::sched
