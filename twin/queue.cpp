#include "twin/queue.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "sched/registry.hpp"
#include "sched/synthetic.hpp"
#include "thermal/accelerator_power.hpp"
#include "twin/batch_job.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin {

namespace {
constexpr std::int8_t kNotSubmitted = 0, kQueued = 1, kRunning = 2, kDone = 3;
}  // namespace

Queue::Queue(Engine::State& s)
    : s_(s),
      spec_(*s.sc.queue),
      requests_(spec_.synthetic && s.seed != s.sc.seed
                    ? [&] {
                        sched::SyntheticSpec own = *spec_.synthetic;
                        own.seed = s.seed;  // each replica draws its own workload
                        return sched::generate(own);
                      }()
                    : spec_.jobs),
      scheduler_(sched::make_scheduler(spec_.policy, spec_.policy_options)),
      topology_(sched::NodeTopology::from_campus(s.campus)) {
  records_.resize(requests_.size());
  for (std::size_t i = 0; i < requests_.size(); ++i) {
    const sched::JobRequest& r = requests_[i];
    Record& rec = records_[i];
    rec.order_s = std::max(r.submit_s, r.earliest_start_s);
    rec.remaining_s = r.run_time_s();
    rec.walltime_left_s = r.walltime_s;
    rec.outcome.id = r.id;
    rec.outcome.accelerators = r.accelerators;
    rec.outcome.submit_s = r.submit_s;
  }
}

Queue::~Queue() = default;

BatchJob& Queue::job(std::int64_t index) const {
  return static_cast<BatchJob&>(*s_.control.jobs[records_[index].slot].work);
}

std::unique_ptr<BatchJob> Queue::make_job(std::int64_t index, int slot) const {
  const WorkloadEnv env{s_.sc, s_.campus, s_.seed, s_.dt, [this](double t, EventKind kind, int j) {
                          s_.emit_event(t, kind, -1, -1, -1, j, 0.0);
                        }};
  auto job =
      std::make_unique<BatchJob>(requests_[index], records_[index].remaining_s, spec_, env, slot);
  job->start(Allocation{});
  return job;
}

void Queue::check_state() const {
  const auto n = static_cast<std::int64_t>(requests_.size());
  if (static_cast<std::int64_t>(records_.size()) != n || next_arrival_ > requests_.size())
    throw std::runtime_error("the queue's records do not match its workload");
  for (const auto* list : {&running_, &queued_})
    for (std::int64_t i : *list)
      if (i < 0 || i >= n) throw std::runtime_error("a queue index out of range");
  for (const Record& r : records_)
    if (r.state < kNotSubmitted || r.state > kDone || r.slot < -1)
      throw std::runtime_error("a queue record with an invalid state");
}

void Queue::declare_series(SeriesTable& t) {
  auto last = [&](const char* name, const char* units, const char* long_name,
                  std::function<double()> sample) {
    SeriesDef d = series_def(std::string("queue/") + name, units, long_name, Accumulate::last);
    d.sample = std::move(sample);
    return t.add(std::move(d));
  };
  queued_series_ =
      last("queue_length", "1", "jobs waiting in the queue at the end of the interval", [this] {
        std::int64_t n = 0;
        for (const Record& r : records_) n += r.state == kQueued ? 1 : 0;
        return static_cast<double>(n);
      });
  running_series_ =
      last("running_jobs", "1", "queue jobs holding nodes at the end of the interval", [this] {
        std::int64_t n = 0;
        for (const Record& r : records_) n += r.state == kRunning ? 1 : 0;
        return static_cast<double>(n);
      });
  allocated_series_ =
      t.add(series_def("queue/allocated_accelerators", "1",
                       "accelerators of nodes held by jobs, interval mean", Accumulate::time_mean));
  idle_series_ = t.add(series_def("queue/idle_accelerators", "1",
                                  "accelerators of free nodes that are up, interval mean",
                                  Accumulate::time_mean));
}

void Queue::begin_tick(double t0_s) {
  // Arrivals.
  while (next_arrival_ < requests_.size() && requests_[next_arrival_].submit_s <= t0_s) {
    records_[next_arrival_].state = kQueued;
    queued_.push_back(static_cast<std::int64_t>(next_arrival_));
    ++next_arrival_;
    dirty_ = true;
  }
  const bool interval_due =
      spec_.decision_interval_s > 0 && t0_s - last_decision_s_ >= spec_.decision_interval_s;
  if (dirty_ || t0_s >= wake_at_s_ || interval_due) decide(t0_s);
  // Node occupancy of this tick (interval means), from the jobs' allocations: nodes held,
  // hot spares held back, nodes in repair; the rest are free.
  std::int64_t allocated = 0, spares = 0;
  for (const JobControl::Job& j : s_.control.jobs) {
    if (!j.active) continue;
    allocated += static_cast<std::int64_t>(j.alloc.nodes.size() - j.alloc.missing_slots.size());
    for (std::int64_t n : j.alloc.spares)
      spares += s_.control.node_role[n] == NodeRole::spare ? 1 : 0;
  }
  const std::int64_t idle =
      s_.campus.nodes() - allocated - spares - static_cast<std::int64_t>(s_.control.repairs.size());
  s_.series.add_time(allocated_series_, static_cast<double>(allocated * s_.apn));
  s_.series.add_time(idle_series_, static_cast<double>(idle * s_.apn));
}

void Queue::decide(double now_s) {
  dirty_ = false;
  last_decision_s_ = now_s;
  std::vector<std::int64_t> free_nodes;
  for (std::int64_t n = 0; n < static_cast<std::int64_t>(s_.control.node_role.size()); ++n)
    if (s_.control.node_role[n] == NodeRole::free) free_nodes.push_back(n);
  std::vector<sched::RunningJob> running;
  std::vector<sched::QueuedJob> queued;
  for (std::int64_t i : running_) {
    const Record& r = records_[i];
    const sched::JobRequest& q = requests_[i];
    running.push_back(sched::RunningJob{q.id, q.nodes, r.attempt_start_s,
                                        r.attempt_start_s + r.walltime_left_s, q.priority,
                                        q.preemptible, job(i).stopped()});
  }
  double ready_wake_s = sched::kNever;  // moving jobs become eligible after their transfer
  for (std::int64_t i : queued_) {
    const Record& r = records_[i];
    const sched::JobRequest& q = requests_[i];
    if (r.ready_s > now_s) {
      ready_wake_s = std::min(ready_wake_s, r.ready_s);
      continue;
    }
    queued.push_back(sched::QueuedJob{q.id, q.nodes, r.order_s, q.submit_s, q.earliest_start_s,
                                      q.deadline_s, r.walltime_left_s, q.priority, q.preemptible});
  }
  sched::ClusterView view;
  view.topology = &topology_;
  view.free_nodes = free_nodes;
  view.running = running;
  view.queue = queued;
  // Power: the cap in force less the facility's draw (summed over the sites); a busy node's
  // facility power at the accelerator cap (IT × the plant's present PUE).
  double headroom_w = 0.0, facility_w = 0.0, it_w = 0.0;
  for (const Facility& site : s_.sites) {
    headroom_w += site.facility_cap_w - site.plant.facility_power_w;
    facility_w += site.plant.facility_power_w;
    it_w += site.it_w;
  }
  const Facility& fa = s_.sites.front();
  const double pue = s_.sites.size() == 1 ? (fa.plant.pue > 0 ? fa.plant.pue : 1.0)
                     : it_w > 0           ? facility_w / it_w
                                          : 1.0;
  view.power.headroom_w = std::isfinite(headroom_w) ? headroom_w : sched::kNever;
  const double busy_node_w =
      thermal::node_power_w(s_.sc.accelerator, static_cast<double>(s_.apn) * s_.sc.power_cap_w);
  const double idle_node_w = thermal::node_power_w(
      s_.sc.accelerator, static_cast<double>(s_.apn) * s_.sc.accelerator.idle_w);
  view.power.node_power_w = (busy_node_w - idle_node_w) * pue;
  const double start_unix = s_.sc.time.start_unix_s;
  // Forecasts: with several sites, the best site's (where geographic placement sends a job).
  const std::vector<Facility>& sites = s_.sites;
  const auto best_of = [&sites, start_unix](std::optional<power::GridSignal> Facility::*signal) {
    return [&sites, start_unix, signal](double a, double b) {
      double best = sched::kNever;
      for (const Facility& site : sites)
        best = std::min(
            best, (site.*signal)->mean_over(start_unix + a, start_unix + std::max(b, a + 1.0)));
      return best;
    };
  };
  view.carbon_forecast = best_of(&Facility::carbon_signal);
  view.price_forecast = best_of(&Facility::price_signal);
  const sched::DecisionSet d = scheduler_->decide(view, now_s);
  wake_at_s_ = std::min(d.wake_at_s, ready_wake_s);
  // Job ids → records (ids are unique among the waiting and running jobs).
  auto index_of = [&](std::int64_t id) {
    for (std::int64_t i : queued_)
      if (requests_[i].id == id) return i;
    for (std::int64_t i : running_)
      if (requests_[i].id == id) return i;
    return std::int64_t{-1};
  };
  std::vector<std::int8_t> given;  // several sites: nodes handed out in this decision
  if (s_.sites.size() > 1) given.assign(s_.control.node_role.size(), 0);
  for (const sched::Decision& dec : d.decisions) {
    const std::int64_t i = index_of(dec.job_id);
    if (i < 0) continue;
    if (dec.kind == sched::Decision::Kind::start && records_[i].state == kQueued) {
      if (s_.sites.size() == 1) {
        start(i, dec.nodes, now_s);
        continue;
      }
      // Geographic placement: the job's nodes at one site (queue.site_policy); none with room:
      // it waits for the next decision.
      const std::vector<std::int64_t> nodes = site_nodes(i, dec.nodes.size(), now_s, given);
      if (nodes.empty()) {
        wake_at_s_ = std::min(wake_at_s_, now_s + 60.0);
        continue;
      }
      start(i, nodes, now_s);
    } else if (dec.kind == sched::Decision::Kind::preempt && records_[i].state == kRunning) {
      ++records_[i].outcome.preemptions;
      job(i).request_stop(now_s);
    }
  }
}

// A move pays when the signal saved over the remaining run, (v_here − v_there)·P·T, exceeds the
// signal spent while the job's nodes wait for its state: v_here·P·(transfer + load), with P the
// job's facility power this tick, T its remaining work at full clock, v the sites' mean signal
// over [t, t + T], and the transfer its accelerator memory (HBM) over the sites' link.
void Queue::consider_move(std::int64_t index, double t1_s) {
  Record& r = records_[index];
  const JobControl::Job& j = s_.control.jobs[r.slot];
  const BatchJob& b = job(index);
  const auto here = static_cast<std::size_t>(j.site);
  const double remaining_s = std::max(r.remaining_s - b.durable_work_s(), 0.0);
  if (remaining_s <= 0.0) return;
  const double unix_s = s_.sc.time.start_unix_s + t1_s;
  const bool carbon = spec_.site_policy == io::QueueSpec::SitePolicy::lowest_carbon;
  auto value = [&](const Facility& site) {
    const power::GridSignal& g = carbon ? *site.carbon_signal : *site.price_signal;
    return g.mean_over(unix_s, unix_s + remaining_s);
  };
  const Facility& home = s_.sites[here];
  const double pue = home.it_w > 0 ? home.plant.facility_power_w / home.it_w : 1.0;
  const double power_w = j.tick_energy_j / s_.dt * pue;
  const double bytes =
      static_cast<double>(requests_[index].nodes * s_.apn) * s_.sc.accelerator.hbm_bytes;
  const double v_here = value(home);
  int best = -1;
  double best_net = 0.0, best_move_s = 0.0;
  for (std::size_t k = 0; k < s_.sites.size(); ++k) {
    if (k == here) continue;
    const io::LinkSpec* link =
        s_.sc.link_between(static_cast<std::int32_t>(here), static_cast<std::int32_t>(k));
    if (!link) continue;
    const Facility& there = s_.sites[k];
    std::int64_t free = 0;
    for (std::int64_t n = there.first_node; n < there.first_node + there.nodes; ++n)
      free += s_.control.node_role[n] == NodeRole::free;
    if (free < requests_[index].nodes) continue;
    const double move_s = topology::transfer_time_s(link->link, bytes) + spec_.load_s;
    const double net = (v_here - value(there)) * power_w * remaining_s - v_here * power_w * move_s;
    if (net > best_net) best = static_cast<int>(k), best_net = net, best_move_s = move_s;
  }
  if (best < 0) return;
  job(index).request_stop(t1_s);
  r.ready_s = t1_s + best_move_s;
  ++r.migrations;
}

std::vector<std::int64_t> Queue::site_nodes(std::int64_t index, std::size_t count, double now_s,
                                            std::vector<std::int8_t>& given) const {
  const double start_unix = s_.sc.time.start_unix_s + now_s;
  const double run_s = std::max(records_[index].remaining_s, 1.0);
  int best = -1;
  double best_value = 0.0;
  for (std::size_t k = 0; k < s_.sites.size(); ++k) {
    const Facility& site = s_.sites[k];
    std::size_t free = 0;
    for (std::int64_t n = site.first_node; n < site.first_node + site.nodes && free < count; ++n)
      free += s_.control.node_role[n] == NodeRole::free && !given[n];
    if (free < count) continue;
    double value = 0.0;  // first: list order
    if (spec_.site_policy == io::QueueSpec::SitePolicy::lowest_carbon)
      value = site.carbon_signal->mean_over(start_unix, start_unix + run_s);
    else if (spec_.site_policy == io::QueueSpec::SitePolicy::lowest_price)
      value = site.price_signal->mean_over(start_unix, start_unix + run_s);
    if (best < 0 || value < best_value) best = static_cast<int>(k), best_value = value;
  }
  std::vector<std::int64_t> nodes;
  if (best < 0) return nodes;
  const Facility& site = s_.sites[static_cast<std::size_t>(best)];
  for (std::int64_t n = site.first_node; n < site.first_node + site.nodes && nodes.size() < count;
       ++n)
    if (s_.control.node_role[n] == NodeRole::free && !given[n]) {
      nodes.push_back(n);
      given[n] = 1;
    }
  return nodes;
}

void Queue::start(std::int64_t index, const std::vector<std::int64_t>& nodes, double now_s) {
  Record& r = records_[index];
  const int slot = s_.add_job_slot();
  JobControl::Job& j = s_.control.jobs[slot];
  j.work = make_job(index, slot);
  j.alloc = Allocation{nodes, {}, {}};
  j.queue_index = index;
  j.site = s_.site_of_node(nodes.front());
  s_.activate_job_slot(slot);
  r.slot = slot;
  r.state = kRunning;
  std::erase(queued_, index);
  running_.push_back(index);
  r.attempt_start_s = now_s;
  if (!(r.outcome.first_start_s < sched::kNever)) r.outcome.first_start_s = now_s;
}

void Queue::end_attempt(std::int64_t index, double time_s, bool finished) {
  Record& r = records_[index];
  BatchJob& b = job(index);
  r.outcome.held_s += time_s - r.attempt_start_s;
  const double kept_s = finished ? r.remaining_s : b.durable_work_s();
  r.outcome.productive_s += kept_s;
  r.outcome.lost_accelerator_s += b.lost_accelerator_s();
  r.remaining_s = finished ? 0.0 : std::max(r.remaining_s - kept_s, 0.0);
  r.walltime_left_s = std::max(r.walltime_left_s - (time_s - r.attempt_start_s), r.remaining_s);
  s_.release_job_slot(r.slot);
  r.slot = -1;
  std::erase(running_, index);
  if (finished) {
    r.state = kDone;
    r.outcome.end_s = time_s;
  } else {
    r.state = kQueued;
    queued_.push_back(index);
    if (!spec_.requeue_front) r.order_s = time_s;
  }
  dirty_ = true;
}

void Queue::end_tick(double t1_s) {
  scratch_ = running_;  // end_attempt() edits running_ (scratch_ keeps its capacity)
  for (std::int64_t idx : scratch_) {
    Record& r = records_[idx];
    JobControl::Job& j = s_.control.jobs[r.slot];
    BatchJob& b = job(idx);
    r.energy_j += j.tick_energy_j;
    if (spec_.migrate && b.checkpointed_this_tick() && !b.finished() && !b.stopped())
      consider_move(idx, t1_s);
    // Its site's grid carbon per IT joule, with the overheads (one site: the campus's).
    r.carbon_g += j.tick_energy_j * s_.sites[static_cast<std::size_t>(j.site)].carbon_g_per_j_it;
    if (b.finished() || b.stopped()) {
      end_attempt(idx, b.done_at_s(), b.finished());
      continue;
    }
    // Interrupted by a failure this tick: a free node replaces each failed one, or requeue.
    if (j.interrupted_this_tick) {
      ++r.outcome.interruptions;
      Allocation& a = j.alloc;
      // Free nodes of its site (one site: the campus).
      std::vector<std::int64_t> free_nodes;
      const Facility& home = s_.sites[static_cast<std::size_t>(j.site)];
      for (std::int64_t n = home.first_node;
           n < home.first_node + home.nodes && free_nodes.size() < a.missing_slots.size(); ++n)
        if (s_.control.node_role[n] == NodeRole::free) free_nodes.push_back(n);
      if (spec_.on_failure == io::QueueSpec::OnFailure::spare &&
          free_nodes.size() == a.missing_slots.size()) {
        for (std::size_t k = 0; k < free_nodes.size(); ++k) {
          const std::int64_t n = free_nodes[k];
          a.nodes[a.missing_slots[k]] = n;
          s_.control.node_role[n] = NodeRole::active;
          s_.control.node_job[n] = static_cast<std::int16_t>(r.slot);
          s_.control.changed_nodes.push_back(n);
        }
        // The failed nodes are not the job's spares: they go back to the pool when repaired.
        for (std::int64_t n : a.spares)
          if (s_.control.node_job[n] == r.slot) {
            s_.control.node_job[n] = -1;
            s_.control.changed_nodes.push_back(n);
          }
        a.spares.clear();
        if (!a.missing_slots.empty()) {
          a.missing_slots.clear();
          b.nodes_restored(t1_s);
        }
      } else {
        b.request_stop(t1_s);  // nothing is running: stops at once with what is durable
        end_attempt(idx, t1_s, false);
      }
    }
  }
}

std::vector<io::TableColumn> Queue::jobs_table(double end_s) const {
  using io::StoreType;
  const double nan = std::nan("");
  std::vector<io::TableColumn> cols;
  auto col = [&](const char* name, const char* units, const char* long_name, StoreType type,
                 auto value, bool fill = false) {
    io::TableColumn c{name, units, long_name, type, {}, {}, {}, fill};
    for (std::size_t i = 0; i < records_.size(); ++i) c.values.push_back(value(i));
    cols.push_back(std::move(c));
  };
  const auto& rq = requests_;
  const auto& rc = records_;
  auto held = [&](std::size_t i) {  // with the running attempt up to the end
    return rc[i].outcome.held_s + (rc[i].state == kRunning ? end_s - rc[i].attempt_start_s : 0.0);
  };
  col("job", "1", "job id (from the trace or the generator)", StoreType::i64,
      [&](std::size_t i) { return static_cast<double>(rq[i].id); });
  col("accelerators", "1", "accelerators doing work", StoreType::i64,
      [&](std::size_t i) { return static_cast<double>(rq[i].accelerators); });
  col("nodes", "1", "nodes held", StoreType::i64,
      [&](std::size_t i) { return static_cast<double>(rq[i].nodes); });
  col("submit_s", "s", "submit time (seconds since the start)", StoreType::f64,
      [&](std::size_t i) { return rq[i].submit_s; });
  col(
      "start_s", "s", "first start (NaN: never started)", StoreType::f64,
      [&](std::size_t i) {
        return rc[i].outcome.first_start_s < sched::kNever ? rc[i].outcome.first_start_s : nan;
      },
      true);
  col(
      "end_s", "s", "end (NaN: not finished)", StoreType::f64,
      [&](std::size_t i) { return rc[i].outcome.finished() ? rc[i].outcome.end_s : nan; }, true);
  col(
      "wait_s", "s", "first start − submit (NaN: never started)", StoreType::f64,
      [&](std::size_t i) {
        return rc[i].outcome.first_start_s < sched::kNever
                   ? rc[i].outcome.first_start_s - rq[i].submit_s
                   : nan;
      },
      true);
  col("run_time_s", "s", "time holding nodes, every attempt", StoreType::f64, held);
  col("work_s", "s", "work at full clock (run time if never slowed or interrupted)", StoreType::f64,
      [&](std::size_t i) { return rq[i].run_time_s(); });
  col("interruptions", "1", "failures that interrupted the job", StoreType::i64,
      [&](std::size_t i) { return static_cast<double>(rc[i].outcome.interruptions); });
  col("preemptions", "1", "times the job was preempted", StoreType::i64,
      [&](std::size_t i) { return static_cast<double>(rc[i].outcome.preemptions); });
  if (s_.sites.size() > 1)
    col("migrations", "1", "moves to another site at a checkpoint (queue.scheduler.migrate)",
        StoreType::i64, [&](std::size_t i) { return static_cast<double>(rc[i].migrations); });
  col("lost_accelerator_h", "h", "accelerator-hours of work lost to failures", StoreType::f64,
      [&](std::size_t i) { return rc[i].outcome.lost_accelerator_s / 3600.0; });
  col("energy_j", "J", "IT energy of the job's nodes while it held them", StoreType::f64,
      [&](std::size_t i) { return rc[i].energy_j; });
  col("carbon_kg", "kg",
      "CO2 of that energy with the facility's overhead, at the tick's grid "
      "intensity",
      StoreType::f64, [&](std::size_t i) { return rc[i].carbon_g / 1000.0; });
  io::TableColumn state{
      "state",       "1",  "job state at the end of the run",
      StoreType::i8, {},   {{"flag_meanings", "not_submitted queued running completed"}},
      {0, 1, 2, 3},  false};
  for (const Record& r : rc) state.values.push_back(static_cast<double>(r.state));
  cols.push_back(std::move(state));
  return cols;
}

void Queue::add_figures(Figures& f, double end_s) const {
  std::vector<sched::JobOutcome> outcomes;
  for (const Record& r : records_) {
    if (r.state == kNotSubmitted) continue;
    sched::JobOutcome o = r.outcome;
    if (r.state == kRunning) o.held_s += end_s - r.attempt_start_s;
    outcomes.push_back(o);
  }
  sched::FigureOptions opt;
  opt.campus_accelerators = s_.campus.accelerators();
  opt.window_s = end_s;
  opt.bucket_upper_accelerators = spec_.size_buckets_accelerators;
  const sched::ClusterFigures c = sched::cluster_figures(outcomes, opt);
  auto add = [&](const std::string& prefix, const sched::Figures& g) {
    f.emplace_back(prefix + "jobs", static_cast<double>(g.jobs));
    f.emplace_back(prefix + "jobs_finished", static_cast<double>(g.finished));
    f.emplace_back(prefix + "utilisation", g.utilisation);
    f.emplace_back(prefix + "goodput", g.goodput);
    f.emplace_back(prefix + "wait_mean_s", g.mean_wait_s);
    f.emplace_back(prefix + "wait_p95_s", g.p95_wait_s);
    f.emplace_back(prefix + "bounded_slowdown_mean", g.mean_bounded_slowdown);
    f.emplace_back(prefix + "ettr", g.ettr);
    f.emplace_back(prefix + "interruptions", static_cast<double>(g.interruptions));
    f.emplace_back(prefix + "mtti_s", g.mtti_s < sched::kNever ? g.mtti_s : 0.0);
  };
  add("queue_", c.all);
  if (s_.sites.size() > 1) {
    double moves = 0.0;
    for (const Record& r : records_) moves += r.migrations;
    f.emplace_back("queue_migrations", moves);
  }
  for (const sched::SizeBucket& b : c.by_size) {
    const std::string hi = b.max_accelerators == std::numeric_limits<std::int64_t>::max()
                               ? "up"
                               : std::to_string(b.max_accelerators);
    add("queue_" + std::to_string(b.min_accelerators) + "_" + hi + "_", b.figures);
  }
}

}  // namespace ct::twin
