// Private to twin/: the engine's state, in the parts a reader of the tick's data flow
// (twin/README.md) recognises. Each part serialises itself for restart files.
//
//   Fleet       per-unit struct-of-arrays of this rank's racks (distributed)
//   JobControl  who holds which node, the jobs (workload components), the repair queue
//   Facility    weather, cooling plant, grid signals and caps (replicated)
//   Accounting  run totals and counters (replicated)
//   SeriesTable the output series and their interval accumulators (twin/series.hpp)
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "faults/failure_sampler.hpp"
#include "faults/hazard.hpp"
#include "io/hdf5_output.hpp"
#include "io/scenario.hpp"
#include "power/battery.hpp"
#include "power/cap_controller.hpp"
#include "power/energy_ledger.hpp"
#include "power/grid_signal.hpp"
#include "power/ramp_meter.hpp"
#include "power/swing_meter.hpp"
#include "thermal/cooling_plant.hpp"
#include "thermal/weather.hpp"
#include "topology/campus.hpp"
#include "twin/accounting.hpp"
#include "twin/engine.hpp"
#include "twin/fail_slow.hpp"
#include "twin/job_tick.hpp"
#include "twin/queue.hpp"
#include "twin/series.hpp"
#include "twin/site_signals.hpp"
#include "twin/tick_reduction.hpp"
#include "twin/workload.hpp"

namespace ct::twin {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

enum class NodeRole : std::int8_t { free = 0, active = 1, spare = 2, repairing = 3 };

// What one unit, and one node whose units all run at their job's clock, does in a tick:
// constants of the job's tick, computed once per job (prepare_fast) instead of per unit.
struct FastTick {
  // The clock every unit of the job runs at unless its own thermal limit binds: the job's
  // clock request, or the power cap's clock (the same for all units: the cap binds at the
  // common peak activity).
  double clock = 1.0;
  bool capped = false;  // clock < 1 set by the power cap (counts as throttled)
  double k_per_r = 0.0;  // thermal limit does not bind at `clock`: R·k_per_r + decay·T ≤ L(inlet)
  double unit_power_w = 0.0;     // mean over the tick (energy, rack power)
  double thermal_power_w = 0.0;  // the RC step's power: the exact end-of-tick junction
  // At `clock`: dynamic power, running and stalled activities (the trajectory inside the tick).
  double dynamic_w = 0.0, run_activity = 0.0, stall_activity = 0.0;
  TickTrajectory traj;  // the junction trajectory inside the tick (job_tick.hpp)
  double node_power_run_w = 0.0, node_power_stall_w = 0.0;  // a node in each kind of stretch
  bool inlet_follows = false;  // the job's power steps at the tick's start or inside it
  bool end_running = false;    // the job runs at the tick's end
  std::array<double, kCategoryCount> unit_time{}, unit_energy{};
  double node_power_w = 0.0;  // all units at the clock, with the node overhead
  std::array<double, kCategoryCount> node_time{}, node_energy{};  // overhead shared by time
  double swing_per_r = 0.0;  // in-iteration ΔT_pp·running s per unit of R (K·s per K/W)
  bool swings = false;       // the tick runs (run_f > 0): a rack sums its nodes' swing
  // The node constants in the tick reduction's fixed point: a rank adds count × these, so the
  // sums stay exact integers whatever the decomposition, with no per-rack rounding.
  std::int64_t node_power_fx = 0, node_running_fx = 0, node_energy_all_fx = 0;
  std::array<std::int64_t, kCategoryCount> node_time_fx{}, node_energy_fx{};

  // A node's power at the tick's end (the next tick's inlet follows it), and how much it differs
  // from the tick's mean: kernel, follow_pace and the replay sum a rack's end power from these.
  double end_node_power_w() const { return end_running ? node_power_run_w : node_power_stall_w; }
  double end_node_step_w() const { return end_node_power_w() - node_power_w; }
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

// Hazard state of one distributed failure scope (accelerators, nodes or racks of this rank).
struct ScopeState {
  std::vector<double> hazard, threshold;
  std::vector<std::uint32_t> life;
  std::vector<float> life_start_s;
  void init(std::size_t n) {
    hazard.assign(n, 0.0);
    threshold.resize(n);
    life.assign(n, 0);
    life_start_s.assign(n, 0.0f);
  }
};

// Per-unit state of this rank's racks, indexed by (global id − first local id).
struct Fleet {
  std::vector<double> junction_c, resistance_k_per_w, clock_ratio;
  std::vector<float> cycle_turning_c, cycle_extreme_c;  // thermal_cycles.hpp, per unit
  std::vector<float> cycle_turn_s;  // when the last half-cycle was confirmed (exact instant)
  std::vector<float> cycle_damage_ref_s;
  // The hazard update's last in-iteration swing of each unit and its power law (a cache: the
  // same swing gives the same factor, so a restart need not hold it).
  std::vector<double> hazard_swing_k, hazard_swing_factor;
  ScopeState acc, node, rack;
  std::vector<double> node_resistance_sum;         // Σ R of the node's units (constant)
  std::vector<double> rack_power_w, rack_inlet_c;  // previous tick
  std::vector<Pending> pending;                    // failures scheduled on this rank

  // The distributed arrays a restart file holds, with the scope of their index.
  enum class Per { accelerator, node, rack };
  template <class F>
  void for_each_field(F&& f) {
    f(Per::accelerator, junction_c), f(Per::accelerator, clock_ratio),
        f(Per::accelerator, cycle_turning_c), f(Per::accelerator, cycle_extreme_c),
        f(Per::accelerator, cycle_turn_s), f(Per::accelerator, cycle_damage_ref_s);
    f(Per::accelerator, acc.hazard), f(Per::accelerator, acc.threshold),
        f(Per::accelerator, acc.life), f(Per::accelerator, acc.life_start_s);
    f(Per::node, node.hazard), f(Per::node, node.threshold), f(Per::node, node.life),
        f(Per::node, node.life_start_s);
    f(Per::rack, rack.hazard), f(Per::rack, rack.threshold), f(Per::rack, rack.life),
        f(Per::rack, rack.life_start_s);
    f(Per::rack, rack_power_w), f(Per::rack, rack_inlet_c);
  }
};

// Replicated control: the jobs and the nodes they hold.
struct JobControl {
  struct Job {
    std::unique_ptr<Workload> work;
    Allocation alloc;
    JobTick tick;
    std::vector<int> tracked;  // categories whose per-job sums the reduction carries
    int sum_base = 0;          // their slots: time at sum_base + 2k, energy at +1
    // Job-scope failure channel (software, planned maintenance): grows while the job runs.
    double hazard = 0.0, threshold = 0.0;
    std::uint32_t life = 0;
    double rate_per_s = 0.0;
    // Share of the tick from which its running time no longer counts (the job was interrupted
    // then); reset at each tick's start.
    double hazard_cut_f = 1.0;
    std::int64_t interruptions = 0;
    // Dynamic jobs (the queue's): a slot is reused once its job ends.
    bool active = true;
    std::int64_t queue_index = -1;  // the queue's record of the job in this slot, −1 static
    int energy_slot = -1;           // reduction slot of the job's total energy this tick
    double tick_energy_j = 0.0;     // its units' energy this tick (all categories)
    bool interrupted_this_tick = false;
    double cap_w = 0.0;  // per-accelerator power cap of its units this tick (grid_tick)
    int site = 0;        // the site whose nodes it holds (`jobs[i].site`, docs/sites.md)
    // A training job over several sites: each site's share of its nodes (empty: all at `site`).
    std::vector<std::pair<int, double>> site_shares;
    // Lending: the preemptible job whose nodes this job may claim (−1: none), whether it holds
    // them (appended to its allocation after its own `own_nodes`).
    int claims = -1;
    bool holding = false;
    std::size_t own_nodes = 0;
  };
  std::vector<std::int16_t> node_job;  // owning job (active or spare), −1 none
  std::vector<NodeRole> node_role;
  // Every node's role may have changed (the run's start, a restart): multi-rate stepping settles
  // every rack.
  bool nodes_changed = true;
  // Nodes whose job or role changed this tick (a failure, a repair, a job that starts, ends,
  // lends or takes nodes, a spare swapped in): multi-rate stepping settles only their racks.
  std::vector<std::int64_t> changed_nodes;
  using Repair = std::pair<double, std::int64_t>;
  std::priority_queue<Repair, std::vector<Repair>, std::greater<>> repairs;
  std::vector<Job> jobs;
  // Spine switches: replicated exponential clocks per hall.
  std::vector<double> spine_next_s;
  std::vector<std::uint32_t> spine_life;
  double spine_rate_per_s = 0.0;

  template <class Archive>
  void serialize(Archive& ar) {
    // The repair queue as a sorted list (pop order is all that matters).
    std::vector<Repair> queue;
    auto copy = repairs;
    while (!copy.empty()) queue.push_back(copy.top()), copy.pop();
    ar(queue);
    repairs = {};
    for (const auto& r : queue) repairs.push(r);
    ar(node_job, node_role, nodes_changed, changed_nodes, spine_next_s, spine_life);
  }
};

// Series the engine itself feeds (the workloads declare theirs); per site, the facility's.
struct EngineSeries {
  SeriesTable::Id it_power = -1, cooling_power = -1, facility_power = -1, pue = -1;
  SeriesTable::Id outdoor = -1, wet_bulb = -1, water = -1, facility_max = -1, cap_min = -1;
  SeriesTable::Id acc_cap_min = -1, carbon = -1, cost = -1, price = -1;
  // With storage only.
  SeriesTable::Id grid_power = -1, grid_max = -1, grid_min = -1, grid_ramp_max = -1;
  SeriesTable::Id charge = -1, discharge = -1, loss = -1, limited = -1;
  std::array<SeriesTable::Id, kCategoryCount> cat_time{}, cat_energy{};
  SeriesTable::Id rack_power = -1, rack_inlet = -1, rack_max_junction = -1, rack_throttled = -1;
};

// One site's weather, cooling plant, grid and battery (replicated). With several sites
// (docs/sites.md) the engine also keeps the campus total in one of these: its meters see the
// summed draws, its plant the summed powers.
struct Facility {
  const io::SiteSpec* spec = nullptr;
  std::optional<SiteWeather> weather;
  thermal::PlantOutput plant;
  thermal::RejectionAirflowMemo airflow_memo;  // its plant's last airflow solve
  double supply_c = 20.0;
  double dry_c = 0.0, wet_c = 0.0;  // this tick's outdoor temperatures (held weather)
  double it_w = 0.0;                // this tick's IT power
  std::optional<power::GridSignal> carbon_signal, price_signal;
  std::optional<power::SwingMeter> swing;
  power::EnergyLedger ledger;
  double accelerator_cap_w = 0.0;   // per accelerator this tick (spec cap, lowered by the grid)
  double facility_cap_w = kInf;     // facility cap in force this tick
  double carbon_g_per_kwh = 0.0;    // grid carbon intensity, mean over this tick
  double cap_exceedance_w = -kInf;  // max over ticks of facility power − cap in force
  // Grid side (docs/sites.md): the ramp distribution of the facility draw; with storage
  // (`storage:`), the battery, the grid draw it leaves and that draw's swings and ramps.
  std::optional<power::RampMeter> facility_ramp;
  std::optional<power::SiteStorage> storage;
  std::optional<power::SwingMeter> grid_swing;
  std::optional<power::RampMeter> grid_ramp;
  power::BatteryTick battery;                                         // this tick's
  double previous_grid_w = std::numeric_limits<double>::quiet_NaN();  // last tick's grid draw
  double grid_w = 0.0;                                                // this tick's grid draw
  double carbon_g_per_j_it = 0.0;  // this tick: grid CO2 per joule of its IT energy
  // With several sites, each site's own totals (one site: the campus's, in Accounting).
  bool several = false;
  double energy_it_j = 0.0, energy_facility_j = 0.0, energy_cooling_j = 0.0, water_l = 0.0;
  EngineSeries ids;                        // its series (/facility, or /sites/NAME)
  std::int64_t first_node = 0, nodes = 0;  // its global node range

  template <class Archive>
  void serialize(Archive& ar) {
    ar(supply_c, ledger, *swing, cap_exceedance_w, *facility_ramp);
    if (storage) ar(*storage);
    if (grid_swing) ar(*grid_swing, *grid_ramp, previous_grid_w);
    if (several) ar(energy_it_j, energy_facility_j, energy_cooling_j, water_l);
  }
};

// Run totals and counters (replicated).
struct Accounting {
  std::array<double, kCategoryCount> time_total{}, energy_total{};
  double energy_it_j = 0, energy_facility_j = 0, energy_cooling_j = 0, water_l = 0;
  double heat_removed_j = 0, heat_rejected_j = 0;
  double throttled_acc_ticks = 0;
  double swing_k_s = 0, running_acc_s = 0;
  FixedTotal large_swing_k, large_damage_ref_s;  // in kSecondScale
  std::int64_t large_cycles = 0;
  std::int64_t interruptions = 0, interruptions_unplanned = 0, thermal_trips = 0;
  std::int64_t failures_total = 0;
  std::array<std::int64_t, faults::kFailureClassCount> failures_by_class{};
  // Expected interruptions per class so far: the hazard integrated over the components the
  // jobs use (Σ ∫λ_c dt while alive), under the simulated conditions (`clustertwin calibrate`).
  std::array<double, faults::kFailureClassCount> expected_interruptions{};
  double max_junction_c = -kInf;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(time_total, energy_total, energy_it_j, energy_facility_j, energy_cooling_j, water_l,
       heat_removed_j, heat_rejected_j, throttled_acc_ticks, swing_k_s, running_acc_s,
       large_swing_k, large_damage_ref_s, large_cycles, interruptions, interruptions_unplanned,
       thermal_trips, failures_total, failures_by_class, expected_interruptions, max_junction_c);
  }
};

// The tick reduction's layout: named slots, laid out once at set-up.
struct ReductionSlots {
  int it_power = 0;                  // from the series table (facility/power_it_w)
  int cat_time = 0, cat_energy = 0;  // + category
  int throttled = 0, trips = 0;
  int swing_time = 0;    // Σ ΔT_pp·running s (K·s)
  int running_time = 0;  // Σ running accelerator-s
  int large_cycles = 0, large_swing = 0, large_damage = 0;
  int stepped_racks = 0;  // racks stepped (not coasting) this tick
  int expected = 0;       // + failure class: expected interruptions (fixed point, kCountScale)
  int n_sums = 0;
  int max_junction = 0, neg_clock = 0;  // neg_clock + job: max of −φ = −min φ
  int stop = 0, save = 0;               // > 0: a rank got a stop signal / a restart file is due
  int next_failure = 0;                 // −(earliest pending failure time)
  int n_maxima = 0;
  int n_slots = 0;  // failure slots: one per job, then one for nodes outside jobs
};

// Multi-rate stepping (coasting.cpp, twin/README.md). A rack whose last step saw its inputs
// unchanged and every unit at its job's clock with margin to the thermal limit all the way to
// its steady temperature is *eligible*; while the tick's inputs (every FastTick, the supply
// temperature, the nodes' roles) stay the same it *coasts*: its units are not touched and its
// per-tick contributions (constants) are added from here. When anything changes, at hazard
// updates, output samples and the run's end it is brought to the present with the kernel's own
// steps, its cycles, maxima and series for the m ticks.
struct Coasting {
  bool enabled = false;
  // Per local rack: first coasting tick (−1: stepped every tick), eligible to coast next tick,
  // and its per-tick contributions while coasting: IT power, throttled units, ΔT_pp·s (fixed).
  std::vector<std::int64_t> since;
  std::vector<std::int8_t> eligible;
  std::vector<double> rack_power_w;
  std::vector<double> rack_inlet_c;  // the mean inlet of its first coasting tick
  std::vector<std::int64_t> rack_throttled, rack_swing_fx;
  std::vector<std::int64_t> rack_unallocated_fx;  // its nodes under repair: unallocated time
  static constexpr std::int16_t kRepairing = -1;  // node_slot of a node under repair (powered off)
  // Per local node: its FastTick slot, inlet and RC-step power while coasting.
  std::vector<std::int16_t> node_slot;
  // Derived per local rack (coast_rack_slot): the slot all its nodes hold, or kMixed.
  static constexpr std::int16_t kMixed = -2;
  std::vector<std::int16_t> rack_slot;
  std::vector<double> node_inlet_c, node_power_w;
  std::vector<double> node_resistance_max;  // max R of the node's units (constant)
  std::vector<double> scratch_drive, scratch_start, scratch_max, scratch_min, scratch_fall,
      scratch_rise, scratch_sampled_max, scratch_peak;  // per unit of two racks (settle_pair)
  // The tick's inputs to coasting racks (bits of every FastTick's constants and the supply
  // temperature), this tick's and the previous one's.
  std::vector<std::uint64_t> signature, previous;
  static constexpr std::size_t kGlobalWords = 2, kSlotWords = 13 + 2 * kCategoryCount;
  std::vector<std::int8_t> slot_changed;  // per FastTick slot, this tick
  std::vector<std::int8_t> rack_changed;  // per local rack: a node's role changed this tick
  // Per word of 64 local racks (coast_count_rack): a bit per coasting rack, and a superset of the
  // slot codes (node slot + 1, as slot_code; 63 and above share bit 63) that its coasting racks'
  // nodes hold. A tick's changes visit only the words that may hold a rack they touch, and the
  // kernel lists its stepped racks from the bits: a scan of every rack per tick was a twentieth
  // of a campus run.
  static constexpr std::size_t kRacksPerWord = 64;
  std::vector<std::uint64_t> coasting_bits, coasting_codes;
  std::vector<std::int8_t> word_touched;  // per word: a rack of it has rack_changed set
  static std::uint64_t code_bit(std::size_t code) {
    return std::uint64_t{1} << std::min<std::size_t>(code, 63);
  }
  // This tick's inputs equal the last tick's for every rack (replicated: from the signature).
  bool unchanged = false;
  // Pace steps: a slot whose tick changed only its pace (the job's slowest member moved: its
  // units' RC-step power and its node power, nothing else) does not stop the racks that coast
  // with it. Per step (replicated, since the last time every rack was brought to the present):
  // its tick and every slot's RC-step and node power; per local rack, a bound of its units'
  // junctions while coasting (so the thermal limit is known not to bind through the steps) and
  // its units' largest R.
  // A slot may also step into or out of a tick with stretches (an asynchronous checkpoint's
  // snapshot stall inside the tick: every few seconds for a very large job) with the same clock,
  // cap and running state: step_stretch keeps, per slot and step, what the kernel's tick with
  // stretches reads besides the two powers (kStretchWords, coasting.cpp).
  std::vector<std::int64_t> step_ticks;
  std::vector<double> step_thermal_w, step_node_w;  // fast.size() per step
  std::vector<double> step_stretch;                 // fast.size() · kStretchWords per step
  static constexpr std::size_t kStretchWords = 13 + 5 * kMaxSegments;
  std::vector<std::int8_t> step_slots;  // fast.size() per step: the slots it paced
  std::vector<std::int8_t> slot_paced;  // per FastTick slot, this tick
  // Per FastTick slot + 1 (index 0: a node under repair), this tick: how it touches a rack that
  // holds it (0 not at all, 1 only its pace, 2 more; coast_tick_racks).
  std::vector<std::int8_t> slot_code;
  // The history's bound (doubles of step_stretch, replicated): a longer one settles every rack.
  static constexpr std::size_t kMaxHistoryWords = std::size_t{1} << 19;  // 4 MB
  std::vector<double> rack_t_upper, rack_resistance_max;
  std::int64_t lowest_node = 0, highest_node = 0;  // in a rack, by height (the inlet's extremes)
  std::vector<double> scratch_node_power_w, scratch_node_inlet_c;  // per node of one rack
  // Per node of one rack at a tick with stretches: the inlet of its RC step, of its running and
  // of its stalled stretches; per slot, that tick's FastTick (decoded from step_stretch).
  std::vector<double> scratch_node_step_c, scratch_node_run_c, scratch_node_stall_c;
  std::vector<FastTick> scratch_fast;
  std::vector<std::int32_t> scratch_count;  // per slot: its nodes in the rack
  // Per node of one rack, three rows (settle_rack): goes again in the settle; fed step by step
  // in the chunk's part being decided; in that part's pass.
  std::vector<std::uint8_t> scratch_replay;
  std::vector<std::int64_t> scratch_quiet_end;  // per node of one rack (settle_rack's feeding)
  std::vector<double> scratch_quiet_c;          // per unit of one rack (its look ahead)
  // A settle's inputs (settle_rack): its stretches of constant inputs and each node's inputs in
  // them, recorded once per tick for the racks that share them: racks whose nodes hold the same
  // slots from the same powers and inlets at the same supply and row-end weight (a job's racks,
  // most of them) see the same pace steps and ticks with stretches.
  struct SettleInputs {
    std::vector<std::uint64_t> key;                  // what the inputs depend on (settle_inputs)
    std::vector<std::int64_t> m;                     // per stretch: its ticks
    std::vector<double> mean_power_w, tick_inlet_c;  // per stretch: the rack's series values
    // Per stretch and node (s·npr + node): the inlet of its RC step and its power and, in a tick
    // with stretches, its running and stalled inlets and where its boundaries start in `words`
    // (−1: none; then their count, the running and stalled powers, (decay, weights) each).
    std::vector<double> inlet_c, power_w, run_c, stall_c, words;
    std::vector<std::int32_t> boundary;
    std::vector<std::size_t> sampled;  // the stretches with a boundary for some node, ascending
    double end_power_w = 0.0, last_inlet_c = 0.0;  // the rack's at the last tick's end
    // The per-rack series' sums (power, inlet, throttled share) before and after the last
    // rack that read the record added its ticks, and that rack's throttled share: the additions
    // depend on nothing else, so a rack starting from the same bits ends with the same.
    mutable std::array<std::uint64_t, 4> series_from{};
    mutable std::array<double, 3> series_to{};
    mutable bool series_valid = false;
  };
  static constexpr std::size_t kSettleInputs = 8;
  std::array<SettleInputs, kSettleInputs> settle_inputs;
  std::size_t settle_inputs_valid = 0, settle_inputs_next = 0;  // this tick's (round robin)
  std::vector<std::uint64_t> scratch_key, scratch_pair_key;
  // follow_pace's values of the last rack it followed in this tick (coast_tick_racks clears
  // `valid`): a rack with the same node slots, end power, site and row-end weight, bit for bit
  // (all that they read besides this tick's FastTicks and supply temperatures), takes them.
  struct FollowMemo {
    bool valid = false;
    std::vector<std::int16_t> slots;                               // per node of the rack
    std::uint64_t before_end_w_bits = 0, row_end_weight_bits = 0;  // the doubles' bits
    std::int64_t site = -1;
    double power_w = 0.0, thermal_w = 0.0, k_per_r = 0.0, end_w = 0.0, inlet_c = 0.0;
    std::int64_t power_fx = 0;             // to_fixed(power_w, kWattScale)
    std::vector<double> node_swing_per_r;  // per node: its slot's swing per R if it swings, or 0
  };
  FollowMemo follow_memo;
  std::vector<std::int64_t> scratch_follow;  // per local rack: the racks following a pace step
  std::vector<std::int64_t> scratch_settle;  // per local rack: the racks a tick settles
  // Per local rack: its power at the last tick's end (the next tick's inlet; differs from
  // rack_power_w, the tick's mean, after a tick with stretches).
  std::vector<double> rack_end_power_w;
  // Derived (rebuilt after a restart): racks eligible now, the coasting racks' nodes per FastTick
  // slot and their summed per-tick contributions.
  std::vector<std::int64_t> eligible_racks;
  std::vector<std::int64_t> slot_nodes;
  std::int64_t coasting_racks = 0, throttled = 0, swing_fx = 0, unallocated_fx = 0;
  std::vector<std::int64_t> site_power_fx;  // per site: the coasting racks' IT power (fixed)
  // What racks brought to the present add to this tick's reduction.
  std::int64_t settled_cycles = 0, settled_swing_fx = 0, settled_damage_fx = 0;
  double settled_max_c = -std::numeric_limits<double>::infinity();
  std::int64_t coasted_rack_ticks = 0, stepped_rack_ticks = 0;  // statistics

  // The distributed arrays a restart file holds.
  template <class R, class N>
  void for_each_field(R&& per_rack, N&& per_node) {
    per_rack(since), per_rack(eligible), per_rack(rack_power_w), per_rack(rack_throttled),
        per_rack(rack_swing_fx), per_rack(rack_t_upper), per_rack(rack_unallocated_fx),
        per_rack(rack_inlet_c), per_rack(rack_end_power_w);
    per_node(node_slot), per_node(node_inlet_c), per_node(node_power_w);
  }
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
  std::int64_t local_nodes = 0, local_accs = 0;
  // Local and global ids (topology::RackBlock: a rank's racks are dealt out one at a time; the
  // nodes and accelerators of a rack are consecutive in both).
  std::int64_t global_node(std::int64_t ln) const {
    return block.global_rack(ln / npr) * npr + ln % npr;
  }
  std::int64_t global_acc(std::int64_t la) const {
    return block.global_rack(la / apr) * apr + la % apr;
  }
  std::int64_t local_node(std::int64_t node) const {  // −1: another rank's
    const std::int64_t r = block.local_rack(node / npr);
    return r < 0 ? -1 : r * npr + node % npr;
  }
  std::int64_t local_acc(std::int64_t acc) const {  // −1: another rank's
    const std::int64_t r = block.local_rack(acc / apr);
    return r < 0 ? -1 : r * apr + acc % apr;
  }
  double dt = 1.0;
  std::int64_t ticks = 0, ticks_per_output = 1, hazard_every = 1;

  Fleet fleet;
  Coasting coast;
  JobControl control;
  FailSlowState fail_slow;
  std::vector<faults::ScheduledFailSlow> fail_slow_scheduled;  // sorted by onset
  // Sites (docs/sites.md): their specs (one implicit site without `sites:`), their state, and
  // with several sites the campus total; the site of each local rack.
  std::vector<io::SiteSpec> site_specs;
  std::vector<Facility> sites;
  Facility campus_total;
  Facility& total() { return sites.size() == 1 ? sites.front() : campus_total; }
  const Facility& total() const { return sites.size() == 1 ? sites.front() : campus_total; }
  std::vector<std::int16_t> rack_site;
  int site_of_node(std::int64_t node) const;  // index in sites of a global node
  std::vector<int> site_it_slot;  // several sites: reduction slot of each site's IT power
  double idle_cap_w = 0.0;        // per-accelerator cap of units in no job: the lowest site's
  Accounting acct;
  SeriesTable series;
  EngineSeries ids;
  ReductionSlots slots;
  faults::ScopeHazardTable acc_table, node_table, rack_table, spine_table, job_table;

  io::OutputFile* out = nullptr;
  RunStatistics stats;
  // Repeating the last reduction (reduction_repeats): what the last reduced tick said.
  std::int64_t reduced_stepped_racks = -1;
  double reduced_next_failure_s = 0.0;
  std::int64_t repeated_in_a_row = 0;
  static constexpr std::int64_t kMaxRepeats = 1000;
  std::int64_t start_tick = 0;
  bool interrupted = false;

  // --- set-up (engine.cpp) ---
  void setup();
  void place_jobs();
  // Dynamic job slots (the queue): a free or new slot; activation once its work and
  // allocation are set; release when the job ends (its nodes go back to the pool).
  int add_job_slot();
  void size_job_scratch();
  void configure_job(JobControl::Job& job);  // tracked categories, job-scope failure rate
  double job_rate_per_accelerator = 0.0;     // job-scope failure rate per accelerator
  void activate_job_slot(int slot);
  void release_job_slot(int slot);
  bool layout_dirty = true;
  std::unique_ptr<TickReduction> reduction;
  TickReduction& tick_reduction();  // rebuilt when the layout changed
  std::unique_ptr<Queue> queue;
  void declare_series();
  // output_layout.cpp: a facility's series under `group`; a battery's and its grid draw's.
  void declare_facility_series(const std::string& group, Facility& fa, bool campus_total_series);
  void declare_storage_series(const std::string& grid_group, const std::string& storage_group,
                              Facility& fa);
  void lay_out_reduction();
  void setup_sites();             // facility.cpp, as the facility steps below
  void weather_tick(double t_s);  // each site's dry and wet bulb at t (held weather)

  // --- one tick ---
  void jobs_begin_tick(double t0_s, double t1_s);  // engine.cpp
  void grid_tick(double t0_s);                     // facility.cpp
  void tiered_caps(std::size_t site, power::CapInputs in, std::int64_t powered_nodes);
  std::vector<int> power_tiers;                  // distinct job power priorities, ascending
  void prepare_fast();                           // fleet_kernel.cpp
  void hazard_update(double t0_s);               // fleet_kernel.cpp
  void kernel(TickReduction& red, double t0_s);  // fleet_kernel.cpp
  void facility_after_reduction(TickReduction& red, double t0_s);
  struct FacilityTick {
    double it_w, cooling_w, facility_w, water_l_per_s, dry_c, wet_c, carbon_g_per_s, cost_usd_per_s,
        price_energy, cap_w, accelerator_cap_w;  // price_energy: USD/MWh·J
  };
  void record_facility_tick(Facility& fa, const FacilityTick& t);
  double storage_tick(Facility& fa, double facility_w, double price_per_mwh);  // → grid draw
  void jobs_end_tick(TickReduction& red);                                      // engine.cpp
  void failures_tick(TickReduction& red, double t0_s, double t1_s);            // failures.cpp
  void fail_slow_setup();                                                      // fail_slow.cpp
  void fail_slow_begin_tick(double t0_s, double t1_s);                         // fail_slow.cpp
  void fail_slow_end_tick(double t0_s, double t1_s);                           // fail_slow.cpp
  void output_interval(std::int64_t k);                                        // engine.cpp
  void lend_nodes(double t_s);                                                 // engine.cpp
  Figures summary() const;                                                     // engine.cpp
  void grid_side_figures(Figures& f, const Facility& fa, double grid_energy_j) const;

  // --- kernel helpers (fleet_kernel.cpp) ---
  double slow_unit(std::int64_t i, double r_k_per_w, double inlet, double decay, const JobTick& jt,
                   const TickTrajectory& tr, bool in_job, int j, UnitSums& node_units,
                   double& acc_power_sum, double& rack_swing_k_s, std::int64_t& throttled);
  // Large thermal cycles of one node's units over the tick (Norris–Landzberg damage per
  // half-cycle): the junction at the tick's internal stretch boundaries, then at its end.
  // end_observed: the end sample was already fed (a tick of one stretch) and confirmed some.
  // t0_s, t1_s: the stretch's start and end (a tick, or a coasting rack's ticks).
  void count_cycles(std::int64_t base, double inlet, double inlet_run, double inlet_stall,
                    double t0_s, double t1_s, const FastTick& ft, bool all_fast, bool end_observed,
                    std::int64_t& cycles, double& swing_k, double& damage_ref_s);
  // Multi-rate stepping (coasting.cpp, coasting_replay.cpp): at tick k, before the hazard update,
  // wake every coasting rack if the tick's inputs changed (or k is a hazard, sample or last tick),
  // else let eligible racks start coasting. settle_rack brings one coasting rack to tick k.
  void coast_setup();
  void coast_signature(std::vector<std::uint64_t>& sig) const;
  void coast_tick(std::int64_t k);
  void coast_tick_racks(std::int64_t k);
  void coast_count_rack(std::int64_t r, int sign);
  void coast_rack_slot(std::int64_t r);
  bool reduction_repeats(const TickReduction& red, double t1_s) const;
  double coast_inlet_c(std::int64_t r, std::int64_t node_in_rack, double rack_power_w) const;
  void coast_inlets_c(std::int64_t r, double rack_power_w, double* inlet_c) const;
  bool follow_pace(std::int64_t r, bool coasting);
  std::size_t follow_paces(std::int64_t* racks, std::size_t n, bool coasting);
  bool follow_memo_matches(std::int64_t r) const;
  void follow_memo_fill(std::int64_t r);
  bool stretch_history_valid() const;  // a restart file's step_stretch decodes
  // With quick_max_c, its quick pass is done (settle_pair) in its scratch `region` (0 or 1).
  void settle_rack(std::int64_t r, std::int64_t k, std::size_t region = 0,
                   const double* quick_max_c = nullptr);
  bool settle_pair(std::int64_t a, std::int64_t b, std::int64_t k);
  void settle_racks(const std::int64_t* racks, std::size_t n, std::int64_t k);
  void settle_key(std::int64_t r, std::int64_t since, std::int64_t k,
                  std::vector<std::uint64_t>& key) const;
  const Coasting::SettleInputs& settle_inputs(std::int64_t r, std::int64_t since, std::int64_t k);
  // After rack r's step with its inputs unchanged: eligible if every unit stays at its job's
  // clock up to its steady temperature; keeps what the rack adds per tick while coasting.
  void coast_check_rack(std::int64_t r, double rack_power_w, std::int64_t throttled,
                        std::int64_t unallocated_fx, std::int64_t swing_fx);
  void coast_restored();  // the derived state, after a restart
  // kernel scratch, sized once
  std::vector<FastTick> fast;  // per job, then one for units in no job
  // prepare_fast's inputs per slot at its last tick (`fast` is reused when they repeat), and the
  // tick's coefficients.
  struct FastMemo {
    bool valid = false, in_job = false;
    std::int8_t end_running = 0;
    double cap_w = 0.0;
    JobTick tick;
  };
  std::vector<FastMemo> fast_memo;
  std::vector<std::int64_t> tick_fast_nodes;  // per FastTick slot: nodes all at its clock
  std::vector<std::int64_t> tick_job_nodes;   // per job: its nodes that are up this tick
  std::vector<double> job_min_clock;
  std::vector<double> rack_job_time, rack_job_energy;  // per job × category
  std::vector<double> rack_job_energy_all;             // per job: all categories
  std::vector<std::int8_t> rack_job_touched;
  std::vector<int> rack_jobs_touched;
  std::vector<std::int64_t> rack_stretch_nodes;  // per job: its nodes in this rack (stretch ticks)
  std::vector<int> rack_stretch_jobs;
  // The kernel's scratch, per local rack: the racks it steps this tick (the others coast).
  std::vector<std::int64_t> scratch_stepped_racks;
  // Per job: running at the last tick's end (−1 not known yet), and a node's power then.
  std::vector<std::int8_t> job_end_running;
  std::vector<double> job_end_node_power_w;
  std::vector<float> node_swing_k;  // per unit of one node
  // Per unit of one node, this tick: the junction at the tick's start (ticks with stretches),
  // the dynamic power, running activity and RC-step power at the unit's clock, and a sample.
  std::vector<double> node_t0_c, node_dynamic_w, node_run_activity, node_thermal_w, node_sample_c;
  // Per half-cycle the counter confirms in one node's sample: its unit, swing, duration, peak and
  // damage (count_cycles takes their damage in one batch).
  std::vector<std::size_t> confirm_unit;
  std::vector<double> confirm_swing_k, confirm_half_cycle_s, confirm_peak_c, confirm_damage;
  std::vector<double> node_height_fraction;  // per node of a rack
  std::vector<double> rack_row_end_weight;   // per local rack: 1 at a row's ends, else 0
  double rc_decay_per_tick = 0.0;            // exp(−dt/τ) of the junction RC
  JobTick idle_tick;                         // units in no job
  std::vector<double> scratch_rates;
  // This rank's expected interruptions per class from the last hazard update (fixed point),
  // added to the next tick's reduction.
  std::array<std::int64_t, faults::kFailureClassCount> expected_local_fx{};

  // --- failures and repairs (failures.cpp) ---
  void apply_failure(const Candidate& c);
  // Node n leaves service at t for mttr_s; a job holding it gets a hot spare in its place (or
  // waits for the repair) and is added to `hit`.
  // Drains node n for repair; the jobs it served go to `hit` (and (job, slot) to hit_slots).
  void drain_node(std::int64_t n, double t, double mttr_s, std::vector<int>& hit,
                  std::vector<std::pair<int, std::size_t>>* hit_slots = nullptr);
  // Pending failures of components on drained nodes go with them (new lives from t).
  void drop_pending_of_drained(double t);
  // Job j is interrupted (a failure, or a fail-slow replacement): its work and accounting.
  Loss interrupt_job(int j, FailureHit h, bool nodes_changed);
  double tick_t0_s = 0.0;  // start of the tick whose failures are being applied
  void complete_repairs(double until_s);
  void reset_component(std::int64_t key, double time_s);
  void move_to_lost(const Loss& loss);
  std::vector<Candidate> candidates;

  void emit_event(double t, EventKind kind, int cls, std::int64_t id, std::int64_t rack, int job,
                  double lost);

  // --- restart (restart.cpp) ---
  template <class Archive>
  void serialize_replicated(Archive& ar);
  void write_restart(const std::string& path, std::int64_t next_tick);
  void check_restored(const std::string& path) const;
};

}  // namespace ct::twin
