#include "twin/calibrate.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>

#include "common/random.hpp"
#include "io/config_tree.hpp"
#include "topology/campus.hpp"
#include "twin/engine.hpp"

namespace ct::twin {

namespace {

// Instances of a class's scope that the jobs use, at nominal packing (a class that had no rate
// or no exposure starts from count per instance-second).
double nominal_instances(const topology::Campus& campus, faults::Scope scope,
                         double job_accelerators) {
  const double nodes =
      std::ceil(job_accelerators / static_cast<double>(campus.accelerators_per_node()));
  const double racks = std::ceil(nodes / static_cast<double>(campus.nodes_per_rack()));
  const double racks_per_hall = static_cast<double>(campus.racks()) /
                                static_cast<double>(std::max<std::int64_t>(campus.halls(), 1));
  switch (scope) {
    case faults::Scope::accelerator:
    case faults::Scope::job:
      return job_accelerators;
    case faults::Scope::node:
      return nodes;
    case faults::Scope::rack_leaf_switch:
      return racks;
    case faults::Scope::spine_switch:
      return std::ceil(racks / racks_per_hall);
  }
  return 0.0;
}

}  // namespace

CalibrationResult calibrate(const io::Scenario& scenario, const faults::CountTargets& targets,
                            const CalibrationOptions& options, MPI_Comm comm, std::ostream& log) {
  io::Scenario work = scenario;
  const topology::Campus campus(work.campus);
  CalibrationResult res;
  res.run_s = static_cast<double>(work.ticks()) * work.time.tick_s;
  ProgressOptions quiet;
  quiet.quiet = true;
  for (int it = 1; it <= options.iterations; ++it) {
    // The expected counts of this fit's rates: the mean over the replicas' realizations (the
    // failures themselves move the conditions a little).
    res.expected.fill(0.0);
    for (int r = 0; r < options.replicas; ++r) {
      const std::uint64_t seed =
          r == 0 ? work.seed : rng::replica_seed(work.seed, static_cast<std::uint32_t>(r));
      Engine engine(work, comm, seed);
      res.job_accelerators = static_cast<double>(engine.job_accelerators());
      if (!(res.job_accelerators > 0))
        throw io::ScenarioError(options.scenario_path +
                                ": calibrate: the scenario has no job (the counts are of job "
                                "interruptions)");
      (void)engine.run(nullptr, quiet);
      const auto e = engine.expected_interruptions();
      for (int c = 0; c < faults::kFailureClassCount; ++c)
        res.expected[c] += e[c] / static_cast<double>(options.replicas);
    }
    res.iterations = it;
    log << fmt::format("iteration {}: {} run(s) of {:.0f} s on {:.0f} job accelerators\n", it,
                       options.replicas, res.run_s, res.job_accelerators);
    log << fmt::format("  {:<20} {:>10} {:>10} {:>8} {:>14} {:>14}\n", "class", "target",
                       "expected", "ratio", "rate (1/s)", "fitted (1/s)");
    for (int c = 0; c < faults::kFailureClassCount; ++c) {
      const faults::ClassTarget& t = targets[c];
      if (!t.present) continue;
      faults::FailureClassSpec& spec = work.faults.model.classes[c];
      res.target[c] = faults::scaled_target(t, res.job_accelerators, res.run_s);
      const double nominal_s = work.faults.model.rate_scale *
                               nominal_instances(campus, spec.scope, res.job_accelerators) *
                               res.run_s;
      // rate_scale multiplies every base rate in the run: fit the base so that the product is
      // right (base·scale·exposure per unit rate).
      const double fitted =
          faults::fitted_base_rate(spec.base_rate_per_s, res.target[c], res.expected[c], nominal_s);
      log << fmt::format("  {:<20} {:>10.3f} {:>10.3f} {:>8.4f} {:>14.6e} {:>14.6e}\n", spec.name,
                         res.target[c], res.expected[c],
                         res.target[c] > 0 ? res.expected[c] / res.target[c] : 0.0,
                         spec.base_rate_per_s, fitted);
      spec.base_rate_per_s = fitted;
    }
  }
  res.model = work.faults.model;
  return res;
}

std::string fitted_fragment(const io::Scenario& scenario, const faults::CountTargets& targets,
                            const CalibrationResult& res, const CalibrationOptions& options) {
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::string out;
  out += fmt::format(
      "# Failure rates fitted by `clustertwin calibrate` (clustertwin {}, {}) so that\n"
      "#   {}\n"
      "# expects the counts of\n"
      "#   {}\n"
      "# under its own simulated conditions (temperatures, thermal cycling, ages, the stalls its\n"
      "# failures cause): {} fit(s), each the mean of {} run(s) of {:.0f} s (tick {} s, seed {})\n"
      "# on {:.0f} job accelerators;\n"
      "# rate_per_s is the base rate at the reference conditions (rate_scale {} applies on\n"
      "# top). Per class: the target count scaled to that run and the count the last run\n"
      "# expected before its correction.\n",
      CLUSTERTWIN_VERSION, date, options.scenario_path, options.target_path, res.iterations,
      options.replicas, res.run_s, scenario.time.tick_s, scenario.seed, res.job_accelerators,
      scenario.faults.model.rate_scale);
  out += "faults:\n  classes:\n";
  for (int c = 0; c < faults::kFailureClassCount; ++c) {
    if (!targets[c].present) continue;
    const faults::FailureClassSpec& spec = res.model.classes[c];
    out += fmt::format("    {}: {{rate_per_s: {:.17g}}}  # target {:.3f}, expected {:.3f}\n",
                       spec.name, spec.base_rate_per_s, res.target[c], res.expected[c]);
  }
  return out;
}

}  // namespace ct::twin
