// One inference deployment: replicas with continuous batching fed from one FIFO queue,
// autoscaling, failures and retries, and the service figures (serving/README.md).
//
// Event driven and exact in time: a replica runs one iteration at a time (a prefill of the
// requests it admits, or decode steps of its batch), and a run of decode steps with a constant
// batch is one event (DecodeRun's closed forms). A replica admits from the queue at step
// boundaries; an arrival cuts the run of a replica with room at its next step boundary.
// Replicated and deterministic: every input is a pure function of the scenario, the seed and
// the clock the engine reduced, so every rank plays the same requests.
// Plain C++: no MPI, HDF5 or YAML.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/archive.hpp"
#include "serving/histogram.hpp"
#include "serving/model.hpp"
#include "serving/requests.hpp"

namespace ct::serving {

struct AutoscaleSpec {
  bool enabled = true;
  double interval_s = 60.0;           // between decisions
  double target_utilization = 0.7;    // wanted mean batch occupancy (in-flight / max batch)
  double warmup_s = 120.0;            // a started replica loads the model before it serves
  std::int64_t initial_replicas = 0;  // serving at time 0 (0: min_replicas)
};

struct DeploymentSpec {
  ModelSpec model;
  ReplicaHardware hardware;
  std::int64_t replicas = 1;               // replicas placed (the most that can serve)
  std::int64_t min_replicas = 1;           // autoscaling keeps at least this many serving
  std::int64_t max_batch = 64;             // sequences decoded together
  std::int64_t max_prefill_tokens = 8192;  // prompt tokens admitted per prefill iteration
  std::int64_t max_queue = 1000000;        // arrivals beyond this many waiting are rejected
  ArrivalSpec arrivals;
  double ttft_target_s = 2.0;  // goodput: time to first token at most this
  double tpot_target_s = 0.1;  // and time per output token at most this
  AutoscaleSpec autoscale;
  double restart_s = 60.0;  // after a failure's detection: the replica restarts and
  double load_s = 30.0;     // loads the weights
  double detection_s = 30.0;
};

enum class ReplicaState : std::int8_t { standby, warming, active, draining, recovering, waiting };
enum class Busy : std::int8_t { idle, prefill, decode };

// A replica's time in one tick (seconds), and Σ activity·seconds of its busy phases.
struct ReplicaTick {
  double prefill_s = 0.0, prefill_activity_s = 0.0;
  double decode_s = 0.0, decode_activity_s = 0.0;
  double idle_s = 0.0;      // serving with nothing to do, warming up, draining idle, standby
  double recovery_s = 0.0;  // failure detection, restart, weight load
  double waiting_s = 0.0;   // a node of the replica awaits repair
};

// Service figures, cumulative (run) or per output interval.
struct ServiceStats {
  std::int64_t arrived = 0, completed = 0, good = 0, rejected = 0, retried = 0;
  double output_tokens = 0.0, prompt_tokens = 0.0;
  double ttft_sum_s = 0.0, tpot_sum_s = 0.0, wait_sum_s = 0.0, e2e_sum_s = 0.0;
  std::int64_t tpot_n = 0, wait_n = 0;
  double queue_req_s = 0.0;      // ∫ queue length dt
  double in_flight_req_s = 0.0;  // ∫ sequences in batches dt
  double lost_tokens = 0.0;      // generated, then thrown away by a failure
  LogHistogram ttft, tpot;
  void clear() { *this = ServiceStats{}; }
  template <class Archive>
  void serialize(Archive& ar) {
    ar(arrived, completed, good, rejected, retried, output_tokens, prompt_tokens, ttft_sum_s,
       tpot_sum_s, wait_sum_s, e2e_sum_s, tpot_n, wait_n, queue_req_s, in_flight_req_s, lost_tokens,
       ttft, tpot);
  }
};

// Work a failure threw away: replica-seconds of prefill and decode spent on requests that
// are retried.
struct LostWork {
  double prefill_s = 0.0, decode_s = 0.0;
  std::int64_t requests = 0;
};

class Deployment {
 public:
  Deployment(const DeploymentSpec& spec, std::uint64_t seed, std::uint32_t deployment_id);

  // Everything in [t0_s, t1_s) at clock ratio φ (step times from it), admitting at most
  // batch_limit sequences per replica (≤ max_batch; the power policy may lower it).
  void advance(double t0_s, double t1_s, double clock_ratio, std::int64_t batch_limit);
  // Per-replica time of the last advance().
  const std::vector<ReplicaTick>& tick_use() const { return tick_; }

  // A failure takes replica r down at time_s (applied at the end of the tick just advanced,
  // `now_s`): its in-flight requests go back to the front of the queue. If `waiting`, the replica
  // stays down until restore(); otherwise it serves again after detection + restart + load.
  LostWork fail(std::int64_t r, double time_s, double now_s, bool waiting);
  // The replica's nodes are back at time_s: it restarts and loads the weights.
  void restore(std::int64_t r, double time_s);
  // Remove or return replicas from the top of the index range (nodes lent elsewhere): lent
  // replicas neither serve nor count; their in-flight requests are retried.
  LostWork set_available(std::int64_t replicas, double now_s);

  // Service figures since the start, and since the last clear_interval().
  const ServiceStats& run_stats() const { return run_; }
  const ServiceStats& interval_stats() const { return interval_; }
  void clear_interval() { interval_.clear(); }

  std::int64_t queue_length() const { return static_cast<std::int64_t>(queue_.size()); }
  std::int64_t in_flight() const { return in_flight_; }
  std::int64_t serving_replicas() const;  // active or warming
  std::int64_t wanted_replicas() const { return wanted_; }
  // What the last decision wanted before it was limited to the available replicas.
  std::int64_t demanded_replicas() const { return demanded_; }
  std::int64_t available_replicas() const { return available_; }
  ReplicaState state(std::int64_t r) const { return replicas_[r].state; }
  // Replica-seconds per replica since the last autoscaling decision (for tests/diagnostics).
  double last_utilization() const { return last_utilization_; }
  double kv_capacity_tokens() const { return kv_capacity_tokens_; }

  // Restart state (the spec and seed come from the scenario).
  template <class Archive>
  void serialize(Archive& ar) {
    std::vector<Queued> queue(queue_.begin(), queue_.end());
    ar(source_, pending_, queue, replicas_, run_, interval_, in_flight_, next_seq_, wanted_,
       demanded_, available_, window_in_flight_, window_queue_, window_start_s_, last_utilization_,
       now_s_, clock_, batch_limit_);
    if constexpr (std::is_same_v<Archive, archive::Reader>) {
      queue_.assign(queue.begin(), queue.end());
      rebuild_indexes();
    }
  }

  // In-flight request of a replica.
  struct Sequence {
    std::int64_t id = 0;
    double arrival_s = 0.0;
    double admitted_s = 0.0;
    double first_token_s = -1.0;  // < 0 until its prefill ends
    std::int32_t prompt = 1, output = 1, generated = 0, attempts = 0;
    double prefill_work_s = 0.0;  // its share of the prefill iteration
    double decode_mark = 0.0;     // the replica's per-sequence decode work when it joined
  };
  struct Queued {
    std::int64_t id = 0;
    double arrival_s = 0.0;
    std::int32_t prompt = 1, output = 1, attempts = 0;
  };
  struct Replica {
    ReplicaState state = ReplicaState::standby;
    Busy busy = Busy::idle;
    double until_s = 0.0;        // end of warming / recovering
    double seg_start_s = 0.0;    // start of the current iteration or decode run
    double seg_end_s = 0.0;      // its end (the replica's next event)
    std::int64_t run_steps = 0;  // decode: steps of the run
    double run_activity = 0.0;   // mean activity of the current segment
    DecodeRun run;
    double run_clock = 1.0;  // the clock the run was planned at
    std::vector<Sequence> seqs;
    std::int64_t prefilling = 0;  // the last `prefilling` seqs are in the prefill iteration
    double kv_reserved = 0.0;     // tokens reserved (prompt + output of each sequence)
    double context = 0.0;         // Σ tokens in the KV caches of the batch
    double decode_work = 0.0;     // Σ over decode steps of step time / batch
    double accounted_s = 0.0;     // time accounted up to
    std::int64_t epoch = 0;       // invalidates its stale events
    template <class Archive>
    void serialize(Archive& ar) {
      ar(state, busy, until_s, seg_start_s, seg_end_s, run_steps, run_activity, run, run_clock,
         seqs, prefilling, kv_reserved, context, decode_work, accounted_s, epoch);
    }
  };

 private:
  struct Event {
    double time_s;
    std::int64_t replica;
    std::int64_t epoch;
    bool operator>(const Event& o) const {
      return time_s != o.time_s ? time_s > o.time_s : replica > o.replica;
    }
  };

  void account(std::int64_t r, double t_s);
  void decide(std::int64_t r, double t_s);
  void schedule(std::int64_t r, double end_s);
  void end_segment(std::int64_t r, double t_s);
  void complete(Replica& rep, std::size_t k, double t_s);
  bool admits(const Replica& rep, const Queued& q) const;
  void arrive(double t_s);
  void cut_run(std::int64_t r, double t_s);
  void integrate(double t_s);
  void autoscale(double t_s);
  void start_replica(std::int64_t r, double t_s);
  LostWork take_down(std::int64_t r, double now_s);
  void index(std::int64_t r);
  void unindex(std::int64_t r);
  void rebuild_indexes();
  std::int64_t limit() const;

  const DeploymentSpec* spec_;
  ArrivalSource source_;
  Request pending_;  // the next arrival, drawn ahead
  std::deque<Queued> queue_;
  std::vector<Replica> replicas_;
  std::vector<ReplicaTick> tick_;
  ServiceStats run_, interval_;
  std::int64_t in_flight_ = 0, next_seq_ = 0;
  std::int64_t wanted_ = 0, demanded_ = 0, available_ = 0;
  double window_in_flight_ = 0.0, window_queue_ = 0.0, window_start_s_ = 0.0;
  double last_utilization_ = 0.0;
  double now_s_ = 0.0;  // events and integrals are done up to here
  double kv_capacity_tokens_ = 0.0;
  double clock_ = 1.0;
  std::int64_t batch_limit_ = 1;
  // Derived (rebuilt on load): the event heap, idle serving replicas, and decoding replicas
  // with room ordered by (batch, index).
  std::vector<Event> heap_;
  std::set<std::int64_t> idle_;
  std::set<std::pair<std::int64_t, std::int64_t>> room_;
  std::vector<std::int8_t> indexed_;  // 0 none, 1 idle_, 2 room_
  std::vector<std::int64_t> indexed_batch_;
};

}  // namespace ct::serving
