#include "topology/campus.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace ct::topology {

Campus::Campus(CampusSpec spec) : spec_(std::move(spec)) {
  if (spec_.buildings.empty()) throw std::invalid_argument("campus has no buildings");
  if (spec_.nodes_per_rack < 1 || spec_.accelerators_per_node < 1)
    throw std::invalid_argument("campus needs at least one node per rack and accelerator per node");
  for (std::size_t b = 0; b < spec_.buildings.size(); ++b) {
    const BuildingSpec& bs = spec_.buildings[b];
    if (bs.halls < 1 || bs.racks_per_hall < 1)
      throw std::invalid_argument("building " + bs.name + " has no halls or racks");
    for (std::int32_t h = 0; h < bs.halls; ++h) {
      const auto hall = static_cast<std::int32_t>(hall_building_.size());
      hall_building_.push_back(static_cast<std::int32_t>(b));
      for (std::int32_t r = 0; r < bs.racks_per_hall; ++r) {
        rack_hall_.push_back(hall);
        rack_index_in_hall_.push_back(r);
      }
    }
  }
}

double Campus::building_distance_m(std::int32_t a, std::int32_t b) const {
  const BuildingSpec& p = spec_.buildings[a];
  const BuildingSpec& q = spec_.buildings[b];
  return std::hypot(p.x_m - q.x_m, p.y_m - q.y_m);
}

RackBlock rack_block(std::int64_t racks, int ranks, int rank) {
  RackBlock block;
  block.first_rack = rank;
  block.stride = ranks;
  block.rack_count = racks / ranks + (rank < racks % ranks ? 1 : 0);
  return block;
}

}  // namespace ct::topology
