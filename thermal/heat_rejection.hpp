// Heat rejection to the outdoors is a component family: the part of the cooling plant that
// differs between a wet cooling tower and a dry cooler (and any other unit added later) is the
// temperature it can reject against and the water it evaporates. Each kind is one file pair
// (cooling_tower.*, dry_cooler.*) listed by name in heat_rejection.cpp; the rest of the plant
// (economizer, chiller, fans, pumps, losses: cooling_plant.hpp) is shared.
#pragma once

#include <span>
#include <string_view>

namespace ct::thermal {

struct CoolingPlantSpec;

struct HeatRejectionKind {
  std::string_view name;
  std::string_view description;
  // The temperature the unit rejects against, T_rej (cooling_plant.hpp step 1).
  double (*rejection_temperature_c)(const CoolingPlantSpec& spec, double dry_bulb_c,
                                    double wet_bulb_c);
  // Make-up water for heat_rejected_w of heat rejected (step 7), L/s.
  double (*water_l_per_s)(const CoolingPlantSpec& spec, double heat_rejected_w);
};

// nullptr if no kind has that name.
const HeatRejectionKind* find_heat_rejection(std::string_view name);
std::span<const HeatRejectionKind* const> heat_rejection_kinds();

}  // namespace ct::thermal
