#include "sched/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace ct::sched {

double nearest_rank_quantile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  if (!(p > 0.0 && p <= 1.0)) throw std::invalid_argument("quantile: p must be in (0, 1]");
  const auto n = static_cast<double>(values.size());
  auto rank = static_cast<std::size_t>(std::ceil(p * n - 1e-12));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank - 1),
                   values.end());
  return values[rank - 1];
}

namespace {

Figures figures_of(std::span<const JobOutcome* const> jobs, const FigureOptions& o) {
  Figures f;
  double held_acc_s = 0.0, productive_acc_s = 0.0, ettr_num = 0.0, ettr_den = 0.0;
  double wait_sum = 0.0, slowdown_sum = 0.0;
  std::vector<double> waits;
  for (const JobOutcome* j : jobs) {
    ++f.jobs;
    const auto a = static_cast<double>(j->accelerators);
    held_acc_s += a * j->held_s;
    productive_acc_s += a * j->productive_s;
    f.interruptions += j->interruptions;
    f.exposure_s += j->held_s;
    f.lost_accelerator_s += j->lost_accelerator_s;
    if (j->first_start_s < kNever) {
      ++f.started;
      const double wait = j->first_start_s - j->submit_s;
      waits.push_back(wait);
      wait_sum += wait;
    }
    if (j->finished()) {
      ++f.finished;
      slowdown_sum += std::max(
          1.0, (j->end_s - j->submit_s) / std::max(j->productive_s, o.slowdown_threshold_s));
      ettr_num += a * j->productive_s;
      ettr_den += a * (j->end_s - j->first_start_s);
    }
  }
  const double capacity = static_cast<double>(o.campus_accelerators) * o.window_s;
  f.utilisation = held_acc_s / capacity;
  f.goodput = productive_acc_s / capacity;
  f.useful_fraction = held_acc_s > 0.0 ? productive_acc_s / held_acc_s : 0.0;
  if (f.started > 0) {
    f.mean_wait_s = wait_sum / static_cast<double>(f.started);
    f.p95_wait_s = nearest_rank_quantile(std::move(waits), 0.95);
  }
  if (f.finished > 0) f.mean_bounded_slowdown = slowdown_sum / static_cast<double>(f.finished);
  f.ettr = ettr_den > 0.0 ? ettr_num / ettr_den : 0.0;
  f.mtti_s = f.interruptions > 0 ? f.exposure_s / static_cast<double>(f.interruptions) : kNever;
  return f;
}

}  // namespace

ClusterFigures cluster_figures(std::span<const JobOutcome> jobs, const FigureOptions& o) {
  if (o.campus_accelerators < 1) throw std::invalid_argument("campus_accelerators must be ≥ 1");
  if (!(o.window_s > 0.0)) throw std::invalid_argument("window_s must be > 0");
  if (!(o.slowdown_threshold_s > 0.0)) {
    throw std::invalid_argument("slowdown_threshold_s must be > 0");
  }
  if (!std::is_sorted(o.bucket_upper_accelerators.begin(), o.bucket_upper_accelerators.end()) ||
      std::adjacent_find(o.bucket_upper_accelerators.begin(), o.bucket_upper_accelerators.end()) !=
          o.bucket_upper_accelerators.end()) {
    throw std::invalid_argument("bucket bounds must be strictly ascending");
  }
  if (!o.bucket_upper_accelerators.empty() && o.bucket_upper_accelerators.front() < 1) {
    throw std::invalid_argument("bucket bounds must be ≥ 1");
  }
  std::vector<const JobOutcome*> all;
  all.reserve(jobs.size());
  for (const JobOutcome& j : jobs) all.push_back(&j);
  ClusterFigures out;
  out.all = figures_of(all, o);
  std::int64_t lower = 1;
  const std::size_t buckets = o.bucket_upper_accelerators.size() + 1;
  for (std::size_t b = 0; b < buckets; ++b) {
    SizeBucket bucket;
    bucket.min_accelerators = lower;
    bucket.max_accelerators = b < o.bucket_upper_accelerators.size()
                                  ? o.bucket_upper_accelerators[b]
                                  : std::numeric_limits<std::int64_t>::max();
    std::vector<const JobOutcome*> members;
    for (const JobOutcome* j : all) {
      if (j->accelerators >= bucket.min_accelerators &&
          j->accelerators <= bucket.max_accelerators) {
        members.push_back(j);
      }
    }
    bucket.figures = figures_of(members, o);
    const std::int64_t upper = bucket.max_accelerators;
    out.by_size.push_back(std::move(bucket));
    if (upper == std::numeric_limits<std::int64_t>::max()) break;
    lower = upper + 1;
  }
  return out;
}

}  // namespace ct::sched
