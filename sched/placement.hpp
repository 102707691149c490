// Topology-aware placement of a queued job on free nodes, and the fragmentation of the free pool.
//
// The campus is a tree: campus → buildings → halls → racks → nodes. `compact` placement keeps a
// job inside the smallest domain that can hold it: one rack, else one hall, else one building,
// else it spreads over buildings. Inside a domain it descends the same way: if one child (hall,
// rack) can hold what is left, it takes the best-fitting child (the one with the fewest free
// nodes that still suffice, which leaves large free blocks whole for large jobs); otherwise it
// takes the child with the most free nodes whole and repeats. Ties go to the lowest id, so the
// result is a pure function of the free set. `first_fit` takes the lowest free node ids.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "topology/campus.hpp"

namespace ct::sched {

// Node → rack → hall → building, dense ids in hierarchy order (as topology::Campus numbers them).
struct NodeTopology {
  std::vector<std::int32_t> rack_of_node;
  std::vector<std::int32_t> hall_of_rack;
  std::vector<std::int32_t> building_of_hall;

  std::int64_t nodes() const { return static_cast<std::int64_t>(rack_of_node.size()); }
  std::int64_t racks() const { return static_cast<std::int64_t>(hall_of_rack.size()); }
  std::int64_t halls() const { return static_cast<std::int64_t>(building_of_hall.size()); }
  std::int64_t buildings() const;

  static NodeTopology from_campus(const topology::Campus& campus);
  // Identical buildings, for tests and the reference simulator.
  static NodeTopology uniform(std::int32_t buildings, std::int32_t halls_per_building,
                              std::int32_t racks_per_hall, std::int32_t nodes_per_rack);
};

// The smallest domain holding all of a job's nodes.
enum class Locality : std::uint8_t { rack, hall, building, campus };
std::string_view to_string(Locality locality);

enum class PlacementMode : std::uint8_t { compact, first_fit };

struct Placement {
  std::vector<std::int64_t> nodes;  // ascending node ids
  Locality locality = Locality::rack;
};

// Fragmentation of the free pool (both 0 when nothing is free), with F free nodes:
//   hall = 1 − (free nodes of the hall with most free) / min(F, nodes of the largest hall)
//     0 when the free nodes are packed into as few halls as they could be (one hall holds as
//     many as it can); → 1 when they are scattered one or two per hall. It is the share of the
//     largest hall-local job the free nodes could serve if packed that they cannot serve now.
//   rack = (free nodes in partly used racks) / F
//     the share of free capacity that cannot be given out as whole racks.
struct Fragmentation {
  double hall = 0.0;
  double rack = 0.0;
  std::int64_t free_nodes = 0;
  std::int64_t largest_hall_free_nodes = 0;  // the largest job that fits one hall now
};

// Free nodes counted per rack, hall and building; placements take nodes out of it. Built once per
// scheduling decision: O(free nodes + racks).
class FreePool {
 public:
  // free_nodes: ascending, distinct, each < topology.nodes() (std::invalid_argument otherwise).
  FreePool(const NodeTopology& topology, std::span<const std::int64_t> free_nodes);

  std::int64_t free() const { return campus_free_; }
  // Takes `count` nodes (1 ≤ count ≤ free(), else std::invalid_argument).
  Placement take(std::int64_t count, PlacementMode mode);
  Fragmentation fragmentation() const;

 private:
  void take_rack(std::int32_t rack, std::int64_t count, std::vector<std::int64_t>& out);
  void take_hall(std::int32_t hall, std::int64_t count, std::vector<std::int64_t>& out);
  void take_building(std::int32_t building, std::int64_t count, std::vector<std::int64_t>& out);
  void take_campus(std::int64_t count, std::vector<std::int64_t>& out);

  const NodeTopology* topology_;
  std::vector<std::vector<std::int64_t>> rack_nodes_;  // free node ids per rack, ascending
  std::vector<std::int64_t> rack_next_;                // first untaken index into rack_nodes_
  std::vector<std::int64_t> rack_size_;                // all nodes of the rack (free or not)
  std::vector<std::int64_t> rack_free_, hall_free_, building_free_;
  std::int64_t largest_hall_nodes_ = 0;
  std::vector<std::vector<std::int32_t>> hall_racks_, building_halls_;
  std::int64_t campus_free_ = 0;
};

Fragmentation fragmentation(const NodeTopology& topology, std::span<const std::int64_t> free_nodes);

}  // namespace ct::sched
