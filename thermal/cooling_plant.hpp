// Facility cooling plant: turns IT power and outdoor conditions into cooling power, facility
// power, heat rejection and water use. PUE and WUE are outputs, not inputs.
//
// Model (per tick, replicated on every rank from the globally summed IT power):
//  1. Rejection temperature T_rej: for evaporative rejection T_db − ε·(T_db − T_wb), with ε the
//     wet-bulb effectiveness (1 for a cooling tower, which approaches the wet bulb; ≈0.85 for
//     direct evaporative media); the dry bulb for a dry cooler. The economizer alone can deliver
//     T_econ = T_rej + approach (the sum of the tower/dry-cooler, heat-exchanger and coil
//     approaches).
//  2. Supply temperature (air to the cold aisle for air plants; facility/CDU water to the cold
//     plates for liquid plants) floats with the weather inside [supply_min_c, supply_max_c]:
//     supply = clamp(T_econ, supply_min, supply_max). Below the band the economizer is throttled
//     to hold supply_min; above it the chiller holds supply_max.
//  3. Integrated economizer: the loop returns at supply + loop_rise_k; the economizer precools
//     the return as far as T_econ, the chiller does the rest:
//     economizer_fraction = clamp((T_return − T_econ)/(T_return − T_supply), 0, 1).
//  4. Chiller COP falls linearly with T_rej (higher lift), clamped to [cop_min, cop_max].
//  5. Loop heat = IT + air-handler fans + pumps (their work ends up as heat in the loop). Chiller
//     electric power = (1 − economizer_fraction)·loop heat / COP (trim cooling: it runs when the
//     outdoor temperature leaves less than the design approach below the supply it must hold).
//     Heat rejected outdoors by the tower or dry cooler = loop heat + chiller power. The
//     rejection fans blow their own heat straight outdoors, and distribution losses (UPS,
//     transformers) are removed by the electrical rooms' own ventilation; neither passes
//     through the plant.
//  5b. Rejection fans follow the airflow the approach needs. Cells are staged with the heat, so
//     each works at its design water flow C_w (ΔT = loop_rise_k) whatever the load. A cell is a
//     counterflow exchanger between that water and the air (dry bulb, or wet bulb for a tower
//     treated as an equivalent exchanger), sized so that at design airflow, with air and water
//     capacity rates equal, it leaves the water rejection_approach_k above T_rej:
//       ε_d = ΔT/(ΔT + a_r) = NTU_d/(1 + NTU_d),  NTU_d = UA/C_w = ΔT/a_r.
//     When the supply is held above T_econ (cold weather, supply at supply_min_c) by an excess
//     x = supply − T_econ, the water may leave x warmer, so the cell needs
//       r·ε(NTU_d/r, r) = ΔT/(ΔT + a_r + x),  r = C_air/C_w = airflow fraction u,
//     with ε(N, c) = (1 − e^{−N(1−c)})/(1 − c·e^{−N(1−c)}) the counterflow effectiveness (air the
//     smaller stream); solved for r by bisection, u = max(r, rejection_min_airflow_fraction).
//     u = 1 whenever the supply floats at T_econ or the chiller trims (x = 0). Fan affinity
//     (power ∝ flow³): rejection fans = rejection_fan_fraction · heat rejected · u³.
//     Air-handler fans stay a fraction of IT power: their airflow is set by the servers' heat
//     and air rise, not by the weather.
//  6. facility = IT + cooling + distribution losses,
//     distribution losses = distribution_loss_fraction·(IT + cooling).
//  7. Water (evaporative only): evaporation = evaporative_fraction·heat rejected / 2.45 MJ/kg,
//     make-up = evaporation·N/(N − 1) with N the cycles of concentration (blowdown). 1 kg = 1 L.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/catalogue.hpp"
#include "thermal/heat_rejection.hpp"

namespace ct::thermal {

enum class PlantCooling { air, liquid };

struct CoolingPlantSpec {
  std::string name;
  PlantCooling cooling = PlantCooling::air;
  const HeatRejectionKind* rejection = nullptr;  // heat_rejection.hpp (a preset sets it)
  double supply_min_c = 18.0;
  double supply_max_c = 27.0;
  double loop_rise_k = 6.0;             // return − supply of the loop the economizer precools
  double economizer_approach_k = 9.0;   // T_econ − T_rej
  double wet_bulb_effectiveness = 1.0;  // ε, evaporative rejection only
  double chiller_cop_reference = 6.0;   // COP at T_rej = chiller_reference_c
  double chiller_reference_c = 20.0;
  double chiller_cop_slope_per_k = 0.15;  // COP lost per K of T_rej
  double chiller_cop_min = 3.0;
  double chiller_cop_max = 9.0;
  double air_handler_fan_fraction = 0.05;  // CRAH/AHU fans, fraction of IT power
  double pump_fraction = 0.03;             // water pumps (incl. CDUs), fraction of IT power
  // Tower / dry-cooler fans at design airflow, fraction of heat rejected (model step 5b).
  double rejection_fan_fraction = 0.01;
  // Part of economizer_approach_k across the tower / dry cooler itself (the rest is water-side
  // heat exchangers, CDU, coils): the approach the fans can trade against airflow. Capped at
  // economizer_approach_k.
  double rejection_approach_k = 4.0;
  double rejection_min_airflow_fraction = 0.2;  // u_min: lowest fan speed of a running cell
  double distribution_loss_fraction = 0.05;     // UPS + transformers, fraction of IT + cooling
  double evaporative_fraction = 0.8;            // tower heat leaving as latent heat (towers only)
  double cycles_of_concentration = 5.0;         // N, towers only; must be > 1
};

struct PlantOutput {
  double supply_temperature_c = 0.0;  // air to the cold aisle, or water to the cold plates
  double rejection_temperature_c = 0.0;
  double economizer_fraction = 0.0;  // share of the loop heat removed without the chiller
  double chiller_cop = 0.0;
  double chiller_power_w = 0.0;
  double fan_power_w = 0.0;                 // air handlers + heat-rejection fans
  double rejection_fan_power_w = 0.0;       // heat-rejection fans alone
  double rejection_airflow_fraction = 0.0;  // u: rejection airflow / design airflow
  double pump_power_w = 0.0;
  double cooling_power_w = 0.0;  // chiller + fans + pumps
  double distribution_loss_w = 0.0;
  double facility_power_w = 0.0;        // IT + cooling + distribution losses
  double heat_removed_from_it_w = 0.0;  // = IT power: all IT electricity becomes heat
  double heat_rejected_w = 0.0;         // by the tower / dry cooler (see model, step 5)
  double water_l_per_s = 0.0;           // make-up water
  double pue = 0.0;                     // facility / IT; 0 when IT power is 0
  double wue_l_per_kwh = 0.0;           // water per IT energy; 0 when IT power is 0
};

// Latent heat of evaporation of water at cooling-tower temperatures (DESIGN.md §5).
inline constexpr double kWaterLatentHeatJPerKg = 2.45e6;

// T_rej (model step 1).
double rejection_temperature_c(const CoolingPlantSpec& spec, double dry_bulb_c, double wet_bulb_c);

// COP at a rejection temperature (model step 4).
double chiller_cop(const CoolingPlantSpec& spec, double rejection_temperature_c);

// Counterflow heat-exchanger effectiveness at NTU = UA/C_min and C_min/C_max = capacity_ratio
// ∈ [0, 1]: (1 − e^{−N(1−c)})/(1 − c·e^{−N(1−c)}); N/(1 + N) at c = 1.
double counterflow_effectiveness(double ntu, double capacity_ratio);

// Rejection airflow fraction u when the supply is held supply_excess_k above T_econ (model
// step 5b); 1 when the excess is ≤ 0.
double rejection_airflow_fraction(const CoolingPlantSpec& spec, double supply_excess_k);

// The last rejection airflow solved for one plant, and the excess it was solved at: the excess
// depends on the weather alone, which holds for many ticks, and the solve is a 64-step bisection.
struct RejectionAirflowMemo {
  bool valid = false;
  double supply_excess_k = 0.0;
  double fraction = 1.0;
};

// The plant at an IT load and weather; with a memo (always used with the same spec), the
// rejection airflow is solved again only when its excess changes (the same result bit for bit).
PlantOutput plant_output(const CoolingPlantSpec& spec, double it_power_w, double dry_bulb_c,
                         double wet_bulb_c, RejectionAirflowMemo* memo = nullptr);

// Presets; nullptr if the name is unknown.
const Catalogue<CoolingPlantSpec>& cooling_plant_catalogue();

}  // namespace ct::thermal
