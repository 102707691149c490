// Cluster figures from per-job records (README.md gives every definition and its source).
//
//   utilisation        Σ a·held / (A·T)          share of accelerator-time allocated to jobs
//   goodput            Σ a·productive / (A·T)    share doing work that was kept
//   useful_fraction    Σ a·productive / Σ a·held
//   wait               first start − submit (started jobs); mean and p95 (nearest rank)
//   bounded slowdown   max(1, (end − submit) / max(productive, τ)), τ = 10 s (finished jobs);
//                      = max(1, (wait + run)/max(run, τ)) for a job that ran once uninterrupted
//   ETTR               Σ a·productive / Σ a·(end − first start) (finished jobs): the share of a
//                      job's wall time since it first started that made kept progress
//   MTTI               Σ held / Σ interruptions (failure interruptions only, not preemptions)
// with a the job's accelerators, A the campus's, T the window length. By job size: the same
// figures over the jobs in each accelerator-count bucket.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sched/job.hpp"

namespace ct::sched {

struct JobOutcome {
  std::int64_t id = 0;
  std::int64_t accelerators = 1;
  double submit_s = 0.0;
  double first_start_s = kNever;   // kNever: never started
  double end_s = kNever;           // kNever: not finished
  double held_s = 0.0;             // time holding nodes, every attempt, inside the window
  double productive_s = 0.0;       // time whose progress was kept (full-clock equivalent)
  std::int32_t interruptions = 0;  // by failures
  std::int32_t preemptions = 0;
  double lost_accelerator_s = 0.0;
  bool finished() const { return end_s < kNever; }
};

struct FigureOptions {
  std::int64_t campus_accelerators = 1;  // A
  double window_s = 1.0;                 // T
  double slowdown_threshold_s = 10.0;    // τ
  // Upper bounds (inclusive, ascending) of the size buckets in accelerators; a last bucket
  // catches larger jobs.
  std::vector<std::int64_t> bucket_upper_accelerators{8, 64, 512, 4096};
};

struct Figures {
  std::int64_t jobs = 0, started = 0, finished = 0;
  double utilisation = 0.0, goodput = 0.0, useful_fraction = 0.0;
  double mean_wait_s = 0.0, p95_wait_s = 0.0;
  double mean_bounded_slowdown = 0.0;
  double ettr = 0.0;
  std::int64_t interruptions = 0;
  double exposure_s = 0.0;  // Σ held: the time at risk behind MTTI
  double mtti_s = kNever;   // kNever when nothing was interrupted
  double lost_accelerator_s = 0.0;
};

struct SizeBucket {
  std::int64_t min_accelerators = 1;
  std::int64_t max_accelerators = 0;  // inclusive; largest int64 for the last bucket
  Figures figures;                    // utilisation/goodput: the bucket's share of the campus
};

struct ClusterFigures {
  Figures all;
  std::vector<SizeBucket> by_size;
};

// Throws std::invalid_argument for campus_accelerators < 1, window_s ≤ 0, τ ≤ 0 or unsorted
// bucket bounds.
ClusterFigures cluster_figures(std::span<const JobOutcome> jobs, const FigureOptions& options);

// p-quantile by nearest rank: the ⌈p·n⌉-th smallest (p ∈ (0, 1], n ≥ 1; 0 for n = 0).
double nearest_rank_quantile(std::vector<double> values, double p);

}  // namespace ct::sched
