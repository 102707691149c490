// The shared cluster's batch queue (issue 20, DESIGN §11): jobs arrive (a trace or the synthetic
// generator, io/queue_spec.hpp), wait, are placed by a scheduling policy (sched/), run as
// BatchJob workloads on the engine's slots, are interrupted by failures (a free node replaces
// the failed one, or the job goes back to the queue) or preempted (checkpoint, then yield), and
// end when their work is done, handing their nodes back. Replicated: every rank runs it
// identically from reduced values. It writes /queue/* series, /jobs_table and the cluster
// figures (utilisation, wait, bounded slowdown, goodput, ETTR and MTTI by job size).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "io/hdf5_output.hpp"
#include "io/queue_spec.hpp"
#include "sched/metrics.hpp"
#include "sched/placement.hpp"
#include "sched/scheduler.hpp"
#include "twin/engine.hpp"
#include "twin/series.hpp"

namespace ct::twin {

class BatchJob;

class Queue {
 public:
  explicit Queue(Engine::State& s);
  ~Queue();

  void declare_series(SeriesTable& table);
  // Before the jobs' tick: arrivals up to t0, and the scheduler's decisions (starts,
  // preemptions) when something changed or a wake-up is due.
  void begin_tick(double t0_s);
  // After the tick's failures and repairs: interrupted jobs take a free node or requeue;
  // finished and stopped jobs hand their nodes back at t1.
  void end_tick(double t1_s);
  // Several sites: `count` free nodes (not in `given`) for record `index` at one site chosen by
  // queue.site_policy among those with room, marked in `given`; none with room: empty.
  std::vector<std::int64_t> site_nodes(std::int64_t index, std::size_t count, double now_s,
                                       std::vector<std::int8_t>& given) const;
  // A node came back from repair or a job ended: decide again at the next tick.
  void nodes_changed() { dirty_ = true; }

  // The engine's restart file.
  template <class Archive>
  void serialize(Archive& ar) {
    ar(records_, next_arrival_, dirty_, wake_at_s_, last_decision_s_, running_, queued_);
    check_state();  // a restart file is input
  }
  // A restart file names a slot running record `index`: its workload, state loaded next.
  std::unique_ptr<BatchJob> make_job(std::int64_t index, int slot) const;
  std::int64_t records() const { return static_cast<std::int64_t>(records_.size()); }

  // /jobs_table columns and the summary figures (at the end of the run).
  std::vector<io::TableColumn> jobs_table(double end_s) const;
  void add_figures(Figures& f, double end_s) const;

  struct Record {
    double order_s = 0.0;          // FCFS position (time it became eligible)
    double remaining_s = 0.0;      // seconds of work at full clock still to do
    double attempt_start_s = 0.0;  // current attempt
    double walltime_left_s = 0.0;  // requested wall time left (reservations)
    double energy_j = 0.0, carbon_g = 0.0;
    std::int32_t slot = -1;
    std::int8_t state = 0;  // 0 not submitted, 1 queued, 2 running, 3 done
    sched::JobOutcome outcome;
    double ready_s = 0.0;         // moving to another site: not before (its transfer)
    std::int32_t migrations = 0;  // moves between sites
    template <class Archive>
    void serialize(Archive& ar) {
      ar(order_s, remaining_s, attempt_start_s, walltime_left_s, energy_j, carbon_g, slot, state,
         outcome, ready_s, migrations);
    }
  };

 private:
  void check_state() const;  // throws std::runtime_error when the state is inconsistent
  void decide(double now_s);
  // queue.scheduler.migrate: after a checkpoint of record `index`, move it if it pays.
  void consider_move(std::int64_t index, double t1_s);
  void start(std::int64_t index, const std::vector<std::int64_t>& nodes, double now_s);
  // Ends the attempt of a running record at time_s (finished, stopped or requeued).
  void end_attempt(std::int64_t index, double time_s, bool finished);
  BatchJob& job(std::int64_t index) const;

  Engine::State& s_;
  const io::QueueSpec& spec_;
  std::vector<sched::JobRequest> requests_;  // this engine's workload (its seed's draw)
  std::vector<Record> records_;
  std::unique_ptr<sched::Scheduler> scheduler_;
  sched::NodeTopology topology_;
  std::size_t next_arrival_ = 0;
  std::vector<std::int64_t> running_;  // records holding a slot, in start order
  std::vector<std::int64_t> queued_;   // records waiting, in arrival/requeue order
  std::vector<std::int64_t> scratch_;
  bool dirty_ = true;
  double wake_at_s_ = std::numeric_limits<double>::infinity();
  double last_decision_s_ = -std::numeric_limits<double>::infinity();
  SeriesTable::Id queued_series_ = -1, running_series_ = -1, allocated_series_ = -1,
                  idle_series_ = -1;
};

}  // namespace ct::twin
