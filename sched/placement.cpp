#include "sched/placement.hpp"

#include <algorithm>
#include <stdexcept>

namespace ct::sched {

std::int64_t NodeTopology::buildings() const {
  std::int32_t top = -1;
  for (const std::int32_t b : building_of_hall) top = std::max(top, b);
  return top + 1;
}

NodeTopology NodeTopology::from_campus(const topology::Campus& campus) {
  NodeTopology t;
  t.building_of_hall.resize(campus.halls());
  for (std::int64_t h = 0; h < campus.halls(); ++h)
    t.building_of_hall[h] = campus.building_of_hall(h);
  t.hall_of_rack.resize(campus.racks());
  for (std::int64_t r = 0; r < campus.racks(); ++r) t.hall_of_rack[r] = campus.hall_of_rack(r);
  t.rack_of_node.resize(campus.nodes());
  for (std::int64_t n = 0; n < campus.nodes(); ++n) {
    t.rack_of_node[n] = static_cast<std::int32_t>(campus.rack_of_node(n));
  }
  return t;
}

NodeTopology NodeTopology::uniform(std::int32_t buildings, std::int32_t halls_per_building,
                                   std::int32_t racks_per_hall, std::int32_t nodes_per_rack) {
  if (buildings < 1 || halls_per_building < 1 || racks_per_hall < 1 || nodes_per_rack < 1) {
    throw std::invalid_argument("NodeTopology::uniform: every count must be ≥ 1");
  }
  NodeTopology t;
  for (std::int32_t b = 0; b < buildings; ++b) {
    for (std::int32_t h = 0; h < halls_per_building; ++h) {
      const auto hall = static_cast<std::int32_t>(t.building_of_hall.size());
      t.building_of_hall.push_back(b);
      for (std::int32_t r = 0; r < racks_per_hall; ++r) {
        const auto rack = static_cast<std::int32_t>(t.hall_of_rack.size());
        t.hall_of_rack.push_back(hall);
        t.rack_of_node.insert(t.rack_of_node.end(), nodes_per_rack, rack);
      }
    }
  }
  return t;
}

std::string_view to_string(Locality locality) {
  switch (locality) {
    case Locality::rack:
      return "rack";
    case Locality::hall:
      return "hall";
    case Locality::building:
      return "building";
    case Locality::campus:
      return "campus";
  }
  return "campus";
}

FreePool::FreePool(const NodeTopology& topology, std::span<const std::int64_t> free_nodes)
    : topology_(&topology),
      rack_nodes_(topology.racks()),
      rack_next_(topology.racks(), 0),
      rack_size_(topology.racks(), 0),
      rack_free_(topology.racks(), 0),
      hall_free_(topology.halls(), 0),
      building_free_(topology.buildings(), 0),
      hall_racks_(topology.halls()),
      building_halls_(topology.buildings()) {
  for (const std::int32_t r : topology.rack_of_node) ++rack_size_[r];
  std::vector<std::int64_t> hall_nodes(topology.halls(), 0);
  for (std::int64_t r = 0; r < topology.racks(); ++r) {
    hall_racks_[topology.hall_of_rack[r]].push_back(static_cast<std::int32_t>(r));
    hall_nodes[topology.hall_of_rack[r]] += rack_size_[r];
  }
  for (const std::int64_t n : hall_nodes) largest_hall_nodes_ = std::max(largest_hall_nodes_, n);
  for (std::int64_t h = 0; h < topology.halls(); ++h) {
    building_halls_[topology.building_of_hall[h]].push_back(static_cast<std::int32_t>(h));
  }
  std::int64_t previous = -1;
  for (const std::int64_t n : free_nodes) {
    if (n <= previous || n >= topology.nodes()) {
      throw std::invalid_argument("FreePool: free nodes must be ascending, distinct node ids");
    }
    previous = n;
    const std::int32_t r = topology.rack_of_node[n];
    const std::int32_t h = topology.hall_of_rack[r];
    rack_nodes_[r].push_back(n);
    ++rack_free_[r];
    ++hall_free_[h];
    ++building_free_[topology.building_of_hall[h]];
    ++campus_free_;
  }
}

namespace {

// Best-fitting child for `count` (fewest free nodes ≥ count, lowest id on ties), else the child
// with the most free nodes (lowest id on ties). Returns {child, fits}.
template <class Children, class FreeOf>
std::pair<std::int32_t, bool> pick(const Children& children, FreeOf free_of, std::int64_t count) {
  std::int32_t best_fit = -1, largest = -1;
  for (const std::int32_t c : children) {
    const std::int64_t f = free_of(c);
    if (f <= 0) continue;
    if (f >= count && (best_fit < 0 || f < free_of(best_fit))) best_fit = c;
    if (largest < 0 || f > free_of(largest)) largest = c;
  }
  return best_fit >= 0 ? std::make_pair(best_fit, true) : std::make_pair(largest, false);
}

}  // namespace

void FreePool::take_rack(std::int32_t rack, std::int64_t count, std::vector<std::int64_t>& out) {
  const auto& nodes = rack_nodes_[rack];
  std::int64_t& next = rack_next_[rack];
  out.insert(out.end(), nodes.begin() + next, nodes.begin() + next + count);
  next += count;
  const std::int32_t hall = topology_->hall_of_rack[rack];
  rack_free_[rack] -= count;
  hall_free_[hall] -= count;
  building_free_[topology_->building_of_hall[hall]] -= count;
  campus_free_ -= count;
}

void FreePool::take_hall(std::int32_t hall, std::int64_t count, std::vector<std::int64_t>& out) {
  while (count > 0) {
    const auto [rack, fits] = pick(
        hall_racks_[hall], [&](std::int32_t r) { return rack_free_[r]; }, count);
    const std::int64_t n = fits ? count : rack_free_[rack];
    take_rack(rack, n, out);
    count -= n;
  }
}

void FreePool::take_building(std::int32_t building, std::int64_t count,
                             std::vector<std::int64_t>& out) {
  while (count > 0) {
    const auto [hall, fits] = pick(
        building_halls_[building], [&](std::int32_t h) { return hall_free_[h]; }, count);
    const std::int64_t n = fits ? count : hall_free_[hall];
    take_hall(hall, n, out);
    count -= n;
  }
}

void FreePool::take_campus(std::int64_t count, std::vector<std::int64_t>& out) {
  std::vector<std::int32_t> all(building_free_.size());
  for (std::size_t b = 0; b < all.size(); ++b) all[b] = static_cast<std::int32_t>(b);
  while (count > 0) {
    const auto [building, fits] = pick(
        all, [&](std::int32_t b) { return building_free_[b]; }, count);
    const std::int64_t n = fits ? count : building_free_[building];
    take_building(building, n, out);
    count -= n;
  }
}

Placement FreePool::take(std::int64_t count, PlacementMode mode) {
  if (count < 1 || count > campus_free_) {
    throw std::invalid_argument("FreePool::take: " + std::to_string(count) + " nodes asked, " +
                                std::to_string(campus_free_) + " free");
  }
  Placement p;
  p.nodes.reserve(count);
  if (mode == PlacementMode::first_fit) {
    for (std::int32_t r = 0; count > 0; ++r) {
      const std::int64_t n = std::min(count, rack_free_[r]);
      if (n > 0) take_rack(r, n, p.nodes);
      count -= n;
    }
  } else {
    // The smallest level where one domain holds the whole job, then its best-fitting domain there.
    const auto index = [](std::size_t n) {
      std::vector<std::int32_t> ids(n);
      for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<std::int32_t>(i);
      return ids;
    };
    const auto [rack, rack_fits] = pick(
        index(rack_free_.size()), [&](std::int32_t r) { return rack_free_[r]; }, count);
    if (rack_fits) {
      take_rack(rack, count, p.nodes);
    } else if (const auto [hall, hall_fits] = pick(
                   index(hall_free_.size()), [&](std::int32_t h) { return hall_free_[h]; }, count);
               hall_fits) {
      take_hall(hall, count, p.nodes);
    } else if (const auto [building, building_fits] = pick(
                   index(building_free_.size()), [&](std::int32_t b) { return building_free_[b]; },
                   count);
               building_fits) {
      take_building(building, count, p.nodes);
    } else {
      take_campus(count, p.nodes);
    }
  }
  std::sort(p.nodes.begin(), p.nodes.end());
  const auto& t = *topology_;
  const std::int32_t rack0 = t.rack_of_node[p.nodes.front()];
  const std::int32_t hall0 = t.hall_of_rack[rack0];
  const std::int32_t building0 = t.building_of_hall[hall0];
  bool one_rack = true, one_hall = true, one_building = true;
  for (const std::int64_t n : p.nodes) {
    const std::int32_t r = t.rack_of_node[n];
    const std::int32_t h = t.hall_of_rack[r];
    one_rack = one_rack && r == rack0;
    one_hall = one_hall && h == hall0;
    one_building = one_building && t.building_of_hall[h] == building0;
  }
  p.locality = one_rack       ? Locality::rack
               : one_hall     ? Locality::hall
               : one_building ? Locality::building
                              : Locality::campus;
  return p;
}

Fragmentation FreePool::fragmentation() const {
  Fragmentation f;
  f.free_nodes = campus_free_;
  if (campus_free_ == 0) return f;
  for (const std::int64_t h : hall_free_)
    f.largest_hall_free_nodes = std::max(f.largest_hall_free_nodes, h);
  std::int64_t partial = 0;
  for (std::size_t r = 0; r < rack_free_.size(); ++r) {
    if (rack_free_[r] > 0 && rack_free_[r] < rack_size_[r]) partial += rack_free_[r];
  }
  const auto total = static_cast<double>(campus_free_);
  f.hall = 1.0 - static_cast<double>(f.largest_hall_free_nodes) /
                     static_cast<double>(std::min(campus_free_, largest_hall_nodes_));
  f.rack = static_cast<double>(partial) / total;
  return f;
}

Fragmentation fragmentation(const NodeTopology& topology,
                            std::span<const std::int64_t> free_nodes) {
  return FreePool(topology, free_nodes).fragmentation();
}

}  // namespace ct::sched
