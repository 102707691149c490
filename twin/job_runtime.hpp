// The replicated state machine of one training job: running, checkpointing, recovering from a
// failure, waiting for a repair. Every rank runs it identically from reduced inputs; it is
// plain C++ (no MPI) and unit-tested directly.
//
// Phases advance in exact sub-tick segments: a checkpoint that starts 0.3 s into a tick stalls
// the job for exactly its duration, whatever the tick. Failures arrive after the tick's
// reduction with their exact time; the work since the last durable checkpoint is lost and the
// recovery phases are timed from the failure instant.
#pragma once

#include <cstdint>
#include <string_view>

#include "faults/recovery_policy.hpp"

namespace ct::twin {

enum class JobPhase : std::int8_t {
  running = 0,
  checkpointing = 1,  // synchronous write, or the snapshot stall of an asynchronous one
  detecting = 2,      // failure happened, watchdog not fired yet
  restarting = 3,     // rescheduling onto the hot spare(s)
  loading = 4,        // reading the last durable checkpoint
  waiting = 5,        // no spare: waiting for a repaired node
};
inline constexpr std::string_view kJobPhaseMeanings =
    "running checkpointing detecting restarting loading waiting";

// Seconds of the tick spent in each kind of phase.
struct JobTickShare {
  double running_s = 0.0;
  double checkpoint_s = 0.0;
  double recovery_s = 0.0;
  double waiting_s = 0.0;
};

struct JobTimings {
  double step_s = 1.0;                 // at the current slowest clock
  double checkpoint_interval_s = 0.0;  // running seconds between checkpoint starts; 0 = never
  std::int64_t checkpoint_interval_steps = 0;  // alternatively in steps; 0 = use seconds
  double checkpoint_stall_s = 0.0;             // sync: the whole write; async: the snapshot
  double checkpoint_write_s = 0.0;             // async: background write after the snapshot
  bool asynchronous = false;
  double detection_s = 0.0;
  double restart_s = 0.0;
  double load_s = 0.0;
};

class JobRuntime {
 public:
  explicit JobRuntime(JobTimings timings) : t_(timings) {}

  // Advance through [t0_s, t1_s]. Returns the time shares. Durable points reached inside the
  // tick are recorded with the running fraction of the tick before them, so that the lost-work
  // mark can be set once the tick's compute is known (settle_tick).
  JobTickShare advance(double t0_s, double t1_s);
  // After the reduction: the job's compute accelerator-seconds and energy of this tick.
  void settle_tick(double compute_acc_s, double compute_energy_j);

  // A failure at time_s (within the last tick). Returns the accelerator-seconds and joules of
  // compute lost (since the last durable checkpoint); rolls progress back. `planned`: the job
  // checkpoints first (nothing lost) and goes straight to restarting after `downtime_s`.
  struct Loss {
    double accelerator_s = 0.0;
    double energy_j = 0.0;
    double iterations = 0.0;
  };
  Loss fail(double time_s, bool planned, double downtime_s, bool spares_missing);
  // A repaired node filled the last missing slot.
  void spares_ready(double time_s);
  // Preempted at time_s (its nodes lent to another job): it saves first, like a planned stop,
  // and waits until spares_ready() gives them back.
  void preempt(double time_s);

  void set_step_s(double step_s) { t_.step_s = step_s; }
  const JobTimings& timings() const { return t_; }
  JobPhase phase() const { return phase_; }
  double iterations() const { return iterations_; }
  double durable_iterations() const { return durable_iterations_; }
  std::int64_t checkpoints_completed() const { return checkpoints_completed_; }
  bool missing_nodes() const { return missing_; }
  void set_missing_nodes(bool missing) { missing_ = missing; }

  // Events since the last call (for /events): checkpoint starts/ends, recovery ends.
  struct Marks {
    int checkpoint_starts = 0;
    int checkpoint_ends = 0;
    int recovery_ends = 0;
    double last_checkpoint_start_s = 0.0;
    double last_checkpoint_end_s = 0.0;
    double last_recovery_end_s = 0.0;
  };
  template <class Archive>
  void serialize(Archive& ar) {  // restart files
    ar(t_, phase_, phase_end_s_, iterations_, durable_iterations_, running_since_checkpoint_s_,
       iterations_at_last_checkpoint_, snapshot_iterations_, snapshot_running_before_s_,
       snapshot_pending_, snapshot_mark_acc_s_, snapshot_mark_energy_j_, durable_time_s_,
       previous_durable_, write_in_flight_, write_end_s_, write_iterations_, missing_,
       checkpoints_completed_, compute_acc_s_, compute_energy_j_, durable_mark_acc_s_,
       durable_mark_energy_j_, durable_pending_, tick_running_s_, marks_);
  }

  Marks take_marks() {
    Marks m = marks_;
    marks_ = Marks{};
    return m;
  }

 private:
  void make_durable(double iterations, double time_s);
  struct Durable {
    double iterations = 0.0, mark_acc_s = 0.0, mark_energy_j = 0.0, time_s = -1.0;
  };
  void enter(JobPhase phase, double end_s) {
    phase_ = phase;
    phase_end_s_ = end_s;
  }

  JobTimings t_;
  JobPhase phase_ = JobPhase::running;
  double phase_end_s_ = 0.0;
  double iterations_ = 0.0;
  double durable_iterations_ = 0.0;
  double running_since_checkpoint_s_ = 0.0;
  double iterations_at_last_checkpoint_ = 0.0;
  double snapshot_iterations_ = 0.0;
  double snapshot_running_before_s_ = 0.0;  // running seconds of its tick before the snapshot
  bool snapshot_pending_ = false;           // taken this tick; mark set at settle_tick
  double snapshot_mark_acc_s_ = 0.0, snapshot_mark_energy_j_ = 0.0;
  double durable_time_s_ = -1.0;
  Durable previous_durable_;
  bool write_in_flight_ = false;
  double write_end_s_ = 0.0;
  double write_iterations_ = 0.0;
  bool missing_ = false;
  std::int64_t checkpoints_completed_ = 0;

  // Cumulative compute of the job and its value at the last durable point.
  double compute_acc_s_ = 0.0, compute_energy_j_ = 0.0;
  double durable_mark_acc_s_ = 0.0, durable_mark_energy_j_ = 0.0;
  // A durable point reached this tick, resolved when the tick's compute is known.
  bool durable_pending_ = false;
  double tick_running_s_ = 0.0;  // running seconds so far in the current tick
  Marks marks_;
};

}  // namespace ct::twin
