// The replicated training-job state machine (twin/job_runtime.hpp): exact sub-tick phases,
// checkpoints, failures and their rollback, waiting for a repair.
#include <gtest/gtest.h>

#include <cmath>

#include "twin/job_runtime.hpp"

namespace ct::twin {
namespace {

JobTimings timings(bool async) {
  JobTimings t;
  t.step_s = 2.0;
  t.checkpoint_interval_s = 10.0;
  t.checkpoint_stall_s = async ? 0.5 : 3.0;
  t.checkpoint_write_s = async ? 4.0 : 0.0;
  t.asynchronous = async;
  t.detection_s = 5.0;
  t.restart_s = 7.0;
  t.load_s = 1.5;
  return t;
}

// The reduced sums of a tick of 8 units (scaled by `per_s`: 1 for seconds, watts for joules):
// 75% of the running time computing, 15% in the pipeline bubble, 10% exposed communication.
CategoryValues tick_sums(const JobTickShare& s, double per_s) {
  CategoryValues v{};
  const double run = s.running_s * 8.0 * per_s;
  v[compute] = 0.75 * run;
  v[pipeline_bubble] = 0.15 * run;
  v[exposed_comm] = 0.10 * run;
  v[checkpoint] = s.checkpoint_s * 8.0 * per_s;
  v[recovery] = s.recovery_s * 8.0 * per_s;
  v[waiting] = s.waiting_s * 8.0 * per_s;
  return v;
}

// Advance tick by tick; returns the summed shares.
JobTickShare advance(JobRuntime& r, double from_s, double to_s, double dt) {
  JobTickShare sum;
  const auto ticks = static_cast<int>(std::lround((to_s - from_s) / dt));
  for (int k = 0; k < ticks; ++k) {
    const double t = from_s + k * dt;
    const JobTickShare s = r.advance(t, t + dt);
    sum.running_s += s.running_s;
    sum.checkpoint_s += s.checkpoint_s;
    sum.recovery_s += s.recovery_s;
    sum.waiting_s += s.waiting_s;
    r.settle_tick(tick_sums(s, 1), tick_sums(s, 700.0));  // 8 units at 700 W
  }
  return sum;
}

TEST(TwinJobRuntime, SynchronousCheckpointStallsExactlyWhateverTheTick) {
  for (double dt : {1.0, 0.75, 3.0, 8.0, 60.0}) {
    JobRuntime r(timings(false));
    const JobTickShare s = advance(r, 0.0, 120.0, dt);
    // Cycles of 10 s running + 3 s stall: 120 s = 9 full cycles (117 s) + 3 s running.
    EXPECT_NEAR(s.checkpoint_s, 9 * 3.0, 1e-9) << dt;
    EXPECT_NEAR(s.running_s, 120.0 - 27.0, 1e-9) << dt;
    EXPECT_EQ(r.checkpoints_completed(), 9) << dt;
    EXPECT_NEAR(r.durable_iterations(), 9 * 10.0 / 2.0, 1e-9) << dt;
  }
}

TEST(TwinJobRuntime, AsynchronousCheckpointIsDurableWhenTheWriteEnds) {
  JobRuntime r(timings(true));
  advance(r, 0.0, 10.0, 1.0);   // runs 10 s: snapshot due at t = 10
  advance(r, 10.0, 11.0, 1.0);  // 0.5 s snapshot, then 0.5 s running with the write in flight
  EXPECT_EQ(r.checkpoints_completed(), 0);
  advance(r, 11.0, 15.0, 1.0);  // the write ends at 10.5 + 4 = 14.5
  EXPECT_EQ(r.checkpoints_completed(), 1);
  EXPECT_NEAR(r.durable_iterations(), 5.0, 1e-12);  // the snapshot's 10 s / 2 s per step
}

TEST(TwinJobRuntime, FailureLosesWorkSinceTheLastDurablePointAndRecovers) {
  JobRuntime r(timings(false));
  advance(r, 0.0, 20.0, 1.0);  // checkpoint at 10–13 s; 7 s of work after it
  const JobRuntime::Loss loss = r.fail(19.5, false, 0.0, false);
  // The checkpoint snapshot at 10 s is durable; the 6.5 s run after the stall up to the failure
  // (13–19.5 s) is lost, in every running category (compute, bubble, exposed communication).
  EXPECT_NEAR(loss.lost_accelerator_s(), 6.5 * 8.0, 1e-9);
  EXPECT_NEAR(loss.lost_time_s[compute], 0.75 * 6.5 * 8.0, 1e-9);
  EXPECT_NEAR(loss.lost_time_s[pipeline_bubble], 0.15 * 6.5 * 8.0, 1e-9);
  EXPECT_NEAR(loss.lost_time_s[exposed_comm], 0.10 * 6.5 * 8.0, 1e-9);
  EXPECT_NEAR(loss.lost_energy_j[compute], 0.75 * 6.5 * 8.0 * 700.0, 1e-6);
  // The half second of the tick after the failure was booked as running: it is recovery.
  EXPECT_NEAR(loss.recovery_time_s[compute] + loss.recovery_time_s[pipeline_bubble] +
                  loss.recovery_time_s[exposed_comm],
              0.5 * 8.0, 1e-9);
  EXPECT_NEAR(loss.iterations, 3.25, 1e-12);
  EXPECT_EQ(r.phase(), JobPhase::detecting);
  const JobTickShare s = advance(r, 20.0, 40.0, 1.0);
  // detection 5 + restart 7 + load 1.5 from 19.5 s: running again at 33 s.
  EXPECT_NEAR(s.recovery_s, 33.0 - 20.0, 1e-9);
  EXPECT_EQ(r.phase(), JobPhase::running);
}

TEST(TwinJobRuntime, PlannedStopLosesNothing) {
  JobRuntime r(timings(false));
  advance(r, 0.0, 20.0, 1.0);
  const JobRuntime::Loss loss = r.fail(20.0, true, 100.0, false);
  EXPECT_EQ(loss.lost_accelerator_s(), 0.0);
  EXPECT_EQ(r.phase(), JobPhase::restarting);
  EXPECT_NEAR(r.durable_iterations(), r.iterations(), 1e-12);
}

TEST(TwinJobRuntime, WaitsForARepairWithoutASpare) {
  JobRuntime r(timings(false));
  advance(r, 0.0, 5.0, 1.0);
  r.fail(5.0, false, 0.0, true);
  const JobTickShare s = advance(r, 5.0, 30.0, 1.0);
  EXPECT_EQ(r.phase(), JobPhase::waiting);
  EXPECT_NEAR(s.recovery_s, 5.0, 1e-9);  // detection only
  EXPECT_NEAR(s.waiting_s, 20.0, 1e-9);
  r.spares_ready(30.0);
  EXPECT_EQ(r.phase(), JobPhase::restarting);
}

}  // namespace
}  // namespace ct::twin
