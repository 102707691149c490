#include "thermal/cooling_plant.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

#include "thermal/cooling_tower.hpp"
#include "thermal/dry_cooler.hpp"

namespace ct::thermal {
namespace {

std::array<CoolingPlantSpec, 4> make_presets() {
  // Conventional air-cooled hall: CRAHs on chilled water, water-cooled chiller, cooling tower
  // with a water-side economizer. Supply air 18–24 °C (inside the ASHRAE A1 recommended 18–27 °C,
  // DESIGN.md §5). Approach 12 K = tower 4 K + plate heat exchanger 1.5 K + CRAH coil 6.5 K
  // (typical design values). COP 5 at 20 °C wet bulb, −0.15/K: plant-level water-cooled chiller
  // (assumed). Month-mean PUE ≈1.41 in a warm_summer July, ≈1.29 in a temperate July, ≈1.15 in
  // January (tower fans slowed); annual 1.27 / 1.19 / 1.16 warm / temperate / cold; WUE
  // ≈1.6–1.9 L/kWh.
  CoolingPlantSpec air;
  air.name = "air_chiller_tower";
  air.cooling = PlantCooling::air;
  air.rejection = &kCoolingTower;
  air.supply_min_c = 18.0;
  air.supply_max_c = 24.0;
  air.loop_rise_k = 6.0;             // chilled-water ΔT
  air.economizer_approach_k = 12.0;  // over wet bulb
  air.chiller_cop_reference = 5.0;
  air.chiller_reference_c = 20.0;
  air.chiller_cop_slope_per_k = 0.15;
  air.chiller_cop_min = 3.0;
  air.chiller_cop_max = 9.0;
  air.air_handler_fan_fraction = 0.05;    // CRAH fans (typical 4–6% of IT)
  air.pump_fraction = 0.03;               // chilled + condenser water pumps
  air.rejection_fan_fraction = 0.01;      // tower fans at design airflow
  air.rejection_approach_k = 4.0;         // the tower's part of the 12 K
  air.distribution_loss_fraction = 0.06;  // double-conversion UPS + transformers
  air.evaporative_fraction = 0.8;         // rest leaves as sensible heat to the air
  air.cycles_of_concentration = 5.0;

  // Hyperscale air hall with direct evaporative cooling and a trim chiller: supply air floats
  // with the weather up to 29.5 °C (85 °F, within ASHRAE A1 allowable 15–32 °C). This is the
  // design in which hot afternoons reach the GPUs (the published 1–2% diurnal swing): on the
  // warm_summer site in July the supply swings ≈24–28 °C over the day. Direct evaporative media
  // effectiveness 0.85 (ASHRAE: 70–95%), +1.5 K of fan heat. Such halls evaporate water only to
  // cool the intake air, not to reject all the IT heat: evaporative_fraction 0.2 gives WUE
  // ≈0.4 L/kWh, the order published for such sites. PUE ≈1.09.
  CoolingPlantSpec evaporative = air;
  evaporative.name = "air_evaporative";
  evaporative.supply_max_c = 29.5;
  evaporative.economizer_approach_k = 1.5;
  evaporative.wet_bulb_effectiveness = 0.85;
  evaporative.air_handler_fan_fraction = 0.04;
  evaporative.pump_fraction = 0.005;         // spray/recirculation pumps only
  evaporative.rejection_fan_fraction = 0.0;  // the air handlers move the air
  evaporative.rejection_approach_k = 1.5;    // (no rejection fans: unused)
  evaporative.distribution_loss_fraction = 0.04;
  evaporative.evaporative_fraction = 0.2;

  // Direct liquid cooling (cold plates, e.g. GB200 NVL72) on warm facility water: CDUs, dry
  // coolers, trim chiller. Supply 25–35 °C (ASHRAE W32/W40 classes, DESIGN.md §5; held at 35
  // to keep cold-plate throttle margin). Approach 6 K over dry bulb = dry cooler 4 K + CDU 2 K.
  // Residual air-cooled heat (≈15% of the rack) keeps some air-handler fan power. Dry-cooler
  // fans at design airflow whenever the outdoor air is above 19 °C (supply floats at T_db + 6),
  // slower below. Month-mean PUE ≈1.14 in a warm_summer July (trim chiller part of the time),
  // ≈1.10 in a temperate July, ≈1.08 in January; annual 1.10 / 1.08 / 1.08; WUE 0.
  CoolingPlantSpec liquid;
  liquid.name = "liquid_dry_cooler";
  liquid.cooling = PlantCooling::liquid;
  liquid.rejection = &kDryCooler;
  liquid.supply_min_c = 25.0;
  liquid.supply_max_c = 35.0;
  liquid.loop_rise_k = 10.0;  // facility water ΔT
  liquid.economizer_approach_k = 6.0;
  liquid.chiller_cop_reference = 8.0;  // small lift to warm water (assumed)
  liquid.chiller_reference_c = 30.0;   // dry bulb
  liquid.chiller_cop_slope_per_k = 0.15;
  liquid.chiller_cop_min = 3.0;
  liquid.chiller_cop_max = 12.0;
  liquid.air_handler_fan_fraction = 0.015;
  liquid.pump_fraction = 0.02;            // CDU + facility water pumps
  liquid.rejection_fan_fraction = 0.025;  // dry-cooler fans at design airflow (> tower fans)
  liquid.rejection_approach_k = 4.0;      // the dry cooler's part of the 6 K
  liquid.distribution_loss_fraction = 0.04;
  liquid.evaporative_fraction = 0.0;
  liquid.cycles_of_concentration = 5.0;

  // Direct liquid cooling with an open cooling tower: lower supply in hot dry weather, uses
  // water. Approach 7.5 K over wet bulb = tower 4 K + heat exchanger 1.5 K + CDU 2 K.
  CoolingPlantSpec liquid_tower = liquid;
  liquid_tower.name = "liquid_tower";
  liquid_tower.rejection = &kCoolingTower;
  liquid_tower.economizer_approach_k = 7.5;
  liquid_tower.chiller_reference_c = 20.0;  // wet bulb
  liquid_tower.rejection_fan_fraction = 0.01;
  liquid_tower.rejection_approach_k = 4.0;  // the tower's part of the 7.5 K
  liquid_tower.evaporative_fraction = 0.8;

  return {air, evaporative, liquid, liquid_tower};
}

}  // namespace

double rejection_temperature_c(const CoolingPlantSpec& spec, double dry_bulb_c, double wet_bulb_c) {
  return spec.rejection->rejection_temperature_c(spec, dry_bulb_c, wet_bulb_c);
}

double chiller_cop(const CoolingPlantSpec& spec, double rejection_temperature_c) {
  const double cop =
      spec.chiller_cop_reference -
      spec.chiller_cop_slope_per_k * (rejection_temperature_c - spec.chiller_reference_c);
  return std::clamp(cop, spec.chiller_cop_min, spec.chiller_cop_max);
}

double counterflow_effectiveness(double ntu, double capacity_ratio) {
  const double c = capacity_ratio;
  const double y = ntu * (1.0 - c);
  if (!(y > 0.0)) return ntu / (1.0 + ntu);  // balanced streams
  // Both terms of the denominator are positive: (1 − c) + c·(1 − e^{−y}).
  const double one_minus_e = -std::expm1(-y);
  return one_minus_e / ((1.0 - c) + c * one_minus_e);
}

double rejection_airflow_fraction(const CoolingPlantSpec& spec, double supply_excess_k) {
  if (!(supply_excess_k > 0.0)) return 1.0;  // design airflow: supply floats at T_econ, or trim
  const double range_k = spec.loop_rise_k;
  // The rejection unit's part of the approach cannot exceed the whole.
  const double approach_k = std::min(spec.rejection_approach_k, spec.economizer_approach_k);
  const double needed = range_k / (range_k + approach_k + supply_excess_k);
  // A perfect exchanger (no approach at design): ε = 1 at any airflow, so r = needed.
  if (!(approach_k > 0.0)) return std::max(needed, spec.rejection_min_airflow_fraction);
  const double ntu_design = range_k / approach_k;  // balanced at design: ε_d = ΔT/(ΔT + a_r)
  // r·ε(NTU_d/r, r) rises monotonically from 0 (r → 0) to ε_d (r = 1): bisect.
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 64; ++i) {
    const double r = 0.5 * (lo + hi);
    if (r * counterflow_effectiveness(ntu_design / r, r) < needed) {
      lo = r;
    } else {
      hi = r;
    }
  }
  return std::max(hi, spec.rejection_min_airflow_fraction);
}

PlantOutput plant_output(const CoolingPlantSpec& spec, double it_power_w, double dry_bulb_c,
                         double wet_bulb_c, RejectionAirflowMemo* memo) {
  const double rejection_c = rejection_temperature_c(spec, dry_bulb_c, wet_bulb_c);
  const double economizer_c = rejection_c + spec.economizer_approach_k;

  PlantOutput out;
  out.rejection_temperature_c = rejection_c;
  out.supply_temperature_c = std::clamp(economizer_c, spec.supply_min_c, spec.supply_max_c);
  const double return_c = out.supply_temperature_c + spec.loop_rise_k;
  out.economizer_fraction =
      std::clamp((return_c - economizer_c) / (return_c - out.supply_temperature_c), 0.0, 1.0);
  out.chiller_cop = chiller_cop(spec, rejection_c);

  const double air_handler_w = spec.air_handler_fan_fraction * it_power_w;
  out.pump_power_w = spec.pump_fraction * it_power_w;
  const double loop_heat_w = it_power_w + air_handler_w + out.pump_power_w;
  out.chiller_power_w = (1.0 - out.economizer_fraction) * loop_heat_w / out.chiller_cop;
  out.heat_removed_from_it_w = it_power_w;
  out.heat_rejected_w = loop_heat_w + out.chiller_power_w;
  const double excess_k = out.supply_temperature_c - economizer_c;
  if (!memo) {
    out.rejection_airflow_fraction = rejection_airflow_fraction(spec, excess_k);
  } else {
    if (!memo->valid || std::bit_cast<std::uint64_t>(memo->supply_excess_k) !=
                            std::bit_cast<std::uint64_t>(excess_k))
      *memo = {true, excess_k, rejection_airflow_fraction(spec, excess_k)};
    out.rejection_airflow_fraction = memo->fraction;
  }
  const double u = out.rejection_airflow_fraction;
  out.rejection_fan_power_w = spec.rejection_fan_fraction * out.heat_rejected_w * (u * u * u);
  out.fan_power_w = air_handler_w + out.rejection_fan_power_w;
  out.cooling_power_w = out.chiller_power_w + out.fan_power_w + out.pump_power_w;
  out.distribution_loss_w = spec.distribution_loss_fraction * (it_power_w + out.cooling_power_w);
  out.facility_power_w = it_power_w + out.cooling_power_w + out.distribution_loss_w;

  out.water_l_per_s = spec.rejection->water_l_per_s(spec, out.heat_rejected_w);
  if (it_power_w > 0.0) {
    out.pue = out.facility_power_w / it_power_w;
    out.wue_l_per_kwh = out.water_l_per_s * 3.6e6 / it_power_w;
  }
  return out;
}

const Catalogue<CoolingPlantSpec>& cooling_plant_catalogue() {
  static const Catalogue<CoolingPlantSpec> catalogue = [] {
    std::vector<Catalogue<CoolingPlantSpec>::Entry> e;
    const char* what[] = {"air: chilled water with a cooling tower and an integrated economizer",
                          "air: direct evaporative cooling of the intake air",
                          "liquid: warm-water cold plates, dry cooler, trim chiller",
                          "liquid: cold plates with a cooling tower"};
    int i = 0;
    for (const CoolingPlantSpec& p : make_presets()) e.push_back({p.name, what[i++], p});
    return Catalogue<CoolingPlantSpec>(std::move(e));
  }();
  return catalogue;
}

}  // namespace ct::thermal
