// Heat rejection kind `cooling_tower`: an open evaporative tower. It approaches the wet bulb,
// T_rej = T_db − ε·(T_db − T_wb) (ε = wet_bulb_effectiveness: 1 for a tower approaching the wet
// bulb, ≈ 0.85 for direct evaporative media), and evaporates evaporative_fraction of the heat
// rejected at 2.45 MJ/kg, plus blowdown: make-up = evaporation·N/(N − 1), N the cycles of
// concentration (1 kg = 1 L).
#pragma once

#include "thermal/heat_rejection.hpp"

namespace ct::thermal {
extern const HeatRejectionKind kCoolingTower;
}  // namespace ct::thermal
