// Fail-slow events: components that keep working but slowly (a GPU stuck at a low clock, a slow
// host or NIC, a degraded link). A synchronous job runs at its slowest member, so one slow node
// stretches every step of the job it belongs to. Published fleet studies see them last from tens
// of seconds to about ten hours (Wu et al. 2024, "FALCON: Pinpointing and Mitigating Stragglers
// for Large-Scale Hybrid-Parallel Training", arXiv:2410.12588, >10,000-GPU production cluster).
//
// Model: per class, events arrive as a Poisson process of rate_per_s per instance (accelerator,
// node or rack, by the class's scope); each lasts a drawn duration and slows the instance by
// `severity` s ≥ 1 (its work takes s times as long). A job whose nodes include a slowed one runs
// its step s times slower (the largest s among its members). Mitigation (optional): the event is
// detected detection_s after its onset and, if a spare is there, the node is replaced at a
// restart's cost (the job saves its state first, like an announced stop, and restarts); the
// replaced node goes to repair for the class's mttr_s.
//
// Plain C++: sampling transforms from uniforms (the engine draws them with Philox), the
// effective slowdown over an interval.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <string_view>
#include <vector>

#include "faults/failure_classes.hpp"

namespace ct::faults {

enum class FailSlowClass : std::uint8_t {
  gpu,   // per accelerator: a GPU stuck at a low clock (power brake, thermal, firmware)
  host,  // per node: slow CPU, PCIe, memory or NIC of a host
  link,  // per rack: a degraded leaf link or cable (every node behind it)
};
inline constexpr int kFailSlowClassCount = 3;

enum class DurationDistribution : std::uint8_t { fixed, exponential, lognormal };

struct FailSlowClassSpec {
  std::string_view name;
  Scope scope = Scope::accelerator;
  double rate_per_s = 0.0;  // events per instance per second (0: none)
  double severity = 2.0;    // s ≥ 1: the slowed member's work takes s times as long
  DurationDistribution distribution = DurationDistribution::lognormal;
  double duration_s = 600.0;    // fixed: the value; exponential: the mean; lognormal: the median
  double duration_sigma = 1.5;  // lognormal: σ of ln(duration)
  double mttr_s = 4 * 3600.0;   // a replaced node's time in repair
};

enum class FailSlowMitigation : std::uint8_t { none, replace };

// An event given in the scenario (what-if): instance by its global id in the class's scope.
struct ScheduledFailSlow {
  FailSlowClass cls = FailSlowClass::gpu;
  std::int64_t instance = 0;
  double start_s = 0.0;
  double duration_s = 0.0;
  double severity = 2.0;
};

struct FailSlowModel {
  std::array<FailSlowClassSpec, kFailSlowClassCount> classes{{
      {"gpu", Scope::accelerator},
      {"host", Scope::node},
      {"link", Scope::rack_leaf_switch},
  }};
  FailSlowMitigation mitigation = FailSlowMitigation::replace;
  double detection_s = 600.0;  // from the onset until the slow node is found
  std::vector<ScheduledFailSlow> events;

  const FailSlowClassSpec& operator[](FailSlowClass c) const {
    return classes[static_cast<int>(c)];
  }
  FailSlowClassSpec& operator[](FailSlowClass c) { return classes[static_cast<int>(c)]; }
  bool any() const {
    if (!events.empty()) return true;
    for (const auto& c : classes)
      if (c.rate_per_s > 0.0) return true;
    return false;
  }
};

inline std::string_view fail_slow_class_name(FailSlowClass c) {
  constexpr std::array<std::string_view, kFailSlowClassCount> names{"gpu", "host", "link"};
  return names[static_cast<int>(c)];
}
inline std::optional<FailSlowClass> fail_slow_class_from_name(std::string_view name) {
  for (int c = 0; c < kFailSlowClassCount; ++c)
    if (fail_slow_class_name(static_cast<FailSlowClass>(c)) == name)
      return static_cast<FailSlowClass>(c);
  return std::nullopt;
}

// Duration of one event from two uniforms in (0, 1): fixed; exponential −mean·ln u1; lognormal
// median·exp(σ·z) with z standard normal by Box–Muller (written here: library distributions
// differ between implementations).
inline double fail_slow_duration_s(const FailSlowClassSpec& c, double u1, double u2) {
  switch (c.distribution) {
    case DurationDistribution::fixed:
      return c.duration_s;
    case DurationDistribution::exponential:
      return -c.duration_s * std::log(u1);
    case DurationDistribution::lognormal: {
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
      return c.duration_s * std::exp(c.duration_sigma * z);
    }
  }
  return c.duration_s;
}

// Mean duration of a class's events.
inline double mean_fail_slow_duration_s(const FailSlowClassSpec& c) {
  switch (c.distribution) {
    case DurationDistribution::fixed:
    case DurationDistribution::exponential:
      return c.duration_s;
    case DurationDistribution::lognormal:
      return c.duration_s * std::exp(0.5 * c.duration_sigma * c.duration_sigma);
  }
  return c.duration_s;
}

// The slowdown a job sees over [t0_s, t1_s) when members are slowed by `severity` over
// [start_s, end_s) (intervals that may overlap; the job runs at its slowest member): the factor
// s_eff with which a step time stretched by s(t) gives the same progress over the interval,
//   1/s_eff = (1/(t1 − t0))·∫ dt / s(t),   s(t) = max(1, max over intervals covering t).
// Exact for any number of overlapping intervals (a sweep over their ends).
struct SlowInterval {
  double start_s, end_s, severity;
};
inline double effective_slowdown(const std::vector<SlowInterval>& intervals, double t0_s,
                                 double t1_s) {
  if (intervals.empty() || !(t1_s > t0_s)) return 1.0;
  std::vector<double> cuts{t0_s, t1_s};
  for (const SlowInterval& iv : intervals) {
    if (iv.start_s > t0_s && iv.start_s < t1_s) cuts.push_back(iv.start_s);
    if (iv.end_s > t0_s && iv.end_s < t1_s) cuts.push_back(iv.end_s);
  }
  std::sort(cuts.begin(), cuts.end());
  double inverse_s = 0.0;
  for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
    const double a = cuts[k], b = cuts[k + 1];
    if (!(b > a)) continue;
    const double mid = 0.5 * (a + b);
    double s = 1.0;
    for (const SlowInterval& iv : intervals)
      if (iv.start_s <= mid && mid < iv.end_s) s = std::max(s, iv.severity);
    inverse_s += (b - a) / s;
  }
  return (t1_s - t0_s) / inverse_s;
}

}  // namespace ct::faults
