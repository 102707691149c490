#include "thermal/dry_cooler.hpp"

namespace ct::thermal {

namespace {
double dry_rejection_c(const CoolingPlantSpec&, double dry_bulb_c, double) { return dry_bulb_c; }
double no_water(const CoolingPlantSpec&, double) { return 0.0; }
}  // namespace

const HeatRejectionKind kDryCooler{"dry_cooler",
                                   "closed dry cooler: rejects against the dry bulb, no water",
                                   dry_rejection_c, no_water};

}  // namespace ct::thermal
