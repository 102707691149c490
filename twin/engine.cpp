#include "twin/engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <queue>
#include <stdexcept>
#include <thread>

#include "common/random.hpp"
#include "faults/checkpoint.hpp"
#include "faults/failure_sampler.hpp"
#include "faults/hazard.hpp"
#include "io/config_tree.hpp"
#include "power/cap_controller.hpp"
#include "power/grid_cap.hpp"
#include "thermal/accelerator_power.hpp"
#include "thermal/dvfs_governor.hpp"
#include "thermal/junction.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/accounting.hpp"
#include "twin/engine_state.hpp"
#include "twin/job_runtime.hpp"
#include "twin/tick_reduction.hpp"
#include "workload/placement.hpp"
#include "workload/step_time.hpp"

namespace ct::twin {

Engine::Engine(const io::Scenario& scenario, MPI_Comm comm, std::uint64_t seed)
    : s_(std::make_unique<State>(scenario, comm, seed)) {
  s_->setup();
}

Engine::~Engine() = default;

const RunStatistics& Engine::statistics() const { return s_->stats; }

void Engine::State::setup() {
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &ranks);
  apn = campus.accelerators_per_node();
  npr = campus.nodes_per_rack();
  apr = apn * npr;
  block = topology::rack_block(campus.racks(), ranks, rank);
  first_node = block.first_rack * npr;
  local_nodes = block.rack_count * npr;
  first_acc = first_node * apn;
  local_accs = local_nodes * apn;
  dt = sc.time.tick_s;
  ticks = sc.ticks();
  ticks_per_output = sc.ticks_per_output();
  hazard_every = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::llround(sc.faults.hazard_update_s / dt)));
  stats.local_accelerators = local_accs;

  if (sc.weather.from_csv)
    csv_weather.emplace(thermal::HourlyWeather::load_csv(sc.weather.csv_path));

  auto make_signal = [](const io::SignalSpec& spec, bool carbon) {
    switch (spec.source) {
      case io::SignalSpec::Source::constant:
        return power::GridSignal::constant(spec.shape.mean);
      case io::SignalSpec::Source::daily:
        return power::GridSignal::daily(spec.shape);
      case io::SignalSpec::Source::csv:
        break;
    }
    return power::GridSignal::series(carbon ? power::load_carbon_csv(spec.csv_path)
                                            : power::load_price_csv(spec.csv_path));
  };
  carbon_signal.emplace(make_signal(sc.grid.carbon, true));
  price_signal.emplace(make_signal(sc.grid.price, false));
  swing.emplace(dt, sc.grid.swing_window_s);
  accelerator_cap_w = sc.power_cap_w;

  place_jobs();

  const faults::FailureModel& model = sc.faults.model;
  acc_table = faults::make_scope_hazard_table(model, faults::Scope::accelerator);
  node_table = faults::make_scope_hazard_table(model, faults::Scope::node);
  rack_table = faults::make_scope_hazard_table(model, faults::Scope::rack_leaf_switch);
  spine_table = faults::make_scope_hazard_table(model, faults::Scope::spine_switch);
  job_table = faults::make_scope_hazard_table(model, faults::Scope::job);
  scratch_rates.resize(faults::kFailureClassCount);

  // Initial conditions: plant at idle load, junctions at their idle steady state.
  double dry = 0, wet = 0;
  dry = weather_dry_c(0.0, &wet);
  const double idle_it_w =
      static_cast<double>(campus.accelerators()) * sc.accelerator.idle_w +
      static_cast<double>(campus.nodes()) * sc.accelerator.node_overhead_idle_w;
  plant = thermal::plant_output(sc.plant, idle_it_w, dry, wet);
  supply_c = plant.supply_temperature_c;

  junction_c.resize(local_accs);
  resistance_k_per_w.resize(local_accs);
  clock_ratio.assign(local_accs, 1.0);
  cycle_turning_c.resize(local_accs);
  cycle_extreme_c.resize(local_accs);
  cycle_turn_s.assign(local_accs, 0.0f);
  cycle_damage_ref_s.assign(local_accs, 0.0f);
  acc_hazard.assign(local_accs, 0.0);
  acc_threshold.resize(local_accs);
  acc_life.assign(local_accs, 0);
  for (std::int64_t i = 0; i < local_accs; ++i) {
    const auto id = static_cast<std::uint64_t>(first_acc + i);
    resistance_k_per_w[i] = thermal::unit_resistance_k_per_w(sc.accelerator, seed, id);
    junction_c[i] = supply_c + resistance_k_per_w[i] * sc.accelerator.idle_w;
    const thermal::CycleState cs = thermal::make_cycle_state(junction_c[i]);
    cycle_turning_c[i] = cs.turning_c;
    cycle_extreme_c[i] = cs.extreme_c;
    acc_threshold[i] =
        faults::failure_threshold(seed, faults::component_key(faults::Scope::accelerator, id), 0);
  }
  node_resistance_sum.assign(local_nodes, 0.0);
  for (std::int64_t n = 0; n < local_nodes; ++n)
    for (std::int64_t a = 0; a < apn; ++a)
      node_resistance_sum[n] += resistance_k_per_w[n * apn + a];
  node_hazard.assign(local_nodes, 0.0);
  node_threshold.resize(local_nodes);
  node_life.assign(local_nodes, 0);
  for (std::int64_t n = 0; n < local_nodes; ++n)
    node_threshold[n] = faults::failure_threshold(
        seed,
        faults::component_key(faults::Scope::node, static_cast<std::uint64_t>(first_node + n)), 0);
  rack_hazard.assign(block.rack_count, 0.0);
  rack_threshold.resize(block.rack_count);
  rack_life.assign(block.rack_count, 0);
  for (std::int64_t r = 0; r < block.rack_count; ++r)
    rack_threshold[r] = faults::failure_threshold(
        seed,
        faults::component_key(faults::Scope::rack_leaf_switch,
                              static_cast<std::uint64_t>(block.first_rack + r)),
        0);
  acc_life_start_s.assign(local_accs, 0.0f);
  node_life_start_s.assign(local_nodes, 0.0f);
  rack_life_start_s.assign(block.rack_count, 0.0f);
  rack_power_w.assign(block.rack_count, 0.0);
  rack_inlet_c.assign(block.rack_count, supply_c);
  rc_decay_per_tick = thermal::rc_decay(dt, sc.accelerator.time_constant_s);
  // Height of each node in its rack (the air inlet's recirculation weight).
  node_height_fraction.resize(static_cast<std::size_t>(npr));
  for (std::int64_t k = 0; k < npr; ++k)
    node_height_fraction[k] = (static_cast<double>(k) + 0.5) / static_cast<double>(npr);
  // Row ends recirculate more (DESIGN §5): weight 1 at both ends of a hall's row (air only).
  rack_row_end_weight.assign(block.rack_count, 0.0);
  for (std::int64_t r = 0; r < block.rack_count; ++r) {
    const std::int64_t rack = block.first_rack + r;
    const auto& b = campus.spec().buildings[campus.building_of_rack(rack)];
    const std::int32_t i = campus.index_in_hall(rack);
    const bool end = i == 0 || i == b.racks_per_hall - 1;
    rack_row_end_weight[r] = campus.spec().cooling == topology::Cooling::air && end ? 1.0 : 0.0;
  }
  racc_power.assign(block.rack_count, 0.0);
  racc_inlet.assign(block.rack_count, 0.0);
  racc_max_junction.assign(block.rack_count, -kInf);
  racc_throttled.assign(block.rack_count, 0.0);

  // Spine switches: constant-rate channels (no temperature source), replicated.
  spine_rate_per_s = 0.0;
  for (int k = 0; k < spine_table.count; ++k)
    spine_rate_per_s += spine_table.steady_rate_per_s[k] + spine_table.cycling_rate_per_s[k];
  spine_next_s.assign(campus.halls(), kInf);
  spine_life.assign(campus.halls(), 0);
  if (sc.faults.enabled && spine_rate_per_s > 0)
    for (std::int64_t h = 0; h < campus.halls(); ++h)
      spine_next_s[h] =
          faults::failure_threshold(
              seed,
              faults::component_key(faults::Scope::spine_switch, static_cast<std::uint64_t>(h)),
              0) /
          spine_rate_per_s;
  job_step_interval.assign(jobs.size(), 0.0);
  job_running_interval.assign(jobs.size(), 0.0);
}

void Engine::State::place_jobs() {
  node_job.assign(campus.nodes(), -1);
  node_role.assign(campus.nodes(), NodeRole::free);
  std::vector<std::int8_t> taken(campus.nodes(), 0);
  for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
    Job job;
    job.spec = sc.jobs[j];
    job.checkpoint = sc.checkpoints[j];
    try {
      workload::validate(job.spec);
      job.placement = workload::place_job(campus, sc.fabric, job.spec, taken);
    } catch (const std::invalid_argument& e) {
      throw io::ScenarioError(sc.source_file + ": jobs[" + std::to_string(j) + "] '" +
                              job.spec.name + "': " + e.what());
    }
    for (std::int64_t n : job.placement.nodes) {
      node_job[n] = static_cast<std::int16_t>(j);
      node_role[n] = NodeRole::active;
    }
    for (std::int64_t n : job.placement.spares) {
      node_job[n] = static_cast<std::int16_t>(j);
      node_role[n] = NodeRole::spare;
    }
    job.breakdown = workload::step_breakdown(job.spec, job.placement, campus, sc.fabric);
    job.tokens_per_step = workload::tokens_per_step(job.spec);
    set_job_timings(job, j);
    job.threshold =
        faults::failure_threshold(seed, faults::component_key(faults::Scope::job, j), 0);
    jobs.push_back(std::move(job));
  }
}

// Checkpoint size and times, the job's expected MTBF at nominal conditions, and the interval.
void Engine::State::set_job_timings(Job& job, std::size_t) {
  const auto& cp = job.checkpoint;
  const double size_bytes =
      faults::checkpoint_size_bytes(job.spec.model.parameters, cp.bytes_per_parameter);
  const double write_s =
      faults::checkpoint_write_time_s(size_bytes, cp.storage_write_bandwidth_bytes_per_s);
  const double acc = static_cast<double>(job.spec.accelerators());
  const double snapshot_s = size_bytes / acc / cp.snapshot_bandwidth_bytes_per_s;
  JobTimings t;
  t.step_s = workload::step_time_s(job.breakdown, 1.0);
  t.asynchronous = cp.asynchronous;
  t.checkpoint_stall_s = cp.asynchronous ? snapshot_s : write_s;
  t.checkpoint_write_s = cp.asynchronous ? write_s : 0.0;
  t.detection_s = sc.faults.recovery.detection_s;
  t.restart_s = sc.faults.recovery.restart_s;
  t.load_s = size_bytes / cp.storage_read_bandwidth_bytes_per_s;
  // Expected MTBF of the job: the unplanned rates of the components it uses.
  faults::ComponentCounts counts;
  counts.accelerators = job.spec.accelerators();
  counts.nodes = static_cast<std::int64_t>(job.placement.nodes.size());
  std::vector<std::int8_t> seen_rack(campus.racks(), 0), seen_hall(campus.halls(), 0);
  for (std::int64_t n : job.placement.nodes) {
    const std::int64_t r = campus.rack_of_node(n);
    if (!seen_rack[r]) ++counts.racks, seen_rack[r] = 1;
    const std::int64_t h = campus.hall_of_rack(r);
    if (!seen_hall[h]) ++counts.spine_switches, seen_hall[h] = 1;
  }
  counts.job_accelerators = counts.accelerators;
  const double rate =
      sc.faults.enabled ? faults::expected_failure_rate_per_s(sc.faults.model, counts) : 0.0;
  job.mtbf_s = rate > 0 ? 1.0 / rate : kInf;
  job.checkpoint_s = t.checkpoint_stall_s;
  const double delta = cp.asynchronous ? snapshot_s : write_s;
  double interval = 0.0;
  switch (cp.policy) {
    case faults::CheckpointIntervalPolicy::none:
      break;
    case faults::CheckpointIntervalPolicy::fixed_s:
      interval = cp.interval_s;
      break;
    case faults::CheckpointIntervalPolicy::fixed_steps:
      t.checkpoint_interval_steps = cp.interval_steps;
      break;
    case faults::CheckpointIntervalPolicy::young:
      interval = std::isfinite(job.mtbf_s) ? faults::young_interval_s(delta, job.mtbf_s) : 0.0;
      break;
    case faults::CheckpointIntervalPolicy::daly:
      interval = std::isfinite(job.mtbf_s) ? faults::daly_interval_s(delta, job.mtbf_s) : 0.0;
      break;
  }
  // An asynchronous write must finish before the next snapshot.
  if (interval > 0 && cp.asynchronous) interval = std::max(interval, write_s);
  t.checkpoint_interval_s = interval;
  job.interval_s = interval;
  job.runtime = JobRuntime(t);
}

double Engine::State::weather_dry_c(double t, double* wet) const {
  const double unix_s = sc.time.start_unix_s + t;
  const thermal::WeatherSample w = sc.weather.from_csv
                                       ? csv_weather->sample(unix_s)
                                       : thermal::sample(sc.weather.climate, unix_s);
  *wet = w.wet_bulb_c;
  return w.dry_bulb_c;
}

void Engine::State::recompute_breakdown(Job& job) {
  job.breakdown = workload::step_breakdown(job.spec, job.placement, campus, sc.fabric);
}

// The cap in force, and the per-accelerator cap that keeps the worst-case facility power under
// it (every powered accelerator at the cap, node overheads at that load, the plant's facility
// power at that IT power in this tick's weather). The governors then keep each accelerator's
// compute-phase power under it, so the measured facility power cannot exceed the cap.
void Engine::State::grid_tick(double t0_s, double dry_c, double wet_c) {
  const double unix_s = sc.time.start_unix_s + t0_s;
  carbon_g_per_kwh = carbon_signal->mean_over(unix_s, unix_s + dt);
  facility_cap_w = power::cap_in_force_w(sc.grid.policy, unix_s + 0.5 * dt, carbon_g_per_kwh);
  accelerator_cap_w = sc.power_cap_w;
  if (std::isfinite(facility_cap_w)) {
    power::CapInputs in;
    power::set_accelerator(in, sc.accelerator);
    const auto powered_nodes = campus.nodes() - static_cast<std::int64_t>(repairs.size());
    in.facility_cap_w = facility_cap_w;
    in.nodes = powered_nodes;
    in.accelerators = powered_nodes * apn;
    in.accelerator_tdp_w = sc.power_cap_w;
    in.facility_w_of_it = [&](double it_w) {
      return thermal::plant_output(sc.plant, it_w, dry_c, wet_c).facility_power_w;
    };
    accelerator_cap_w =
        std::min(sc.power_cap_w, power::solve_accelerator_cap(in).accelerator_cap_w);
  }
  // Power smoothing: stalled accelerators keep a floor of their running activity.
  for (Job& job : jobs) {
    JobTick& jt = job.tick;
    jt.stall_activity = sc.activity.stalled;
    if (sc.grid.policy.kind == power::PolicyKind::power_smoothing) {
      const double running_activity =
          jt.compute_f + (1.0 - jt.compute_f) * sc.activity.communicating;
      jt.stall_activity =
          std::max(jt.stall_activity, sc.grid.policy.smoothing_floor_fraction * running_activity);
    }
  }
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

Figures Engine::run(io::OutputFile* out, const ProgressOptions& progress,
                    const RunControl& control) {
  State& s = *s_;
  s.out = out;
  const SumLayout sl{static_cast<int>(s.jobs.size())};
  const MaxLayout ml{static_cast<int>(s.jobs.size())};
  TickReduction red(sl.count(), ml.count(), static_cast<int>(s.jobs.size()) + 1);
  s.job_min_clock.assign(s.jobs.size(), kInf);
  s.rack_job_time.assign(s.jobs.size(), 0.0);
  s.rack_job_energy.assign(s.jobs.size(), 0.0);
  s.tick_fast_nodes.assign(s.jobs.size() + 1, 0);
  s.tick_job_nodes.assign(s.jobs.size(), 0);
  s.node_swing_k.assign(static_cast<std::size_t>(s.apn), 0.0f);
  const double wall0 = MPI_Wtime();
  double last_log = wall0;
  const double interval_s = static_cast<double>(s.ticks_per_output) * s.dt;
  const auto n_jobs = s.jobs.size();
  std::vector<double> job_rates(n_jobs, 0.0);
  for (std::size_t j = 0; j < n_jobs; ++j) {
    double per_acc = 0.0;
    for (int k = 0; k < s.job_table.count; ++k)
      per_acc += s.job_table.steady_rate_per_s[k] + s.job_table.cycling_rate_per_s[k];
    job_rates[j] =
        s.sc.faults.enabled ? per_acc * static_cast<double>(s.jobs[j].spec.accelerators()) : 0.0;
  }
  std::vector<Candidate> candidates;

  double last_save = wall0;
  for (std::int64_t k = s.start_tick; k < s.ticks; ++k) {
    const double t0 = static_cast<double>(k) * s.dt;
    const double t1 = t0 + s.dt;
    double wet = 0.0;
    const double dry = s.weather_dry_c(t0 + 0.5 * s.dt, &wet);

    // Replicated control: each job's phases over the tick.
    for (std::size_t j = 0; j < n_jobs; ++j) {
      State::Job& job = s.jobs[j];
      const double step_s = workload::step_time_s(job.breakdown, job.slowest_clock);
      job.runtime.set_step_s(step_s);
      const JobTickShare share = job.runtime.advance(t0, t1);
      JobTick& jt = job.tick;
      jt.run_f = share.running_s / s.dt;
      jt.checkpoint_f = share.checkpoint_s / s.dt;
      jt.recovery_f = share.recovery_s / s.dt;
      jt.waiting_f = share.waiting_s / s.dt;
      jt.slowest_clock = job.slowest_clock;
      jt.step_s = step_s;
      jt.compute_f = job.breakdown.compute_s / job.slowest_clock / step_s;
      jt.bubble_f = job.breakdown.bubble_s / job.slowest_clock / step_s;
      jt.comm_f = job.breakdown.exposed_comm_s / step_s;
      jt.half_swing_per_r =
          thermal::half_swing_k_per_w(1.0, s.sc.accelerator.time_constant_s, step_s, jt.compute_f,
                                      1.0, s.sc.activity.communicating);
      s.job_step_interval[j] += step_s * share.running_s;
      s.job_running_interval[j] += share.running_s;
      const JobRuntime::Marks marks = job.runtime.take_marks();
      if (marks.checkpoint_starts)
        s.emit_event(marks.last_checkpoint_start_s, ev_checkpoint_start, -1, -1, -1,
                     static_cast<int>(j), 0.0);
      if (marks.checkpoint_ends)
        s.emit_event(marks.last_checkpoint_end_s, ev_checkpoint_end, -1, -1, -1,
                     static_cast<int>(j), 0.0);
      if (marks.recovery_ends)
        s.emit_event(marks.last_recovery_end_s, ev_recovery_end, -1, -1, -1, static_cast<int>(j),
                     0.0);
    }

    s.grid_tick(t0, dry, wet);
    s.prepare_fast();
    if (k % s.hazard_every == 0) s.hazard_update(t0);
    red.clear();
    s.kernel(red, t0);
    // Stop and save requests ride on the tick's reduction, so every rank acts on the same tick.
    if ((control.stop_flag && *control.stop_flag) ||
        (control.stop_after_s > 0 && t1 >= control.stop_after_s))
      red.maxima()[ml.stop()] = 1.0;
    if (s.rank == 0 && control.restart_every_wall_s > 0 &&
        MPI_Wtime() - last_save >= control.restart_every_wall_s)
      red.maxima()[ml.save()] = 1.0;
    red.allreduce(s.comm);

    // --- replicated from here: every rank has the same reduced values ---
    const std::int64_t* sums = red.sums();
    const double* maxima = red.maxima();
    const double it_w = from_fixed(sums[sl.it_power()], kWattScale);
    s.plant = thermal::plant_output(s.sc.plant, it_w, dry, wet);
    s.supply_c = s.plant.supply_temperature_c;
    for (int c = 0; c < kCategoryCount; ++c) {
      const double ts = from_fixed(sums[sl.cat_time(c)], kSecondScale);
      const double ej = from_fixed(sums[sl.cat_energy(c)], kJouleScale);
      s.cat_time_interval[c] += ts;
      s.cat_time_total[c] += ts;
      s.cat_energy_interval[c] += ej;
      s.cat_energy_total[c] += ej;
    }
    s.throttled_acc_ticks += static_cast<double>(sums[sl.throttled()]);
    s.swing_k_s += from_fixed(sums[sl.swing_time()], kSecondScale);
    s.running_acc_s += from_fixed(sums[sl.running_time()], kSecondScale);
    s.large_cycles += sums[sl.large_cycles()];
    s.large_swing_k += from_fixed(sums[sl.large_swing()], kSecondScale);
    s.thermal_trips += sums[sl.trips()];
    s.max_junction_c = std::max(s.max_junction_c, maxima[ml.max_junction()]);
    const double it_j = it_w * s.dt;
    s.energy_it_j += it_j;
    s.energy_facility_j += s.plant.facility_power_w * s.dt;
    s.energy_cooling_j += s.plant.cooling_power_w * s.dt;
    s.water_l += s.plant.water_l_per_s * s.dt;
    s.heat_removed_j += s.plant.heat_removed_from_it_w * s.dt;
    s.heat_rejected_j += s.plant.heat_rejected_w * s.dt;
    s.interval_it_j += it_j;
    s.interval_cooling_j += s.plant.cooling_power_w * s.dt;
    s.interval_facility_j += s.plant.facility_power_w * s.dt;
    s.interval_water_l += s.plant.water_l_per_s * s.dt;
    s.interval_outdoor += dry * s.dt;
    {
      const double unix_s = s.sc.time.start_unix_s + t0;
      const double price = s.price_signal->mean_over(unix_s, unix_s + s.dt);
      const power::TickGridRates rates =
          s.ledger.add(s.plant.facility_power_w, s.dt, s.carbon_g_per_kwh, price);
      s.interval_carbon_g += rates.carbon_g_per_s * s.dt;
      s.interval_cost_usd += rates.cost_usd_per_s * s.dt;
      s.interval_price_j += price * s.plant.facility_power_w * s.dt;
      s.swing->observe(s.plant.facility_power_w);
      s.cap_exceedance_w =
          std::max(s.cap_exceedance_w, s.plant.facility_power_w - s.facility_cap_w);
      s.interval_cap_min_w = std::min(s.interval_cap_min_w, s.facility_cap_w);
      s.interval_acc_cap_min_w = std::min(s.interval_acc_cap_min_w, s.accelerator_cap_w);
      s.interval_facility_max_w = std::max(s.interval_facility_max_w, s.plant.facility_power_w);
    }
    s.interval_wet += wet * s.dt;

    candidates.clear();
    for (std::size_t j = 0; j < n_jobs; ++j) {
      State::Job& job = s.jobs[j];
      job.runtime.settle_tick(
          from_fixed(sums[sl.job_compute_time(static_cast<int>(j))], kSecondScale),
          from_fixed(sums[sl.job_compute_energy(static_cast<int>(j))], kJouleScale));
      const double neg = maxima[ml.neg_clock(static_cast<int>(j))];
      if (std::isfinite(neg)) job.slowest_clock = -neg;
      // Job-scope failures (software, planned maintenance) accrue while the job runs.
      const double run_s = job.tick.run_f * s.dt;
      if (job_rates[j] > 0 && run_s > 0) {
        const double before = job.hazard;
        job.hazard += job_rates[j] * run_s;
        if (job.hazard >= job.threshold) {
          const double frac = (job.threshold - before) / (job_rates[j] * run_s);
          double* rates = s.scratch_rates.data();
          for (int c = 0; c < s.job_table.count; ++c)
            rates[c] = s.job_table.steady_rate_per_s[c] + s.job_table.cycling_rate_per_s[c];
          const auto key = faults::component_key(faults::Scope::job, j);
          const auto cls =
              faults::choose_cause(rates, s.job_table.classes.data(), s.job_table.count,
                                   faults::cause_uniform(s.seed, key, job.life));
          candidates.push_back(Candidate{t0 + frac * s.dt, static_cast<std::int64_t>(key),
                                         static_cast<std::int32_t>(cls)});
        }
      }
    }
    for (std::int64_t h = 0; h < static_cast<std::int64_t>(s.spine_next_s.size()); ++h)
      if (s.spine_next_s[h] < t1)
        candidates.push_back(
            Candidate{s.spine_next_s[h],
                      static_cast<std::int64_t>(faults::component_key(
                          faults::Scope::spine_switch, static_cast<std::uint64_t>(h))),
                      static_cast<std::int32_t>(faults::FailureClass::spine_switch)});
    const FailureSlot* slots = red.slots();
    for (std::size_t j = 0; j <= n_jobs; ++j)
      if (std::isfinite(slots[j].time_s))
        candidates.push_back(Candidate{slots[j].time_s, slots[j].key, slots[j].failure_class});
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      return a.time_s != b.time_s ? a.time_s < b.time_s : a.key < b.key;
    });
    for (const Candidate& c : candidates) s.apply_failure(c, t1);
    s.complete_repairs(t1);

    // Output interval.
    if ((k + 1) % s.ticks_per_output == 0) {
      const double ws0 = MPI_Wtime();
      if (out) {
        auto set = [&](const char* path, double v) { out->set(out->series_index(path), v); };
        set("facility/power_it_w", s.interval_it_j / interval_s);
        set("facility/power_cooling_w", s.interval_cooling_j / interval_s);
        const double loss_j = s.interval_facility_j - s.interval_it_j - s.interval_cooling_j;
        set("facility/power_distribution_loss_w", loss_j / interval_s);
        set("facility/power_facility_w", s.interval_facility_j / interval_s);
        set("facility/pue", s.interval_it_j > 0 ? s.interval_facility_j / s.interval_it_j : 0.0);
        set("facility/outdoor_temperature_c", s.interval_outdoor / interval_s);
        set("facility/outdoor_wet_bulb_c", s.interval_wet / interval_s);
        set("facility/supply_temperature_c", s.supply_c);
        set("facility/water_l_per_s", s.interval_water_l / interval_s);
        set("facility/power_facility_max_w", s.interval_facility_max_w);
        set("facility/power_cap_w",
            std::isfinite(s.interval_cap_min_w) ? s.interval_cap_min_w : std::nan(""));
        set("facility/accelerator_power_cap_w", s.interval_acc_cap_min_w);
        set("facility/carbon_g_per_s", s.interval_carbon_g / interval_s);
        set("facility/cost_usd_per_s", s.interval_cost_usd / interval_s);
        set("facility/price_usd_per_mwh",
            s.interval_facility_j > 0 ? s.interval_price_j / s.interval_facility_j : 0.0);
        set("facility/energy_it_j", s.energy_it_j);
        set("facility/energy_facility_j", s.energy_facility_j);
        for (int c = 0; c < kCategoryCount; ++c) {
          set(("accelerator_time/" + std::string(kCategoryNames[c])).c_str(),
              s.cat_time_interval[c]);
          set(("accelerator_energy/" + std::string(kCategoryNames[c])).c_str(),
              s.cat_energy_interval[c]);
        }
        for (std::size_t j = 0; j < n_jobs; ++j) {
          const State::Job& job = s.jobs[j];
          const std::string g = "jobs/" + job.spec.name + "/";
          set((g + "state").c_str(), static_cast<double>(job.runtime.phase()));
          set((g + "iterations").c_str(), job.runtime.durable_iterations());
          set((g + "progress_iterations").c_str(), job.runtime.iterations());
          set((g + "tokens").c_str(), job.runtime.durable_iterations() * job.tokens_per_step);
          set((g + "step_time_s").c_str(), s.job_running_interval[j] > 0
                                               ? s.job_step_interval[j] / s.job_running_interval[j]
                                               : 0.0);
          set((g + "slowest_clock_ratio").c_str(), job.slowest_clock);
        }
        const double n_ticks = static_cast<double>(s.ticks_per_output);
        std::vector<double> rv(s.block.rack_count);
        auto racks = [&](const char* path, const std::vector<double>& acc, double div) {
          for (std::int64_t r = 0; r < s.block.rack_count; ++r) rv[r] = acc[r] / div;
          out->set_racks(out->series_index(path), rv.data());
        };
        racks("racks/power_w", s.racc_power, n_ticks);
        racks("racks/inlet_temperature_c", s.racc_inlet, n_ticks);
        racks("racks/max_junction_temperature_c", s.racc_max_junction, 1.0);
        racks("racks/throttled_fraction", s.racc_throttled, n_ticks);
        // Exact multiples of the output interval (k·tick accumulates rounding for ticks like 0.1
        // s).
        out->commit_sample(static_cast<double>((k + 1) / s.ticks_per_output) * interval_s);
      }
      s.cat_time_interval.fill(0.0);
      s.cat_energy_interval.fill(0.0);
      s.interval_it_j = s.interval_cooling_j = s.interval_facility_j = s.interval_water_l = 0.0;
      s.interval_outdoor = s.interval_wet = 0.0;
      s.interval_carbon_g = s.interval_cost_usd = s.interval_price_j = 0.0;
      s.interval_cap_min_w = s.interval_acc_cap_min_w = kInf;
      s.interval_facility_max_w = 0.0;
      std::fill(s.job_step_interval.begin(), s.job_step_interval.end(), 0.0);
      std::fill(s.job_running_interval.begin(), s.job_running_interval.end(), 0.0);
      std::fill(s.racc_power.begin(), s.racc_power.end(), 0.0);
      std::fill(s.racc_inlet.begin(), s.racc_inlet.end(), 0.0);
      std::fill(s.racc_max_junction.begin(), s.racc_max_junction.end(), -kInf);
      std::fill(s.racc_throttled.begin(), s.racc_throttled.end(), 0.0);
      s.stats.output_s += MPI_Wtime() - ws0;
    }

    if (control.pace > 0) {
      // A live twin (or a test that must signal a run): hold the tick until its wall time.
      const double due = wall0 + (t1 - static_cast<double>(s.start_tick) * s.dt) / control.pace;
      const double wait_s = due - MPI_Wtime();
      if (wait_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
    }
    const bool stop = red.maxima()[ml.stop()] > 0.0;
    if (!control.restart_path.empty() && (stop || red.maxima()[ml.save()] > 0.0)) {
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
  s.stats.wall_s = MPI_Wtime() - wall0;
  s.stats.mpi_reduce_s = red.seconds_in_mpi();

  // Summary figures (DESIGN §10).
  Figures f;
  const double sim_s = static_cast<double>(s.ticks) * s.dt;
  const double n_acc = static_cast<double>(s.campus.accelerators());
  double iterations = 0.0, tokens = 0.0;
  // Progress at the end of the run: failures have already rolled back what they lost.
  for (const auto& job : s.jobs) {
    iterations += job.runtime.iterations();
    tokens += job.runtime.iterations() * job.tokens_per_step;
  }
  const double allocated = n_acc * sim_s - s.cat_time_total[unallocated];
  f.emplace_back("simulated_s", sim_s);
  f.emplace_back("accelerators", n_acc);
  f.emplace_back("energy_it_j", s.energy_it_j);
  f.emplace_back("energy_cooling_j", s.energy_cooling_j);
  f.emplace_back("energy_facility_j", s.energy_facility_j);
  f.emplace_back("pue_mean", s.energy_it_j > 0 ? s.energy_facility_j / s.energy_it_j : 0.0);
  f.emplace_back("carbon_kg", s.ledger.carbon_kg());
  f.emplace_back("cost_usd", s.ledger.cost_usd());
  f.emplace_back("peak_demand_w", s.swing->peak_w());
  f.emplace_back("largest_swing_w", s.swing->largest_window_swing_w());
  f.emplace_back("largest_step_w", s.swing->largest_step_w());
  f.emplace_back("largest_ramp_w_per_s", s.swing->largest_ramp_w_per_s());
  f.emplace_back("cap_exceedance_w", s.cap_exceedance_w);
  f.emplace_back("heat_removed_j", s.heat_removed_j);
  f.emplace_back("heat_rejected_j", s.heat_rejected_j);
  f.emplace_back("water_l", s.water_l);
  f.emplace_back("wue_l_per_kwh", s.energy_it_j > 0 ? s.water_l / (s.energy_it_j / 3.6e6) : 0.0);
  f.emplace_back("interruptions", static_cast<double>(s.interruptions));
  f.emplace_back("interruptions_unplanned", static_cast<double>(s.interruptions_unplanned));
  f.emplace_back("failures", static_cast<double>(s.failures_total));
  f.emplace_back("mtbf_observed_s", s.interruptions_unplanned > 0
                                        ? sim_s / static_cast<double>(s.interruptions_unplanned)
                                        : sim_s);
  f.emplace_back("thermal_trips", static_cast<double>(s.thermal_trips));
  f.emplace_back("ettr", allocated > 0 ? s.cat_time_total[compute] / allocated : 0.0);
  // Time in training steps (compute and the bubbles inside steps) over allocated time: the
  // "effective training time" of published reports, which count the pipeline bubble as training.
  f.emplace_back("training_time_fraction",
                 allocated > 0
                     ? (s.cat_time_total[compute] + s.cat_time_total[pipeline_bubble] +
                        s.cat_time_total[exposed_comm] + s.cat_time_total[straggler_wait]) /
                           allocated
                     : 0.0);
  f.emplace_back("iterations", iterations);
  f.emplace_back("tokens", tokens);
  f.emplace_back("joules_per_token", tokens > 0 ? s.energy_facility_j / tokens : 0.0);
  f.emplace_back("throttled_fraction",
                 s.throttled_acc_ticks / (n_acc * static_cast<double>(s.ticks)));
  f.emplace_back("max_junction_temperature_c", s.max_junction_c);
  f.emplace_back("iteration_swing_k_mean",
                 s.running_acc_s > 0 ? s.swing_k_s / s.running_acc_s : 0.0);
  f.emplace_back("large_cycles", static_cast<double>(s.large_cycles));
  f.emplace_back("large_cycle_swing_k_mean",
                 s.large_cycles > 0 ? s.large_swing_k / static_cast<double>(s.large_cycles) : 0.0);
  for (int c = 0; c < kCategoryCount; ++c)
    f.emplace_back("accelerator_s_" + std::string(kCategoryNames[c]), s.cat_time_total[c]);
  for (int c = 0; c < kCategoryCount; ++c)
    f.emplace_back("energy_j_" + std::string(kCategoryNames[c]), s.cat_energy_total[c]);
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    f.emplace_back(
        "failures_" + std::string(faults::failure_class_name(static_cast<faults::FailureClass>(c))),
        static_cast<double>(s.failures_by_class[c]));
  return f;
}

}  // namespace ct::twin
