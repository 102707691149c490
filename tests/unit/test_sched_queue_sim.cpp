// The reference simulator against queueing theory and the policies' guarantees:
//  - M/M/c under FCFS: mean wait against Erlang C, utilisation against λ/(cμ), time-average queue
//    and system lengths against λ·W_q and λ·W_q + λ/μ, each inside the 95% interval of an
//    ensemble of replicas; Little's law L = λW on every replica.
//  - EASY property test on random workloads: the head never starts after its reservation, no job
//    starts before its submit time or earliest start, no node is double-booked.
//  - Scale: 30 days, 10,000+ jobs on a 2,048-node campus, decisions at every event.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>

#include "common/random.hpp"
#include "faults/ensemble_stats.hpp"
#include "sched/queue_sim.hpp"
#include "sched/registry.hpp"
#include "sched/synthetic.hpp"

namespace {

using namespace ct::sched;

constexpr double kDay = 86400.0;

double overlap(double a0, double a1, double b0, double b1) {
  return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
}

// Erlang C: probability that an arrival waits in M/M/c with offered load a = λ/μ < c.
double erlang_c(int c, double a) {
  double term = 1.0, sum = 0.0;  // term = a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);
  return top / (sum + top);
}

TEST(SchedQueueSim, ErlangCFormula) {
  // Published values: c = 1 gives P(wait) = ρ; c = 2, a = 1 gives 1/3.
  EXPECT_NEAR(erlang_c(1, 0.7), 0.7, 1e-12);
  EXPECT_NEAR(erlang_c(2, 1.0), 1.0 / 3.0, 1e-12);
}

TEST(SchedQueueSim, MMcMatchesErlangC) {
  constexpr int c = 8;
  constexpr double mu = 1.0 / 3600.0;      // mean service 1 h
  constexpr double lambda = 0.8 * c * mu;  // ρ = 0.8
  constexpr double a = lambda / mu;
  const double wq_theory = erlang_c(c, a) / (c * mu - lambda);
  const double lq_theory = lambda * wq_theory;
  const double l_theory = lq_theory + a;
  constexpr double t0 = 10 * kDay, t1 = 130 * kDay;  // 10 days of warm-up discarded
  constexpr int replicas = 20;

  SimOptions sim;
  sim.topology = NodeTopology::uniform(1, 1, 1, c);
  sim.record_segments = false;
  const auto fcfs = make_scheduler("fcfs");
  std::vector<double> wq, util, lq, l;
  std::int64_t jobs_total = 0;
  for (int r = 0; r < replicas; ++r) {
    SyntheticSpec spec;
    spec.seed = ct::rng::replica_seed(2024, static_cast<std::uint32_t>(r));
    spec.duration_s = t1;
    spec.jobs_per_day = lambda * kDay;
    spec.size.unit = SizeDistribution::Unit::nodes;  // values {1}: single-node jobs
    spec.duration.kind = DurationDistribution::Kind::exponential;
    spec.duration.mean_s = 1.0 / mu;
    spec.duration.min_s = 1e-12;
    const auto jobs = generate(spec);
    jobs_total += static_cast<std::int64_t>(jobs.size());
    const SimResult res = simulate(*fcfs, jobs, sim);
    double wait_sum = 0.0, response_sum = 0.0, busy = 0.0, queue_area = 0.0, system_area = 0.0;
    std::int64_t n = 0;
    for (const SimJobRecord& j : res.jobs) {
      ASSERT_LT(j.end_s, kNever);
      busy += overlap(j.first_start_s, j.end_s, t0, t1);
      queue_area += overlap(j.submit_s, j.first_start_s, t0, t1);
      system_area += overlap(j.submit_s, j.end_s, t0, t1);
      if (j.submit_s >= t0 && j.submit_s < t1) {
        ++n;
        wait_sum += j.first_start_s - j.submit_s;
        response_sum += j.end_s - j.submit_s;
      }
    }
    const double span = t1 - t0;
    wq.push_back(wait_sum / static_cast<double>(n));
    util.push_back(busy / (c * span));
    lq.push_back(queue_area / span);
    l.push_back(system_area / span);
    // Little's law on this sample path: L = λ̂·W, up to the window's edge effects.
    const double lambda_hat = static_cast<double>(n) / span;
    const double w = response_sum / static_cast<double>(n);
    EXPECT_NEAR(l.back(), lambda_hat * w, 0.01 * l.back()) << "replica " << r;
  }
  const auto check = [](const char* what, const std::vector<double>& x, double theory) {
    const ct::faults::MeanCi ci = ct::faults::mean_ci95(x);
    std::printf("  %-12s simulated %.5g ± %.3g (95%%, %zu replicas), theory %.5g, error %+.2f%%\n",
                what, ci.mean, ci.ci95_half_width, x.size(), theory,
                100.0 * (ci.mean - theory) / theory);
    EXPECT_LE(std::fabs(ci.mean - theory), ci.ci95_half_width) << what;
    EXPECT_LT(ci.ci95_half_width, 0.1 * theory) << what << ": interval too wide to mean much";
  };
  std::printf("M/M/%d, rho = 0.8, %lld jobs in %d replicas\n", c,
              static_cast<long long>(jobs_total), replicas);
  check("W_q (s)", wq, wq_theory);
  check("utilisation", util, lambda / (c * mu));
  check("L_q", lq, lq_theory);
  check("L", l, l_theory);
}

// Random workloads for the property test: powers-of-two sizes up to the whole pool, lognormal
// run times, requested wall times 1–3× the run time rounded up to 10 minutes, a fifth of the jobs
// with an earliest start up to 2 h after submission.
std::vector<JobRequest> random_workload(std::uint64_t seed, std::int32_t pool_nodes) {
  SyntheticSpec s;
  s.seed = seed;
  s.duration_s = kDay;
  s.jobs_per_day = 150.0;
  std::vector<double> weights;
  for (std::int32_t n = 1; n <= pool_nodes; n *= 2) weights.push_back(1.0);
  s.size = SizeDistribution::powers_of_two(SizeDistribution::Unit::nodes, weights);
  s.duration.kind = DurationDistribution::Kind::lognormal;
  s.duration.median_s = 1800.0;
  s.duration.sigma = 1.2;
  s.walltime_factor = 1.0 + 2.0 * ct::rng::uniform01(seed, ct::rng::Stream::sched_workload, 0, 99);
  s.walltime_round_s = 600.0;
  auto jobs = generate(s);
  for (JobRequest& j : jobs) {
    const auto id = static_cast<std::uint64_t>(j.id);
    if (ct::rng::uniform01(seed, ct::rng::Stream::sched_workload, id, 100) < 0.2) {
      j.earliest_start_s =
          j.submit_s + 7200.0 * ct::rng::uniform01(seed, ct::rng::Stream::sched_workload, id, 101);
    }
  }
  return jobs;
}

struct PropertyCounts {
  std::int64_t cases = 0, jobs = 0, reservations = 0, out_of_order = 0;
};

// Checks the properties common to every policy; returns jobs that started ahead of an earlier
// (order_s, id) job.
void check_properties(const SimResult& r, const std::vector<JobRequest>& jobs,
                      PropertyCounts& counts, bool check_reservations) {
  std::map<std::int64_t, std::vector<std::pair<double, double>>> by_node;
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const SimJobRecord& j = r.jobs[i];
    ASSERT_LT(j.end_s, kNever) << "job " << j.id << " never finished";
    EXPECT_GE(j.first_start_s, j.submit_s) << "job " << j.id;
    EXPECT_GE(j.first_start_s, jobs[i].earliest_start_s) << "job " << j.id;
    if (check_reservations && j.min_reservation_s < kNever) {
      ++counts.reservations;
      EXPECT_LE(j.first_start_s, j.min_reservation_s) << "job " << j.id;
    }
    for (const Segment& s : j.segments) {
      for (const std::int64_t n : s.nodes) by_node[n].emplace_back(s.start_s, s.end_s);
    }
  }
  for (auto& [node, spans] : by_node) {
    std::sort(spans.begin(), spans.end());
    for (std::size_t k = 1; k < spans.size(); ++k) {
      EXPECT_LE(spans[k - 1].second, spans[k].first) << "node " << node << " double-booked";
    }
  }
  // Jobs overtaken: started before some job that was eligible earlier and still waiting.
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    for (std::size_t k = 0; k < r.jobs.size(); ++k) {
      const double ki = std::max(jobs[k].submit_s, jobs[k].earliest_start_s);
      const double ii = std::max(jobs[i].submit_s, jobs[i].earliest_start_s);
      if (ki < ii && r.jobs[k].first_start_s > r.jobs[i].first_start_s) {
        ++counts.out_of_order;
        break;
      }
    }
  }
  ++counts.cases;
  counts.jobs += static_cast<std::int64_t>(r.jobs.size());
}

TEST(SchedQueueSim, EasyPropertiesOnRandomWorkloads) {
  SimOptions sim;
  sim.topology = NodeTopology::uniform(1, 2, 4, 4);  // 32 nodes
  const auto easy = make_scheduler("easy");
  const auto fcfs = make_scheduler("fcfs");
  const auto priority = make_scheduler("priority");
  PropertyCounts easy_counts, fcfs_counts;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto jobs = random_workload(seed, 32);
    const SimResult r = simulate(*easy, jobs, sim);
    check_properties(r, jobs, easy_counts, true);
    // FCFS never lets a job overtake one that became eligible earlier.
    const SimResult f = simulate(*fcfs, jobs, sim);
    check_properties(f, jobs, fcfs_counts, false);
    // With every priority equal, the priority policy is EASY: the same schedule.
    const SimResult p = simulate(*priority, jobs, sim);
    ASSERT_EQ(p.preemptions, 0);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      ASSERT_EQ(p.jobs[i].first_start_s, r.jobs[i].first_start_s) << seed << " job " << i;
    }
    if (HasFailure()) break;
  }
  std::printf(
      "EASY property test: %lld cases, %lld jobs, %lld reservations checked, %lld jobs "
      "backfilled ahead of an earlier one; FCFS: %lld overtaken\n",
      static_cast<long long>(easy_counts.cases), static_cast<long long>(easy_counts.jobs),
      static_cast<long long>(easy_counts.reservations),
      static_cast<long long>(easy_counts.out_of_order),
      static_cast<long long>(fcfs_counts.out_of_order));
  EXPECT_EQ(easy_counts.cases, 200);
  EXPECT_GT(easy_counts.reservations, 1000);  // the property was exercised
  EXPECT_GT(easy_counts.out_of_order, 1000);  // and backfilling happened
  EXPECT_EQ(fcfs_counts.out_of_order, 0);
}

// Carbon intensity with a 24-h cosine cycle (300 ± 200 g/kWh); exact mean over [a, b].
double cosine_carbon(double a, double b) {
  const double w = 2.0 * std::numbers::pi / kDay;
  if (b <= a) return 300.0 + 200.0 * std::cos(w * a);
  return 300.0 + 200.0 * (std::sin(w * b) - std::sin(w * a)) / (w * (b - a));
}

// Σ node-seconds × mean carbon intensity, and Σ node-seconds, over the flexible jobs' segments.
struct CarbonSum {
  double weighted = 0.0, node_s = 0.0;
  double mean() const { return weighted / node_s; }
};
void add_flexible_carbon(const SimResult& r, const std::vector<JobRequest>& jobs, CarbonSum& c) {
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].flexible()) continue;
    for (const Segment& s : r.jobs[i].segments) {
      const double node_s = static_cast<double>(s.nodes.size()) * (s.end_s - s.start_s);
      c.weighted += node_s * cosine_carbon(s.start_s, s.end_s);
      c.node_s += node_s;
    }
  }
}

TEST(SchedQueueSim, PreemptionHoldingAndCapOnRandomWorkloads) {
  // Priorities 0/5/10 with preemption; half the jobs flexible (12 h of slack) under the
  // energy-aware policy with a cap that admits 24 of the 32 nodes. Every job ends, none starts
  // early, no node is double-booked, preempted jobs keep their progress, the cap is never
  // exceeded, and holding moves the flexible jobs' work to cleaner hours than EASY does.
  SimOptions sim;
  sim.topology = NodeTopology::uniform(1, 2, 4, 4);
  sim.preempt_checkpoint_s = 60.0;
  sim.carbon_forecast = cosine_carbon;
  SimOptions capped = sim;
  capped.node_power_w = 100.0;
  capped.cap_w = [](double) { return 2400.0; };
  PropertyCounts counts;
  std::int64_t preemptions = 0;
  CarbonSum carbon_easy, carbon_energy;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto jobs = random_workload(seed, 16);
    for (JobRequest& j : jobs) {
      const double u = ct::rng::uniform01(seed, ct::rng::Stream::sched_workload,
                                          static_cast<std::uint64_t>(j.id), 102);
      j.priority = u < 0.7 ? 0 : u < 0.9 ? 5 : 10;
      if (ct::rng::uniform01(seed, ct::rng::Stream::sched_workload,
                             static_cast<std::uint64_t>(j.id), 103) < 0.5) {
        j.deadline_s = j.earliest_start_s + j.walltime_s + 12 * 3600.0;
      }
    }
    const SimResult p = simulate(*make_scheduler("priority"), jobs, sim);
    check_properties(p, jobs, counts, false);
    preemptions += p.preemptions;
    for (const SimJobRecord& j : p.jobs) EXPECT_NEAR(j.progress_s, j.run_time_s, 1e-6);
    const SimResult e = simulate(*make_scheduler("energy_aware"), jobs, capped);
    check_properties(e, jobs, counts, false);
    EXPECT_LE(e.max_over_cap_w, 0.0);
    // Carbon: the same workload under EASY and under energy_aware without the cap.
    const SimResult b = simulate(*make_scheduler("easy"), jobs, sim);
    const SimResult h = simulate(*make_scheduler("energy_aware"), jobs, sim);
    check_properties(h, jobs, counts, false);
    add_flexible_carbon(b, jobs, carbon_easy);
    add_flexible_carbon(h, jobs, carbon_energy);
    if (HasFailure()) break;
  }
  std::printf(
      "priority/energy property test: %lld cases, %lld jobs, %lld preemptions; flexible "
      "jobs' mean carbon intensity %.1f g/kWh under energy_aware vs %.1f under easy\n",
      static_cast<long long>(counts.cases), static_cast<long long>(counts.jobs),
      static_cast<long long>(preemptions), carbon_energy.mean(), carbon_easy.mean());
  EXPECT_GT(preemptions, 50);
  EXPECT_LT(carbon_energy.mean(), carbon_easy.mean());
}

TEST(SchedQueueSim, ThirtyDaysOfTenThousandJobsIsCheap) {
  // The 16,384-accelerator reference campus (2,048 nodes of 8, 8 halls of 64 racks of 4 nodes).
  SimOptions sim;
  sim.topology = NodeTopology::uniform(1, 8, 64, 4);
  sim.record_segments = false;
  sim.carbon_forecast = cosine_carbon;
  SyntheticSpec s;
  s.seed = 30;
  s.duration_s = 30 * kDay;
  s.jobs_per_day = 350.0;
  s.profile.hourly = {0.5, 0.4, 0.4, 0.4, 0.5, 0.6, 0.8, 1.0, 1.3, 1.5, 1.6, 1.6,
                      1.5, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6};
  // 1 … 1024 nodes (mean ≈ 49), lognormal run times (median 1 h, mean ≈ 2.3 h): an offered
  // load of about 80 % of the campus.
  s.size = SizeDistribution::powers_of_two(SizeDistribution::Unit::nodes,
                                           {8, 4, 4, 8, 6, 4, 3, 2, 1, 1, 0.5});
  s.duration.kind = DurationDistribution::Kind::lognormal;
  s.duration.median_s = 3600.0;
  s.duration.sigma = 1.3;
  s.duration.max_s = 7 * kDay;
  s.walltime_factor = 1.5;
  s.flexible_fraction = 0.2;
  s.flex_window_s = 12 * 3600.0;
  const auto jobs = generate(s);
  ASSERT_GE(jobs.size(), 10000u);
  for (const char* name : {"fcfs", "easy", "priority", "energy_aware"}) {
    const auto t_start = std::chrono::steady_clock::now();
    const SimResult r = simulate(*make_scheduler(name), jobs, sim);
    const double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    FigureOptions fo;
    fo.campus_accelerators = 16384;
    fo.window_s = r.last_event_s;
    const auto figures = cluster_figures(r.outcomes(), fo);
    std::printf(
        "%-13s %zu jobs, %lld decide calls, %.2f s wall (%.1f µs per call); "
        "utilisation %.3f, mean wait %.0f s, p95 wait %.0f s, bounded slowdown %.2f\n",
        name, jobs.size(), static_cast<long long>(r.decide_calls), wall_s,
        1e6 * wall_s / static_cast<double>(r.decide_calls), figures.all.utilisation,
        figures.all.mean_wait_s, figures.all.p95_wait_s, figures.all.mean_bounded_slowdown);
    EXPECT_EQ(figures.all.finished, static_cast<std::int64_t>(jobs.size())) << name;
    EXPECT_LT(wall_s, 60.0) << name;  // a guard against a complexity blow-up, not a benchmark
  }
}

}  // namespace
