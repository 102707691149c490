#include "sched/queue_sim.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <set>
#include <stdexcept>
#include <string>

#include "sched/strings.hpp"

namespace ct::sched {

std::vector<JobOutcome> SimResult::outcomes() const {
  std::vector<JobOutcome> out;
  out.reserve(jobs.size());
  for (const SimJobRecord& r : jobs) {
    JobOutcome o;
    o.id = r.id;
    o.accelerators = r.accelerators;
    o.submit_s = r.submit_s;
    o.first_start_s = r.first_start_s;
    o.end_s = r.end_s;
    o.held_s = r.held_s;
    o.productive_s = r.progress_s;
    o.preemptions = r.preemptions;
    out.push_back(o);
  }
  return out;
}

namespace {

enum class State : std::uint8_t { pending, queued, running, yielding, done };

struct Event {
  double time_s;
  std::int64_t job;  // index
  std::uint32_t generation;
  bool yield;  // false: the job's end
  bool operator>(const Event& o) const {
    if (time_s != o.time_s) return time_s > o.time_s;
    return job > o.job;
  }
};

struct Live {
  State state = State::pending;
  double remaining_run_s = 0.0;
  double remaining_wall_s = 0.0;
  double order_s = 0.0;
  double segment_start_s = 0.0;
  double requested_end_s = 0.0;  // running: start + wall time; yielding: the yield time
  std::vector<std::int64_t> nodes;
  std::uint32_t generation = 0;
};

std::string id_text(std::int64_t id) { return std::to_string(id); }

}  // namespace

SimResult simulate(const Scheduler& scheduler, std::span<const JobRequest> jobs,
                   const SimOptions& options) {
  const NodeTopology& topo = options.topology;
  const std::int64_t n_jobs = static_cast<std::int64_t>(jobs.size());
  SimResult result;
  result.jobs.resize(jobs.size());
  std::vector<Live> live(jobs.size());
  std::vector<std::pair<std::int64_t, std::int64_t>> by_id;  // (id, index), sorted
  by_id.reserve(jobs.size());
  for (std::int64_t i = 0; i < n_jobs; ++i) {
    const JobRequest& j = jobs[i];
    if (!(j.run_time_s() > 0.0)) {
      throw std::invalid_argument(cat({"simulate: job ", id_text(j.id), " has no known work"}));
    }
    if (j.nodes < 1 || j.nodes > topo.nodes()) {
      throw std::invalid_argument(cat({"simulate: job ", id_text(j.id), " needs ", id_text(j.nodes),
                                       " nodes, the pool has ", id_text(topo.nodes())}));
    }
    SimJobRecord& r = result.jobs[i];
    r.id = j.id;
    r.nodes = j.nodes;
    r.accelerators = j.accelerators;
    r.submit_s = j.submit_s;
    r.earliest_start_s = j.earliest_start_s;
    r.run_time_s = j.run_time_s();
    live[i].remaining_run_s = r.run_time_s;
    live[i].remaining_wall_s = std::max(j.walltime_s, r.run_time_s);
    live[i].order_s = std::max(j.submit_s, j.earliest_start_s);
    by_id.emplace_back(j.id, i);
  }
  std::sort(by_id.begin(), by_id.end());
  for (std::size_t k = 1; k < by_id.size(); ++k) {
    if (by_id[k].first == by_id[k - 1].first) {
      throw std::invalid_argument(cat({"simulate: job id ", id_text(by_id[k].first), " twice"}));
    }
  }
  const auto index_of = [&](std::int64_t id) -> std::int64_t {
    const auto it =
        std::lower_bound(by_id.begin(), by_id.end(), std::make_pair(id, std::int64_t{-1}));
    if (it == by_id.end() || it->first != id) {
      throw std::logic_error(cat({"simulate: the policy named unknown job ", id_text(id)}));
    }
    return it->second;
  };

  std::vector<std::int64_t> arrivals(jobs.size());
  for (std::int64_t i = 0; i < n_jobs; ++i) arrivals[i] = i;
  std::sort(arrivals.begin(), arrivals.end(), [&](std::int64_t a, std::int64_t b) {
    return jobs[a].submit_s != jobs[b].submit_s ? jobs[a].submit_s < jobs[b].submit_s
                                                : jobs[a].id < jobs[b].id;
  });
  std::size_t next_arrival = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  std::set<std::int64_t> queued, active;  // job indices (active: running or yielding)
  std::vector<std::uint8_t> busy(topo.nodes(), 0);
  std::int64_t busy_nodes = 0;
  double wake_s = kNever;
  double t = -kNever;

  std::vector<std::int64_t> free_nodes;
  std::vector<RunningJob> running_view;
  std::vector<QueuedJob> queue_view;

  const auto release = [&](std::int64_t i, double at_s) {
    Live& l = live[i];
    SimJobRecord& r = result.jobs[i];
    for (const std::int64_t n : l.nodes) busy[n] = 0;
    busy_nodes -= static_cast<std::int64_t>(l.nodes.size());
    r.held_s += at_s - l.segment_start_s;
    if (options.record_segments) r.segments.push_back({l.segment_start_s, at_s, l.nodes});
    l.nodes.clear();
    active.erase(i);
  };

  while (true) {
    // Next time something happens.
    while (!events.empty() && events.top().generation != live[events.top().job].generation) {
      events.pop();
    }
    double next_s = kNever;
    if (next_arrival < arrivals.size()) next_s = jobs[arrivals[next_arrival]].submit_s;
    if (!events.empty()) next_s = std::min(next_s, events.top().time_s);
    if (wake_s > t) next_s = std::min(next_s, wake_s);
    const bool moving = !active.empty() || next_arrival < arrivals.size();
    if (options.decision_interval_s > 0.0 && moving && t > -kNever) {
      next_s = std::min(next_s, (std::floor(t / options.decision_interval_s) + 1.0) *
                                    options.decision_interval_s);
    }
    if (next_s == kNever || next_s > options.end_s) break;
    t = std::max(next_s, t);
    result.last_event_s = t;

    while (next_arrival < arrivals.size() && jobs[arrivals[next_arrival]].submit_s <= t) {
      const std::int64_t i = arrivals[next_arrival++];
      live[i].state = State::queued;
      queued.insert(i);
    }
    while (!events.empty() && events.top().time_s <= t) {
      const Event e = events.top();
      events.pop();
      Live& l = live[e.job];
      if (e.generation != l.generation) continue;
      SimJobRecord& r = result.jobs[e.job];
      release(e.job, e.time_s);
      if (e.yield) {
        l.state = State::queued;
        queued.insert(e.job);
      } else {
        l.state = State::done;
        r.progress_s += l.remaining_run_s;
        l.remaining_run_s = 0.0;
        r.end_s = e.time_s;
      }
    }

    // The view.
    free_nodes.clear();
    for (std::int64_t n = 0; n < topo.nodes(); ++n) {
      if (busy[n] == 0) free_nodes.push_back(n);
    }
    running_view.clear();
    for (const std::int64_t i : active) {
      const Live& l = live[i];
      RunningJob v;
      v.id = jobs[i].id;
      v.nodes = jobs[i].nodes;
      v.start_s = l.segment_start_s;
      v.requested_end_s = l.requested_end_s;
      v.priority = jobs[i].priority;
      v.preemptible = jobs[i].preemptible;
      v.yielding = l.state == State::yielding;
      running_view.push_back(v);
    }
    queue_view.clear();
    for (const std::int64_t i : queued) {
      const JobRequest& j = jobs[i];
      QueuedJob q;
      q.id = j.id;
      q.nodes = j.nodes;
      q.order_s = live[i].order_s;
      q.submit_s = j.submit_s;
      q.earliest_start_s = j.earliest_start_s;
      q.deadline_s = j.deadline_s;
      q.walltime_s = live[i].remaining_wall_s;
      q.priority = j.priority;
      q.preemptible = j.preemptible;
      queue_view.push_back(q);
    }
    ClusterView view;
    view.topology = &topo;
    view.free_nodes = free_nodes;
    view.running = running_view;
    view.queue = queue_view;
    const double idle_w = options.idle_power_w;
    const double cap_w = options.cap_w ? options.cap_w(t) : kNever;
    view.power.node_power_w = options.node_power_w;
    view.power.headroom_w =
        cap_w - (idle_w + static_cast<double>(busy_nodes) * options.node_power_w);
    view.carbon_forecast = options.carbon_forecast;
    view.price_forecast = options.price_forecast;

    const DecisionSet out = scheduler.decide(view, t);
    ++result.decide_calls;
    wake_s = out.wake_at_s;
    for (const Reservation& rv : out.reservations) {
      SimJobRecord& r = result.jobs[index_of(rv.job_id)];
      r.min_reservation_s = std::min(r.min_reservation_s, rv.start_s);
    }
    for (const Decision& d : out.decisions) {
      const std::int64_t i = index_of(d.job_id);
      Live& l = live[i];
      SimJobRecord& r = result.jobs[i];
      if (d.kind == Decision::Kind::start) {
        if (l.state != State::queued) {
          throw std::logic_error(
              cat({"simulate: start of job ", id_text(d.job_id), ", which is not queued"}));
        }
        if (static_cast<std::int64_t>(d.nodes.size()) != jobs[i].nodes) {
          throw std::logic_error(cat({"simulate: job ", id_text(d.job_id), " started on ",
                                      id_text(static_cast<std::int64_t>(d.nodes.size())),
                                      " nodes, it needs ", id_text(jobs[i].nodes)}));
        }
        for (const std::int64_t n : d.nodes) {
          if (n < 0 || n >= topo.nodes() || busy[n] != 0) {
            throw std::logic_error(cat({"simulate: job ", id_text(d.job_id),
                                        " started on busy or unknown node ", id_text(n)}));
          }
          busy[n] = 1;
        }
        busy_nodes += jobs[i].nodes;
        queued.erase(i);
        active.insert(i);
        l.state = State::running;
        l.nodes = d.nodes;
        l.segment_start_s = t;
        l.requested_end_s = t + l.remaining_wall_s;
        ++l.generation;
        events.push({t + l.remaining_run_s, i, l.generation, false});
        if (r.first_start_s == kNever) {
          r.first_start_s = t;
          r.first_locality = d.locality;
        }
        ++result.starts;
      } else {
        if (l.state != State::running) {
          throw std::logic_error(
              cat({"simulate: preemption of job ", id_text(d.job_id), ", which is not running"}));
        }
        if (!jobs[i].preemptible) {
          throw std::logic_error(cat(
              {"simulate: preemption of job ", id_text(d.job_id), ", which is not preemptible"}));
        }
        const double progress = t - l.segment_start_s;
        r.progress_s += progress;
        l.remaining_run_s -= progress;
        l.remaining_wall_s = std::max(l.remaining_wall_s - progress, l.remaining_run_s);
        l.state = State::yielding;
        l.requested_end_s = t + options.preempt_checkpoint_s;
        ++l.generation;
        events.push({l.requested_end_s, i, l.generation, true});
        ++r.preemptions;
        ++result.preemptions;
      }
    }
    const double draw_w = idle_w + static_cast<double>(busy_nodes) * options.node_power_w;
    if (cap_w < kNever) result.max_over_cap_w = std::max(result.max_over_cap_w, draw_w - cap_w);
  }
  return result;
}

}  // namespace ct::sched
