// Psychrometrics against published figures: ASHRAE Handbook — Fundamentals (2017) ch. 1
// Tables 1–3 and Example 1 (values as reproduced in PsychroLib's test suite,
// psychrometrics/psychrolib tests/test_psychrolib_si.py), and Stull's (2011) empirical wet bulb.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "thermal/psychrometrics.hpp"

namespace ct::thermal {
namespace {

constexpr double kSeaLevelPa = 101325.0;

// ASHRAE 2017 Table 3, saturation pressure of water (over ice below 0 °C). ASHRAE states the
// formulas agree with the table within 300 ppm.
TEST(ThermalPsychrometrics, SaturationPressureMatchesAshraeTable3) {
  const struct {
    double t_c, p_pa;
  } table[] = {{-20.0, 103.24}, {-5.0, 401.74},  {5.0, 872.6},
               {25.0, 3169.7},  {50.0, 12351.3}, {100.0, 101418.0}};
  double worst = 0.0;
  for (const auto& row : table) {
    const double rel = std::abs(saturation_vapor_pressure_pa(row.t_c) / row.p_pa - 1.0);
    EXPECT_LT(rel, 3e-4) << row.t_c << " °C";
    worst = std::max(worst, rel);
  }
  std::printf("[psychrometrics] p_ws vs ASHRAE Table 3: worst relative error %.1e\n", worst);
}

// ASHRAE 2017 Table 2, humidity ratio at saturation, 101.325 kPa.
TEST(ThermalPsychrometrics, SaturationHumidityRatioMatchesAshraeTable2) {
  EXPECT_NEAR(saturation_humidity_ratio(-20.0, kSeaLevelPa), 0.0006373, 0.01 * 0.0006373);
  EXPECT_NEAR(saturation_humidity_ratio(5.0, kSeaLevelPa), 0.005425, 0.005 * 0.005425);
  EXPECT_NEAR(saturation_humidity_ratio(25.0, kSeaLevelPa), 0.020173, 0.005 * 0.020173);
  EXPECT_NEAR(saturation_humidity_ratio(50.0, kSeaLevelPa), 0.086863, 0.01 * 0.086863);
}

// ASHRAE 2017 Table 1, standard atmosphere (±1 Pa).
TEST(ThermalPsychrometrics, StandardAtmosphereMatchesAshraeTable1) {
  EXPECT_NEAR(standard_atmosphere_pressure_pa(0.0), 101325.0, 1.0);
  EXPECT_NEAR(standard_atmosphere_pressure_pa(500.0), 95461.0, 1.0);
  EXPECT_NEAR(standard_atmosphere_pressure_pa(1000.0), 89875.0, 1.0);
  EXPECT_NEAR(standard_atmosphere_pressure_pa(4000.0), 61640.0, 1.0);
  EXPECT_THROW((void)standard_atmosphere_pressure_pa(20000.0), std::invalid_argument);
}

// ASHRAE 2017 Example 1: 40 °C dry bulb, 20 °C wet bulb, 101.325 kPa. Text values (rounded):
// W ≈ 0.0065, dew point ≈ 7 °C, φ ≈ 14%, h ≈ 56.7 kJ/kg (h = 1.006·t + W·(2501 + 1.86·t),
// eq. 32). Back from the published enthalpy (±0.05 kJ/kg, i.e. ±0.02 K) the wet bulb is 20 °C.
TEST(ThermalPsychrometrics, AshraeExampleOne) {
  const double w = humidity_ratio_from_wet_bulb(40.0, 20.0, kSeaLevelPa);
  EXPECT_NEAR(w, 0.0065, 1e-4);
  EXPECT_NEAR(1.006 * 40.0 + w * (2501.0 + 1.86 * 40.0), 56.7, 0.1);
  const double pw = kSeaLevelPa * w / (0.621945 + w);
  EXPECT_NEAR(pw / saturation_vapor_pressure_pa(40.0), 0.14, 0.01);
  EXPECT_NEAR(dew_point_c(pw), 7.0, 0.5);
  const double w_published = (56.7 - 1.006 * 40.0) / (2501.0 + 1.86 * 40.0);
  const double from_published = wet_bulb_from_humidity_ratio_c(40.0, w_published, kSeaLevelPa);
  EXPECT_NEAR(from_published, 20.0, 0.05);
  // Round trips through each humidity measure.
  EXPECT_NEAR(wet_bulb_from_humidity_ratio_c(40.0, w, kSeaLevelPa), 20.0, 1e-8);
  EXPECT_NEAR(wet_bulb_from_dew_point_c(40.0, dew_point_c(pw), kSeaLevelPa), 20.0, 1e-7);
  EXPECT_NEAR(
      wet_bulb_from_relative_humidity_c(40.0, pw / saturation_vapor_pressure_pa(40.0), kSeaLevelPa),
      20.0, 1e-7);
  std::printf(
      "[psychrometrics] ASHRAE example 1: W %.6f (published 0.0065), h %.2f kJ/kg "
      "(56.7), dew point %.2f °C (7), wet bulb from the published h %.3f °C (20)\n",
      w, 1.006 * 40.0 + w * (2501.0 + 1.86 * 40.0), dew_point_c(pw), from_published);
}

// Below freezing (ice on the bulb, eq. 35): round trip and ordering t_d ≤ t* ≤ t.
TEST(ThermalPsychrometrics, BelowFreezingWetBulb) {
  const double p = standard_atmosphere_pressure_pa(500.0);
  const double w = humidity_ratio_from_wet_bulb(-1.0, -5.0, p);
  EXPECT_NEAR(w, 0.00120399819933844, 3e-4 * 0.0012);  // PsychroLib's figure for this state
  EXPECT_NEAR(wet_bulb_from_humidity_ratio_c(-1.0, w, p), -5.0, 1e-7);
}

// Stull (2011), J. Appl. Meteor. Climatol. 50, 2267–2269: an empirical fit to psychrometric
// wet bulbs at 101.325 kPa whose errors (psychrometric − fit) are stated as −1 … +0.65 K for
// RH 5–99% and −20 … 50 °C (except cold and dry). Compared over 5–45 °C and RH 10–95%, with
// the stated bounds taken to their rounding (±0.05 K).
double stull_wet_bulb_c(double t, double rh_percent) {
  return t * std::atan(0.151977 * std::sqrt(rh_percent + 8.313659)) + std::atan(t + rh_percent) -
         std::atan(rh_percent - 1.676331) +
         0.00391838 * std::pow(rh_percent, 1.5) * std::atan(0.023101 * rh_percent) - 4.686035;
}

TEST(ThermalPsychrometrics, WetBulbWithinStullEnvelope) {
  double worst_low = 0.0, worst_high = 0.0;
  for (double t = 5.0; t <= 45.0; t += 5.0) {
    for (double rh = 10.0; rh <= 95.0; rh += 5.0) {
      const double ours = wet_bulb_from_relative_humidity_c(t, rh / 100.0, kSeaLevelPa);
      const double diff = ours - stull_wet_bulb_c(t, rh);
      EXPECT_GE(diff, -1.05) << t << " °C, " << rh << "%";
      EXPECT_LE(diff, 0.70) << t << " °C, " << rh << "%";
      worst_low = std::min(worst_low, diff);
      worst_high = std::max(worst_high, diff);
      EXPECT_LE(ours, t);
    }
  }
  std::printf(
      "[psychrometrics] ASHRAE minus Stull (2011) wet bulb over 5-45 °C, RH 10-95%%: "
      "%.2f … %.2f K (Stull's stated envelope −1 … +0.65 K)\n",
      worst_low, worst_high);
}

TEST(ThermalPsychrometrics, SaturationAndErrors) {
  EXPECT_DOUBLE_EQ(wet_bulb_from_dew_point_c(22.0, 22.0, kSeaLevelPa), 22.0);
  EXPECT_DOUBLE_EQ(wet_bulb_from_relative_humidity_c(22.0, 1.0, kSeaLevelPa), 22.0);
  // Nearly saturated: wet bulb just below dry bulb, above the dew point.
  const double wb = wet_bulb_from_dew_point_c(22.0, 21.0, kSeaLevelPa);
  EXPECT_GT(wb, 21.0);
  EXPECT_LT(wb, 22.0);
  EXPECT_THROW((void)saturation_vapor_pressure_pa(250.0), std::invalid_argument);
  EXPECT_THROW((void)wet_bulb_from_relative_humidity_c(20.0, -0.1, kSeaLevelPa),
               std::invalid_argument);
  EXPECT_THROW((void)humidity_ratio(200.0, -1.0), std::invalid_argument);
}

}  // namespace
}  // namespace ct::thermal
