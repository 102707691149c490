#include "thermal/heat_rejection.hpp"

#include <array>

#include "thermal/cooling_tower.hpp"
#include "thermal/dry_cooler.hpp"

namespace ct::thermal {

namespace {
// The registered kinds (a new kind: its file pair, and one entry here).
const std::array<const HeatRejectionKind*, 2> kKinds = {&kCoolingTower, &kDryCooler};
}  // namespace

const HeatRejectionKind* find_heat_rejection(std::string_view name) {
  for (const HeatRejectionKind* k : kKinds)
    if (k->name == name) return k;
  return nullptr;
}

std::span<const HeatRejectionKind* const> heat_rejection_kinds() { return kKinds; }

}  // namespace ct::thermal
