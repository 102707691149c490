// Scheduling policies on small closed cases worked by hand (FCFS, EASY, priority with
// preemption, energy-aware holding and cap-aware admission), the registry, and determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <tuple>

#include "common/random.hpp"
#include "sched/energy_aware.hpp"
#include "sched/queue_sim.hpp"
#include "sched/registry.hpp"

namespace {

using namespace ct::sched;

JobRequest job(std::int64_t id, double submit_s, std::int64_t nodes, double run_s, double wall_s,
               std::int32_t priority = 0) {
  JobRequest j;
  j.id = id;
  j.submit_s = submit_s;
  j.earliest_start_s = submit_s;
  j.nodes = nodes;
  j.accelerators = nodes * 8;
  j.work_accelerator_s = run_s * static_cast<double>(j.accelerators);
  j.walltime_s = wall_s;
  j.priority = priority;
  return j;
}

SimOptions pool_of(std::int32_t nodes) {
  SimOptions o;
  o.topology = NodeTopology::uniform(1, 1, 1, nodes);
  return o;
}

const SimJobRecord& rec(const SimResult& r, std::int64_t id) {
  for (const SimJobRecord& j : r.jobs) {
    if (j.id == id) return j;
  }
  throw std::runtime_error("no job " + std::to_string(id));
}

TEST(SchedPolicies, FcfsBlocksAndEasyBackfills) {
  // 4 nodes. J2 (4 nodes) waits for J1 (ends at 100). J3 (2 nodes, 50 s) fits beside J1 and ends
  // before J2's reservation: EASY backfills it at 2; FCFS keeps it behind J2.
  const std::vector<JobRequest> jobs = {job(1, 0, 2, 100, 100), job(2, 1, 4, 10, 10),
                                        job(3, 2, 2, 50, 50), job(4, 3, 2, 200, 200)};
  const SimResult easy = simulate(*make_scheduler("easy"), jobs, pool_of(4));
  EXPECT_EQ(rec(easy, 1).first_start_s, 0.0);
  EXPECT_EQ(rec(easy, 2).first_start_s, 100.0);
  EXPECT_EQ(rec(easy, 2).min_reservation_s, 100.0);
  EXPECT_EQ(rec(easy, 3).first_start_s, 2.0);
  EXPECT_EQ(rec(easy, 4).first_start_s, 110.0);  // would end after the reservation: no backfill
  const SimResult fcfs = simulate(*make_scheduler("fcfs"), jobs, pool_of(4));
  EXPECT_EQ(rec(fcfs, 2).first_start_s, 100.0);
  EXPECT_EQ(rec(fcfs, 3).first_start_s, 110.0);
  EXPECT_EQ(rec(fcfs, 4).first_start_s, 110.0);
  EXPECT_EQ(rec(fcfs, 4).end_s, 310.0);
}

TEST(SchedPolicies, EasyBackfillsOnNodesSpareAtTheReservation) {
  // 4 nodes. J1 holds 3 until 100; J2 needs 2 (reservation 100, then 1 + 3 − 2 = 2 nodes spare).
  // J3 (1 node, 1000 s) outlives the reservation but fits the spare nodes: starts at 2.
  const std::vector<JobRequest> jobs = {job(1, 0, 3, 100, 100), job(2, 1, 2, 10, 10),
                                        job(3, 2, 1, 1000, 1000), job(4, 3, 2, 1000, 1000)};
  const SimResult r = simulate(*make_scheduler("easy"), jobs, pool_of(4));
  EXPECT_EQ(rec(r, 3).first_start_s, 2.0);
  EXPECT_EQ(rec(r, 2).first_start_s, 100.0);
  // J4 (2 nodes, long) would take the last spare node J2 needs: it waits for J2 to end.
  EXPECT_EQ(rec(r, 4).first_start_s, 110.0);
}

TEST(SchedPolicies, PriorityPreemptsCheckpointsAndRequeues) {
  SimOptions o = pool_of(4);
  o.preempt_checkpoint_s = 5.0;
  // A (priority 0) holds all 4 nodes; B (priority 5, 2 nodes) arrives at 10: A is told to
  // preempt, yields at 15 with 10 s of progress kept, B starts at 15 and ends at 45; A (90 s
  // left) waits for B and ends at 135.
  std::vector<JobRequest> jobs = {job(1, 0, 4, 100, 200, 0), job(2, 10, 2, 30, 30, 5)};
  SimResult r = simulate(*make_scheduler("priority"), jobs, o);
  EXPECT_EQ(r.preemptions, 1);
  EXPECT_EQ(rec(r, 2).first_start_s, 15.0);
  EXPECT_EQ(rec(r, 2).end_s, 45.0);
  EXPECT_EQ(rec(r, 1).preemptions, 1);
  EXPECT_EQ(rec(r, 1).end_s, 135.0);
  EXPECT_EQ(rec(r, 1).held_s, 15.0 + 90.0);
  EXPECT_EQ(rec(r, 1).progress_s, 100.0);
  ASSERT_EQ(rec(r, 1).segments.size(), 2u);
  EXPECT_EQ(rec(r, 1).segments[0].end_s, 15.0);

  // Not preemptible, or equal priority: B waits for A.
  jobs[0].preemptible = false;
  r = simulate(*make_scheduler("priority"), jobs, o);
  EXPECT_EQ(r.preemptions, 0);
  EXPECT_EQ(rec(r, 2).first_start_s, 100.0);
  jobs[0].preemptible = true;
  jobs[1].priority = 0;
  r = simulate(*make_scheduler("priority"), jobs, o);
  EXPECT_EQ(rec(r, 2).first_start_s, 100.0);
  // A gap of 10 priority levels is required: 5 is not enough.
  jobs[1].priority = 5;
  r = simulate(*make_scheduler("priority", {{"min_priority_gap", "10"}}), jobs, o);
  EXPECT_EQ(r.preemptions, 0);
  // preemption off.
  r = simulate(*make_scheduler("priority", {{"preemption", "false"}}), jobs, o);
  EXPECT_EQ(rec(r, 2).first_start_s, 100.0);
  // A victim must have run 20 s: with decisions every 5 s, A is preempted at 20.
  o.decision_interval_s = 5.0;
  r = simulate(*make_scheduler("priority", {{"min_runtime_s", "20"}}), jobs, o);
  EXPECT_EQ(rec(r, 2).first_start_s, 25.0);
}

TEST(SchedPolicies, PreemptionPicksLowestPriorityThenLatestStart) {
  // 4 nodes: C (priority 1, from 0), D (priority 0, from 1), E (priority 0, from 2), one node each,
  // plus F (priority 0, 1 node, from 3). H (priority 9) needs 2: the victims are the priority-0
  // jobs that started last, F then E.
  SimOptions o = pool_of(4);
  std::vector<JobRequest> jobs = {job(1, 0, 1, 1000, 1000, 1), job(2, 1, 1, 1000, 1000, 0),
                                  job(3, 2, 1, 1000, 1000, 0), job(4, 3, 1, 1000, 1000, 0),
                                  job(5, 10, 2, 50, 50, 9)};
  const SimResult r = simulate(*make_scheduler("priority"), jobs, o);
  EXPECT_EQ(r.preemptions, 2);
  EXPECT_EQ(rec(r, 4).preemptions, 1);
  EXPECT_EQ(rec(r, 3).preemptions, 1);
  EXPECT_EQ(rec(r, 2).preemptions, 0);
  EXPECT_EQ(rec(r, 1).preemptions, 0);
  EXPECT_EQ(rec(r, 5).first_start_s, 10.0);
  // The victims resume after H; neither loses progress (checkpoint on preemption).
  EXPECT_EQ(rec(r, 3).progress_s, 1000.0);
  EXPECT_EQ(rec(r, 3).end_s, 60.0 + 992.0);
}

// Carbon 500 g/kWh before 3600 s, 100 after; exact mean over [a, b].
double step_carbon(double a, double b) {
  const double high = std::clamp(3600.0, a, b) - a;
  return (500.0 * high + 100.0 * (b - a - high)) / (b - a);
}

TEST(SchedPolicies, EnergyAwareHoldsFlexibleJobsForCleanHours) {
  SimOptions o = pool_of(4);
  o.carbon_forecast = step_carbon;
  std::vector<JobRequest> jobs = {job(1, 0, 1, 1800, 1800), job(2, 0, 1, 1800, 1800),
                                  job(3, 0, 1, 1800, 1800), job(4, 0, 1, 1800, 1800)};
  jobs[0].deadline_s = 20000.0;  // flexible: held to the clean hours
  jobs[2].deadline_s = 2500.0;   // latest start 700: the window is all dirty, no hold
  jobs[3].deadline_s = 4800.0;   // latest start 3000: [3000, 4800] averages 233 < 500 · 0.9
  SimResult r = simulate(*make_scheduler("energy_aware"), jobs, o);
  EXPECT_EQ(rec(r, 1).first_start_s, 3600.0);
  EXPECT_EQ(rec(r, 2).first_start_s, 0.0);  // not flexible
  EXPECT_EQ(rec(r, 3).first_start_s, 0.0);
  EXPECT_EQ(rec(r, 4).first_start_s, 3000.0);
  // A saving of 80 % is not worth it when 90 % is required.
  r = simulate(*make_scheduler("energy_aware", {{"min_saving", "0.9"}}), jobs, o);
  EXPECT_EQ(rec(r, 1).first_start_s, 0.0);
  // Without a forecast, or shifting on price (none given), nothing is held.
  r = simulate(*make_scheduler("energy_aware", {{"signal", "price"}}), jobs, o);
  EXPECT_EQ(rec(r, 1).first_start_s, 0.0);

  const EnergyAwareScheduler s({});
  QueuedJob q;
  q.walltime_s = 1800.0;
  q.deadline_s = 20000.0;
  EXPECT_EQ(s.best_start_s(q, step_carbon, 0.0), 3600.0);
  EXPECT_EQ(s.best_start_s(q, step_carbon, 3600.0), 3600.0);  // released on time
  q.deadline_s = kNever;
  EXPECT_EQ(s.best_start_s(q, step_carbon, 0.0), 0.0);
}

TEST(SchedPolicies, CapAwareAdmission) {
  SimOptions o = pool_of(4);
  o.node_power_w = 100.0;
  o.cap_w = [](double) { return 250.0; };
  // Three 1-node jobs under a 250 W cap: two run, the third waits for one to end.
  std::vector<JobRequest> jobs = {job(1, 0, 1, 100, 100), job(2, 0, 1, 100, 100),
                                  job(3, 0, 1, 100, 100)};
  SimResult r = simulate(*make_scheduler("energy_aware"), jobs, o);
  EXPECT_EQ(rec(r, 1).first_start_s, 0.0);
  EXPECT_EQ(rec(r, 2).first_start_s, 0.0);
  EXPECT_EQ(rec(r, 3).first_start_s, 100.0);
  EXPECT_LE(r.max_over_cap_w, 0.0);
  // Without admission control all three start and the draw exceeds the cap.
  r = simulate(*make_scheduler("energy_aware", {{"cap_admission", "false"}}), jobs, o);
  EXPECT_EQ(rec(r, 3).first_start_s, 0.0);
  EXPECT_EQ(r.max_over_cap_w, 50.0);
  // A job the cap can never admit (3 nodes, 300 W) is passed over instead of blocking.
  jobs.insert(jobs.begin(), job(9, 0, 3, 100, 100));
  r = simulate(*make_scheduler("energy_aware"), jobs, o);
  EXPECT_EQ(rec(r, 1).first_start_s, 0.0);
  EXPECT_EQ(rec(r, 2).first_start_s, 0.0);
  EXPECT_EQ(rec(r, 9).first_start_s, kNever);
}

TEST(SchedPolicies, RegistryAndOptions) {
  std::vector<std::string_view> names;
  for (const PolicyInfo& p : policies()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string_view>{"fcfs", "easy", "priority", "energy_aware"}));
  for (const PolicyInfo& p : policies()) {
    EXPECT_EQ(make_scheduler(p.name)->name(), p.name);
    // Every documented option is accepted with its documented default.
    for (const OptionDoc& d : p.options) {
      PolicyOptions o;
      o.set(std::string(d.key), std::string(d.default_value));
      EXPECT_NO_THROW(make_scheduler(p.name, o)) << p.name << "." << d.key;
    }
  }
  const auto message = [](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { make_scheduler("sjf"); }),
            "policy 'sjf': unknown (known: fcfs, easy, priority, energy_aware)");
  EXPECT_EQ(message([] {
              make_scheduler("easy", {{"backfill", "true"}});
            }),
            "option 'backfill': unknown for policy 'easy' (known: placement)");
  EXPECT_EQ(message([] {
              make_scheduler("energy_aware", {{"min_saving", "2"}});
            }),
            "option 'min_saving': 2 is outside [0, 1]");
  EXPECT_EQ(message([] {
              make_scheduler("fcfs", {{"placement", "random"}});
            }),
            "option 'placement': 'random' is not one of compact, first_fit");
  EXPECT_EQ(message([] {
              make_scheduler("priority", {{"preemption", "yes"}});
            }),
            "option 'preemption': 'yes' is not true or false");
  EXPECT_EQ(message([] {
              make_scheduler("priority", {{"min_priority_gap", "1.5"}});
            }),
            "option 'min_priority_gap': 1.5 is not a whole number");
}

TEST(SchedPolicies, DocumentedOptionsMatchTheRegistry) {
  // docs/workloads.md lists every policy option as "| `policy` | `option` | default | ...".
  std::ifstream doc(std::string(CT_SOURCE_DIR) + "/docs/workloads.md");
  ASSERT_TRUE(doc.good());
  const std::regex row(R"(^\| `(\w+)` \| `(\w+)` \| `?([^`|]+?)`? \|)");
  std::set<std::tuple<std::string, std::string, std::string>> documented, registered;
  for (std::string line; std::getline(doc, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) documented.emplace(m[1], m[2], m[3]);
  }
  for (const PolicyInfo& p : policies()) {
    for (const OptionDoc& o : p.options) {
      registered.emplace(std::string(p.name), std::string(o.key), std::string(o.default_value));
    }
  }
  EXPECT_EQ(documented, registered);
}

TEST(SchedPolicies, DecisionsIgnoreTheOrderOfTheView) {
  // A random view: 64 nodes, 20 running jobs, 60 queued; each policy decides the same from any
  // permutation of the running and queued lists.
  const NodeTopology topo = NodeTopology::uniform(2, 2, 4, 4);
  std::vector<std::int64_t> free_nodes;
  std::vector<RunningJob> running;
  std::vector<QueuedJob> queue;
  const auto u = [](std::uint64_t id, std::uint32_t draw) {
    return ct::rng::uniform01(7, ct::rng::Stream::sched_workload, id, draw);
  };
  for (std::int64_t n = 0; n < 64; ++n) {
    if (u(static_cast<std::uint64_t>(n), 0) < 0.4) free_nodes.push_back(n);
  }
  for (std::int64_t i = 0; i < 20; ++i) {
    RunningJob r;
    r.id = 1000 + i;
    r.nodes = 1 + static_cast<std::int64_t>(u(1000 + i, 1) * 4);
    r.start_s = 0.0;
    r.requested_end_s = std::floor(u(1000 + i, 2) * 10) * 100.0;  // ties on purpose
    r.priority = static_cast<std::int32_t>(u(1000 + i, 3) * 3);
    running.push_back(r);
  }
  for (std::int64_t i = 0; i < 60; ++i) {
    QueuedJob q;
    q.id = i;
    q.nodes = 1 + static_cast<std::int64_t>(u(i, 4) * 12);
    q.order_s = std::floor(u(i, 5) * 5);  // ties on purpose
    q.walltime_s = 100.0 + std::floor(u(i, 6) * 5) * 100.0;
    q.priority = static_cast<std::int32_t>(u(i, 7) * 3);
    q.deadline_s = u(i, 8) < 0.3 ? 5000.0 : kNever;
    queue.push_back(q);
  }
  ClusterView view;
  view.topology = &topo;
  view.free_nodes = free_nodes;
  view.running = running;
  view.queue = queue;
  view.carbon_forecast = step_carbon;
  const auto flat = [](const DecisionSet& d) {
    std::vector<std::int64_t> v;
    for (const Decision& x : d.decisions) {
      v.push_back(static_cast<std::int64_t>(x.kind));
      v.push_back(x.job_id);
      v.insert(v.end(), x.nodes.begin(), x.nodes.end());
    }
    return v;
  };
  for (const PolicyInfo& p : policies()) {
    const auto s = make_scheduler(p.name);
    const DecisionSet a = s->decide(view, 50.0);
    EXPECT_FALSE(a.decisions.empty()) << p.name;
    std::reverse(running.begin(), running.end());
    std::rotate(queue.begin(), queue.begin() + 17, queue.end());
    const DecisionSet b = s->decide(view, 50.0);
    EXPECT_EQ(flat(a), flat(b)) << p.name;
    EXPECT_EQ(a.wake_at_s, b.wake_at_s) << p.name;
  }
}

}  // namespace
