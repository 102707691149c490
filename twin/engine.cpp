#include "twin/engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "faults/failure_sampler.hpp"
#include "faults/hazard.hpp"
#include "io/config_tree.hpp"
#include "power/cap_controller.hpp"
#include "power/grid_cap.hpp"
#include "thermal/accelerator_power.hpp"
#include "thermal/junction.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/engine_state.hpp"
#include "twin/queue.hpp"

namespace ct::twin {

Engine::Engine(const io::Scenario& scenario, MPI_Comm comm, std::uint64_t seed)
    : s_(std::make_unique<State>(scenario, comm, seed)) {
  s_->setup();
}

Engine::~Engine() = default;

const RunStatistics& Engine::statistics() const { return s_->stats; }

std::array<double, faults::kFailureClassCount> Engine::expected_interruptions() const {
  return s_->acct.expected_interruptions;
}

std::int64_t Engine::job_accelerators() const {
  std::int64_t n = 0;
  for (const auto& job : s_->control.jobs) n += job.work->accelerators();
  return n;
}

// --- set-up --------------------------------------------------------------------------------------

void Engine::State::setup() {
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &ranks);
  apn = campus.accelerators_per_node();
  npr = campus.nodes_per_rack();
  apr = apn * npr;
  block = topology::rack_block(campus.racks(), ranks, rank);
  local_nodes = block.rack_count * npr;
  local_accs = local_nodes * apn;
  scratch_stepped_racks.resize(static_cast<std::size_t>(block.rack_count));
  dt = sc.time.tick_s;
  ticks = sc.ticks();
  ticks_per_output = sc.ticks_per_output();
  hazard_every = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::llround(sc.faults.hazard_update_s / dt)));
  stats.local_accelerators = local_accs;

  setup_sites();

  place_jobs();
  fail_slow_setup();
  for (const auto& job : control.jobs) {
    if (!job.active) continue;
    const int p = job.work->power_priority();
    if (std::find(power_tiers.begin(), power_tiers.end(), p) == power_tiers.end())
      power_tiers.push_back(p);
  }
  std::sort(power_tiers.begin(), power_tiers.end());
  // Queue jobs run at the default priority.
  if (sc.queue && std::find(power_tiers.begin(), power_tiers.end(), 0) == power_tiers.end()) {
    power_tiers.push_back(0);
    std::sort(power_tiers.begin(), power_tiers.end());
  }

  const faults::FailureModel& model = sc.faults.model;
  acc_table = faults::make_scope_hazard_table(model, faults::Scope::accelerator);
  node_table = faults::make_scope_hazard_table(model, faults::Scope::node);
  rack_table = faults::make_scope_hazard_table(model, faults::Scope::rack_leaf_switch);
  spine_table = faults::make_scope_hazard_table(model, faults::Scope::spine_switch);
  job_table = faults::make_scope_hazard_table(model, faults::Scope::job);
  scratch_rates.resize(faults::kFailureClassCount);
  job_rate_per_accelerator = 0.0;  // job-scope rate per accelerator of a job
  if (sc.faults.enabled)
    for (int k = 0; k < job_table.count; ++k)
      job_rate_per_accelerator += job_table.steady_rate_per_s[k] + job_table.cycling_rate_per_s[k];
  for (auto& job : control.jobs) configure_job(job);
  if (sc.queue) queue = std::make_unique<Queue>(*this);

  // Initial conditions: plants at idle load, junctions at their idle steady state.
  weather_tick(0.0);
  for (Facility& fa : sites) {
    const double idle_it_w = static_cast<double>(fa.nodes * apn) * sc.accelerator.idle_w +
                             static_cast<double>(fa.nodes) * sc.accelerator.node_overhead_idle_w;
    fa.plant = thermal::plant_output(fa.spec->plant, idle_it_w, fa.dry_c, fa.wet_c);
    fa.supply_c = fa.plant.supply_temperature_c;
  }

  Fleet& f = fleet;
  f.junction_c.resize(local_accs);
  f.resistance_k_per_w.resize(local_accs);
  f.clock_ratio.assign(local_accs, 1.0);
  f.cycle_turning_c.resize(local_accs);
  f.cycle_extreme_c.resize(local_accs);
  f.cycle_turn_s.assign(local_accs, 0.0f);
  f.cycle_damage_ref_s.assign(local_accs, 0.0f);
  f.hazard_swing_k.assign(local_accs, -1.0);  // none yet
  f.hazard_swing_factor.assign(local_accs, 0.0);
  f.acc.init(local_accs);
  for (std::int64_t i = 0; i < local_accs; ++i) {
    const auto id = static_cast<std::uint64_t>(global_acc(i));
    f.resistance_k_per_w[i] = thermal::unit_resistance_k_per_w(sc.accelerator, seed, id);
    f.junction_c[i] =
        sites[rack_site[i / apr]].supply_c + f.resistance_k_per_w[i] * sc.accelerator.idle_w;
    const thermal::CycleState cs = thermal::make_cycle_state(f.junction_c[i]);
    f.cycle_turning_c[i] = cs.turning_c;
    f.cycle_extreme_c[i] = cs.extreme_c;
    f.acc.threshold[i] =
        faults::failure_threshold(seed, faults::component_key(faults::Scope::accelerator, id), 0);
  }
  f.node_resistance_sum.assign(local_nodes, 0.0);
  for (std::int64_t n = 0; n < local_nodes; ++n)
    for (std::int64_t a = 0; a < apn; ++a)
      f.node_resistance_sum[n] += f.resistance_k_per_w[n * apn + a];
  f.node.init(local_nodes);
  for (std::int64_t n = 0; n < local_nodes; ++n)
    f.node.threshold[n] = faults::failure_threshold(
        seed,
        faults::component_key(faults::Scope::node, static_cast<std::uint64_t>(global_node(n))), 0);
  f.rack.init(block.rack_count);
  for (std::int64_t r = 0; r < block.rack_count; ++r)
    f.rack.threshold[r] = faults::failure_threshold(
        seed,
        faults::component_key(faults::Scope::rack_leaf_switch,
                              static_cast<std::uint64_t>(block.global_rack(r))),
        0);
  f.rack_power_w.assign(block.rack_count, 0.0);
  f.rack_inlet_c.resize(block.rack_count);
  for (std::int64_t r = 0; r < block.rack_count; ++r)
    f.rack_inlet_c[r] = sites[rack_site[r]].supply_c;
  rc_decay_per_tick = thermal::rc_decay(dt, sc.accelerator.time_constant_s);
  // Height of each node in its rack (the air inlet's recirculation weight).
  node_height_fraction.resize(static_cast<std::size_t>(npr));
  for (std::int64_t k = 0; k < npr; ++k)
    node_height_fraction[k] = (static_cast<double>(k) + 0.5) / static_cast<double>(npr);
  // Row ends recirculate more (DESIGN §5): weight 1 at both ends of a hall's row (air only).
  rack_row_end_weight.assign(block.rack_count, 0.0);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    const std::int64_t rack = block.global_rack(r);
    const auto& b = campus.spec().buildings[campus.building_of_rack(rack)];
    const std::int32_t i = campus.index_in_hall(rack);
    const bool end = i == 0 || i == b.racks_per_hall - 1;
    rack_row_end_weight[r] = campus.spec().cooling == topology::Cooling::air && end ? 1.0 : 0.0;
  }
  coast_setup();
  idle_tick.clear();
  idle_tick.add_stalled(unallocated, 1.0, sc.activity.stalled);

  // Spine switches: constant-rate channels (no temperature source), replicated.
  control.spine_rate_per_s = 0.0;
  for (int k = 0; k < spine_table.count; ++k)
    control.spine_rate_per_s +=
        spine_table.steady_rate_per_s[k] + spine_table.cycling_rate_per_s[k];
  control.spine_next_s.assign(campus.halls(), kInf);
  control.spine_life.assign(campus.halls(), 0);
  if (sc.faults.enabled && control.spine_rate_per_s > 0)
    for (std::int64_t h = 0; h < campus.halls(); ++h)
      control.spine_next_s[h] =
          faults::failure_threshold(
              seed,
              faults::component_key(faults::Scope::spine_switch, static_cast<std::uint64_t>(h)),
              0) /
          control.spine_rate_per_s;

  series.configure(dt, ticks_per_output, block.rack_count);
  declare_series();
  node_swing_k.assign(static_cast<std::size_t>(apn), 0.0f);
  for (auto* v : {&node_t0_c, &node_dynamic_w, &node_run_activity, &node_thermal_w, &node_sample_c,
                  &confirm_swing_k, &confirm_half_cycle_s, &confirm_peak_c, &confirm_damage})
    v->assign(static_cast<std::size_t>(apn), 0.0);
  confirm_unit.assign(static_cast<std::size_t>(apn), 0);
  size_job_scratch();
  lay_out_reduction();
}

// Kernel scratch per job slot (grown with the slots, never per tick).
void Engine::State::size_job_scratch() {
  const std::size_t n_jobs = control.jobs.size();
  job_min_clock.resize(n_jobs, kInf);
  rack_job_time.resize(n_jobs * kCategoryCount, 0.0);
  rack_job_energy.resize(n_jobs * kCategoryCount, 0.0);
  rack_job_energy_all.resize(n_jobs, 0.0);
  rack_job_touched.resize(n_jobs, 0);
  rack_stretch_nodes.resize(n_jobs, 0);
  rack_stretch_jobs.reserve(n_jobs);
  job_end_running.resize(n_jobs, -1);
  job_end_node_power_w.resize(n_jobs, 0.0);
  tick_fast_nodes.resize(n_jobs + 1, 0);
  tick_job_nodes.resize(n_jobs, 0);
}

void Engine::State::configure_job(JobControl::Job& job) {
  job.tracked.clear();
  for (int c = 0; c < kCategoryCount; ++c)
    if (job.work->tracked_categories() & (1u << c)) job.tracked.push_back(c);
  job.rate_per_s = job_rate_per_accelerator * static_cast<double>(job.work->accelerators());
}

int Engine::State::add_job_slot() {
  for (std::size_t j = 0; j < control.jobs.size(); ++j)
    if (!control.jobs[j].active && !control.jobs[j].work) return static_cast<int>(j);
  control.jobs.emplace_back();
  control.jobs.back().active = false;
  size_job_scratch();
  layout_dirty = true;
  return static_cast<int>(control.jobs.size()) - 1;
}

void Engine::State::activate_job_slot(int slot) {
  JobControl::Job& job = control.jobs[slot];
  job.active = true;
  configure_job(job);
  for (std::int64_t n : job.alloc.nodes) {
    control.node_job[n] = static_cast<std::int16_t>(slot);
    control.node_role[n] = NodeRole::active;
    control.changed_nodes.push_back(n);
  }
  // A fresh job-scope failure channel (the slot's life counts every job it held).
  ++job.life;
  job.hazard = 0.0;
  job.threshold = faults::failure_threshold(
      seed, faults::component_key(faults::Scope::job, static_cast<std::uint64_t>(slot)), job.life);
  job.interruptions = 0;
  job.tick = JobTick{};
  job_end_running[static_cast<std::size_t>(slot)] = -1;
  job_end_node_power_w[static_cast<std::size_t>(slot)] = 0.0;
  layout_dirty = true;
}

void Engine::State::release_job_slot(int slot) {
  JobControl::Job& job = control.jobs[slot];
  for (std::size_t n = 0; n < control.node_job.size(); ++n) {
    if (control.node_job[n] != slot) continue;
    control.node_job[n] = -1;
    control.changed_nodes.push_back(static_cast<std::int64_t>(n));
    // Nodes under repair stay so and return to the pool when repaired.
    if (control.node_role[n] != NodeRole::repairing) control.node_role[n] = NodeRole::free;
  }
  job.work.reset();
  job.alloc = Allocation{};
  job.active = false;
  job.tick = JobTick{};
  layout_dirty = true;
}

TickReduction& Engine::State::tick_reduction() {
  if (layout_dirty || !reduction) {
    const ReductionSlots before = slots;
    lay_out_reduction();
    if (!reduction || before.n_sums != slots.n_sums || before.n_maxima != slots.n_maxima ||
        before.n_slots != slots.n_slots) {
      if (reduction) {
        stats.mpi_reduce_s += reduction->seconds_in_mpi();
        stats.repeated_reductions += static_cast<double>(reduction->repeated());
      }
      reduction = std::make_unique<TickReduction>(slots.n_sums, slots.n_maxima, slots.n_slots);
    }
    reduction->forget_previous();  // the slots may mean other things now
    layout_dirty = false;
  }
  return *reduction;
}

void Engine::State::place_jobs() {
  control.node_job.assign(campus.nodes(), -1);
  control.node_role.assign(campus.nodes(), NodeRole::free);
  std::vector<std::int8_t> taken(campus.nodes(), 0);
  const WorkloadEnv env{sc, campus, seed, dt, [this](double t, EventKind kind, int job) {
                          emit_event(t, kind, -1, -1, -1, job, 0.0);
                        }};
  for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
    JobControl::Job job;
    job.work = make_workload(*sc.jobs[j], env, static_cast<int>(j));
    job.site = sc.jobs[j]->site;
    try {
      job.alloc = place_on_sites(*job.work, sc, *sc.jobs[j], taken);
      job.work->start(job.alloc);
      if (sc.jobs[j]->sites.size() > 1) {
        std::vector<double> nodes(sites.size(), 0.0);
        for (std::int64_t n : job.alloc.nodes)
          nodes[static_cast<std::size_t>(site_of_node(n))] += 1;
        for (int s : sc.jobs[j]->sites)
          job.site_shares.emplace_back(
              s, nodes[static_cast<std::size_t>(s)] / static_cast<double>(job.alloc.nodes.size()));
      }
    } catch (const std::invalid_argument& e) {
      throw io::ScenarioError(sc.source_file + ": jobs[" + std::to_string(j) + "] '" +
                              job.work->name() + "': " + e.what());
    }
    for (std::int64_t n : job.alloc.nodes) {
      control.node_job[n] = static_cast<std::int16_t>(j);
      control.node_role[n] = NodeRole::active;
    }
    for (std::int64_t n : job.alloc.spares) {
      control.node_job[n] = static_cast<std::int16_t>(j);
      control.node_role[n] = NodeRole::spare;
    }
    job.threshold =
        faults::failure_threshold(seed, faults::component_key(faults::Scope::job, j), 0);
    job.own_nodes = job.alloc.nodes.size();
    job.cap_w = sc.power_cap_w;
    control.jobs.push_back(std::move(job));
  }
  // Lending: a claimer names a preemptible job whose nodes it may take.
  for (std::size_t j = 0; j < control.jobs.size(); ++j) {
    JobControl::Job& job = control.jobs[j];
    const std::string from = job.work->claims_from();
    if (from.empty()) continue;
    const std::string where =
        sc.source_file + ": jobs[" + std::to_string(j) + "] '" + job.work->name() + "': ";
    for (std::size_t l = 0; l < control.jobs.size(); ++l)
      if (l != j && control.jobs[l].work->name() == from) job.claims = static_cast<int>(l);
    if (job.claims < 0) throw io::ScenarioError(where + "no other job is named '" + from + "'");
    const Workload& lender = *control.jobs[job.claims].work;
    if (!lender.preemptible())
      throw io::ScenarioError(where + "job '" + from + "' (kind " + lender.kind() +
                              ") cannot lend its nodes");
    for (std::size_t o = 0; o < j; ++o)
      if (control.jobs[o].claims == job.claims)
        throw io::ScenarioError(where + "job '" + from + "' is claimed by another job too");
    if (lender.accelerators() != job.work->claim_accelerators())
      throw io::ScenarioError(where + "job '" + from + "' has " +
                              std::to_string(lender.accelerators()) + " accelerators, expected " +
                              std::to_string(job.work->claim_accelerators()));
  }
}

// Lending (replicated, after the tick's failures and repairs): a claimer that wants its
// preemptible job's nodes takes them when all of them are in service (the lender saves and
// waits); it gives them back when it no longer wants them and none of them awaits a repair (the
// lender restarts from its checkpoint). The nodes keep their slots at the end of the claimer's
// allocation, so failures, spares and repairs treat them as its own while it holds them.
void Engine::State::lend_nodes(double t_s) {
  for (std::size_t j = 0; j < control.jobs.size(); ++j) {
    JobControl::Job& job = control.jobs[j];
    if (job.claims < 0) continue;
    JobControl::Job& lender = control.jobs[job.claims];
    const bool want = job.work->wants_claimed_nodes();
    if (want && !job.holding && lender.alloc.missing_slots.empty()) {
      lender.work->preempted(t_s);
      for (std::int64_t n : lender.alloc.nodes) {
        control.node_job[n] = static_cast<std::int16_t>(j);
        control.changed_nodes.push_back(n);
        job.alloc.nodes.push_back(n);
      }
      job.holding = true;
      job.work->nodes_changed(job.alloc);
      job.work->claimed(job.alloc, true, t_s);
    } else if (!want && job.holding &&
               std::none_of(job.alloc.missing_slots.begin(), job.alloc.missing_slots.end(),
                            [&](std::size_t s) { return s >= job.own_nodes; })) {
      const auto own = static_cast<std::ptrdiff_t>(job.own_nodes);
      lender.alloc.nodes.assign(job.alloc.nodes.begin() + own, job.alloc.nodes.end());
      job.alloc.nodes.resize(job.own_nodes);
      for (std::int64_t n : lender.alloc.nodes) {
        control.node_job[n] = static_cast<std::int16_t>(job.claims);
        control.changed_nodes.push_back(n);
      }
      job.holding = false;
      job.work->nodes_changed(job.alloc);
      job.work->claimed(job.alloc, false, t_s);
      lender.work->nodes_changed(lender.alloc);
      lender.work->resumed(t_s);
    }
  }
}

// Slots of the one Allreduce per tick (tick_reduction.hpp): the engine's sums and maxima, the
// series the table reduces, the jobs' tracked categories.
void Engine::State::lay_out_reduction() {
  ReductionSlots& l = slots;
  int s = 0, m = 0;
  for (SeriesTable::Id id : series.reduced_series(Reduce::sum)) series.set_reduction_slot(id, s++);
  for (SeriesTable::Id id : series.reduced_series(Reduce::max)) series.set_reduction_slot(id, m++);
  l.it_power = series.reduction_slot(ids.it_power);
  site_it_slot.clear();
  if (sites.size() > 1)
    for (const Facility& fa : sites) site_it_slot.push_back(series.reduction_slot(fa.ids.it_power));
  l.cat_time = s, s += kCategoryCount;
  l.cat_energy = s, s += kCategoryCount;
  l.throttled = s++;
  l.trips = s++;
  l.swing_time = s++;
  l.running_time = s++;
  l.large_cycles = s++;
  l.large_swing = s++;
  l.large_damage = s++;
  l.stepped_racks = s++;
  l.expected = s, s += faults::kFailureClassCount;
  for (auto& job : control.jobs) {
    job.sum_base = job.active ? s : -1;
    if (job.active) s += 2 * static_cast<int>(job.tracked.size());
    job.energy_slot = job.active ? s++ : -1;
  }
  l.n_sums = s;
  l.max_junction = m++;
  l.neg_clock = m, m += static_cast<int>(control.jobs.size());
  l.stop = m++;
  l.save = m++;
  l.next_failure = m++;
  l.n_maxima = m;
  l.n_slots = static_cast<int>(control.jobs.size()) + 1;
}

void Engine::State::emit_event(double t, EventKind kind, int cls, std::int64_t id,
                               std::int64_t rack, int job, double lost) {
  if (!out) return;
  io::EventRow row;
  row.time_s = t;
  row.kind = kind;
  row.component_class = static_cast<std::int16_t>(cls);
  row.component_id = id;
  row.rack = rack;
  row.job = static_cast<std::int16_t>(job);
  row.lost_accelerator_s = lost;
  out->add_event(row);
}

// --- one tick, in data-flow order ----------------------------------------------------------------

// Control: each job advances its state machine over the tick and says what its units do.
void Engine::State::jobs_begin_tick(double t0_s, double t1_s) {
  for (auto& job : control.jobs) {
    job.interrupted_this_tick = false;
    job.hazard_cut_f = 1.0;
    if (job.active) job.work->begin_tick(t0_s, t1_s, job.tick);
  }
}

// Each job's reduced tick: its tracked categories and its slowest clock.
void Engine::State::jobs_end_tick(TickReduction& red) {
  const std::int64_t* sums = red.sums();
  const double* maxima = red.maxima();
  for (std::size_t j = 0; j < control.jobs.size(); ++j) {
    JobControl::Job& job = control.jobs[j];
    if (!job.active) continue;
    // Its site's overheads per IT joule of this tick (kinds attribute them to their energy).
    const Facility& fa = sites[static_cast<std::size_t>(job.site)];
    const double it_w = fa.it_w;
    const thermal::PlantOutput& p = fa.plant;
    double facility_per_it = it_w > 0 ? p.facility_power_w / it_w : 1.0;
    double water_per_it_j = it_w > 0 ? p.water_l_per_s / it_w : 0.0;
    double carbon_per_it_j = facility_per_it * fa.carbon_g_per_kwh / 3.6e6;
    if (!job.site_shares.empty()) {  // over several sites: weighted by its nodes there
      facility_per_it = water_per_it_j = carbon_per_it_j = 0.0;
      for (const auto& [s, share] : job.site_shares) {
        const Facility& site = sites[static_cast<std::size_t>(s)];
        const double per_it = site.it_w > 0 ? site.plant.facility_power_w / site.it_w : 1.0;
        facility_per_it += share * per_it;
        water_per_it_j += share * (site.it_w > 0 ? site.plant.water_l_per_s / site.it_w : 0.0);
        carbon_per_it_j += share * per_it * site.carbon_g_per_kwh / 3.6e6;
      }
    }
    JobSums js;
    js.energy_all_j = from_fixed(sums[job.energy_slot], kJouleScale);
    job.tick_energy_j = js.energy_all_j;
    for (std::size_t k = 0; k < job.tracked.size(); ++k) {
      const int c = job.tracked[k];
      js.time_s[c] = from_fixed(sums[job.sum_base + 2 * static_cast<int>(k)], kSecondScale);
      js.energy_j[c] = from_fixed(sums[job.sum_base + 2 * static_cast<int>(k) + 1], kJouleScale);
    }
    const double neg = maxima[slots.neg_clock + static_cast<int>(j)];
    js.clock_known = std::isfinite(neg);
    // The job's pace follows its slowest member's clock on a grid of 2^-20 (about 1e-6, far
    // finer than a GPU's clock steps of about 1%): a governor at its equilibrium moves its clock
    // in the last bits every tick, which would change the pace, hence every unit's power, every
    // tick forever; on the grid it settles, and multi-rate stepping can coast the job's racks.
    if (js.clock_known) js.slowest_clock = std::ldexp(std::round(std::ldexp(-neg, 20)), -20);
    js.accelerator_cap_w = job.cap_w;
    js.facility_j_per_it_j = facility_per_it;
    js.water_l_per_it_j = water_per_it_j;
    js.carbon_g_per_it_j = carbon_per_it_j;
    job.work->end_tick(js);
  }
}

void Engine::State::output_interval(std::int64_t k) {
  if (out) {
    series.stage(*out);
    // Exact multiples of the output interval (k·tick accumulates rounding for ticks like 0.1 s).
    out->commit_sample(static_cast<double>((k + 1) / ticks_per_output) * series.interval_s());
  }
  series.reset();
}

Figures Engine::run(io::OutputFile* out, const ProgressOptions& progress,
                    const RunControl& control) {
  State& s = *s_;
  s.out = out;
  const ReductionSlots& sl = s.slots;
  const double wall0 = MPI_Wtime();
  double last_log = wall0;
  double last_save = wall0;
  for (std::int64_t k = s.start_tick; k < s.ticks; ++k) {
    const double t0 = static_cast<double>(k) * s.dt;
    const double t1 = t0 + s.dt;
    s.weather_tick(t0 + 0.5 * s.dt);

    if (s.queue) s.queue->begin_tick(t0);  // arrivals, scheduling decisions (new jobs start)
    s.fail_slow_begin_tick(t0, t1);        // fail-slow onsets; each job's slowest member
    s.jobs_begin_tick(t0, t1);             // control: what each job's units do this tick
    s.grid_tick(t0);                       // the caps in force, power smoothing
    s.prepare_fast();                      // per-job constants of the kernel's fast path
    s.coast_tick(k);  // multi-rate stepping: racks start coasting, or are brought to tick k
    if (k % s.hazard_every == 0) s.hazard_update(t0);
    TickReduction& red = s.tick_reduction();  // its layout follows the jobs that run
    red.clear();
    s.kernel(red, t0);  // every local accelerator: clock, power, junction, cycles, accounting
    const bool stop_due = control.stop_after_s > 0 && t1 >= control.stop_after_s;
    if (!stop_due && s.reduction_repeats(red, t1)) {
      red.repeat_previous();  // every rank's contribution is the last reduced tick's
      ++s.repeated_in_a_row;
    } else {
      // Stop and save requests ride on the tick's reduction, so every rank acts on the same
      // tick (a signal's stop waits for the next reduced tick: at most kMaxRepeats ticks).
      if ((control.stop_flag && *control.stop_flag) || stop_due) red.maxima()[sl.stop] = 1.0;
      if (s.rank == 0 && control.restart_every_wall_s > 0 &&
          MPI_Wtime() - last_save >= control.restart_every_wall_s)
        red.maxima()[sl.save] = 1.0;
      red.allreduce(s.comm);
      s.reduced_stepped_racks = red.sums()[sl.stepped_racks];
      s.reduced_next_failure_s = -red.maxima()[sl.next_failure];
      s.repeated_in_a_row = 0;
    }

    // --- replicated from here: every rank has the same reduced values ---
    s.facility_after_reduction(red, t0);
    s.jobs_end_tick(red);
    s.failures_tick(red, t0, t1);        // failures in (time, key) order, then repairs
    s.fail_slow_end_tick(t0, t1);        // slow nodes found by now are swapped for spares
    if (s.queue) s.queue->end_tick(t1);  // jobs that end hand nodes back
    s.lend_nodes(t1);                    // claimers take or return preemptible jobs' nodes

    if ((k + 1) % s.ticks_per_output == 0) {
      const double ws0 = MPI_Wtime();
      s.output_interval(k);
      s.stats.output_s += MPI_Wtime() - ws0;
    }

    if (control.pace > 0) {
      // A live twin (or a test that must signal a run): hold the tick until its wall time.
      const double due = wall0 + (t1 - static_cast<double>(s.start_tick) * s.dt) / control.pace;
      const double wait_s = due - MPI_Wtime();
      if (wait_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
    }
    const bool stop = red.maxima()[sl.stop] > 0.0;
    const bool save = red.maxima()[sl.save] > 0.0;
    if (!control.restart_path.empty() && (stop || save)) {
      s.write_restart(control.restart_path, k + 1);
      last_save = MPI_Wtime();
      spdlog::info("restart file written at t = {:.0f} s: {}", t1, control.restart_path);
    }
    if (stop) {
      s.interrupted = true;
      break;
    }
    if (s.rank == 0 && !progress.quiet) {
      // Progress on standard error: a line every log_interval_wall_s in a log file (batch
      // jobs), or one line rewritten in place on a terminal.
      const double now = MPI_Wtime();
      const bool last = k + 1 == s.ticks;
      if (now - last_log >= progress.log_interval_wall_s || last) {
        last_log = now;
        const double wall = now - wall0;
        const double done = static_cast<double>(k + 1) / static_cast<double>(s.ticks);
        const double run_done =
            static_cast<double>(k + 1 - s.start_tick) / static_cast<double>(s.ticks - s.start_tick);
        const double speed = (t1 - static_cast<double>(s.start_tick) * s.dt) / std::max(wall, 1e-9);
        const double eta = wall / run_done - wall;
        const std::string line =
            fmt::format("t = {:.2f} d ({:5.1f}%)  {:.0f} simulated s per wall s  ETA {}",
                        t1 / 86400.0, 100.0 * done, speed,
                        eta < 120    ? fmt::format("{:.0f} s", eta)
                        : eta < 7200 ? fmt::format("{:.1f} min", eta / 60)
                                     : fmt::format("{:.1f} h", eta / 3600));
        if (progress.live_line) {
          char clock[16];
          const std::time_t wall_clock = std::time(nullptr);
          std::strftime(clock, sizeof clock, "%H:%M:%S", std::localtime(&wall_clock));
          std::fprintf(stderr, "\r[%s] %s\033[K%s", clock, line.c_str(), last ? "\n" : "");
          std::fflush(stderr);
        } else {
          spdlog::info("{}", line);
        }
      }
    }
  }
  s.stats.ticks = s.ticks;
  s.stats.coasted_rack_ticks = static_cast<double>(s.coast.coasted_rack_ticks);
  s.stats.stepped_rack_ticks = static_cast<double>(s.coast.stepped_rack_ticks);
  s.stats.wall_s = MPI_Wtime() - wall0;
  s.stats.mpi_reduce_s += s.reduction ? s.reduction->seconds_in_mpi() : 0.0;
  s.stats.reduction_bytes = s.reduction ? static_cast<double>(s.reduction->bytes()) : 0.0;
  s.stats.repeated_reductions += s.reduction ? static_cast<double>(s.reduction->repeated()) : 0.0;
  return s.summary();
}

// Summary figures (DESIGN §10).
Figures Engine::State::summary() const {
  Figures f;
  const Accounting& a = acct;
  const double sim_s = static_cast<double>(ticks) * dt;
  const double n_acc = static_cast<double>(campus.accelerators());
  WorkloadTotals totals;
  for (const auto& job : control.jobs)
    if (job.active) job.work->add_figures(totals);
  // Training figures count training time only: serving categories are not "allocated" to
  // training (zero without serving jobs).
  const double serving_s =
      a.time_total[serving_prefill] + a.time_total[serving_decode] + a.time_total[serving_idle];
  const double allocated = n_acc * sim_s - a.time_total[unallocated] - serving_s;
  f.emplace_back("simulated_s", sim_s);
  f.emplace_back("accelerators", n_acc);
  f.emplace_back("energy_it_j", a.energy_it_j);
  f.emplace_back("energy_cooling_j", a.energy_cooling_j);
  f.emplace_back("energy_facility_j", a.energy_facility_j);
  f.emplace_back("pue_mean", a.energy_it_j > 0 ? a.energy_facility_j / a.energy_it_j : 0.0);
  double carbon_kg = 0.0, cost_usd = 0.0;
  for (const Facility& fa : sites)
    carbon_kg += fa.ledger.carbon_kg(), cost_usd += fa.ledger.cost_usd();
  f.emplace_back("carbon_kg", carbon_kg);
  f.emplace_back("cost_usd", cost_usd);
  const Facility& facility = total();
  f.emplace_back("peak_demand_w", facility.swing->peak_w());
  f.emplace_back("largest_swing_w", facility.swing->largest_window_swing_w());
  f.emplace_back("largest_step_w", facility.swing->largest_step_w());
  f.emplace_back("largest_ramp_w_per_s", facility.swing->largest_ramp_w_per_s());
  f.emplace_back("cap_exceedance_w", facility.cap_exceedance_w);
  f.emplace_back("heat_removed_j", a.heat_removed_j);
  f.emplace_back("heat_rejected_j", a.heat_rejected_j);
  f.emplace_back("water_l", a.water_l);
  f.emplace_back("wue_l_per_kwh", a.energy_it_j > 0 ? a.water_l / (a.energy_it_j / 3.6e6) : 0.0);
  f.emplace_back("interruptions", static_cast<double>(a.interruptions));
  f.emplace_back("interruptions_unplanned", static_cast<double>(a.interruptions_unplanned));
  f.emplace_back("failures", static_cast<double>(a.failures_total));
  f.emplace_back("mtbf_observed_s", a.interruptions_unplanned > 0
                                        ? sim_s / static_cast<double>(a.interruptions_unplanned)
                                        : sim_s);
  f.emplace_back("thermal_trips", static_cast<double>(a.thermal_trips));
  f.emplace_back("fail_slow_events", static_cast<double>(fail_slow.events));
  f.emplace_back("fail_slow_replacements", static_cast<double>(fail_slow.replacements));
  f.emplace_back("ettr", allocated > 0 ? a.time_total[compute] / allocated : 0.0);
  // Time in training steps (compute and the bubbles inside steps) over allocated time: the
  // "effective training time" of published reports, which count the pipeline bubble as training.
  f.emplace_back("training_time_fraction",
                 allocated > 0 ? (a.time_total[compute] + a.time_total[pipeline_bubble] +
                                  a.time_total[exposed_comm] + a.time_total[straggler_wait]) /
                                     allocated
                               : 0.0);
  f.emplace_back("iterations", totals.iterations);
  f.emplace_back("tokens", totals.tokens);
  f.emplace_back("joules_per_token", totals.tokens > 0 ? a.energy_facility_j / totals.tokens : 0.0);
  f.emplace_back("throttled_fraction",
                 a.throttled_acc_ticks / (n_acc * static_cast<double>(ticks)));
  f.emplace_back("max_junction_temperature_c", a.max_junction_c);
  f.emplace_back("iteration_swing_k_mean",
                 a.running_acc_s > 0 ? a.swing_k_s / a.running_acc_s : 0.0);
  f.emplace_back("large_cycles", static_cast<double>(a.large_cycles));
  f.emplace_back("large_cycle_swing_k_mean",
                 a.large_cycles > 0
                     ? a.large_swing_k.value(kSecondScale) / static_cast<double>(a.large_cycles)
                     : 0.0);
  f.emplace_back("large_cycle_damage_ref_s_per_accelerator",
                 a.large_damage_ref_s.value(kSecondScale) / n_acc);
  for (int c = 0; c < kCategoryCount; ++c)
    f.emplace_back("accelerator_s_" + std::string(kCategoryNames[c]), a.time_total[c]);
  for (int c = 0; c < kCategoryCount; ++c)
    f.emplace_back("energy_j_" + std::string(kCategoryNames[c]), a.energy_total[c]);
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    f.emplace_back(
        "failures_" + std::string(faults::failure_class_name(static_cast<faults::FailureClass>(c))),
        static_cast<double>(a.failures_by_class[c]));
  if (queue) queue->add_figures(f, sim_s);
  for (auto& named : totals.figures) f.push_back(std::move(named));
  double grid_energy_j = 0.0;
  for (const Facility& fa : sites)
    grid_energy_j += fa.storage ? fa.storage->grid_energy_j() : fa.energy_facility_j;
  grid_side_figures(f, facility, grid_energy_j);
  return f;
}

}  // namespace ct::twin
