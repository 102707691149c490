// The replicated state machine of one training job: running, checkpointing, recovering from a
// failure, waiting for a repair. Every rank runs it identically from reduced inputs; it is
// plain C++ (no MPI) and unit-tested directly.
//
// Phases advance in exact sub-tick segments: a checkpoint that starts 0.3 s into a tick stalls
// the job for exactly its duration, whatever the tick. Failures arrive after the tick's
// reduction with their exact time; the work since the last durable checkpoint is lost and the
// recovery phases are timed from the failure instant. The part of the failure's tick after the
// instant, which the tick booked before the failure was known, is moved to recovery.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "faults/recovery_policy.hpp"
#include "twin/accounting.hpp"
#include "twin/job_tick.hpp"

namespace ct::twin {

enum class JobPhase : std::int8_t {
  running = 0,
  checkpointing = 1,  // synchronous write, or the snapshot stall of an asynchronous one
  detecting = 2,      // failure happened, watchdog not fired yet
  restarting = 3,     // rescheduling onto the hot spare(s)
  loading = 4,        // reading the last durable checkpoint
  waiting = 5,        // no spare: waiting for a repaired node
  done = 6,           // the work is done, or the job stopped after a requested checkpoint
};
inline constexpr std::string_view kJobPhaseMeanings =
    "running checkpointing detecting restarting loading waiting";

// Seconds of the tick spent in each kind of phase.
struct JobTickShare {
  double running_s = 0.0;
  double checkpoint_s = 0.0;
  double recovery_s = 0.0;
  double waiting_s = 0.0;
  double done_s = 0.0;  // after the job finished or stopped (its nodes are handed back)
};

// One stretch of the tick in one kind of phase, in time order (consecutive stretches of one kind
// are merged).
enum class SegmentKind : std::int8_t { running, checkpoint, recovery, waiting };
struct TickSegment {
  double start_s = 0.0, end_s = 0.0;
  SegmentKind kind = SegmentKind::running;
};

// The categories a running job's time and energy go to while it runs (a lost iteration loses all
// of them), and the kind of segment each job category belongs to.
inline constexpr std::array<Category, 4> kRunningCategories = {compute, pipeline_bubble,
                                                               exposed_comm, straggler_wait};
inline constexpr bool is_running_category(int c) {
  return c == compute || c == pipeline_bubble || c == exposed_comm || c == straggler_wait;
}

using CategoryValues = std::array<double, kCategoryCount>;

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
  double work_iterations = 0.0;  // > 0: the job is done when its progress reaches this
};

class JobRuntime {
 public:
  explicit JobRuntime(JobTimings timings) : t_(timings) {}

  // Advance through [t0_s, t1_s]. Returns the time shares; the segments in time order are kept
  // (segments()). Durable points reached inside the tick are recorded with the running fraction
  // of the tick before them, so that the lost-work mark can be set once the tick's running
  // categories are known (settle_tick).
  JobTickShare advance(double t0_s, double t1_s);
  // After the reduction: the job's accelerator-seconds and joules per category in this tick
  // (every category of the job; the running ones carry the lost-work marks).
  void settle_tick(const CategoryValues& time_s, const CategoryValues& energy_j);

  // A failure at time_s (within the last tick, or before it if it was held back). Rolls progress
  // back to the last durable point. `planned`: the job checkpoints first (nothing lost) and goes
  // straight to restarting after `downtime_s`.
  struct Loss {
    // Running categories since the last durable point, up to the failure: moved to `lost`.
    CategoryValues lost_time_s{}, lost_energy_j{};
    // The part of the tick after the failure instant (booked as running, checkpoint or waiting
    // before the failure was known): moved to `recovery`.
    CategoryValues recovery_time_s{}, recovery_energy_j{};
    double iterations = 0.0;
    double lost_accelerator_s() const {
      double s = 0.0;
      for (double v : lost_time_s) s += v;
      return s;
    }
  };
  Loss fail(double time_s, bool planned, double downtime_s, bool spares_missing);
  // A repaired node filled the last missing slot.
  void spares_ready(double time_s);
  // Stop at the next durable point (preemption): a running job checkpoints now (a synchronous
  // stall of checkpoint_stall_s + checkpoint_write_s) and is then done; a job that is not
  // running stops at once with what is durable. No-op when done.
  void request_stop(double time_s);
  bool finished() const { return phase_ == JobPhase::done && !stopped_; }
  bool stopped() const { return phase_ == JobPhase::done && stopped_; }
  double done_at_s() const { return done_at_s_; }
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
  // The last tick's stretches in time order (valid from advance() to the next advance()).
  const std::vector<TickSegment>& segments() const { return segments_; }
  // The tick's running and stalled stretches, in time order, as shares of the tick dt_s.
  void add_segments_to(JobTick& jt, double dt_s) const {
    for (const TickSegment& seg : segments_)
      jt.add_segment((seg.end_s - seg.start_s) / dt_s, seg.kind == SegmentKind::running);
  }

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
       snapshot_pending_, snapshot_mark_, durable_time_s_, previous_durable_, write_in_flight_,
       write_end_s_, write_iterations_, missing_, checkpoints_completed_, running_, durable_mark_,
       durable_pending_, tick_running_s_, marks_, stop_requested_, stopped_, done_at_s_);
  }

  Marks take_marks() {
    Marks m = marks_;
    marks_ = Marks{};
    return m;
  }

 private:
  // Cumulative time and energy of the running categories (indexed by category).
  struct RunningSums {
    CategoryValues time_s{}, energy_j{};
  };
  void make_durable(double iterations, double time_s);
  void add_segment(double start_s, double end_s, SegmentKind kind);
  struct Durable {
    double iterations = 0.0;
    RunningSums mark;
    double time_s = -1.0;
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
  RunningSums snapshot_mark_;
  double durable_time_s_ = -1.0;
  Durable previous_durable_;
  bool write_in_flight_ = false;
  double write_end_s_ = 0.0;
  double write_iterations_ = 0.0;
  bool missing_ = false;
  std::int64_t checkpoints_completed_ = 0;

  // Cumulative running categories of the job and their value at the last durable point.
  RunningSums running_, durable_mark_;
  // A durable point reached this tick, resolved when the tick's sums are known.
  bool durable_pending_ = false;
  double tick_running_s_ = 0.0;  // running seconds so far in the current tick
  Marks marks_;
  bool stop_requested_ = false;  // stop when the checkpoint in progress is durable
  bool stopped_ = false;         // done by a stop (preemption), not by finishing the work
  double done_at_s_ = 0.0;
  // The current tick (from advance() and settle_tick() to the tick's failures; not saved in
  // restart files, which are written after the tick's failures).
  std::vector<TickSegment> segments_;
  CategoryValues tick_time_s_{}, tick_energy_j_{};
};

}  // namespace ct::twin
