// Campus hierarchy: campus → buildings → halls → racks → nodes → accelerators.
//
// Every element has a dense global id assigned in hierarchy order (building, hall, rack, node,
// accelerator), so the accelerators of rack r are the contiguous range
// [r·nodes_per_rack·accelerators_per_node, (r+1)·…). Racks are the unit of MPI decomposition.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ct::topology {

enum class Cooling { air, liquid };

struct BuildingSpec {
  std::string name;
  double x_m = 0.0;  // position on the campus plan
  double y_m = 0.0;
  std::int32_t halls = 1;
  std::int32_t racks_per_hall = 1;
};

struct CampusSpec {
  std::vector<BuildingSpec> buildings;
  std::int32_t nodes_per_rack = 4;
  std::int32_t accelerators_per_node = 8;
  Cooling cooling = Cooling::air;
};

// Derived, read-only view of the hierarchy with global ids.
class Campus {
 public:
  explicit Campus(CampusSpec spec);

  const CampusSpec& spec() const { return spec_; }
  std::int64_t buildings() const { return static_cast<std::int64_t>(spec_.buildings.size()); }
  std::int64_t halls() const { return static_cast<std::int64_t>(hall_building_.size()); }
  std::int64_t racks() const { return static_cast<std::int64_t>(rack_hall_.size()); }
  std::int64_t nodes() const { return racks() * spec_.nodes_per_rack; }
  std::int64_t accelerators() const { return nodes() * spec_.accelerators_per_node; }
  std::int32_t nodes_per_rack() const { return spec_.nodes_per_rack; }
  std::int32_t accelerators_per_node() const { return spec_.accelerators_per_node; }
  std::int64_t accelerators_per_rack() const {
    return std::int64_t{spec_.nodes_per_rack} * spec_.accelerators_per_node;
  }

  std::int32_t hall_of_rack(std::int64_t rack) const { return rack_hall_[rack]; }
  std::int32_t building_of_hall(std::int64_t hall) const { return hall_building_[hall]; }
  std::int32_t building_of_rack(std::int64_t rack) const {
    return hall_building_[rack_hall_[rack]];
  }
  // Position of the rack in its hall's row order, 0-based.
  std::int32_t index_in_hall(std::int64_t rack) const { return rack_index_in_hall_[rack]; }
  std::int64_t rack_of_node(std::int64_t node) const { return node / spec_.nodes_per_rack; }
  std::int64_t node_of_accelerator(std::int64_t acc) const {
    return acc / spec_.accelerators_per_node;
  }
  std::int64_t rack_of_accelerator(std::int64_t acc) const {
    return rack_of_node(node_of_accelerator(acc));
  }
  // Straight-line distance between two buildings' positions.
  double building_distance_m(std::int32_t a, std::int32_t b) const;

 private:
  CampusSpec spec_;
  std::vector<std::int32_t> hall_building_;
  std::vector<std::int32_t> rack_hall_;
  std::vector<std::int32_t> rack_index_in_hall_;
};

// The racks one MPI rank owns: dealt out one at a time (rank r owns racks r, r + P, r + 2P, …
// as its local racks 0, 1, 2, …), so the first (racks mod ranks) ranks get one more. A large
// job is placed on consecutive racks; dealt out so, each of its events (a failure, a
// checkpoint's stall: its racks brought to the present) loads every rank alike instead of
// the one that would hold it in a contiguous block. Local order is global order.
struct RackBlock {
  std::int64_t first_rack = 0;  // the global id of local rack 0
  std::int64_t stride = 1;      // between the global ids of consecutive local racks
  std::int64_t rack_count = 0;
  std::int64_t global_rack(std::int64_t local) const { return first_rack + local * stride; }
  // The local index of global rack g, or −1 if another rank owns it.
  std::int64_t local_rack(std::int64_t g) const {
    const std::int64_t d = g - first_rack;
    if (d < 0 || d % stride != 0 || d / stride >= rack_count) return -1;
    return d / stride;
  }
};
RackBlock rack_block(std::int64_t racks, int ranks, int rank);

}  // namespace ct::topology
