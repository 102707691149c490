#include "workload/placement.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace ct::workload {

using topology::Campus;
using topology::FabricSpec;

namespace {

[[noreturn]] void fail(const JobSpec& job, const std::string& what) {
  throw std::invalid_argument("job '" + job.name + "': " + what);
}

// Nodes per placement unit: 1, or the aligned group of nodes of one rack that one TP group spans
// when TP is wider than a node (rack-scale NVLink). Units never straddle a rack.
std::int64_t unit_nodes(const Campus& campus, const FabricSpec& fabric, const JobSpec& job) {
  const int tp = job.parallel.tp;
  const std::int32_t apn = campus.accelerators_per_node();
  const std::int64_t domain = topology::scaleup_domain_accelerators(campus, fabric);
  const std::string where =
      " accelerators (" +
      std::string(fabric.scaleup == topology::ScaleupDomain::rack ? "rack-scale NVLink, "
                                                                  : "node-scale NVLink, ") +
      std::to_string(apn) + " per node)";
  if (tp > domain)
    fail(job, "TP " + std::to_string(tp) + " does not fit a scale-up domain of " +
                  std::to_string(domain) + where);
  if (tp <= apn) {
    if (apn % tp != 0)
      fail(job, "TP " + std::to_string(tp) + " must divide the " + std::to_string(apn) +
                    " accelerators of a node so TP groups do not straddle scale-up domains");
    return 1;
  }
  const std::int64_t u = tp / apn;
  if (tp % apn != 0 || campus.nodes_per_rack() % u != 0)
    fail(job, "TP " + std::to_string(tp) + " must be a whole number of nodes dividing the " +
                  std::to_string(campus.nodes_per_rack()) + " nodes of a rack");
  return u;
}

std::int32_t building_of_node(const Campus& campus, std::int64_t node) {
  return campus.building_of_rack(campus.rack_of_node(node));
}

}  // namespace

std::vector<std::int8_t> taken_outside(const std::vector<std::int8_t>& taken,
                                       const std::vector<NodeRange>& ranges) {
  std::vector<std::int8_t> masked(taken.size(), 1);
  for (const NodeRange& r : ranges)
    std::copy_n(taken.begin() + r.first_node, r.nodes, masked.begin() + r.first_node);
  return masked;
}

void take_inside(std::vector<std::int8_t>& taken, const std::vector<std::int8_t>& masked,
                 const std::vector<NodeRange>& ranges) {
  for (const NodeRange& r : ranges)
    std::copy_n(masked.begin() + r.first_node, r.nodes, taken.begin() + r.first_node);
}

JobPlacement place_job(const Campus& campus, const FabricSpec& fabric, const JobSpec& job,
                       std::vector<std::int8_t>& node_taken) {
  validate(job);
  if (static_cast<std::int64_t>(node_taken.size()) != campus.nodes())
    throw std::invalid_argument("place_job: node_taken has " + std::to_string(node_taken.size()) +
                                " entries, the campus has " + std::to_string(campus.nodes()) +
                                " nodes");
  const ParallelSpec& par = job.parallel;
  const std::int32_t apn = campus.accelerators_per_node();
  const std::int64_t u_nodes = unit_nodes(campus, fabric, job);
  const std::int64_t unit_acc = u_nodes * apn;
  const std::int64_t units_total = campus.nodes() / u_nodes;
  const std::int64_t units_needed = (par.accelerators() + unit_acc - 1) / unit_acc;

  std::vector<std::int8_t> taken = node_taken;  // commit only on success
  auto unit_free = [&](std::int64_t u) {
    for (std::int64_t k = 0; k < u_nodes; ++k)
      if (taken[u * u_nodes + k]) return false;
    return true;
  };
  std::int64_t free_nodes = 0;
  for (std::int8_t t : taken) free_nodes += t ? 0 : 1;
  auto too_few = [&]() {
    fail(job, "needs " + std::to_string(units_needed * u_nodes) + " nodes plus " +
                  std::to_string(job.spare_nodes) + " spares, but only " +
                  std::to_string(free_nodes) + " of " + std::to_string(campus.nodes()) +
                  " campus nodes are free" +
                  (u_nodes > 1 ? " (in aligned groups of " + std::to_string(u_nodes) + ")" : ""));
  };

  std::vector<std::int64_t> units;  // chosen units in rank order
  units.reserve(static_cast<std::size_t>(units_needed));
  if (job.order == Placement::compact) {
    for (std::int64_t u = 0; u < units_total && std::ssize(units) < units_needed; ++u)
      if (unit_free(u)) units.push_back(u);
    if (std::ssize(units) < units_needed) too_few();
  } else {
    const std::int64_t replica_acc = std::int64_t{par.tp} * par.pp;
    if (replica_acc % unit_acc != 0)
      fail(job, "spread_buildings deals whole DP replicas, but a replica (tp·pp = " +
                    std::to_string(replica_acc) + " accelerators) does not fill whole nodes of " +
                    std::to_string(unit_acc) + " accelerators");
    const std::int64_t per_replica = replica_acc / unit_acc;
    const auto buildings = static_cast<std::size_t>(campus.buildings());
    std::vector<std::vector<std::int64_t>> free_units(buildings);  // in global order
    for (std::int64_t u = 0; u < units_total; ++u)
      if (unit_free(u)) free_units[building_of_node(campus, u * u_nodes)].push_back(u);
    std::vector<std::size_t> cursor(buildings, 0);
    for (int d = 0; d < par.dp; ++d) {
      bool placed = false;
      for (std::size_t k = 0; k < buildings && !placed; ++k) {
        const std::size_t b = (static_cast<std::size_t>(d) + k) % buildings;
        if (std::ssize(free_units[b]) - static_cast<std::int64_t>(cursor[b]) < per_replica)
          continue;  // building full: the replica goes to the next one
        for (std::int64_t i = 0; i < per_replica; ++i) units.push_back(free_units[b][cursor[b]++]);
        placed = true;
      }
      if (!placed) too_few();
    }
  }

  JobPlacement pl;
  pl.tp = par.tp;
  pl.pp = par.pp;
  pl.dp = par.dp;
  pl.accelerators_per_node = apn;
  pl.nodes.reserve(static_cast<std::size_t>(units_needed * u_nodes));
  for (std::int64_t u : units)
    for (std::int64_t k = 0; k < u_nodes; ++k) {
      pl.nodes.push_back(u * u_nodes + k);
      taken[u * u_nodes + k] = 1;
    }
  // A partly used last node (accelerators not a multiple of the node size) is still the job's.
  // Units never overshoot: with u_nodes > 1 the job is a whole number of TP groups = units.
  // Hot spares: buildings ordered by how many of the job's nodes they host, then global order.
  if (job.spare_nodes > 0) {
    std::vector<std::int64_t> job_nodes_in(static_cast<std::size_t>(campus.buildings()), 0);
    for (std::int64_t n : pl.nodes) ++job_nodes_in[building_of_node(campus, n)];
    std::vector<std::int32_t> order(job_nodes_in.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
      return job_nodes_in[a] > job_nodes_in[b];
    });
    for (std::int32_t b : order)
      for (std::int64_t n = 0; n < campus.nodes() && std::ssize(pl.spares) < job.spare_nodes; ++n)
        if (!taken[n] && building_of_node(campus, n) == b) {
          pl.spares.push_back(n);
          taken[n] = 1;
        }
    if (std::ssize(pl.spares) < job.spare_nodes) too_few();
  }

  derive_communication(pl, par);
  node_taken = std::move(taken);
  return pl;
}

void derive_communication(JobPlacement& pl, const ParallelSpec& par) {
  pl.dp_ring_nodes.clear();
  pl.pp_boundaries.clear();
  pl.dp_ring_nodes.reserve(static_cast<std::size_t>(par.dp));
  for (int d = 0; d < par.dp; ++d) pl.dp_ring_nodes.push_back(pl.node_of_rank(pl.rank(0, 0, d)));
  for (int d = 0; d < par.dp; ++d) {
    for (int s = 0; s + 1 < par.pp; ++s)
      pl.pp_boundaries.push_back(
          {pl.node_of_rank(pl.rank(0, s, d)), pl.node_of_rank(pl.rank(0, s + 1, d))});
    if (par.pp > 1 && par.schedule == ParallelSpec::interleaved && par.virtual_stages > 1)
      pl.pp_boundaries.push_back(
          {pl.node_of_rank(pl.rank(0, par.pp - 1, d)), pl.node_of_rank(pl.rank(0, 0, d))});
  }
}

}  // namespace ct::workload
