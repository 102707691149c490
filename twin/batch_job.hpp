// A batch job of the shared-cluster queue (twin/queue.hpp): a fixed amount of work
// (accelerator-seconds at full clock) on whole nodes, computing for `compute_fraction` of its
// running time at activity 1 (paced by its slowest member) and communicating the rest,
// checkpointing synchronously every `checkpoint_interval_s` of running time. Its state machine
// is the training job's (JobRuntime) with a work limit: one "iteration" is one second of work
// at full clock, so throttling stretches it. The queue creates one per attempt (a start after
// submission, a failure, or a preemption) and asks it when it has finished or stopped.
#pragma once

#include <cstdint>

#include "io/queue_spec.hpp"
#include "sched/job.hpp"
#include "twin/job_runtime.hpp"
#include "twin/workload.hpp"

namespace ct::twin {

class BatchJob final : public Workload {
 public:
  // `work_s`: seconds of work at full clock left for this attempt.
  BatchJob(const sched::JobRequest& request, double work_s, const io::QueueSpec& queue,
           const WorkloadEnv& env, int slot);
  const char* kind() const override { return "batch"; }

  Allocation place(std::vector<std::int8_t>& taken) override;  // not used: the queue places
  void start(const Allocation& allocation) override;
  std::int64_t accelerators() const override { return request_.accelerators; }
  // Every category its units run in: a failure loses the running ones since the last durable
  // point and moves the part of its tick after the instant to recovery.
  std::uint32_t tracked_categories() const override {
    std::uint32_t bits = 0;
    for (int c = compute; c <= waiting; ++c) bits |= 1u << c;
    return bits;
  }
  void begin_tick(double t0_s, double t1_s, JobTick& tick) override;
  void end_tick(const JobSums& sums) override;
  Loss fail(const FailureHit& hit) override;
  void nodes_changed(const Allocation&) override {}
  void nodes_restored(double time_s) override { runtime_.spares_ready(time_s); }
  void declare_series(SeriesTable&) override {}  // the queue's series and /jobs_table
  void add_figures(WorkloadTotals&) const override {}
  void describe(std::ostream& os) const override;
  void save(archive::Writer& w) override { serialize(w); }
  void load(archive::Reader& r) override { serialize(r); }

  const sched::JobRequest& request() const { return request_; }
  void request_stop(double time_s) { runtime_.request_stop(time_s); }
  bool finished() const { return runtime_.finished(); }
  bool stopped() const { return runtime_.stopped(); }
  double done_at_s() const { return runtime_.done_at_s(); }
  // Seconds of work at full clock made durable (kept) in this attempt.
  double durable_work_s() const { return runtime_.durable_iterations(); }
  double work_s() const { return work_s_; }
  double energy_j() const { return energy_j_; }  // IT energy of its units so far, this attempt
  double lost_accelerator_s() const { return lost_acc_s_; }
  // A checkpoint completed in this tick (set by begin_tick; a migration point).
  bool checkpointed_this_tick() const { return checkpointed_; }

 private:
  template <class Archive>
  void serialize(Archive& ar) {
    ar(runtime_, slowest_clock_, energy_j_, lost_acc_s_);
  }
  sched::JobRequest request_;
  double work_s_;
  const io::QueueSpec& queue_;
  WorkloadEnv env_;
  JobRuntime runtime_{JobTimings{}};
  double slowest_clock_ = 1.0;
  double energy_j_ = 0.0;
  double lost_acc_s_ = 0.0;
  bool checkpointed_ = false;
};

}  // namespace ct::twin
