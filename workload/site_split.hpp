// A training job whose data parallelism is split over several sites (docs/sites.md): each site
// holds whole DP replicas (TP and PP groups stay inside a site), so only the DP all-reduce crosses
// the long-haul links, hierarchically (topology/long_haul.hpp): reduce-scatter inside each site,
// all-reduce between the sites over the links, all-gather inside each site.
#pragma once

#include <cstdint>
#include <vector>

#include "topology/campus.hpp"
#include "topology/fabric.hpp"
#include "topology/long_haul.hpp"
#include "workload/placement.hpp"
#include "workload/step_time.hpp"
#include "workload/training_job.hpp"

namespace ct::workload {

struct SplitPlacement {
  JobPlacement combined;            // all replicas, site after site (DP rank order)
  std::vector<JobPlacement> parts;  // each site's replicas as a job of dp = its replicas
};

// Places replicas[s] DP replicas of `job` on sites[s]'s free nodes, in order, and the job's hot
// spares in proportion to the replicas (spare_nodes·g_s/dp rounded down, the rest one each to
// the first sites). Strong guarantee on node_taken; throws std::invalid_argument (from
// place_job, naming the site index) when a site cannot hold its share.
SplitPlacement place_split(const topology::Campus& campus, const topology::FabricSpec& fabric,
                           const JobSpec& job, const std::vector<NodeRange>& sites,
                           const std::vector<int>& replicas, std::vector<std::int8_t>& node_taken);

// The split DP all-reduce of one DP group (S = bytes_per_gradient_element · parameters/(tp·pp);
// the tp·pp groups share the links): per site the ring α and bandwidth of its own replicas (as
// step_breakdown gives them for a job of dp = its replicas), the members' NIC bandwidth (the
// campus tier's), and `links[s]` joining site s to site s+1 (k = 2: one link).
topology::SplitCost split_cost(const JobSpec& job, const SplitPlacement& placement,
                               const topology::Campus& campus, const topology::FabricSpec& fabric,
                               const std::vector<topology::LongHaulLink>& links);

// The step of the split job: step_breakdown of the combined placement with its DP all-reduce
// replaced by the split one (its α and β parts and its exposed share).
StepBreakdown split_step_breakdown(const JobSpec& job, const JobPlacement& combined,
                                   const topology::SplitCost& split, const topology::Campus& campus,
                                   const topology::FabricSpec& fabric);

}  // namespace ct::workload
