// Latency histogram with fixed logarithmic bins, for deterministic percentiles: integer counts
// give the same quantile on any rank count and across restarts (every rank replays the same
// requests). 100 bins per decade from 10 µs to 10⁴ s (a bin spans a factor 10^0.01 ≈ 1.023) plus
// an underflow and an overflow bin; a quantile is reported at its bin's geometric centre, so it
// is within ±1.2% of the exact order statistic inside the range.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace ct::serving {

class LogHistogram {
 public:
  static constexpr double kLowS = 1e-5;
  static constexpr int kDecades = 9;
  static constexpr int kPerDecade = 100;
  static constexpr int kBins = kDecades * kPerDecade + 2;  // + underflow, overflow

  LogHistogram() : counts_(kBins, 0) {}

  static int bin_of(double v) {
    if (!(v >= kLowS)) return 0;
    const double b = std::floor(std::log10(v / kLowS) * kPerDecade);
    if (b >= kDecades * kPerDecade) return kBins - 1;
    return 1 + static_cast<int>(b);
  }
  // Geometric centre of a bin (underflow: the lower edge; overflow: the upper edge).
  static double centre_of(int bin) {
    if (bin <= 0) return kLowS;
    if (bin >= kBins - 1) return kLowS * std::pow(10.0, kDecades);
    return kLowS * std::pow(10.0, (static_cast<double>(bin - 1) + 0.5) / kPerDecade);
  }

  void add(double v) {
    ++counts_[static_cast<std::size_t>(bin_of(v))];
    ++total_;
  }
  void merge(const LogHistogram& o) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
  }
  void clear() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
  }
  std::int64_t count() const { return total_; }
  // Nearest-rank quantile: the bin holding the ⌈q·N⌉-th smallest value; NaN when empty.
  double quantile(double q) const {
    if (total_ == 0) return std::numeric_limits<double>::quiet_NaN();
    const auto rank = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(q * static_cast<double>(total_))));
    std::int64_t seen = 0;
    for (int b = 0; b < kBins; ++b) {
      seen += counts_[static_cast<std::size_t>(b)];
      if (seen >= rank) return centre_of(b);
    }
    return centre_of(kBins - 1);
  }

  template <class Archive>
  void serialize(Archive& ar) {
    ar(counts_, total_);
  }

 private:
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
};

}  // namespace ct::serving
