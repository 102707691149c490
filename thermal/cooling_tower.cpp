#include "thermal/cooling_tower.hpp"

#include "thermal/cooling_plant.hpp"

namespace ct::thermal {

namespace {
double tower_rejection_c(const CoolingPlantSpec& spec, double dry_bulb_c, double wet_bulb_c) {
  return dry_bulb_c - spec.wet_bulb_effectiveness * (dry_bulb_c - wet_bulb_c);
}
double tower_water_l_per_s(const CoolingPlantSpec& spec, double heat_rejected_w) {
  const double evaporation_kg_per_s =
      spec.evaporative_fraction * heat_rejected_w / kWaterLatentHeatJPerKg;
  const double n = spec.cycles_of_concentration;
  return evaporation_kg_per_s * n / (n - 1.0);
}
}  // namespace

const HeatRejectionKind kCoolingTower{
    "cooling_tower", "open evaporative tower: approaches the wet bulb, evaporates water",
    tower_rejection_c, tower_water_l_per_s};

}  // namespace ct::thermal
