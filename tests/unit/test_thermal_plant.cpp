// Cooling plant and rack inlet models.
#include <gtest/gtest.h>

#include <cmath>

#include "thermal/cooling_plant.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/weather.hpp"

namespace ct::thermal {
namespace {

const CoolingPlantSpec& plant(std::string_view name) {
  const CoolingPlantSpec* spec = find_cooling_plant_preset(name);
  EXPECT_NE(spec, nullptr) << name;
  return *spec;
}

TEST(ThermalPlant, PresetsExist) {
  for (const std::string_view name : cooling_plant_preset_names()) {
    ASSERT_NE(find_cooling_plant_preset(name), nullptr) << name;
    EXPECT_EQ(find_cooling_plant_preset(name)->name, name);
  }
  EXPECT_EQ(find_cooling_plant_preset("immersion"), nullptr);
}

// First law: every watt the facility draws ends up as heat outdoors, and the plant rejects the
// IT heat plus the cooling work done inside the loop.
TEST(ThermalPlant, EnergyBalance) {
  const double it_w = 20e6;
  for (const std::string_view name : cooling_plant_preset_names()) {
    const CoolingPlantSpec& spec = plant(name);
    for (const auto& [dry_c, wet_c] : {std::pair{-10.0, -11.0}, std::pair{15.0, 10.0},
                                       std::pair{30.0, 21.0}, std::pair{42.0, 24.0}}) {
      const PlantOutput out = plant_output(spec, it_w, dry_c, wet_c);
      EXPECT_DOUBLE_EQ(out.heat_removed_from_it_w, it_w);
      EXPECT_NEAR(
          out.facility_power_w,
          it_w + out.chiller_power_w + out.fan_power_w + out.pump_power_w + out.distribution_loss_w,
          1e-6);
      const double rejection_fan_w = spec.rejection_fan_fraction * out.heat_rejected_w;
      // Heat leaving the site: plant rejection + rejection-fan heat + electrical-room losses.
      EXPECT_NEAR(out.heat_rejected_w + rejection_fan_w + out.distribution_loss_w,
                  out.facility_power_w, 1e-6 * it_w);
      // Heat rejected ≥ IT heat; the excess is exactly the in-loop cooling work.
      EXPECT_NEAR(out.heat_rejected_w - it_w,
                  out.chiller_power_w + out.pump_power_w + out.fan_power_w - rejection_fan_w, 1e-6);
      EXPECT_NEAR(out.pue, out.facility_power_w / it_w, 1e-12);
    }
  }
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
  const SyntheticClimate& warm = *find_climate_preset("warm_summer");
  const SyntheticClimate& cold = *find_climate_preset("cold");
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

TEST(ThermalPlant, EconomizerInColdWeatherChillerInHot) {
  for (const std::string_view name : cooling_plant_preset_names()) {
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
  for (const std::string_view name : cooling_plant_preset_names()) {
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
