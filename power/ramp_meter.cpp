#include "power/ramp_meter.hpp"

#include <algorithm>
#include <stdexcept>

#include "power/swing_meter.hpp"

namespace ct::power {
namespace {

// ⌈q·n⌉, at least 1: the nearest rank of the q-quantile among n values.
std::uint64_t nearest_rank(double q, std::uint64_t n) {
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n)));
  return std::clamp<std::uint64_t>(rank, 1, n);
}

// A ramp held exactly at the limit (a ramp-limited battery) must not count through rounding.
constexpr double kLimitTolerance = 1e-9;

void check_quantile(double q) {
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("ramp percentile: q must be in [0, 1]");
}

}  // namespace

RampMeter::RampMeter(double tick_s, double ramp_limit_w_per_s, int bins_per_decade,
                     double min_ramp_w_per_s, double max_ramp_w_per_s)
    : tick_s_(tick_s),
      limit_(ramp_limit_w_per_s),
      bins_per_decade_(bins_per_decade),
      min_ramp_(min_ramp_w_per_s),
      max_ramp_(max_ramp_w_per_s) {
  if (!(tick_s > 0.0) || !std::isfinite(tick_s)) {
    throw std::invalid_argument("RampMeter: tick_s must be a positive number");
  }
  if (std::isnan(ramp_limit_w_per_s) || ramp_limit_w_per_s < 0.0) {
    throw std::invalid_argument("RampMeter: ramp limit must be >= 0 (or infinite)");
  }
  if (bins_per_decade < 1) throw std::invalid_argument("RampMeter: bins_per_decade must be >= 1");
  if (!(min_ramp_w_per_s > 0.0) || !(max_ramp_w_per_s > min_ramp_w_per_s) ||
      !std::isfinite(max_ramp_w_per_s)) {
    throw std::invalid_argument("RampMeter: need 0 < min_ramp_w_per_s < max_ramp_w_per_s");
  }
  const double decades = std::log10(max_ramp_ / min_ramp_);
  const auto log_bins = static_cast<std::size_t>(std::ceil(decades * bins_per_decade_ - 1e-9));
  counts_.assign(log_bins + 2, 0);
}

double RampMeter::lower_edge_w_per_s(std::size_t bin) const {
  if (bin == 0) return 0.0;
  if (bin + 1 >= counts_.size()) return max_ramp_;
  return min_ramp_ * std::pow(10.0, static_cast<double>(bin - 1) / bins_per_decade_);
}

double RampMeter::upper_edge_w_per_s(std::size_t bin) const {
  if (bin + 1 >= counts_.size()) return std::numeric_limits<double>::infinity();
  if (bin + 2 == counts_.size()) return max_ramp_;
  return min_ramp_ * std::pow(10.0, static_cast<double>(bin) / bins_per_decade_);
}

std::size_t RampMeter::bin_of(double r) const {
  if (r < min_ramp_) return 0;
  if (r >= max_ramp_) return counts_.size() - 1;
  auto k = static_cast<std::size_t>(std::floor(std::log10(r / min_ramp_) * bins_per_decade_)) + 1;
  // Edges are computed with pow: put r in the bin whose [lower, upper) holds it.
  k = std::clamp<std::size_t>(k, 1, counts_.size() - 2);
  while (k > 1 && r < lower_edge_w_per_s(k)) --k;
  while (k + 2 < counts_.size() && r >= upper_edge_w_per_s(k)) ++k;
  return k;
}

void RampMeter::observe(double power_w) {
  if (ticks_++ > 0) {
    const double ramp = (power_w - last_w_) / tick_s_;
    const double magnitude = std::abs(ramp);
    ++ramps_;
    ++counts_[bin_of(magnitude)];
    largest_ = std::max(largest_, magnitude);
    if (magnitude > limit_ * (1.0 + kLimitTolerance)) ++(ramp > 0.0 ? above_up_ : above_down_);
  }
  last_w_ = power_w;
}

double RampMeter::exceedance_fraction() const {
  return ramps_ == 0 ? 0.0
                     : static_cast<double>(above_up_ + above_down_) / static_cast<double>(ramps_);
}

double RampMeter::percentile_w_per_s(double q) const {
  check_quantile(q);
  if (ramps_ == 0) return 0.0;
  const std::uint64_t rank = nearest_rank(q, ramps_);
  std::uint64_t cumulative = 0;
  for (std::size_t k = 0; k < counts_.size(); ++k) {
    cumulative += counts_[k];
    if (cumulative >= rank) return std::min(upper_edge_w_per_s(k), largest_);
  }
  return largest_;
}

double exact_ramp_percentile_w_per_s(std::span<const double> power_w, double tick_s, double q) {
  check_quantile(q);
  if (power_w.size() < 2) return 0.0;
  std::vector<double> ramps(power_w.size() - 1);
  for (std::size_t i = 1; i < power_w.size(); ++i) {
    ramps[i - 1] = std::abs((power_w[i] - power_w[i - 1]) / tick_s);
  }
  const std::uint64_t rank = nearest_rank(q, ramps.size());
  std::nth_element(ramps.begin(), ramps.begin() + static_cast<std::ptrdiff_t>(rank - 1),
                   ramps.end());
  return ramps[rank - 1];
}

RampStatistics ramp_statistics(std::span<const double> power_w, double tick_s,
                               double ramp_limit_w_per_s, double window_s) {
  RampStatistics s;
  SwingMeter swing(tick_s, window_s);
  for (const double p : power_w) swing.observe(p);
  s.largest_window_swing_w = swing.largest_window_swing_w();
  if (power_w.size() < 2) return s;
  s.ramps = power_w.size() - 1;
  std::size_t above = 0;
  for (std::size_t i = 1; i < power_w.size(); ++i) {
    const double r = std::abs((power_w[i] - power_w[i - 1]) / tick_s);
    s.largest_ramp_w_per_s = std::max(s.largest_ramp_w_per_s, r);
    if (r > ramp_limit_w_per_s * (1.0 + kLimitTolerance)) ++above;
  }
  s.exceedance_fraction = static_cast<double>(above) / static_cast<double>(s.ramps);
  s.p50_w_per_s = exact_ramp_percentile_w_per_s(power_w, tick_s, 0.50);
  s.p95_w_per_s = exact_ramp_percentile_w_per_s(power_w, tick_s, 0.95);
  s.p99_w_per_s = exact_ramp_percentile_w_per_s(power_w, tick_s, 0.99);
  return s;
}

}  // namespace ct::power
