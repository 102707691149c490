// Cluster figures on a hand-worked set of job records.
#include <gtest/gtest.h>

#include <limits>

#include "sched/metrics.hpp"

namespace {

using namespace ct::sched;

std::vector<JobOutcome> four_jobs() {
  std::vector<JobOutcome> v(4);
  v[0] = {1, 8, 0.0, 10.0, 110.0, 100.0, 100.0, 0, 0, 0.0};
  // Interrupted once: held 300 s from 110 to 410, 50 s of work lost.
  v[1] = {2, 16, 0.0, 110.0, 410.0, 300.0, 250.0, 1, 0, 800.0};
  v[2] = {3, 4, 100.0, kNever, kNever, 0.0, 0.0, 0, 0, 0.0};  // never started
  v[3] = {4, 1, 200.0, 200.0, 205.0, 5.0, 5.0, 0, 0, 0.0};    // shorter than τ
  return v;
}

TEST(SchedMetrics, HandWorkedFigures) {
  FigureOptions o;
  o.campus_accelerators = 16;
  o.window_s = 1000.0;
  o.bucket_upper_accelerators = {8};
  const ClusterFigures c = cluster_figures(four_jobs(), o);
  const Figures& f = c.all;
  EXPECT_EQ(f.jobs, 4);
  EXPECT_EQ(f.started, 3);
  EXPECT_EQ(f.finished, 3);
  EXPECT_DOUBLE_EQ(f.utilisation, 5605.0 / 16000.0);  // (8·100 + 16·300 + 1·5) / (16·1000)
  EXPECT_DOUBLE_EQ(f.goodput, 4805.0 / 16000.0);      // (8·100 + 16·250 + 1·5) / (16·1000)
  EXPECT_DOUBLE_EQ(f.useful_fraction, 4805.0 / 5605.0);
  EXPECT_DOUBLE_EQ(f.mean_wait_s, 40.0);  // (10 + 110 + 0) / 3
  EXPECT_DOUBLE_EQ(f.p95_wait_s, 110.0);  // nearest rank ⌈0.95·3⌉ = 3
  // Bounded slowdowns: 110/100, 410/250, max(1, 5/10).
  EXPECT_DOUBLE_EQ(f.mean_bounded_slowdown, (1.1 + 1.64 + 1.0) / 3.0);
  EXPECT_DOUBLE_EQ(f.ettr, 4805.0 / 5605.0);
  EXPECT_EQ(f.interruptions, 1);
  EXPECT_DOUBLE_EQ(f.exposure_s, 405.0);
  EXPECT_DOUBLE_EQ(f.mtti_s, 405.0);
  EXPECT_DOUBLE_EQ(f.lost_accelerator_s, 800.0);

  ASSERT_EQ(c.by_size.size(), 2u);
  const SizeBucket& small = c.by_size[0];
  EXPECT_EQ(small.min_accelerators, 1);
  EXPECT_EQ(small.max_accelerators, 8);
  EXPECT_EQ(small.figures.jobs, 3);
  EXPECT_EQ(small.figures.mtti_s, kNever);
  EXPECT_DOUBLE_EQ(small.figures.ettr, 1.0);
  EXPECT_DOUBLE_EQ(small.figures.mean_wait_s, 5.0);
  const SizeBucket& large = c.by_size[1];
  EXPECT_EQ(large.min_accelerators, 9);
  EXPECT_EQ(large.max_accelerators, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(large.figures.jobs, 1);
  EXPECT_DOUBLE_EQ(large.figures.mtti_s, 300.0);
  EXPECT_DOUBLE_EQ(large.figures.ettr, 4000.0 / 4800.0);
  EXPECT_DOUBLE_EQ(large.figures.utilisation, 4800.0 / 16000.0);
}

TEST(SchedMetrics, QuantileAndErrors) {
  std::vector<double> v;
  for (int i = 20; i >= 1; --i) v.push_back(i);
  EXPECT_EQ(nearest_rank_quantile(v, 0.95), 19.0);
  EXPECT_EQ(nearest_rank_quantile(v, 0.5), 10.0);
  EXPECT_EQ(nearest_rank_quantile(v, 1.0), 20.0);
  EXPECT_EQ(nearest_rank_quantile({7.0}, 0.95), 7.0);
  EXPECT_EQ(nearest_rank_quantile({}, 0.95), 0.0);
  EXPECT_THROW(nearest_rank_quantile(v, 0.0), std::invalid_argument);
  FigureOptions o;
  o.window_s = 0.0;
  EXPECT_THROW(cluster_figures(four_jobs(), o), std::invalid_argument);
  o = FigureOptions{};
  o.bucket_upper_accelerators = {64, 8};
  EXPECT_THROW(cluster_figures(four_jobs(), o), std::invalid_argument);
  o.bucket_upper_accelerators = {};
  const ClusterFigures c = cluster_figures(four_jobs(), o);
  ASSERT_EQ(c.by_size.size(), 1u);
  EXPECT_EQ(c.by_size[0].figures.jobs, 4);
}

}  // namespace
