// The scheduler interface: the engine describes the cluster (ClusterView), a policy returns what
// to start where and what to preempt (DecisionSet); the engine carries the decisions out.
//
// Replicated and deterministic: every MPI rank calls decide() with the same view and gets the
// same decisions. Policies are stateless (a decision is a pure function of the view, the time
// and the policy's options), so a restarted run needs no scheduler state. Containers iterated
// for output are ordered; every tie is broken by job id (then node id).
//
// When to call decide(): at every scheduling point — a job submitted, a job ended, a job
// yielded after preemption, a node failed or came back from repair, the power cap changed —
// and again at DecisionSet::wake_at_s if nothing else happened before (held jobs, earliest
// starts). Calling it more often is harmless: with nothing changed it decides nothing new.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sched/job.hpp"
#include "sched/placement.hpp"

namespace ct::sched {

// A job waiting in the queue (new, or back after a failure or preemption).
struct QueuedJob {
  std::int64_t id = 0;
  std::int64_t nodes = 1;
  // Position in the queue (FCFS order): the engine sets it to the time the job became eligible
  // (max(submit, earliest start)); a requeued job keeps its original value, so it goes back to
  // the front of the jobs that arrived after it.
  double order_s = 0.0;
  double submit_s = 0.0;
  double earliest_start_s = 0.0;
  double deadline_s = kNever;  // finite: flexible (energy-aware holding may delay it)
  double walltime_s = 0.0;     // requested wall time still to run (reservations, hold window)
  std::int32_t priority = 0;
  bool preemptible = true;
};

// A job holding nodes.
struct RunningJob {
  std::int64_t id = 0;
  std::int64_t nodes = 1;
  double start_s = 0.0;
  // Start + requested wall time: when its nodes are promised back. For a yielding job, the
  // expected release time (end of its checkpoint).
  double requested_end_s = 0.0;
  std::int32_t priority = 0;
  bool preemptible = true;
  bool yielding = false;  // told to preempt: checkpointing, nodes not yet back
};

// Mean of a grid signal over [start_s, end_s] (carbon gCO2/kWh or price $/MWh), as forecast.
using SignalForecast = std::function<double(double start_s, double end_s)>;

struct PowerView {
  // Cap in force minus the facility's present draw (W). Infinite: no cap.
  double headroom_w = kNever;
  // Facility power added by one node going from idle to busy (IT × PUE estimate), W.
  double node_power_w = 0.0;
};

struct ClusterView {
  const NodeTopology* topology = nullptr;
  std::span<const std::int64_t> free_nodes;  // ascending; up, idle, not held back as spares
  std::span<const RunningJob> running;       // any order
  std::span<const QueuedJob> queue;          // any order (policies sort)
  PowerView power;
  SignalForecast carbon_forecast;  // empty when not available
  SignalForecast price_forecast;
};

struct Decision {
  enum class Kind : std::uint8_t {
    start,    // start job_id on `nodes` (all free in the view)
    preempt,  // job_id checkpoints, then yields its nodes and goes back to the queue
  };
  Kind kind = Kind::start;
  std::int64_t job_id = 0;
  std::vector<std::int64_t> nodes;     // start: ascending node ids
  Locality locality = Locality::rack;  // start: the smallest domain holding the nodes
};

// The queue head's reserved start (EASY): backfilling never delays it, so it starts no later
// as long as running jobs end by their requested ends. Informational (an "expected start").
struct Reservation {
  std::int64_t job_id = 0;
  double start_s = kNever;
};

struct DecisionSet {
  std::vector<Decision> decisions;  // in the order to carry them out
  std::vector<Reservation> reservations;
  double wake_at_s = kNever;  // call decide() again by then even if nothing happens
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual std::string_view name() const = 0;
  // Throws std::invalid_argument when the view is inconsistent (no topology, unsorted free
  // nodes). `now_s` is the time of the call.
  virtual DecisionSet decide(const ClusterView& view, double now_s) const = 0;
};

// Policy options as text key → value (the engine passes the scenario's scalars). Each policy
// reads what it knows; reject_unknown() then names any key nobody read.
class PolicyOptions {
 public:
  PolicyOptions() = default;
  PolicyOptions(std::initializer_list<std::pair<const std::string, std::string>> values)
      : values_(values) {}
  void set(const std::string& key, const std::string& value) { values_[key] = value; }

  // Each throws std::invalid_argument "option 'key': 'value' ..." naming the allowed range.
  double number(const std::string& key, double fallback, double lo, double hi) const;
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi) const;
  bool flag(const std::string& key, bool fallback) const;
  std::string choice(const std::string& key, const std::string& fallback,
                     std::initializer_list<std::string_view> allowed) const;
  void reject_unknown(std::string_view policy) const;

 private:
  std::map<std::string, std::string> values_;
  mutable std::set<std::string> read_;
};

// ---- Shared machinery for policies ---------------------------------------------------------

// Per-call working state: the free pool, the power left, and the nodes each running or newly
// started job gives back at its requested end.
class Pass {
 public:
  Pass(const ClusterView& view, double now_s, PlacementMode placement, bool power_gate);

  enum class Fit : std::uint8_t {
    now,          // enough free nodes and power
    nodes_later,  // not enough free nodes yet
    power_later,  // nodes free, power not yet
    never,        // needs more power than the cap leaves even with every running job gone
  };
  Fit fit(const QueuedJob& job) const;
  bool eligible(const QueuedJob& job) const { return job.earliest_start_s <= now_; }
  // Places the job, appends the start decision, charges its power.
  void start(const QueuedJob& job, DecisionSet& out);

  // EASY reservation of `head`: the earliest requested end at which the free nodes plus those
  // released by then reach head.nodes (shadow time), and the nodes to spare at that time
  // (extra). Infinite shadow and extra when the running jobs cannot free enough.
  struct Plan {
    double shadow_s = kNever;
    std::int64_t extra_nodes = 0;
    bool power_blocked = false;  // the head waits for power: nothing may backfill
  };
  Plan reservation(const QueuedJob& head) const;

  const ClusterView& view() const { return *view_; }
  double now() const { return now_; }
  std::int64_t free_nodes() const { return pool_.free(); }

 private:
  const ClusterView* view_;
  double now_;
  PlacementMode placement_;
  bool power_gate_;
  FreePool pool_;
  double power_left_w_;
  double running_power_w_ = 0.0;
  struct Release {
    double end_s;
    std::int64_t id;
    std::int64_t nodes;
  };
  std::vector<Release> releases_;  // running jobs and jobs started in this pass
};

// The queue ordered by (order_s, id): first come, first served.
std::vector<const QueuedJob*> fcfs_order(std::span<const QueuedJob> queue);

// Starts jobs from the front of `order` while they fit. Jobs not eligible yet (earliest start,
// or `hold` returns true) are passed over and raise no head; jobs that can never fit are passed
// over. Returns the index of the first eligible job that does not fit (the head), or
// order.size(). Updates out.wake_at_s for earliest starts.
template <class Hold>
std::size_t start_in_order(Pass& pass, std::span<const QueuedJob* const> order, Hold&& hold,
                           DecisionSet& out) {
  for (std::size_t i = 0; i < order.size(); ++i) {
    const QueuedJob& job = *order[i];
    if (!pass.eligible(job)) {
      out.wake_at_s = std::min(out.wake_at_s, job.earliest_start_s);
      continue;
    }
    const Pass::Fit f = pass.fit(job);
    if (f == Pass::Fit::never) continue;
    if (hold(job)) continue;
    if (f != Pass::Fit::now) return i;
    pass.start(job, out);
  }
  return order.size();
}

// EASY backfilling behind order[head] under `plan`: a later job starts now if it fits and
// either ends (by its requested wall time) no later than the shadow time or uses only nodes
// spare at the shadow time. Nothing backfills behind a head waiting for power.
template <class Hold>
void backfill(Pass& pass, std::span<const QueuedJob* const> order, std::size_t head,
              Pass::Plan plan, Hold&& hold, DecisionSet& out) {
  if (plan.power_blocked) return;
  for (std::size_t i = head + 1; i < order.size(); ++i) {
    const QueuedJob& job = *order[i];
    if (!pass.eligible(job)) {
      out.wake_at_s = std::min(out.wake_at_s, job.earliest_start_s);
      continue;
    }
    if (pass.fit(job) != Pass::Fit::now) continue;
    const bool ends_in_time = pass.now() + job.walltime_s <= plan.shadow_s;
    if (!ends_in_time && job.nodes > plan.extra_nodes) continue;
    if (hold(job)) continue;
    pass.start(job, out);
    if (!ends_in_time) plan.extra_nodes -= job.nodes;
  }
}

inline constexpr auto kNoHold = [](const QueuedJob&) { return false; };

}  // namespace ct::sched
