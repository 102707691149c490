// Calibration to observed counts (faults/count_calibration.hpp): the target table's parsing and
// errors, the shipped Llama 3 table against the published totals, scaling and the fit.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "faults/count_calibration.hpp"
#include "faults/hazard.hpp"

namespace ct::faults {
namespace {

CountTargets parse(const std::string& text) {
  std::istringstream in(text);
  return load_count_targets(in, "t.csv");
}

std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(FaultsCountCalibration, ParsesAndSumsAClassOverItsLines) {
  const CountTargets t = parse(
      "# comment\n\nclass,count,observed_days,accelerators\n gpu , 3, 2, 64\n"
      "software,5,2,64\n# another cause of the same class\nsoftware,2,2,64\n");
  EXPECT_TRUE(t[static_cast<int>(FailureClass::gpu)].present);
  EXPECT_EQ(t[static_cast<int>(FailureClass::gpu)].count, 3.0);
  EXPECT_EQ(t[static_cast<int>(FailureClass::software)].count, 7.0);
  EXPECT_EQ(t[static_cast<int>(FailureClass::software)].observed_s, 2 * 86400.0);
  EXPECT_FALSE(t[static_cast<int>(FailureClass::hbm)].present);
}

TEST(FaultsCountCalibration, BadTablesNameFileLineAndColumn) {
  const std::string h = "class,count,observed_days,accelerators\n";
  EXPECT_NE(
      error_of("klass,count,observed_days,accelerators\n").find("t.csv:1: expected the header"),
      std::string::npos);
  EXPECT_NE(error_of(h + "gpux,1,1,1\n").find("t.csv:2: column 'class': unknown failure class"),
            std::string::npos);
  EXPECT_NE(error_of(h + "gpu,-1,1,1\n").find("t.csv:2: column 'count'"), std::string::npos);
  EXPECT_NE(error_of(h + "gpu,1,0,1\n").find("column 'observed_days'"), std::string::npos);
  EXPECT_NE(error_of(h + "gpu,1,1,x\n").find("column 'accelerators': 'x' is not a number"),
            std::string::npos);
  EXPECT_NE(error_of(h + "gpu,1,1\n").find("expected 4 columns"), std::string::npos);
  EXPECT_NE(error_of(h + "gpu,1,1,8\ngpu,1,2,8\n").find("t.csv:3: class 'gpu' was observed"),
            std::string::npos);
  EXPECT_NE(error_of(h).find("no data line"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
}

// The shipped table against the published figures (DESIGN.md §6): 419 unexpected, 47 planned,
// faulty GPU 148, over 54 days on 16,384 GPUs.
TEST(FaultsCountCalibration, ShippedLlamaTableHasThePublishedTotals) {
  std::ifstream in(std::string(CT_SOURCE_DIR) + "/configs/faults/llama3-54d-counts.csv");
  ASSERT_TRUE(in);
  const CountTargets t = load_count_targets(in, "llama3-54d-counts.csv");
  const FailureModel m = h100_failure_model();
  double unplanned = 0.0, planned = 0.0;
  for (int c = 0; c < kFailureClassCount; ++c) {
    ASSERT_TRUE(t[c].present) << failure_class_name(static_cast<FailureClass>(c));
    EXPECT_EQ(t[c].observed_s, 54 * 86400.0);
    EXPECT_EQ(t[c].accelerators, 16384.0);
    (m.classes[c].planned ? planned : unplanned) += t[c].count;
  }
  EXPECT_EQ(unplanned, 419.0);
  EXPECT_EQ(planned, 47.0);
  EXPECT_EQ(t[static_cast<int>(FailureClass::gpu)].count, 148.0);
  EXPECT_EQ(t[static_cast<int>(FailureClass::software)].count, 54.0 + 7.0 + 2.0);
}

TEST(FaultsCountCalibration, TargetScalesWithJobSizeAndRunAndTheFitHitsIt) {
  ClassTarget t{true, 148.0, 54 * 86400.0, 16384.0, 1};
  // Half the fleet for a tenth of the window: a twentieth of the count.
  EXPECT_DOUBLE_EQ(scaled_target(t, 8192.0, 5.4 * 86400.0), 7.4);
  EXPECT_EQ(scaled_target(ClassTarget{}, 8192.0, 1.0), 0.0);
  // Expected counts are proportional to the base rate: the fitted rate gives the target.
  const double base = 2e-9, exposure_per_rate = 3.0e9;  // expected = base × exposure
  const double fitted = fitted_base_rate(base, 7.4, base * exposure_per_rate, 1e10);
  EXPECT_NEAR(fitted * exposure_per_rate, 7.4, 1e-12);
  // No rate or no exposure yet: count per nominal instance-second.
  EXPECT_DOUBLE_EQ(fitted_base_rate(0.0, 7.4, 0.0, 1e10), 7.4e-10);
  EXPECT_EQ(fitted_base_rate(0.0, 7.4, 0.0, 0.0), 0.0);
}

// The fit through the hazard model itself: a fleet whose junctions run hot and swing (a daily
// sine of 65-85 °C) expects E = Σ_units ∫ rate·acceleration dt of the GPU class. E is linear in
// the base rate, so one fit gives the target to rounding; at a constant temperature the fitted
// rate is the closed form target / (units · t · [(1−cf)·AF_T + cf·R]).
double expected_gpu_count(const FailureModel& m, int units, double days, double offset_k) {
  const FailureClassSpec& gpu = m.classes[static_cast<int>(FailureClass::gpu)];
  const double dt_s = 60.0;
  double e = 0.0;
  for (int u = 0; u < units; ++u)
    for (double t = 0.0; t < days * 86400.0; t += dt_s) {
      const double junction_c =
          75.0 + offset_k * u / units + 10.0 * std::sin(2.0 * M_PI * t / 86400.0);
      e += class_hazard_increment(gpu, m, junction_c, 1.3, 0.0, dt_s);
    }
  return e;
}

TEST(FaultsCountCalibration, FitThroughTheHazardModelHitsTheTargetInOneStep) {
  FailureModel m = h100_failure_model();
  FailureClassSpec& gpu = m.classes[static_cast<int>(FailureClass::gpu)];
  ASSERT_EQ(gpu.weibull_shape, 1.0);
  const ClassTarget t{true, 148.0, 54 * 86400.0, 16384.0, 1};
  const int units = 64;
  const double days = 3.0;
  const double target = scaled_target(t, units, days * 86400.0);
  const double before = expected_gpu_count(m, units, days, 4.0);
  EXPECT_GT(before, target);  // hotter than the 70 °C reference: more failures than published
  gpu.base_rate_per_s = fitted_base_rate(gpu.base_rate_per_s, target, before, 1.0);
  EXPECT_NEAR(expected_gpu_count(m, units, days, 4.0) / target, 1.0, 1e-12);

  // Constant 80 °C, relative cycling damage 1.3: the closed form.
  FailureModel c = h100_failure_model();
  const FailureClassSpec& g = c.classes[static_cast<int>(FailureClass::gpu)];
  const double run_s = days * 86400.0;
  const double e = units * run_s * class_hazard_rate_per_s(g, c, 80.0, 1.3);
  const double af = std::exp(g.activation_energy_ev / kBoltzmannEvPerK *
                             (1.0 / (g.reference_temperature_c + 273.15) - 1.0 / 353.15));
  const double closed = target / (units * run_s * c.rate_scale *
                                  ((1.0 - g.cycling_fraction) * af + g.cycling_fraction * 1.3));
  EXPECT_NEAR(fitted_base_rate(g.base_rate_per_s, target, e, 1.0) / closed, 1.0, 1e-12);
}

}  // namespace
}  // namespace ct::faults
