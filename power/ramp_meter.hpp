// Grid-side figures of a power series (grid draw with storage, or facility draw without): the
// ramp-rate distribution and the share of time a stated ramp limit is exceeded. Together with
// SwingMeter (peak, largest step, largest swing in a window) they describe what the grid sees.
//
// One value per tick, P_i (the tick mean); ramp r_i = (P_i − P_{i−1}) / Δt for i ≥ 1 (W/s).
//   exceedance fraction = #{ i : |r_i| > limit } / #ramps      (up and down counted apart too;
//     "above" means by more than 1e-9 relative, so a ramp held at the limit is not counted
//     through rounding)
//   distribution of |r_i|: a histogram with `bins_per_decade` logarithmic bins between
//     min_ramp_w_per_s and max_ramp_w_per_s, plus a bin below (including 0) and one above.
//   percentile(q): the nearest-rank q-quantile of |r| (the ⌈q·n⌉-th smallest) rounded up to its
//     bin's upper edge and cut to the largest ramp seen: exact ≤ estimate ≤ exact · 10^(1/bpd)
//     (or ≤ min_ramp_w_per_s when the exact value lies below it).
// Streaming, fixed memory, no allocation after construction; serializable for restart files.
// ramp_statistics() computes the same figures exactly from a stored series (post-processing,
// tests).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace ct::power {

class RampMeter {
 public:
  // Throws std::invalid_argument unless tick_s > 0, limit ≥ 0 (or +inf), bins_per_decade ≥ 1,
  // 0 < min_ramp < max_ramp (finite).
  explicit RampMeter(double tick_s,
                     double ramp_limit_w_per_s = std::numeric_limits<double>::infinity(),
                     int bins_per_decade = 50, double min_ramp_w_per_s = 1.0,
                     double max_ramp_w_per_s = 1e12);

  void observe(double power_w);

  std::uint64_t ramps() const { return ramps_; }  // ticks − 1
  double ramp_limit_w_per_s() const { return limit_; }
  std::uint64_t exceedances_up() const { return above_up_; }
  std::uint64_t exceedances_down() const { return above_down_; }
  // Share of tick-to-tick intervals whose |ramp| exceeds the limit (0 with fewer than 2 ticks).
  double exceedance_fraction() const;
  double largest_ramp_w_per_s() const { return largest_; }
  double percentile_w_per_s(double q) const;  // q in [0, 1]; 0 with no ramps

  // Histogram: bin 0 is [0, min_ramp), bin k ≥ 1 is [edge(k−1), edge(k)), the last is
  // [max_ramp, ∞). upper_edge(last) = +inf.
  std::span<const std::uint64_t> counts() const { return counts_; }
  double lower_edge_w_per_s(std::size_t bin) const;
  double upper_edge_w_per_s(std::size_t bin) const;
  double relative_resolution() const { return std::pow(10.0, 1.0 / bins_per_decade_) - 1.0; }

  template <class Archive>
  void serialize(Archive& ar) {  // restart files
    ar(counts_, ramps_, above_up_, above_down_, largest_, last_w_, ticks_);
  }

 private:
  std::size_t bin_of(double ramp_w_per_s) const;

  double tick_s_;
  double limit_;
  int bins_per_decade_;
  double min_ramp_;
  double max_ramp_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t ramps_ = 0;
  std::uint64_t above_up_ = 0;
  std::uint64_t above_down_ = 0;
  double largest_ = 0.0;
  double last_w_ = 0.0;
  std::uint64_t ticks_ = 0;
};

struct RampStatistics {
  std::size_t ramps = 0;
  double p50_w_per_s = 0.0;
  double p95_w_per_s = 0.0;
  double p99_w_per_s = 0.0;
  double largest_ramp_w_per_s = 0.0;
  double exceedance_fraction = 0.0;     // |ramp| > limit
  double largest_window_swing_w = 0.0;  // as SwingMeter (window_s, ⌊window/tick⌋ + 1 samples)
};

// Exact nearest-rank percentiles from the whole series.
double exact_ramp_percentile_w_per_s(std::span<const double> power_w, double tick_s, double q);
RampStatistics ramp_statistics(std::span<const double> power_w, double tick_s,
                               double ramp_limit_w_per_s, double window_s);

}  // namespace ct::power
