// Workload kinds are components (DESIGN §11): a kind is one file pair in twin/workloads/ that
// registers, by name, how its scenario keys are bound (io/components.hpp) and how one job of
// that kind behaves at run time (this interface). The engine calls a job once per tick, never
// per accelerator: the kernel sees only the JobTick it fills (twin/job_tick.hpp).
//
// What a kind declares:
//   keys       its binder (the `jobs[i]` item, with `kind: NAME`), each key with a description
//   placement  place(): its nodes and hot spares among the free ones
//   demand     begin_tick(): its phases over the tick (category, share, activity, pacing) and
//              its clock request, from its own state machine
//   failures   fail(): the work a failure throws away (time and energy per category, moved to
//              `lost`) and its recovery path; nodes_changed()/nodes_restored() for spare swaps
//   series     declare_series(): its output series (job series under /jobs/<name>/)
//   figures    add_figures(): its contribution to the summary totals (iterations, tokens)
//   restart    save()/load(): its state
//   info       describe(): derived figures for `clustertwin info`, from the same functions
//              the run uses
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/archive.hpp"
#include "io/components.hpp"
#include "io/scenario.hpp"
#include "topology/campus.hpp"
#include "twin/accounting.hpp"
#include "twin/job_tick.hpp"

namespace ct::io {
class Binder;
}

namespace ct::twin {

class SeriesTable;

// The nodes a job holds. Engine-owned (generic spare handling); the kind keeps whatever it
// derives from them (rings, stage boundaries) up to date in nodes_changed().
struct Allocation {
  std::vector<std::int64_t> nodes;         // in the job's rank order
  std::vector<std::int64_t> spares;        // hot spares held back for the job
  std::vector<std::size_t> missing_slots;  // positions in `nodes` waiting for a repaired node
  template <class Archive>
  void serialize(Archive& ar) {
    ar(nodes, spares, missing_slots);
  }
};

// Job events a kind reports (/events kinds; twin/output_layout.cpp has the names).
enum EventKind : std::int8_t {
  ev_failure = 0,
  ev_checkpoint_start,
  ev_checkpoint_end,
  ev_recovery_end,
  ev_repair,
  ev_thermal_trip,        // (name reserved: thermal trips are recorded as failures)
  ev_fail_slow,           // a component starts running slowly
  ev_fail_slow_replaced,  // its node was swapped for a spare (mitigation)
  kEventKindCount
};

// What a job sees of the engine (replicated, no MPI).
struct WorkloadEnv {
  const io::Scenario& scenario;
  const topology::Campus& campus;
  std::uint64_t seed = 0;
  double tick_s = 1.0;
  std::function<void(double time_s, EventKind kind, int job)> emit_event;
};

// The job's reduced values of a tick: seconds and joules of its tracked categories over all its
// units, and the slowest clock among its running units (+inf when none ran). Also the
// per-accelerator power cap its units ran under, and the facility's overheads per IT joule of
// the tick, so a kind can attribute facility energy, water and carbon to its own IT energy.
struct JobSums {
  std::array<double, kCategoryCount> time_s{}, energy_j{};
  double energy_all_j = 0.0;  // its units' energy this tick, every category (node overhead too)
  double slowest_clock = 1.0;
  bool clock_known = false;
  double accelerator_cap_w = 0.0;  // the job's per-accelerator cap this tick
  double facility_j_per_it_j = 1.0;
  double water_l_per_it_j = 0.0;
  double carbon_g_per_it_j = 0.0;
};

// A failure that interrupts the job at time_s (inside the tick just reduced).
struct FailureHit {
  double time_s = 0.0;
  bool planned = false;        // announced: the job saves first and loses nothing
  double downtime_s = 0.0;     // planned: the maintenance before the restart
  bool nodes_missing = false;  // no spare left: the job waits for a repair
  // Positions in Allocation::nodes of the job's nodes this failure drained (swapped for a
  // spare, or now missing); empty when it drained none (a job-scope failure).
  std::vector<std::size_t> slots;
};

// What a failure changes in the accounting of the job's units. Work thrown away moves from
// time_s/energy_j's categories to `lost`; the part of the failure's tick after the failure
// instant (booked before the failure was known) moves from recovery_time_s/recovery_energy_j's
// categories to `recovery`.
struct Loss {
  std::array<double, kCategoryCount> time_s{}, energy_j{};
  std::array<double, kCategoryCount> recovery_time_s{}, recovery_energy_j{};
  double accelerator_s() const {
    double s = 0.0;
    for (double v : time_s) s += v;
    return s;
  }
};

// A JobRuntime failure's loss (job_runtime.hpp) as the engine books it: the lost running
// categories, and the part of the failure's tick moved to recovery.
template <class RuntimeLoss>
Loss booked_loss(const RuntimeLoss& l) {
  Loss loss;
  loss.time_s = l.lost_time_s;
  loss.energy_j = l.lost_energy_j;
  loss.recovery_time_s = l.recovery_time_s;
  loss.recovery_energy_j = l.recovery_energy_j;
  return loss;
}

// Summary totals the kinds add to (written as /summary figures by the engine), and named
// figures of their own (e.g. `serving_<name>_ttft_p99_s`), appended after the engine's.
struct WorkloadTotals {
  double iterations = 0.0;
  double tokens = 0.0;
  std::vector<std::pair<std::string, double>> figures;
};

class Workload {
 public:
  Workload(std::string name, int index) : name_(std::move(name)), index_(index) {}
  virtual ~Workload() = default;
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  const std::string& name() const { return name_; }
  int index() const { return index_; }
  virtual const char* kind() const = 0;

  // --- set-up ---
  // Choose the nodes (rank order) and hot spares among the free ones (taken[n] == 0), marking
  // them taken. Throws std::invalid_argument if the job does not fit.
  virtual Allocation place(std::vector<std::int8_t>& taken) = 0;
  // The allocation is final (set-up, or a resumed run): derive timings and topology figures.
  virtual void start(const Allocation& allocation) = 0;
  virtual std::int64_t accelerators() const = 0;
  // Categories whose per-job seconds and joules the tick reduction carries (JobSums).
  virtual std::uint32_t tracked_categories() const { return 1u << compute; }
  // Under a facility power cap, jobs of lower priority give up power first: their accelerator
  // cap falls to the governor's floor before a higher priority's is lowered (twin/README.md).
  virtual int power_priority() const { return 0; }

  // --- control, once per tick ---
  // Advance over [t0_s, t1_s) and fill `tick` (its phases; the engine then applies the
  // facility's power smoothing). Events go through WorkloadEnv::emit_event.
  virtual void begin_tick(double t0_s, double t1_s, JobTick& tick) = 0;
  // After the reduction.
  virtual void end_tick(const JobSums& sums) = 0;
  // A failure at hit.time_s (in the tick just reduced).
  virtual Loss fail(const FailureHit& hit) = 0;
  // Fail-slow (twin/fail_slow.hpp): over the coming tick the job's slowest member is `factor`
  // (≥ 1, an effective value over the tick) times slower than healthy. Synchronous kinds stretch
  // their step by it and show the extra time as `straggler_wait`; the default ignores it.
  virtual void set_slowdown(double /*factor*/) {}
  // A node of the allocation was replaced (spare swap or a repaired node filling a slot).
  virtual void nodes_changed(const Allocation& allocation) = 0;
  // The last missing node came back at time_s: the job may restart.
  virtual void nodes_restored(double time_s) = 0;
  // A repaired node filled missing slot `slot` at time_s (every slot, before nodes_restored()
  // for the last one): a kind whose parts restart independently may use it.
  virtual void slot_restored(std::size_t /*slot*/, double /*time_s*/) {}

  // --- lending nodes (twin/README.md): a claiming job may take a preemptible job's nodes ---
  // The lender: its nodes are taken at time_s (it saves first and waits), or given back.
  virtual bool preemptible() const { return false; }
  virtual void preempted(double /*time_s*/) {}
  virtual void resumed(double /*time_s*/) {}
  // The claimer: the job whose nodes it may claim (empty: none) and how many accelerators it
  // expects them to hold; after each tick's failures, whether it wants them now.
  virtual std::string claims_from() const { return {}; }
  virtual std::int64_t claim_accelerators() const { return 0; }
  virtual bool wants_claimed_nodes() const { return false; }
  // The lender's nodes joined (holding) or left the end of its allocation at time_s.
  virtual void claimed(const Allocation& /*allocation*/, bool /*holding*/, double /*time_s*/) {}

  // --- output ---
  virtual void declare_series(SeriesTable& table) = 0;
  virtual void add_figures(WorkloadTotals& totals) const = 0;
  virtual void describe(std::ostream& os) const = 0;
  // Warnings about the job's settings (`info`, and logged by `run`).
  virtual void warnings(std::vector<std::string>&) const {}

  // --- restart ---
  virtual void save(archive::Writer& w) = 0;
  virtual void load(archive::Reader& r) = 0;

 private:
  std::string name_;
  int index_;
};

// The `name` key every kind has: letters, digits, '_' and '-' (it names /jobs/<name>).
void bind_job_name(io::Binder& b, std::string& name, const std::string& fallback);

// Engine half of a workload kind's registration.
struct WorkloadFactory {
  std::string kind;
  std::function<std::unique_ptr<Workload>(const io::ComponentConfig&, const WorkloadEnv&, int)>
      create;
};
bool register_workload(WorkloadFactory factory);
// Throws std::logic_error for a kind without a factory (a binding registered alone).
std::unique_ptr<Workload> make_workload(const io::ComponentConfig& config, const WorkloadEnv& env,
                                        int index);
// Places `work` (made from `config`) on its sites' nodes: with `sites:` (docs/sites.md) the
// other sites' nodes count as taken (a training job over several sites places itself site by
// site); without, anywhere. `run` and `info` place every job through this.
Allocation place_on_sites(Workload& work, const io::Scenario& sc, const io::ComponentConfig& config,
                          std::vector<std::int8_t>& taken);

// Both halves in one statement, for a kind's file:
//   const bool registered = register_workload_kind({"workload", "burn_in", "…", bind}, {…});
inline bool register_workload_kind(io::ComponentBinding binding, WorkloadFactory factory) {
  factory.kind = binding.kind;
  io::register_binding(std::move(binding));
  return register_workload(std::move(factory));
}

}  // namespace ct::twin
