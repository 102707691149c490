#include "twin/batch_job.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace ct::twin {

BatchJob::BatchJob(const sched::JobRequest& request, double work_s, const io::QueueSpec& queue,
                   const WorkloadEnv& env, int slot)
    : Workload(fmt::format("q{}", request.id), slot),
      request_(request),
      work_s_(work_s),
      queue_(queue),
      env_(env) {}

Allocation BatchJob::place(std::vector<std::int8_t>&) {
  throw std::logic_error("a batch job is placed by the queue's scheduler");
}

void BatchJob::start(const Allocation&) {
  JobTimings t;
  t.step_s = 1.0;  // one iteration = one second of work at full clock
  t.checkpoint_interval_s = queue_.checkpoint_interval_s;
  t.checkpoint_stall_s = queue_.checkpoint_s;
  t.asynchronous = false;
  t.detection_s = env_.scenario.faults.recovery.detection_s;
  t.restart_s = env_.scenario.faults.recovery.restart_s;
  t.load_s = queue_.load_s;
  t.work_iterations = work_s_;
  runtime_ = JobRuntime(t);
}

void BatchJob::begin_tick(double t0_s, double t1_s, JobTick& jt) {
  const io::Scenario& sc = env_.scenario;
  const double dt = env_.tick_s;
  runtime_.set_step_s(1.0 / slowest_clock_);  // compute is paced by the slowest member
  const std::int64_t checkpoints = runtime_.checkpoints_completed();
  const JobTickShare share = runtime_.advance(t0_s, t1_s);
  checkpointed_ = runtime_.checkpoints_completed() > checkpoints;
  const double a_comm = sc.activity.communicating, a_stall = sc.activity.stalled;
  const double compute_f = queue_.compute_fraction;
  jt.clear();
  jt.run_f = share.running_s / dt;
  jt.add_running(compute, compute_f, 1.0, true);
  jt.add_running(exposed_comm, 1.0 - compute_f, a_comm);
  jt.add_stalled(checkpoint, share.checkpoint_s / dt, a_stall);
  jt.add_stalled(recovery, share.recovery_s / dt, a_stall);
  jt.add_stalled(waiting, share.waiting_s / dt, a_stall);
  jt.add_stalled(unallocated, share.done_s / dt, a_stall);  // finished within the tick
  // The tick's time order (exact junction trajectory); the finished stretch comes last.
  runtime_.add_segments_to(jt, dt);
  if (share.done_s > 0.0) jt.add_segment(share.done_s / dt, false);
  jt.slowest_clock = slowest_clock_;
  jt.straggler_activity = a_comm;
  jt.step_s = 1.0;
  jt.running_activity = compute_f + (1.0 - compute_f) * a_comm;
  (void)runtime_.take_marks();
}

void BatchJob::end_tick(const JobSums& sums) {
  runtime_.settle_tick(sums.time_s, sums.energy_j);
  if (sums.clock_known) slowest_clock_ = sums.slowest_clock;
  energy_j_ += sums.energy_all_j;
}

Loss BatchJob::fail(const FailureHit& hit) {
  const JobRuntime::Loss l =
      runtime_.fail(hit.time_s, hit.planned, hit.downtime_s, hit.nodes_missing);
  lost_acc_s_ += l.lost_accelerator_s();
  return booked_loss(l);
}

void BatchJob::describe(std::ostream& os) const {
  os << fmt::format("\nbatch job {}: {} accelerators on {} nodes, {:.0f} s of work at full clock\n",
                    request_.id, request_.accelerators, request_.nodes, work_s_);
}

}  // namespace ct::twin
