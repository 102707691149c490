// Calibration of failure rates to observed counts (`clustertwin calibrate`): the target table
// and the fit. Plain C++ (the engine supplies the expected counts under a scenario's simulated
// conditions; twin/calibrate.cpp drives the loop).
//
// Target table (CSV, `#` comments and blank lines skipped), header `class,count,observed_days,
// accelerators`: `count` failures of class `class` (a failure class name, faults/README.md) seen
// over `observed_days` on a fleet of `accelerators` accelerators (the jobs' accelerators the
// counts were observed on). A class may appear on several lines (causes that map to one class):
// their counts add, and their observation must agree.
//
// The fit. Every class's hazard is its base rate times accelerations (Arrhenius, cycling, age)
// that do not depend on the base rate, so a scenario's expected count of class c over a run,
// E_c = Σ over the jobs' components of ∫ λ_c dt, is proportional to base_c. Scaled to the run,
// the target is T_c = count_c · (A_jobs / A_target) · (run_s / observed_s), and the fitted rate
// base_c · T_c / E_c gives E_c = T_c under the conditions E_c was measured at. Those conditions
// move a little with the rates (failures stall jobs and cool them), hence a few fixed-point
// iterations.
#pragma once

#include <array>
#include <istream>
#include <string>
#include <vector>

#include "faults/failure_classes.hpp"

namespace ct::faults {

struct ClassTarget {
  bool present = false;
  double count = 0.0;
  double observed_s = 0.0;
  double accelerators = 0.0;
  int line = 0;  // first line of the class in the table
};
using CountTargets = std::array<ClassTarget, kFailureClassCount>;

// Parse a target table. Throws std::invalid_argument "NAME:LINE: ..." on bad input (unknown
// class, negative count, non-positive days or accelerators, missing columns, a class whose
// lines disagree on the observation, no data line).
CountTargets load_count_targets(std::istream& in, const std::string& name);

// T_c: the target count of class c over a run of run_s on job_accelerators accelerators.
double scaled_target(const ClassTarget& t, double job_accelerators, double run_s);

// The fitted base rate of one class: base · target / expected when expected > 0; otherwise (the
// class had no rate or no exposure) target / nominal_exposure_s, the count per instance-second
// at nominal conditions (0 when there is no exposure at all).
double fitted_base_rate(double base_rate_per_s, double target, double expected,
                        double nominal_exposure_s);

}  // namespace ct::faults
