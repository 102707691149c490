#include "io/queue_spec.hpp"

#include <cmath>
#include <filesystem>
#include <limits>

#include "io/config_tree.hpp"
#include "io/input_file.hpp"
#include "io/scenario.hpp"
#include "io/schema_binder.hpp"
#include "sched/registry.hpp"
#include "sched/synthetic.hpp"
#include "topology/campus.hpp"

namespace ct::io {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Relative to the file that names it (a base of `extends`, or the scenario); a --set value,
// relative to the scenario file.
std::string resolve_path(Binder& b, const std::string& key, const std::string& value,
                         const std::string& scenario_path) {
  std::filesystem::path p(value);
  std::string from = b.origin_file(key);
  if (from.empty()) from = scenario_path;
  if (p.is_relative()) p = std::filesystem::path(from).parent_path() / p;
  return std::filesystem::absolute(p).lexically_normal().string();
}

void bind_trace(Binder& b, QueueSpec& q, const Scenario& sc, const std::string& scenario_path) {
  std::string file;
  b.text("file", file, std::nullopt, "SWF or CSV job trace, relative to the file naming it");
  q.trace_file = resolve_path(b, "file", file, scenario_path);
  b.record("file", q.trace_file, true);
  // A regular file of bounded size (not /dev/zero, a FIFO, a directory).
  if (const std::string why = input_file_problem(q.trace_file, kMaxCsvFileBytes); !why.empty())
    b.fail("file", why == "not found"
                       ? "file not found: " + q.trace_file
                       : q.trace_file + " " + why + " (allowed: a regular trace file of at most " +
                             format_bytes(static_cast<double>(kMaxCsvFileBytes)) + ")");
  const bool csv_ext =
      q.trace_file.size() > 4 && q.trace_file.compare(q.trace_file.size() - 4, 4, ".csv") == 0;
  std::string format;
  q.source = b.choice("format", format, {"swf", "csv"}, std::string(csv_ext ? "csv" : "swf"),
                      "trace format (default from the file extension: .csv is CSV, else SWF)") == 0
                 ? QueueSpec::Source::swf
                 : QueueSpec::Source::csv;
  sched::TraceOptions o;
  const topology::Campus campus(sc.campus);
  o.accelerators_per_node = campus.accelerators_per_node();
  o.campus_nodes = campus.nodes();
  std::string unit;
  o.processor_unit =
      b.choice("processor_unit", unit, {"accelerator", "node"}, std::string("accelerator"),
               "what an SWF processor stands for: an accelerator or a node") == 0
          ? sched::ProcessorUnit::accelerator
          : sched::ProcessorUnit::node;
  b.real("processors_per_unit", o.processors_per_unit, non_negative(), 1.0,
         "SWF processors per accelerator (or node); 0 with node: MaxProcs / MaxNodes of the "
         "header");
  std::string cancelled, oversize;
  o.cancelled = b.choice("cancelled", cancelled, {"skip", "keep_ran"}, std::string("skip"),
                         "cancelled jobs (SWF status 5): drop them, or replay those that ran") == 0
                    ? sched::CancelledPolicy::skip
                    : sched::CancelledPolicy::keep_ran;
  o.oversize =
      b.choice("oversize", oversize, {"skip", "refuse"}, std::string("skip"),
               "jobs larger than the campus: drop and count them, or refuse the trace") == 0
          ? sched::OversizePolicy::skip
          : sched::OversizePolicy::refuse;
  b.real("window_start_s", o.window_start_s, non_negative(), 0.0,
         "first submit time replayed, on the trace's own clock");
  double window_end = 0.0;
  b.real("window_end_s", window_end, non_negative(), 0.0,
         "end of the replayed slice on the trace's clock (0: window start + time.duration_s)");
  o.window_end_s = window_end > 0.0 ? window_end : o.window_start_s + sc.time.duration_s;
  b.real("submit_time_scale", o.submit_time_scale, positive(), 1.0,
         "multiplies submit times (< 1 compresses arrivals and raises the load)");
  b.real("unknown_walltime_factor", o.unknown_walltime_factor, at_least(1.0), 1.0,
         "requested wall time of jobs without one: run time × this");
  b.integer("priority", o.default_priority, closed(-1e9, 1e9), 0,
            "priority of every trace job (SWF has none)");
  b.boolean("preemptible", o.default_preemptible, true,
            "trace jobs may be preempted (priority policy)");
  try {
    sched::validate(o);
    sched::Trace t = q.source == QueueSpec::Source::swf ? sched::read_swf(q.trace_file, o)
                                                        : sched::read_csv(q.trace_file, o);
    q.jobs = std::move(t.jobs);
    q.trace_stats = t.stats;
  } catch (const sched::TraceError& e) {
    throw ScenarioError(std::string(e.what()) + " (trace of " + b.key_path("file") + ")");
  } catch (const std::invalid_argument& e) {
    b.fail("file", e.what());
  }
  for (const auto& job : q.jobs)
    if (job.work_accelerator_s < 0.0)
      b.fail("file", "job " + std::to_string(job.id) +
                         " gives its work as steps/tokens of model '" + job.model +
                         "': not supported yet; give work_accelerator_s or run_time_s");
}

sched::SizeDistribution bind_size(Binder& b) {
  sched::SizeDistribution d;
  std::string kind, unit;
  const std::size_t k =
      b.choice("distribution", kind, {"powers_of_two", "discrete", "lognormal"},
               std::string("powers_of_two"),
               "powers_of_two: 1, 2, 4, … with `weights`; discrete: `values` with `weights`; "
               "lognormal: ceil(median·e^(σZ)) in [min, max]");
  d.unit = b.choice("unit", unit, {"accelerators", "nodes"}, std::string("accelerators"),
                    "what a size counts") == 0
               ? sched::SizeDistribution::Unit::accelerators
               : sched::SizeDistribution::Unit::nodes;
  std::vector<double> weights, values;
  b.reals("weights", weights, 0, non_negative(), std::vector<double>{1.0},
          "relative weight of each size (powers_of_two: of 1, 2, 4, …)");
  b.reals("values", values, 0, at_least(1.0), std::vector<double>{1.0},
          "discrete: the sizes (whole numbers)");
  double median = 1.0, sigma = 1.0, lo = 1.0, hi = 1.0;
  b.real("median", median, at_least(1.0), 8.0, "lognormal: median size");
  b.real("sigma", sigma, non_negative(), 1.0, "lognormal: σ of ln size");
  b.real("min", lo, at_least(1.0), 1.0, "lognormal: smallest size");
  b.real("max", hi, at_least(1.0), 1024.0, "lognormal: largest size");
  if (k == 0) {
    d = sched::SizeDistribution::powers_of_two(d.unit, weights);
  } else if (k == 1) {
    d.kind = sched::SizeDistribution::Kind::discrete;
    d.values.clear();
    for (double v : values) {
      if (v != std::floor(v)) b.fail("values", "sizes must be whole numbers");
      d.values.push_back(static_cast<std::int64_t>(v));
    }
    if (weights.size() != values.size())
      b.fail("weights", "needs one weight per value (" + std::to_string(values.size()) + ")");
    d.weights = weights;
  } else {
    d.kind = sched::SizeDistribution::Kind::lognormal;
    d.median = median;
    d.sigma = sigma;
    d.min = static_cast<std::int64_t>(lo);
    d.max = static_cast<std::int64_t>(hi);
    if (d.max < d.min) b.fail("max", "below min");
  }
  return d;
}

sched::DurationDistribution bind_duration(Binder& b) {
  sched::DurationDistribution d;
  std::string kind;
  const std::size_t k =
      b.choice("distribution", kind, {"exponential", "lognormal"}, std::string("exponential"),
               "run time at full clock: exponential (mean_s) or lognormal "
               "(median_s, sigma)");
  d.kind = k == 0 ? sched::DurationDistribution::Kind::exponential
                  : sched::DurationDistribution::Kind::lognormal;
  b.real("mean_s", d.mean_s, positive(), 3600.0, "exponential: mean run time");
  b.real("median_s", d.median_s, positive(), 3600.0, "lognormal: median run time");
  b.real("sigma", d.sigma, non_negative(), 1.0, "lognormal: σ of ln run time");
  b.real("min_s", d.min_s, positive(), 1.0, "shortest run time (draws are clamped)");
  double max_s = 0.0;
  b.real("max_s", max_s, non_negative(), 0.0, "longest run time (0: no limit)");
  d.max_s = max_s > 0.0 ? max_s : kInf;
  if (d.max_s < d.min_s) b.fail("max_s", "below min_s");
  return d;
}

void bind_synthetic(Binder& b, QueueSpec& q, const Scenario& sc) {
  sched::SyntheticSpec s;
  s.seed = sc.seed;
  s.start_unix_s = sc.time.start_unix_s;
  s.accelerators_per_node = topology::Campus(sc.campus).accelerators_per_node();
  b.real("jobs_per_day", s.jobs_per_day, positive(), std::nullopt,
         "mean arrival rate (a Poisson process shaped by the profiles)");
  double horizon = 0.0;
  b.real("duration_s", horizon, non_negative(), 0.0, "arrivals in [0, this) (0: time.duration_s)");
  s.duration_s = horizon > 0.0 ? horizon : sc.time.duration_s;
  std::int64_t max_jobs = s.max_jobs;
  b.integer("max_jobs", max_jobs, closed(1, 1e8), 10'000'000, "at most this many jobs");
  s.max_jobs = max_jobs;
  std::vector<double> hourly, weekly;
  b.reals("hourly_weights", hourly, 24, non_negative(), std::vector<double>(24, 1.0),
          "relative arrival rate by local hour 0–23");
  b.reals("weekly_weights", weekly, 7, non_negative(), std::vector<double>(7, 1.0),
          "relative arrival rate Monday–Sunday");
  for (int h = 0; h < 24; ++h) s.profile.hourly[h] = hourly[h];
  for (int d = 0; d < 7; ++d) s.profile.weekly[d] = weekly[d];
  b.real("utc_offset_s", s.utc_offset_s, closed(-50400.0, 50400.0), 0.0,
         "local time of the profiles = UTC + this");
  b.section(
      "size", [&](Binder& z) { s.size = bind_size(z); }, false, "job sizes");
  b.section(
      "duration", [&](Binder& z) { s.duration = bind_duration(z); }, false,
      "job run times at full clock");
  b.real("walltime_factor", s.walltime_factor, at_least(1.0), 1.0,
         "requested wall time = run time × this");
  b.real("walltime_round_s", s.walltime_round_s, non_negative(), 0.0,
         "requested wall times rounded up to a multiple of this (0: not rounded)");
  b.real("preemptible_fraction", s.preemptible_fraction, unit_interval(), 1.0,
         "share of jobs that may be preempted");
  b.real("flexible_fraction", s.flexible_fraction, unit_interval(), 0.0,
         "share of jobs with a flexible start (deadline = submit + wall time + flex_window_s)");
  b.real("flex_window_s", s.flex_window_s, non_negative(), 0.0,
         "slack of a flexible job's deadline");
  try {
    sched::validate(s);
    q.jobs = sched::generate(s);
    q.synthetic = s;
  } catch (const std::invalid_argument& e) {
    b.fail("jobs_per_day", e.what());
  }
}

void bind_scheduler(Binder& b, QueueSpec& q) {
  std::vector<std::string> names;
  for (const auto& p : sched::policies()) names.emplace_back(p.name);
  b.choice("policy", q.policy, names, std::string("easy"),
           "scheduling policy: fcfs, easy (EASY backfill), priority (with preemption), "
           "energy_aware (carbon/price holding, cap admission)");
  std::string site_policy;
  const std::size_t sp = b.choice(
      "site_policy", site_policy, {"first", "lowest_carbon", "lowest_price"}, std::string("first"),
      "with `sites:`: the site a starting job goes to among those with room: the first listed, "
      "or the lowest mean carbon intensity or price over its expected run (geographic "
      "scheduling, docs/sites.md)");
  q.site_policy = sp == 0   ? QueueSpec::SitePolicy::first
                  : sp == 1 ? QueueSpec::SitePolicy::lowest_carbon
                            : QueueSpec::SitePolicy::lowest_price;
  b.boolean("migrate", q.migrate, false,
            "with `sites:` and a carbon or price site_policy: at each checkpoint a running job "
            "moves to the best site with room when the signal it saves over its remaining run "
            "exceeds the move's cost (idle for its accelerator memory's transfer over the link "
            "and its load); it restarts there after the transfer");
  if (q.migrate && q.site_policy == QueueSpec::SitePolicy::first)
    b.fail("migrate", "needs site_policy lowest_carbon or lowest_price");
  b.real("decision_interval_s", q.decision_interval_s, non_negative(), 0.0,
         "also decide this often (0: at events and the policy's wake-up times only)");
  // The policies' options (docs/workloads.md); each is passed on only when given, and a
  // policy that does not know it rejects it.
  std::vector<std::string> given;
  auto text = [&](const char* key, const std::vector<std::string>& allowed, const char* doc) {
    std::string v;
    b.choice(key, v, allowed, allowed.front(), doc);
    if (b.has(key))
      q.policy_options.set(key, v), given.emplace_back(key);
    else
      b.forget(key);
  };
  auto number = [&](const char* key, Range r, double fallback, const char* doc) {
    double v = 0.0;
    b.real(key, v, r, fallback, doc);
    if (b.has(key))
      q.policy_options.set(key, format_real(v)), given.emplace_back(key);
    else
      b.forget(key);
  };
  text("placement", {"compact", "first_fit"},
       "compact: one rack, else one hall, else one building, else spread; first_fit: lowest ids");
  text("backfill", {"true", "false"}, "priority, energy_aware: EASY backfilling");
  text("preemption", {"true", "false"}, "priority: preempt lower-priority jobs for a blocked one");
  number("min_priority_gap", closed(1, 2147483647.0), 1.0,
         "priority: a victim's priority is at most the blocked job's minus this");
  number("min_runtime_s", closed(0.0, 1e9), 0.0,
         "priority: a job runs at least this long before it can be preempted");
  text("signal", {"carbon", "price", "none"},
       "energy_aware: the forecast flexible jobs are shifted on");
  number("step_s", closed(60.0, 86400.0), 3600.0,
         "energy_aware: spacing of the candidate start times");
  number("horizon_s", closed(0.0, 2592000.0), 172800.0,
         "energy_aware: how far ahead a job may be held");
  number("min_saving", unit_interval(), 0.1,
         "energy_aware: hold only if the mean signal drops by more than this fraction");
  text("cap_admission", {"true", "false"},
       "energy_aware: start a job only if its power fits the headroom under the cap");
  try {
    (void)sched::make_scheduler(q.policy, q.policy_options);
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    for (const auto& k : given)
      if (what.find("'" + k + "'") != std::string::npos) b.fail(k, what);
    b.fail("policy", what);
  }
}

}  // namespace

void bind_queue(Binder& b, QueueSpec& q, const Scenario& sc, const std::string& scenario_path) {
  if (b.has("trace") == b.has("synthetic"))
    b.fail(b.has("trace") ? "synthetic" : "trace",
           "give exactly one of queue.trace and queue.synthetic");
  // One of the two (docs/scenario.md's tables come from two reference scenarios, one each).
  if (b.has("trace"))
    b.section(
        "trace", [&](Binder& t) { bind_trace(t, q, sc, scenario_path); }, false,
        "replay a job trace (Standard Workload Format or CSV); or give synthetic");
  else
    b.section(
        "synthetic", [&](Binder& s) { bind_synthetic(s, q, sc); }, false,
        "generate jobs: Poisson arrivals with daily and weekly profiles, sizes and run times; "
        "or give trace");
  b.section(
      "scheduler", [&](Binder& s) { bind_scheduler(s, q); }, false,
      "the scheduling policy and its options");
  std::string on_failure, requeue;
  q.on_failure =
      b.choice("on_failure", on_failure, {"spare", "requeue"}, std::string("spare"),
               "a job hit by a failure takes a free node in place of the failed one and "
               "recovers (spare), or goes back to the queue (requeue); without a free node it "
               "is requeued") == 0
          ? QueueSpec::OnFailure::spare
          : QueueSpec::OnFailure::requeue;
  q.requeue_front = b.choice("requeue", requeue, {"front", "back"}, std::string("front"),
                             "where an interrupted or preempted job goes back in the queue") == 0;
  b.real("compute_fraction", q.compute_fraction, unit_interval(), 0.9,
         "share of a batch job's running time computing (paced by its slowest member); the "
         "rest communicates");
  b.real("checkpoint_interval_s", q.checkpoint_interval_s, non_negative(), 3600.0,
         "running seconds between a batch job's checkpoints (0: none)");
  b.real("checkpoint_s", q.checkpoint_s, non_negative(), 60.0,
         "stall of one batch-job checkpoint (synchronous)");
  b.real("load_s", q.load_s, non_negative(), 60.0,
         "reading the last checkpoint back after a failure");
  std::vector<double> buckets;
  b.reals("size_buckets_accelerators", buckets, 0, at_least(1.0),
          std::vector<double>{8.0, 64.0, 512.0, 4096.0},
          "upper bounds (ascending) of the job-size buckets of the cluster figures");
  q.size_buckets_accelerators.clear();
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i] != std::floor(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
      b.fail("size_buckets_accelerators", "must be ascending whole numbers");
    q.size_buckets_accelerators.push_back(static_cast<std::int64_t>(buckets[i]));
  }
}

}  // namespace ct::io
