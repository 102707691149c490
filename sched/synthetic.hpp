// Synthetic batch workloads: non-homogeneous Poisson arrivals with a daily (and weekly) profile,
// job sizes and durations from given distributions.
//
// Reproducible and decomposition-free: job k's draws are uniform01/standard_normal of the
// counter-based Philox generator keyed by (seed, Stream::sched_workload, k, draw), the transforms
// are written here, and every rank generates the same full list.
//
// Arrivals (exact, by time change): with rate λ(t) = (jobs_per_day / 86400) · h(hour) · w(day),
// piecewise constant over local hours, and Λ(t) = ∫₀ᵗ λ, the k-th arrival is Λ⁻¹(E₁ + … + E_k)
// with E_i ~ Exp(1) — a Poisson process of intensity λ(t) (Çinlar 1975; Lewis & Shedler 1979).
// h and w are normalised to mean 1, so jobs_per_day is the long-run mean.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sched/job.hpp"

namespace ct::sched {

struct ArrivalProfile {
  std::array<double, 24> hourly{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};  // local hour 0..23
  std::array<double, 7> weekly{1, 1, 1, 1, 1, 1, 1};                  // Monday..Sunday
};

struct SizeDistribution {
  enum class Kind : std::uint8_t {
    discrete,   // values with weights (e.g. powers of two)
    lognormal,  // ceil(median · exp(σ·Z)), clamped to [min, max]
  };
  enum class Unit : std::uint8_t { accelerators, nodes };
  Kind kind = Kind::discrete;
  Unit unit = Unit::accelerators;
  std::vector<std::int64_t> values{1};
  std::vector<double> weights{1.0};
  double median = 1.0;
  double sigma = 1.0;
  std::int64_t min = 1;
  std::int64_t max = 1;

  // values 1, 2, 4, …, 2^(weights.size()−1) with the given weights.
  static SizeDistribution powers_of_two(Unit unit, std::vector<double> weights);
};

struct DurationDistribution {
  enum class Kind : std::uint8_t {
    exponential,  // mean_s
    lognormal,    // median_s · exp(σ·Z)
    empirical,    // inverse of the empirical CDF of samples_s, linear between order statistics
  };
  Kind kind = Kind::exponential;
  double mean_s = 3600.0;
  double median_s = 3600.0;
  double sigma = 1.0;
  std::vector<double> samples_s;
  double min_s = 1.0;  // draws are clamped to [min_s, max_s]
  double max_s = kNever;
};

struct SyntheticSpec {
  std::uint64_t seed = 1;
  double duration_s = 86400.0;  // arrivals in [0, duration_s)
  std::int64_t max_jobs = 10'000'000;
  double jobs_per_day = 100.0;
  ArrivalProfile profile;
  // Local time of t = 0, for the profile: unix time of the window start and the UTC offset.
  double start_unix_s = 0.0;
  double utc_offset_s = 0.0;
  SizeDistribution size;
  DurationDistribution duration;  // run time at full clock
  std::int32_t accelerators_per_node = 8;
  // Requested wall time = run time × walltime_factor, rounded up to a multiple of
  // walltime_round_s (0: no rounding).
  double walltime_factor = 1.0;
  double walltime_round_s = 0.0;
  std::vector<std::int32_t> priority_values{0};
  std::vector<double> priority_weights{1.0};
  double preemptible_fraction = 1.0;
  // A flexible job may start any time from submit until deadline = submit + wall time +
  // flex_window_s.
  double flexible_fraction = 0.0;
  double flex_window_s = 0.0;
  std::int64_t first_id = 1;  // job k gets id first_id + k
};

// Throws std::invalid_argument naming the field and its allowed range.
void validate(const SyntheticSpec& spec);

// The jobs, in arrival order (ids increasing). Calls validate().
std::vector<JobRequest> generate(const SyntheticSpec& spec);

// Rate multiplier h(hour)·w(day) at time t (normalised profile); exposed for tests.
double profile_factor(const SyntheticSpec& spec, double t_s);

// The draw index of each quantity of job k (never renumber: results for a seed would change).
enum class Draw : std::uint32_t {
  arrival = 0,
  size = 1,
  duration = 2,
  priority = 3,
  preemptible = 4,
  flexible = 5,
};

}  // namespace ct::sched
