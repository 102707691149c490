// Heat rejection kind `dry_cooler`: a closed-loop air-to-liquid exchanger. It rejects against
// the dry bulb, T_rej = T_db, and uses no water.
#pragma once

#include "thermal/heat_rejection.hpp"

namespace ct::thermal {
extern const HeatRejectionKind kDryCooler;
}  // namespace ct::thermal
