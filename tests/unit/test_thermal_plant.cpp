// Cooling plant and rack inlet models.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "thermal/cooling_plant.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/weather.hpp"

namespace ct::thermal {
namespace {

const CoolingPlantSpec& plant(std::string_view name) {
  const CoolingPlantSpec* spec = cooling_plant_catalogue().find(name);
  EXPECT_NE(spec, nullptr) << name;
  return *spec;
}

TEST(ThermalPlant, PresetsExist) {
  for (const std::string& name : cooling_plant_catalogue().names()) {
    ASSERT_NE(cooling_plant_catalogue().find(name), nullptr) << name;
    EXPECT_EQ(cooling_plant_catalogue().find(name)->name, name);
  }
  EXPECT_EQ(cooling_plant_catalogue().find("immersion"), nullptr);
}

// First law: every watt the facility draws ends up as heat outdoors, and the plant rejects the
// IT heat plus the cooling work done inside the loop. Over the whole weather range, so fans at
// design airflow, fans slowed down by a cold day and chiller trim are all covered; 1e-9 of IT.
TEST(ThermalPlant, EnergyBalance) {
  const double it_w = 20e6;
  const double tol_w = 1e-9 * it_w;
  for (const std::string& name : cooling_plant_catalogue().names()) {
    const CoolingPlantSpec& spec = plant(name);
    for (double dry_c = -20.0; dry_c <= 46.0; dry_c += 1.0) {
      const double wet_c = dry_c - 4.0;
      const PlantOutput out = plant_output(spec, it_w, dry_c, wet_c);
      EXPECT_DOUBLE_EQ(out.heat_removed_from_it_w, it_w);
      const double air_handler_w = spec.air_handler_fan_fraction * it_w;
      EXPECT_NEAR(out.fan_power_w, air_handler_w + out.rejection_fan_power_w, tol_w);
      EXPECT_NEAR(out.cooling_power_w, out.chiller_power_w + out.fan_power_w + out.pump_power_w,
                  tol_w);
      // Facility = IT + cooling + distribution losses.
      EXPECT_NEAR(out.facility_power_w, it_w + out.cooling_power_w + out.distribution_loss_w,
                  tol_w);
      // Heat rejected = loop heat (IT + air handlers + pumps) + chiller power.
      EXPECT_NEAR(out.heat_rejected_w,
                  it_w + air_handler_w + out.pump_power_w + out.chiller_power_w, tol_w);
      // Heat leaving the site: plant rejection + rejection-fan heat + electrical-room losses.
      EXPECT_NEAR(out.heat_rejected_w + out.rejection_fan_power_w + out.distribution_loss_w,
                  out.facility_power_w, tol_w);
      // Affinity law on the airflow the plant reports.
      const double u = out.rejection_airflow_fraction;
      EXPECT_NEAR(out.rejection_fan_power_w,
                  spec.rejection_fan_fraction * out.heat_rejected_w * u * u * u, tol_w);
      EXPECT_GE(u, spec.rejection_min_airflow_fraction);
      EXPECT_LE(u, 1.0);
      EXPECT_NEAR(out.pue, out.facility_power_w / it_w, 1e-12);
    }
  }
}

// Counterflow exchanger solved without the effectiveness formula: RK4 along the exchanger
// (water enters at x = 0 at t_hot and flows to x = 1; air enters at x = 1 at 0 °C and flows
// back), C_w = 1, UA = ntu·C_w, C_air = r. The problem is linear in the unknown air outlet
// temperature g at x = 0, so two shots give it exactly. Returns the water outlet temperature.
double counterflow_water_out_c(double t_hot_c, double ntu, double r) {
  auto shoot = [&](double g, double& water_out) {
    const int n = 4000;
    const double h = 1.0 / n;
    double tw = t_hot_c, ta = g;
    auto dw = [&](double w, double a) { return -ntu * (w - a); };
    auto da = [&](double w, double a) { return -ntu / r * (w - a); };
    for (int i = 0; i < n; ++i) {
      const double k1w = dw(tw, ta), k1a = da(tw, ta);
      const double k2w = dw(tw + 0.5 * h * k1w, ta + 0.5 * h * k1a);
      const double k2a = da(tw + 0.5 * h * k1w, ta + 0.5 * h * k1a);
      const double k3w = dw(tw + 0.5 * h * k2w, ta + 0.5 * h * k2a);
      const double k3a = da(tw + 0.5 * h * k2w, ta + 0.5 * h * k2a);
      const double k4w = dw(tw + h * k3w, ta + h * k3a), k4a = da(tw + h * k3w, ta + h * k3a);
      tw += h / 6.0 * (k1w + 2 * k2w + 2 * k3w + k4w);
      ta += h / 6.0 * (k1a + 2 * k2a + 2 * k3a + k4a);
    }
    water_out = tw;
    return ta;  // air temperature at x = 1, must be the inlet 0 °C
  };
  double w0 = 0.0, w1 = 0.0;
  const double a0 = shoot(0.0, w0), a1 = shoot(t_hot_c, w1);
  const double g = -a0 * t_hot_c / (a1 - a0);
  double water_out = 0.0;
  shoot(g, water_out);
  return water_out;
}

// The airflow the plant runs at removes exactly the loop's heat: with the rejection unit sized
// for a balanced design (NTU_d = ΔT/a_r), an exchanger of that NTU at the reported airflow cools
// the water by ΔT to a_r + x above the outdoor temperature, x the excess supply over T_econ.
// Tolerance 1e-6 K (RK4 with 4000 steps is far tighter).
TEST(ThermalPlant, RejectionAirflowRemovesTheLoopHeat) {
  for (const std::string_view name : {"air_chiller_tower", "liquid_dry_cooler", "liquid_tower"}) {
    const CoolingPlantSpec& spec = plant(name);
    const double a_r = spec.rejection_approach_k, range_k = spec.loop_rise_k;
    EXPECT_EQ(rejection_airflow_fraction(spec, 0.0), 1.0) << name;  // design: full airflow
    EXPECT_NEAR(counterflow_water_out_c(range_k + a_r, range_k / a_r, 1.0), a_r, 1e-6) << name;
    for (const double excess_k : {0.5, 2.0, 5.0, 10.0, 20.0}) {
      const double u = rejection_airflow_fraction(spec, excess_k);
      ASSERT_GT(u, spec.rejection_min_airflow_fraction) << name << " " << excess_k;
      ASSERT_LT(u, 1.0);
      const double leave_c = a_r + excess_k;
      EXPECT_NEAR(counterflow_water_out_c(leave_c + range_k, range_k / a_r, u), leave_c, 1e-6)
          << name << " excess " << excess_k;
    }
    // Far more approach than needed: the fans sit at their minimum speed.
    EXPECT_EQ(rejection_airflow_fraction(spec, 1000.0), spec.rejection_min_airflow_fraction);
  }
  // The effectiveness formula itself: balanced streams, and ε → 1 − e^{−N} for c → 0.
  EXPECT_NEAR(counterflow_effectiveness(2.5, 1.0), 2.5 / 3.5, 1e-15);
  EXPECT_NEAR(counterflow_effectiveness(2.0, 0.0), 1.0 - std::exp(-2.0), 1e-15);
  EXPECT_NEAR(counterflow_effectiveness(2.5, 1.0 - 1e-12), 2.5 / 3.5, 1e-9);
}

// The airflow memo gives the plant of a solve from scratch, bit for bit, along a sequence of
// weather that holds, changes, and comes back (a memo that missed a change of the excess would
// keep the last airflow; one keyed on the IT power alone would too).
TEST(ThermalPlant, AirflowMemoGivesTheSolveFromScratch) {
  for (const std::string_view name : {"air_chiller_tower", "liquid_dry_cooler", "liquid_tower"}) {
    const CoolingPlantSpec& spec = plant(name);
    RejectionAirflowMemo memo;
    int solves = 0;
    const double dry_c[] = {-5.0, -5.0, 2.0, 2.0, 2.0, 8.0, -5.0, 30.0, 30.0, 2.0};
    for (std::size_t i = 0; i < std::size(dry_c); ++i) {
      const double it_w = 1e6 * (1.0 + 0.1 * static_cast<double>(i));
      const PlantOutput ref = plant_output(spec, it_w, dry_c[i], dry_c[i] - 4.0);
      const bool was_valid = memo.valid;
      const double before_k = memo.supply_excess_k;
      const PlantOutput got = plant_output(spec, it_w, dry_c[i], dry_c[i] - 4.0, &memo);
      solves += !was_valid || before_k != memo.supply_excess_k;
      EXPECT_EQ(std::bit_cast<std::uint64_t>(got.rejection_airflow_fraction),
                std::bit_cast<std::uint64_t>(ref.rejection_airflow_fraction))
          << name << " step " << i;
      EXPECT_EQ(std::bit_cast<std::uint64_t>(got.facility_power_w),
                std::bit_cast<std::uint64_t>(ref.facility_power_w))
          << name << " step " << i;
    }
    EXPECT_LT(solves, static_cast<int>(std::size(dry_c))) << name;  // the held weather reused it
  }
}

// Hotter is never cheaper: PUE does not fall as the outdoor temperature rises (wet bulb 4 K
// below the dry bulb), and it rises strictly where the rejection fans modulate (cold side of the
// supply band) and where the chiller trims (above it).
TEST(ThermalPlant, HotterWeatherNeverLowersPue) {
  for (const std::string& name : cooling_plant_catalogue().names()) {
    const CoolingPlantSpec& spec = plant(name);
    double previous = 0.0;
    for (double dry_c = -20.0; dry_c <= 46.0; dry_c += 0.25) {
      const double pue = plant_output(spec, 1e6, dry_c, dry_c - 4.0).pue;
      EXPECT_GE(pue, previous - 1e-12) << name << " at " << dry_c << " °C";
      previous = pue;
    }
  }
  // Liquid, dry cooler: fans slow below 19 °C (25 °C supply − 6 K approach), trim above 29 °C.
  const CoolingPlantSpec& dry = plant("liquid_dry_cooler");
  auto pue = [&](double dry_c) { return plant_output(dry, 1e6, dry_c, dry_c - 4.0).pue; };
  EXPECT_LT(pue(10.0), pue(15.0));
  EXPECT_LT(pue(15.0), pue(18.0));
  EXPECT_LT(pue(18.0), pue(19.0));
  EXPECT_LT(pue(30.0), pue(35.0));
  EXPECT_LT(pue(35.0), pue(40.0));
}

// The reviewer's case: a liquid campus with dry coolers over a week whose outdoor temperature
// swings 15–24 °C. PUE now follows the weather (it was constant to 1e-12): it is lowest in the
// coolest hours and highest in the warmest.
TEST(ThermalPlant, LiquidDryCoolerPueFollowsAWeekOfWeather) {
  SyntheticClimate week;
  week.annual_mean_dry_bulb_c = 19.5;
  week.annual_amplitude_k = 0.0;
  week.diurnal_amplitude_k = 4.5;
  const CoolingPlantSpec& dry = plant("liquid_dry_cooler");
  const double start_s = parse_iso8601_utc("2026-06-01T00:00:00Z");
  double lo = 1e9, hi = 0.0, at_coolest = 0.0, at_warmest = 0.0, coolest = 1e9, warmest = -1e9;
  for (double t = start_s; t < start_s + 7 * 86400.0; t += 600.0) {
    const WeatherSample w = sample(week, t);
    const double pue = plant_output(dry, 1e6, w.dry_bulb_c, w.wet_bulb_c).pue;
    lo = std::min(lo, pue);
    hi = std::max(hi, pue);
    if (w.dry_bulb_c < coolest) coolest = w.dry_bulb_c, at_coolest = pue;
    if (w.dry_bulb_c > warmest) warmest = w.dry_bulb_c, at_warmest = pue;
  }
  EXPECT_NEAR(coolest, 15.0, 0.01);
  EXPECT_NEAR(warmest, 24.0, 0.01);
  EXPECT_GT(hi - lo, 0.01);  // 1.0825 at 15 °C (fans at 61% airflow, 23% power), 1.1033 ≥ 19 °C
  EXPECT_EQ(lo, at_coolest);
  EXPECT_EQ(hi, at_warmest);
}

// Month-average PUE on the warm-summer site in July, and in January on the cold site.
double mean_pue(const CoolingPlantSpec& spec, const SyntheticClimate& climate, double start_s) {
  double facility_j = 0.0;
  double it_j = 0.0;
  for (double t = start_s; t < start_s + 31 * 86400.0; t += 600.0) {
    const WeatherSample w = sample(climate, t);
    facility_j += plant_output(spec, 1e6, w.dry_bulb_c, w.wet_bulb_c).facility_power_w;
    it_j += 1e6;
  }
  return facility_j / it_j;
}

TEST(ThermalPlant, PueRanges) {
  const SyntheticClimate& warm = *climate_catalogue().find("warm_summer");
  const SyntheticClimate& cold = *climate_catalogue().find("cold");
  const double july_s = parse_iso8601_utc("2026-07-01T00:00:00Z");
  const double january_s = parse_iso8601_utc("2026-01-01T00:00:00Z");

  const double air_summer = mean_pue(plant("air_chiller_tower"), warm, july_s);
  const double liquid_summer = mean_pue(plant("liquid_dry_cooler"), warm, july_s);
  EXPECT_GE(air_summer, 1.3);
  EXPECT_LE(air_summer, 1.6);
  EXPECT_GE(liquid_summer, 1.1);
  EXPECT_LE(liquid_summer, 1.2);
  // Hyperscale evaporative air sits below the conventional air plant.
  EXPECT_LT(mean_pue(plant("air_evaporative"), warm, july_s), air_summer);
  // Cold site in winter: free cooling, lower PUE.
  EXPECT_LT(mean_pue(plant("air_chiller_tower"), cold, january_s), air_summer - 0.1);
  EXPECT_LT(mean_pue(plant("liquid_dry_cooler"), cold, january_s), liquid_summer);
}

// Annual PUE at a steady IT load over a synthetic year (hourly samples of 2026), and the
// share of it that is mechanical (facility − distribution losses) / IT.
struct AnnualPue {
  double pue = 0.0, mechanical = 0.0;
};
AnnualPue annual_pue(const CoolingPlantSpec& spec, const SyntheticClimate& climate) {
  const double start_s = parse_iso8601_utc("2026-01-01T00:00:00Z");
  double facility_j = 0.0, loss_j = 0.0, it_j = 0.0;
  for (double t = start_s; t < start_s + 365 * 86400.0; t += 3600.0) {
    const WeatherSample w = sample(climate, t);
    const PlantOutput out = plant_output(spec, 1e6, w.dry_bulb_c, w.wet_bulb_c);
    facility_j += out.facility_power_w;
    loss_j += out.distribution_loss_w;
    it_j += 1e6;
  }
  return {facility_j / it_j, (facility_j - loss_j) / it_j};
}

// Each plant's annual PUE against a published figure for that kind of plant.
//  - Warm-water direct liquid cooling without chillers: NREL's ESIF HPC data center, annualized
//    PUE 1.036 (design goal ≤ 1.06), https://www.nrel.gov/computational-science/
//    measuring-efficiency-pue.html. Its PUE counts lights, outdoor cooling fans, pumps and HVAC
//    (no UPS or transformer losses listed), so it is compared with the model's mechanical PUE,
//    in the temperate and cold climates (ESIF: Golden, Colorado, cool and dry), ±0.02. The full
//    PUE of both liquid plants must also sit in the published liquid range 1.05–1.15 everywhere.
//  - Direct evaporative air with outside air: Facebook Prineville, average PUE 1.07 in its first
//    year (design 1.15), https://cascadebusnews.com (Cascade Business News, 2011), ±0.03.
//  - Chilled water with towers and CRAHs: the Uptime Institute's 2023 industry-average PUE 1.58
//    (flat at 1.55–1.59 since 2020), https://intelligence.uptimeinstitute.com/resource/
//    large-data-centers-are-mostly-more-efficient-analysis-confirms. The model's plant is a
//    modern one at full load with a water-side economizer; the average includes older rooms at
//    part load, which the model does not represent. Not an agreement test: the model must stay
//    below that average in every climate, and in the warm climate (chillers run much of the
//    year) above the ≈1.2 that NREL's page above gives for efficiency-focused data centers. The
//    model gives 1.27 / 1.19 / 1.16 (warm / temperate / cold), below the 1.3–1.6 often quoted
//    for air plants: reported, not tuned.
TEST(ThermalPlant, AnnualPueAgainstPublishedFigures) {
  const SyntheticClimate& warm = *climate_catalogue().find("warm_summer");
  const SyntheticClimate& temperate = *climate_catalogue().find("temperate");
  const SyntheticClimate& cold = *climate_catalogue().find("cold");
  for (const std::string_view name : {"liquid_dry_cooler", "liquid_tower"}) {
    for (const SyntheticClimate* c : {&temperate, &cold}) {
      const AnnualPue a = annual_pue(plant(name), *c);
      std::printf("%-18s %-12s annual PUE %.4f, mechanical %.4f (ESIF 1.036)\n",
                  std::string(name).c_str(), c->name.c_str(), a.pue, a.mechanical);
      EXPECT_NEAR(a.mechanical, 1.036, 0.02) << name << " " << c->name;
    }
    for (const SyntheticClimate* c : {&warm, &temperate, &cold}) {
      const AnnualPue a = annual_pue(plant(name), *c);
      EXPECT_GE(a.pue, 1.05) << name << " " << c->name;
      EXPECT_LE(a.pue, 1.15) << name << " " << c->name;
    }
  }
  for (const SyntheticClimate* c : {&warm, &temperate, &cold}) {
    const AnnualPue a = annual_pue(plant("air_evaporative"), *c);
    std::printf("air_evaporative    %-12s annual PUE %.4f (Prineville 1.07)\n", c->name.c_str(),
                a.pue);
    EXPECT_NEAR(a.pue, 1.07, 0.03) << c->name;
  }
  for (const SyntheticClimate* c : {&warm, &temperate, &cold}) {
    const AnnualPue a = annual_pue(plant("air_chiller_tower"), *c);
    std::printf("air_chiller_tower  %-12s annual PUE %.4f (industry average 1.58)\n",
                c->name.c_str(), a.pue);
    EXPECT_LT(a.pue, 1.58) << c->name;
  }
  EXPECT_GE(annual_pue(plant("air_chiller_tower"), warm).pue, 1.2);
}

TEST(ThermalPlant, EconomizerInColdWeatherChillerInHot) {
  for (const std::string& name : cooling_plant_catalogue().names()) {
    const CoolingPlantSpec& spec = plant(name);
    const PlantOutput cold = plant_output(spec, 1e6, -5.0, -6.0);
    EXPECT_DOUBLE_EQ(cold.economizer_fraction, 1.0) << name;
    EXPECT_EQ(cold.chiller_power_w, 0.0) << name;
    EXPECT_DOUBLE_EQ(cold.supply_temperature_c, spec.supply_min_c) << name;

    const PlantOutput hot = plant_output(spec, 1e6, 46.0, 30.0);
    EXPECT_LT(hot.economizer_fraction, 1.0) << name;
    EXPECT_GT(hot.chiller_power_w, 0.0) << name;
    EXPECT_DOUBLE_EQ(hot.supply_temperature_c, spec.supply_max_c) << name;
    EXPECT_GT(hot.pue, cold.pue) << name;
  }
  // In between, the supply floats with the weather and the economizer does everything.
  const CoolingPlantSpec& air = plant("air_chiller_tower");
  const double mid_c = 0.5 * (air.supply_min_c + air.supply_max_c);
  const PlantOutput mild =
      plant_output(air, 1e6, mid_c, mid_c - air.economizer_approach_k);  // dry bulb unused
  EXPECT_DOUBLE_EQ(mild.supply_temperature_c, mid_c);
  EXPECT_DOUBLE_EQ(mild.economizer_fraction, 1.0);
  EXPECT_EQ(mild.chiller_power_w, 0.0);
  // Partial economizer: the economizer reaches half-way from the return to the supply.
  const double half_way_c = air.supply_max_c + 0.5 * air.loop_rise_k;
  const PlantOutput partial = plant_output(air, 1e6, 35.0, half_way_c - air.economizer_approach_k);
  EXPECT_DOUBLE_EQ(partial.supply_temperature_c, air.supply_max_c);
  EXPECT_NEAR(partial.economizer_fraction, 0.5, 1e-12);
  EXPECT_NEAR(
      partial.chiller_power_w,
      0.5 * 1e6 * (1 + air.air_handler_fan_fraction + air.pump_fraction) / partial.chiller_cop,
      1e-6);
}

TEST(ThermalPlant, ChillerCopFallsWithOutdoorTemperature) {
  for (const std::string& name : cooling_plant_catalogue().names()) {
    const CoolingPlantSpec& spec = plant(name);
    double previous = chiller_cop(spec, 0.0);
    for (double t_c = 1.0; t_c <= 50.0; t_c += 1.0) {
      const double cop = chiller_cop(spec, t_c);
      EXPECT_LE(cop, previous);
      EXPECT_GE(cop, spec.chiller_cop_min);
      EXPECT_LE(cop, spec.chiller_cop_max);
      previous = cop;
    }
    EXPECT_LT(chiller_cop(spec, 40.0), chiller_cop(spec, 20.0));
  }
}

TEST(ThermalPlant, WaterUse) {
  // Dry cooler: no water at all.
  const PlantOutput dry = plant_output(plant("liquid_dry_cooler"), 10e6, 35.0, 22.0);
  EXPECT_EQ(dry.water_l_per_s, 0.0);
  EXPECT_EQ(dry.wue_l_per_kwh, 0.0);

  // Tower: WUE in the published 1.2–2 L/kWh range, summer and winter.
  for (const auto& [dry_c, wet_c] : {std::pair{35.0, 22.0}, std::pair{5.0, 2.0}}) {
    const PlantOutput tower = plant_output(plant("air_chiller_tower"), 10e6, dry_c, wet_c);
    EXPECT_GE(tower.wue_l_per_kwh, 1.2);
    EXPECT_LE(tower.wue_l_per_kwh, 2.0);
  }

  // All heat evaporated, no blowdown (N → ∞): 3.6 MJ / 2.45 MJ/kg ≈ 1.47 L per kWh rejected.
  CoolingPlantSpec ideal = plant("air_chiller_tower");
  ideal.evaporative_fraction = 1.0;
  ideal.cycles_of_concentration = 1e12;
  const PlantOutput out = plant_output(ideal, 10e6, 30.0, 20.0);
  EXPECT_NEAR(out.water_l_per_s * 3.6e6 / out.heat_rejected_w, 1.4694, 1e-3);
  // Cycles of concentration N: make-up = evaporation·N/(N−1); N = 3 → 1.5×.
  ideal.cycles_of_concentration = 3.0;
  EXPECT_NEAR(plant_output(ideal, 10e6, 30.0, 20.0).water_l_per_s, 1.5 * out.water_l_per_s,
              1e-9 * out.water_l_per_s);
}

// The whole-rack form (multi-rate stepping's replay) is air_inlet_c bit for bit, node by node.
TEST(ThermalRackInlet, WholeRackEqualsNodeByNode) {
  const AirRackSpec spec;
  std::vector<double> heights(16), inlets(16);
  for (std::size_t k = 0; k < heights.size(); ++k)
    heights[k] = (static_cast<double>(k) + 0.5) / static_cast<double>(heights.size());
  for (double power_w : {0.0, 1234.5678, 27e3 + 1.0 / 3.0, 40e3, 55e3 + 0.1})
    for (double row_end : {0.0, 1.0}) {
      air_inlets_c(spec, 23.7, heights.data(), 16, power_w, row_end, inlets.data());
      for (std::size_t k = 0; k < heights.size(); ++k)
        EXPECT_EQ(inlets[k], air_inlet_c(spec, 23.7, heights[k], power_w, row_end))
            << power_w << " W, node " << k;
    }
}

TEST(ThermalRackInlet, AirRecirculationAndOverload) {
  const AirRackSpec spec;
  const double supply_c = 24.0;
  // Empty rack: supply air.
  EXPECT_DOUBLE_EQ(air_inlet_c(spec, supply_c, 1.0, 0.0), supply_c);
  // Rises with height and with rack power, more at row ends.
  EXPECT_LT(air_inlet_c(spec, supply_c, 0.0, 30e3), air_inlet_c(spec, supply_c, 1.0, 30e3));
  EXPECT_LT(air_inlet_c(spec, supply_c, 0.5, 20e3), air_inlet_c(spec, supply_c, 0.5, 35e3));
  EXPECT_LT(air_inlet_c(spec, supply_c, 0.5, 30e3), air_inlet_c(spec, supply_c, 0.5, 30e3, 1.0));
  EXPECT_DOUBLE_EQ(air_inlet_c(spec, supply_c, 1.0, spec.cooling_capacity_w),
                   supply_c + spec.recirculation_top_k);

  // Overload: servers keep their design air rise ΔT and draw the missing air from their own
  // exhaust. Solve the mixing balance T_in = (C/P)·T_s + (1 − C/P)·(T_in + ΔT) by fixed-point
  // iteration and compare (bottom of the rack, mid-row: no recirculation term).
  const double power_w = 52e3;
  const double share = spec.cooling_capacity_w / power_w;
  double t_in = supply_c;
  for (int i = 0; i < 2000; ++i) {
    t_in = share * supply_c + (1.0 - share) * (t_in + spec.design_air_rise_k);
  }
  EXPECT_NEAR(air_inlet_c(spec, supply_c, 0.0, power_w), t_in, 1e-9);
}

TEST(ThermalRackInlet, LiquidLoopRise) {
  LiquidRackSpec spec;
  // 120 kW over 3 kg/s of water: 120e3 / (3·4186) = 9.556 K across the rack.
  EXPECT_NEAR(liquid_loop_rise_k(spec, 120e3), 9.5557, 1e-3);
  EXPECT_NEAR(liquid_inlet_c(spec, 30.0, 120e3), 30.0 + 0.5 * 9.5557, 1e-3);
  spec.upstream_heat_fraction = 1.0;  // rack outlet
  EXPECT_NEAR(liquid_inlet_c(spec, 30.0, 120e3), 30.0 + 9.5557, 1e-3);
  spec.coolant_heat_capacity_j_per_kg_k = 3900.0;  // glycol mix: larger rise
  EXPECT_GT(liquid_inlet_c(spec, 30.0, 120e3), 30.0 + 9.5557);
}

}  // namespace
}  // namespace ct::thermal
