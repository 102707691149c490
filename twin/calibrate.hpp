// `clustertwin calibrate`: fit the failure classes' base rates so that a scenario, under its own
// simulated conditions (junction and inlet temperatures, thermal cycling, Weibull ages, the
// stalls its failures cause), expects the target counts per class (faults/count_calibration.hpp).
// Each iteration runs the scenario's engine (no output) and reads the expected interruptions per
// class, Σ ∫λ_c dt over the components the jobs use; rates are scaled by target / expected.
#pragma once

#include <mpi.h>

#include <array>
#include <ostream>
#include <string>

#include "faults/count_calibration.hpp"
#include "io/scenario.hpp"

namespace ct::twin {

struct CalibrationOptions {
  int iterations = 3;  // fits (fixed point: conditions move with the rates)
  int replicas = 1;    // runs per fit (seed, then replica seeds as `run` derives them), averaged
  std::string scenario_path;  // for the fragment's header
  std::string target_path;
};

struct CalibrationResult {
  faults::FailureModel model;  // the scenario's model with the fitted base rates
  std::array<double, faults::kFailureClassCount> target{}, expected{};  // last run, scaled
  double run_s = 0.0;
  double job_accelerators = 0.0;
  int iterations = 0;
};

// Collective over `comm`. Progress lines go to `log` (pass a null stream on ranks other than 0).
CalibrationResult calibrate(const io::Scenario& scenario, const faults::CountTargets& targets,
                            const CalibrationOptions& options, MPI_Comm comm, std::ostream& log);

// The fitted rates as a scenario fragment for `extends:` (only the classes of the target).
std::string fitted_fragment(const io::Scenario& scenario, const faults::CountTargets& targets,
                            const CalibrationResult& result, const CalibrationOptions& options);

}  // namespace ct::twin
