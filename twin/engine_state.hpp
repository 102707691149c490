// Private: the engine's state, shared by engine.cpp (set-up, control, output) and
// fleet_kernel.cpp (the per-accelerator tick kernel and hazard updates).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "faults/failure_sampler.hpp"
#include "faults/hazard.hpp"
#include "faults/recovery_policy.hpp"
#include "io/hdf5_output.hpp"
#include "io/scenario.hpp"
#include "power/energy_ledger.hpp"
#include "power/grid_signal.hpp"
#include "power/swing_meter.hpp"
#include "thermal/cooling_plant.hpp"
#include "thermal/thermal_cycles.hpp"
#include "thermal/weather.hpp"
#include "topology/campus.hpp"
#include "twin/accounting.hpp"
#include "twin/engine.hpp"
#include "twin/job_runtime.hpp"
#include "twin/tick_reduction.hpp"
#include "workload/placement.hpp"
#include "workload/step_time.hpp"

namespace ct::twin {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

enum class NodeRole : std::int8_t { free = 0, active = 1, spare = 2, repairing = 3 };

enum EventKind : std::int8_t {
  ev_failure = 0,
  ev_checkpoint_start,
  ev_checkpoint_end,
  ev_recovery_end,
  ev_repair,
  kEventKindCount
};

// Per job, per tick: what every accelerator of the job does, as shares of the tick.
struct JobTick {
  double run_f = 0.0;  // share of the tick the job runs
  double checkpoint_f = 0.0, recovery_f = 0.0, waiting_f = 0.0;
  double compute_f = 0.0;  // of running time: compute of the slowest unit (compute + straggler)
  double bubble_f = 0.0, comm_f = 0.0;
  double slowest_clock = 1.0;
  double half_swing_per_r = 0.0;  // half in-iteration swing per (R · W of dynamic power)
  double stall_activity = 0.0;    // activity while stalled (raised by power smoothing)
  double step_s = 1.0;
};

// What one unit, and one node whose units all run at full clock, does in a tick: constants of
// the job's tick, computed once (Engine::State::prepare_fast) instead of per unit.
struct FastTick {
  // The clock every unit of the job runs at unless its own thermal limit binds: 1, or the
  // power cap's clock (the same for all units: the cap binds at the common peak activity).
  double clock = 1.0;
  bool capped = false;  // clock < 1 set by the power cap (counts as throttled)
  double k_per_r = 0.0;  // thermal limit does not bind at `clock`: R·k_per_r + decay·T ≤ L(inlet)
  double unit_power_w = 0.0;
  std::array<double, kCategoryCount> unit_time{}, unit_energy{};
  double node_power_w = 0.0;  // all units at full clock, with the node overhead
  std::array<double, kCategoryCount> node_time{}, node_energy{};  // overhead shared by time
  double swing_per_r = 0.0;  // in-iteration ΔT_pp·running s per unit of R (K·s per K/W)
  // The node constants in the tick reduction's fixed point: a rank adds count × these, so the
  // sums stay exact integers whatever the decomposition, with no per-rack rounding.
  std::int64_t node_power_fx = 0, node_running_fx = 0;
  std::array<std::int64_t, kCategoryCount> node_time_fx{}, node_energy_fx{};
};

struct Pending {
  double time_s;
  std::int64_t key;
  std::int32_t failure_class;
  std::int32_t pad = 0;
};

struct Candidate {
  double time_s;
  std::int64_t key;
  std::int32_t failure_class;
};

struct Engine::State {
  State(const io::Scenario& scenario, MPI_Comm c, std::uint64_t s)
      : sc(scenario), comm(c), seed(s), campus(scenario.campus) {}

  const io::Scenario& sc;
  MPI_Comm comm;
  std::uint64_t seed;
  topology::Campus campus;
  int rank = 0, ranks = 1;
  topology::RackBlock block;
  std::int64_t apn = 0, npr = 0, apr = 0;
  std::int64_t first_node = 0, local_nodes = 0, first_acc = 0, local_accs = 0;
  double dt = 1.0;
  std::int64_t ticks = 0, ticks_per_output = 1, hazard_every = 1;

  // --- replicated ---
  std::vector<std::int16_t> node_job;  // owning job (active or spare), −1 none
  std::vector<NodeRole> node_role;
  using Repair = std::pair<double, std::int64_t>;
  std::priority_queue<Repair, std::vector<Repair>, std::greater<>> repairs;
  struct Job {
    workload::JobSpec spec;
    faults::CheckpointPolicy checkpoint;
    workload::JobPlacement placement;
    workload::StepBreakdown breakdown;
    JobRuntime runtime{JobTimings{}};
    double tokens_per_step = 0.0;
    double slowest_clock = 1.0;
    std::vector<std::size_t> missing_slots;  // positions in placement.nodes to refill
    double hazard = 0.0, threshold = 0.0;    // job-scope (software, planned) channel
    std::uint32_t life = 0;
    double mtbf_s = 0.0, checkpoint_s = 0.0, interval_s = 0.0;
    JobTick tick;
    std::int64_t interruptions = 0;
  };
  std::vector<Job> jobs;
  faults::ScopeHazardTable acc_table, node_table, rack_table, spine_table, job_table;
  std::vector<double> spine_next_s;
  std::vector<std::uint32_t> spine_life;
  double spine_rate_per_s = 0.0;

  // --- local struct-of-arrays, indexed by (global id − first id) ---
  std::vector<double> junction_c, resistance_k_per_w, clock_ratio;
  std::vector<float> cycle_turning_c, cycle_extreme_c;  // thermal_cycles.hpp, per unit
  std::vector<float> cycle_turn_s, cycle_damage_ref_s;
  std::vector<double> acc_hazard, acc_threshold;
  std::vector<std::uint32_t> acc_life;
  std::vector<double> node_resistance_sum;  // Σ R of the node's units (constant)
  std::vector<double> node_hazard, node_threshold;
  std::vector<std::uint32_t> node_life;
  std::vector<double> rack_hazard, rack_threshold;
  std::vector<std::uint32_t> rack_life;
  std::vector<double> rack_power_w, rack_inlet_c;  // previous tick
  std::vector<Pending> pending;
  // per-rack output-interval accumulators
  std::vector<double> racc_power, racc_inlet, racc_max_junction, racc_throttled;

  // --- grid (replicated) ---
  std::optional<power::GridSignal> carbon_signal, price_signal;
  std::optional<power::SwingMeter> swing;
  power::EnergyLedger ledger;
  double accelerator_cap_w = 0.0;   // per accelerator this tick (spec cap, lowered by the grid)
  double facility_cap_w = kInf;     // facility cap in force this tick
  double carbon_g_per_kwh = 0.0;    // grid carbon intensity, mean over this tick
  double cap_exceedance_w = -kInf;  // max over ticks of facility power − cap in force
  double interval_carbon_g = 0, interval_cost_usd = 0, interval_price_j = 0;
  double interval_cap_min_w = kInf, interval_acc_cap_min_w = kInf, interval_facility_max_w = 0;
  void grid_tick(double t0_s, double dry_c, double wet_c);

  // --- restart ---
  std::int64_t start_tick = 0;
  bool interrupted = false;
  template <class Archive>
  void serialize_replicated(Archive& ar);
  void write_restart(const std::string& path, std::int64_t next_tick);

  // --- facility (replicated) ---
  std::optional<thermal::HourlyWeather> csv_weather;
  thermal::PlantOutput plant;
  double supply_c = 20.0;

  // --- accounting (replicated) ---
  std::array<double, kCategoryCount> cat_time_interval{}, cat_energy_interval{};
  std::array<double, kCategoryCount> cat_time_total{}, cat_energy_total{};
  double energy_it_j = 0, energy_facility_j = 0, energy_cooling_j = 0, water_l = 0;
  double heat_removed_j = 0, heat_rejected_j = 0;
  double interval_it_j = 0, interval_cooling_j = 0, interval_facility_j = 0, interval_water_l = 0;
  double interval_outdoor = 0, interval_wet = 0;
  double throttled_acc_ticks = 0;
  double swing_k_s = 0, running_acc_s = 0, large_swing_k = 0;
  std::int64_t large_cycles = 0;
  std::int64_t interruptions = 0, interruptions_unplanned = 0, thermal_trips = 0;
  std::int64_t failures_total = 0;
  std::array<std::int64_t, faults::kFailureClassCount> failures_by_class{};
  double max_junction_c = -kInf;
  std::vector<double> job_step_interval;  // Σ step_s·running_s per job in the interval
  std::vector<double> job_running_interval;

  io::OutputFile* out = nullptr;
  RunStatistics stats;

  std::vector<double> scratch_rates;
  std::vector<float> acc_life_start_s, node_life_start_s, rack_life_start_s;
  std::vector<FastTick> fast;  // per job, then one for units in no job
  void prepare_fast();
  // kernel scratch, sized once
  std::vector<std::int64_t> tick_fast_nodes;  // per FastTick slot: nodes all at its clock
  std::vector<std::int64_t> tick_job_nodes;   // per job: its nodes that are up this tick
  std::vector<double> job_min_clock, rack_job_time, rack_job_energy;
  std::vector<int> rack_jobs_touched;
  std::vector<float> node_swing_k;           // per unit of one node
  std::vector<double> node_height_fraction;  // per node of a rack
  std::vector<double> rack_row_end_weight;   // per local rack: 1 at a row's ends, else 0
  double rc_decay_per_tick = 0.0;            // exp(−dt/τ) of the junction RC

  void setup();
  void place_jobs();
  void set_job_timings(Job& job, std::size_t j);
  double weather_dry_c(double t, double* wet) const;
  void hazard_update(double t0_s);
  void kernel(TickReduction& red, double t0_s);
  double slow_unit(std::int64_t i, double r_k_per_w, double inlet, double decay, double a_comm,
                   const JobTick& jt, bool in_job, int j,
                   std::array<double, kCategoryCount>& node_time,
                   std::array<double, kCategoryCount>& node_energy, double& acc_power_sum,
                   double& rack_swing_k_s, std::int64_t& throttled);
  void apply_failure(const Candidate& c, double tick_end_s);
  void complete_repairs(double until_s);
  void emit_event(double t, EventKind kind, int cls, std::int64_t id, std::int64_t rack, int job,
                  double lost);
  void reset_component(std::int64_t key, double time_s);
  void recompute_breakdown(Job& job);
};

// Sums layout in the tick reduction.
struct SumLayout {
  int jobs = 0;
  int it_power() const { return 0; }
  int cat_time(int c) const { return 1 + c; }
  int cat_energy(int c) const { return 1 + kCategoryCount + c; }
  int throttled() const { return 1 + 2 * kCategoryCount; }
  int trips() const { return 2 + 2 * kCategoryCount; }
  int swing_time() const { return 3 + 2 * kCategoryCount; }    // Σ ΔT_pp·running s (K·s)
  int running_time() const { return 4 + 2 * kCategoryCount; }  // Σ running accelerator-s
  int large_cycles() const { return 5 + 2 * kCategoryCount; }  // count of large half-cycles
  int large_swing() const { return 6 + 2 * kCategoryCount; }   // Σ their swings (K)
  int job_compute_time(int j) const { return 7 + 2 * kCategoryCount + 2 * j; }
  int job_compute_energy(int j) const { return 8 + 2 * kCategoryCount + 2 * j; }
  int count() const { return 7 + 2 * kCategoryCount + 2 * jobs; }
};
struct MaxLayout {
  int jobs = 0;
  int max_junction() const { return 0; }
  int neg_clock(int j) const { return 1 + j; }  // max of −φ = −min φ
  int stop() const { return 1 + jobs; }         // > 0: a rank got a stop signal
  int save() const { return 2 + jobs; }         // > 0: periodic restart file due (rank 0)
  int count() const { return 3 + jobs; }
};

}  // namespace ct::twin
