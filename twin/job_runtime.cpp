#include "twin/job_runtime.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace ct::twin {

namespace {
constexpr double kNever = std::numeric_limits<double>::infinity();
}

void JobRuntime::make_durable(double iterations, double time_s) {
  previous_durable_ =
      Durable{durable_iterations_, durable_mark_acc_s_, durable_mark_energy_j_, durable_time_s_};
  durable_iterations_ = iterations;
  durable_time_s_ = time_s;
  durable_pending_ = true;  // the compute mark is the snapshot's, resolved in settle_tick
  ++checkpoints_completed_;
  ++marks_.checkpoint_ends;
  marks_.last_checkpoint_end_s = time_s;
}

JobTickShare JobRuntime::advance(double t0_s, double t1_s) {
  JobTickShare share;
  tick_running_s_ = 0.0;
  double t = t0_s;
  // Each pass ends a phase or the tick; phases have positive length or change state, so this
  // terminates; the bound only guards against a logic error.
  for (int pass = 0; t < t1_s; ++pass) {
    if (pass > 100000) throw std::logic_error("job state machine does not advance");
    switch (phase_) {
      case JobPhase::running: {
        double until_checkpoint = kNever;
        if (t_.checkpoint_interval_steps > 0)
          until_checkpoint = (iterations_at_last_checkpoint_ +
                              static_cast<double>(t_.checkpoint_interval_steps) - iterations_) *
                             t_.step_s;
        else if (t_.checkpoint_interval_s > 0.0)
          until_checkpoint = t_.checkpoint_interval_s - running_since_checkpoint_s_;
        until_checkpoint = std::max(until_checkpoint, 0.0);
        const double until_write = write_in_flight_ ? std::max(write_end_s_ - t, 0.0) : kNever;
        const double seg = std::min({t1_s - t, until_checkpoint, until_write});
        iterations_ += seg / t_.step_s;
        running_since_checkpoint_s_ += seg;
        tick_running_s_ += seg;
        share.running_s += seg;
        t = seg == until_write ? write_end_s_ : t + seg;
        if (write_in_flight_ && seg == until_write) {
          write_in_flight_ = false;
          make_durable(write_iterations_, t);
        }
        if (seg == until_checkpoint) {
          // Snapshot: the state that becomes durable when the write completes.
          snapshot_iterations_ = iterations_;
          snapshot_pending_ = true;
          snapshot_running_before_s_ = tick_running_s_;
          running_since_checkpoint_s_ = 0.0;
          iterations_at_last_checkpoint_ = iterations_;
          ++marks_.checkpoint_starts;
          marks_.last_checkpoint_start_s = t;
          enter(JobPhase::checkpointing, t + t_.checkpoint_stall_s);
        }
        break;
      }
      case JobPhase::checkpointing: {
        const double end = std::min(t1_s, phase_end_s_);
        share.checkpoint_s += end - t;
        t = end;
        if (t >= phase_end_s_) {
          if (t_.asynchronous) {
            write_in_flight_ = true;
            write_end_s_ = t + t_.checkpoint_write_s;
            write_iterations_ = snapshot_iterations_;
          } else {
            make_durable(snapshot_iterations_, t);
          }
          enter(JobPhase::running, kNever);
        }
        break;
      }
      case JobPhase::detecting:
      case JobPhase::restarting:
      case JobPhase::loading: {
        const double end = std::min(t1_s, phase_end_s_);
        share.recovery_s += std::max(end - t, 0.0);
        t = std::max(end, t);
        if (t >= phase_end_s_) {
          const double at = phase_end_s_;
          if (phase_ == JobPhase::detecting) {
            if (missing_)
              enter(JobPhase::waiting, kNever);
            else
              enter(JobPhase::restarting, at + t_.restart_s);
          } else if (phase_ == JobPhase::restarting) {
            enter(JobPhase::loading, at + t_.load_s);
          } else {
            ++marks_.recovery_ends;
            marks_.last_recovery_end_s = at;
            enter(JobPhase::running, kNever);
          }
        }
        break;
      }
      case JobPhase::waiting:
        share.waiting_s += t1_s - t;
        t = t1_s;
        break;
    }
  }
  return share;
}

void JobRuntime::settle_tick(double compute_acc_s, double compute_energy_j) {
  if (snapshot_pending_) {
    const double before =
        tick_running_s_ > 0.0 ? snapshot_running_before_s_ / tick_running_s_ : 1.0;
    snapshot_mark_acc_s_ = compute_acc_s_ + before * compute_acc_s;
    snapshot_mark_energy_j_ = compute_energy_j_ + before * compute_energy_j;
    snapshot_pending_ = false;
  }
  compute_acc_s_ += compute_acc_s;
  compute_energy_j_ += compute_energy_j;
  if (durable_pending_) {
    durable_mark_acc_s_ = snapshot_mark_acc_s_;
    durable_mark_energy_j_ = snapshot_mark_energy_j_;
    durable_pending_ = false;
  }
}

JobRuntime::Loss JobRuntime::fail(double time_s, bool planned, double downtime_s,
                                  bool spares_missing) {
  Loss loss;
  write_in_flight_ = false;
  snapshot_pending_ = false;
  durable_pending_ = false;
  if (planned) {
    // Announced: the job checkpoints before stopping, nothing is lost.
    durable_iterations_ = iterations_;
    durable_mark_acc_s_ = compute_acc_s_;
    durable_mark_energy_j_ = compute_energy_j_;
    durable_time_s_ = time_s;
    missing_ = spares_missing;
    enter(JobPhase::restarting, time_s + downtime_s + t_.restart_s);
  } else {
    // A durable point reached after the failure instant (same tick) did not happen.
    if (durable_time_s_ > time_s) {
      durable_iterations_ = previous_durable_.iterations;
      durable_mark_acc_s_ = previous_durable_.mark_acc_s;
      durable_mark_energy_j_ = previous_durable_.mark_energy_j;
      durable_time_s_ = previous_durable_.time_s;
    }
    loss.accelerator_s = std::max(compute_acc_s_ - durable_mark_acc_s_, 0.0);
    loss.energy_j = std::max(compute_energy_j_ - durable_mark_energy_j_, 0.0);
    loss.iterations = iterations_ - durable_iterations_;
    iterations_ = durable_iterations_;
    compute_acc_s_ = durable_mark_acc_s_;
    compute_energy_j_ = durable_mark_energy_j_;
    missing_ = spares_missing;
    enter(JobPhase::detecting, time_s + t_.detection_s);
  }
  running_since_checkpoint_s_ = 0.0;
  iterations_at_last_checkpoint_ = iterations_;
  return loss;
}

void JobRuntime::spares_ready(double time_s) {
  missing_ = false;
  if (phase_ == JobPhase::waiting) enter(JobPhase::restarting, time_s + t_.restart_s);
}

void JobRuntime::preempt(double time_s) {
  (void)fail(time_s, true, 0.0, true);  // announced: durable now, nothing lost
  enter(JobPhase::waiting, kNever);
}

}  // namespace ct::twin
