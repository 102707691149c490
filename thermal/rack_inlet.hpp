// Rack inlet temperature: the medium each accelerator's thermal resistance is referred to.
//
// Air racks. The cold aisle delivers air at the supply temperature; some hot exhaust is drawn
// back in, more at the top of the rack and at row ends, and more the more heat the rack
// exhausts:
//   T_in = T_supply + (recirculation_top_k·h + row_end_k·w)·P/C + overload
// with h ∈ [0, 1] the height in the rack, w ∈ [0, 1] the row-end weight (0 mid-row, 1 at an
// end), P the rack power and C its cooling capacity. When P > C the servers pull more air than
// the cold aisle supplies to the rack; if they keep their design air rise ΔT_d, the missing
// fraction 1 − C/P comes from exhaust at T_in + ΔT_d, and mixing gives
//   overload = ΔT_d·(P − C)/C.
//
// Liquid racks. Cold plates see the facility/CDU supply plus the rise of the coolant that has
// already picked up heat upstream in the rack loop:
//   T_in = T_supply + f·P/(ṁ·c_p)
// with f the upstream fraction of the rack's heat (0: every cold plate fed in parallel at the
// supply; 1: the rack outlet, the worst case).
#pragma once

#include <algorithm>

namespace ct::thermal {

struct AirRackSpec {
  // Air cooling is practical to ≈30–40 kW per rack (DESIGN.md §5).
  double cooling_capacity_w = 40e3;
  // Top-of-rack inlet rise at full capacity with partial aisle containment (assumed; CFD studies
  // of open aisles report several K, full containment ≈1 K).
  double recirculation_top_k = 3.0;
  double row_end_k = 2.0;  // extra rise at row ends at capacity (assumed)
  // Server air rise at design: a DGX H100 moves ≈1105 CFM (0.6 kg/s) at 10.2 kW → ≈17 K.
  double design_air_rise_k = 15.0;
};

struct LiquidRackSpec {
  // 3 kg/s ≈ 180 L/min: a ≈10 K loop rise at 120–130 kW (GB200 NVL72 class, DESIGN.md §5).
  double coolant_flow_kg_per_s = 3.0;
  double coolant_heat_capacity_j_per_kg_k = 4186.0;  // water; ≈3900 for 25% propylene glycol
  double upstream_heat_fraction = 0.5;  // mean position along two cold plates in series
};

inline double air_inlet_c(const AirRackSpec& spec, double supply_c, double height_fraction,
                          double rack_power_w, double row_end_weight = 0.0) {
  const double load = rack_power_w / spec.cooling_capacity_w;
  const double recirculation_k =
      (spec.recirculation_top_k * height_fraction + spec.row_end_k * row_end_weight) * load;
  const double overload_k = spec.design_air_rise_k * std::max(load - 1.0, 0.0);
  return supply_c + recirculation_k + overload_k;
}

// Every node's inlet of one air rack at once (heights h[k]): the same operations as
// air_inlet_c node by node, with the load computed once.
inline void air_inlets_c(const AirRackSpec& spec, double supply_c, const double* height_fraction,
                         long nodes, double rack_power_w, double row_end_weight, double* inlet_c) {
  const double load = rack_power_w / spec.cooling_capacity_w;
  const double row_end_k = spec.row_end_k * row_end_weight;
  const double overload_k = spec.design_air_rise_k * std::max(load - 1.0, 0.0);
  for (long k = 0; k < nodes; ++k)
    inlet_c[k] =
        supply_c + (spec.recirculation_top_k * height_fraction[k] + row_end_k) * load + overload_k;
}

// Coolant temperature rise across the whole rack loop: P/(ṁ·c_p).
inline double liquid_loop_rise_k(const LiquidRackSpec& spec, double rack_power_w) {
  return rack_power_w / (spec.coolant_flow_kg_per_s * spec.coolant_heat_capacity_j_per_kg_k);
}

inline double liquid_inlet_c(const LiquidRackSpec& spec, double supply_c, double rack_power_w) {
  return supply_c + spec.upstream_heat_fraction * liquid_loop_rise_k(spec, rack_power_w);
}

}  // namespace ct::thermal
