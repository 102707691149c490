// Placement of a job's ranks on campus nodes.
//
// Rank layout (Megatron/Llama 3 style, DP outermost because it tolerates latency best):
//   rank = t + tp·(s + pp·d)   for TP index t, PP stage s, DP replica d.
// Ranks fill the job's nodes in order, accelerators_per_node each: rank r runs on
// nodes[r / accelerators_per_node]. So a TP group sits on consecutive accelerators (one node, or
// an aligned group of nodes of one rack for rack-scale NVLink), consecutive PP stages of one
// replica sit on consecutive job nodes, and replicas follow one another.
#pragma once

#include <cstdint>
#include <vector>

#include "topology/campus.hpp"
#include "topology/fabric.hpp"
#include "workload/training_job.hpp"

namespace ct::workload {

struct NodePair {
  std::int64_t from = 0;
  std::int64_t to = 0;
};

struct JobPlacement {
  int tp = 1, pp = 1, dp = 1;
  std::int32_t accelerators_per_node = 1;
  std::vector<std::int64_t> nodes;   // the job's nodes in rank order
  std::vector<std::int64_t> spares;  // hot spares held back for this job
  // DP members of the representative position (TP 0, PP stage 0), in DP order: one entry per
  // replica (a node repeats when several replicas share it). Enough for topology::ring_path.
  std::vector<std::int64_t> dp_ring_nodes;
  // PP stage-boundary pairs at TP index 0 of every replica: (stage s, stage s+1); with the
  // interleaved schedule also (last stage, stage 0), which the next model chunk crosses.
  std::vector<NodePair> pp_boundaries;

  std::int64_t rank(int t, int s, int d) const {
    return t + std::int64_t{tp} * (s + std::int64_t{pp} * d);
  }
  std::int64_t node_of_rank(std::int64_t r) const { return nodes[r / accelerators_per_node]; }
};

// A contiguous range of global nodes (a site's, docs/sites.md).
struct NodeRange {
  std::int64_t first_node = 0, nodes = 0;
};
// To place a job inside `ranges` only: `taken` with every node outside them marked taken.
std::vector<std::int8_t> taken_outside(const std::vector<std::int8_t>& taken,
                                       const std::vector<NodeRange>& ranges);
// What a placement in `masked` took inside `ranges`, copied back into `taken`.
void take_inside(std::vector<std::int8_t>& taken, const std::vector<std::int8_t>& masked,
                 const std::vector<NodeRange>& ranges);

// Chooses the job's nodes among the free ones (node_taken[node] == 0), marks them and the spares
// taken (1), and returns them. Hot spares: free nodes, preferring the buildings that host most of
// the job, then global order. Strong guarantee: on error node_taken is unchanged.
// Throws std::invalid_argument when TP does not fit one scale-up domain (TP must divide the
// domain, or span whole nodes of one rack with rack-scale NVLink), when spread_buildings cannot
// give each replica whole nodes, or when too few free nodes are left.
JobPlacement place_job(const topology::Campus& campus, const topology::FabricSpec& fabric,
                       const JobSpec& job, std::vector<std::int8_t>& node_taken);

// dp_ring_nodes and pp_boundaries from the nodes (rank order): after a node of the job is
// replaced, they follow it.
void derive_communication(JobPlacement& placement, const ParallelSpec& parallel);

}  // namespace ct::workload
