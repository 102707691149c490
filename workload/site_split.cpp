#include "workload/site_split.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ct::workload {

SplitPlacement place_split(const topology::Campus& campus, const topology::FabricSpec& fabric,
                           const JobSpec& job, const std::vector<NodeRange>& sites,
                           const std::vector<int>& replicas, std::vector<std::int8_t>& node_taken) {
  if (sites.size() != replicas.size() || sites.size() < 2)
    throw std::invalid_argument("place_split: one replica count per site, at least two sites");
  std::vector<std::int8_t> taken = node_taken;  // strong guarantee
  SplitPlacement out;
  JobPlacement& all = out.combined;
  // Hot spares in proportion to the replicas (largest remainders to the first sites).
  std::vector<int> spares(sites.size(), 0);
  int given = 0;
  for (std::size_t s = 0; s < sites.size(); ++s) {
    spares[s] = static_cast<int>(static_cast<std::int64_t>(job.spare_nodes) * replicas[s] /
                                 job.parallel.dp);
    given += spares[s];
  }
  for (std::size_t s = 0; given < job.spare_nodes; s = (s + 1) % sites.size()) ++spares[s], ++given;
  for (std::size_t s = 0; s < sites.size(); ++s) {
    JobSpec part = job;
    part.parallel.dp = replicas[s];
    part.spare_nodes = spares[s];
    std::vector<std::int8_t> masked = taken_outside(taken, {sites[s]});
    JobPlacement p;
    try {
      p = place_job(campus, fabric, part, masked);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("site " + std::to_string(s) + " of the job (" +
                                  std::to_string(replicas[s]) + " replicas): " + e.what());
    }
    take_inside(taken, masked, {sites[s]});
    if (s == 0) {
      all = p;
      all.dp = 0;
      all.nodes.clear(), all.spares.clear(), all.dp_ring_nodes.clear(), all.pp_boundaries.clear();
    }
    all.dp += p.dp;
    all.nodes.insert(all.nodes.end(), p.nodes.begin(), p.nodes.end());
    all.spares.insert(all.spares.end(), p.spares.begin(), p.spares.end());
    all.dp_ring_nodes.insert(all.dp_ring_nodes.end(), p.dp_ring_nodes.begin(),
                             p.dp_ring_nodes.end());
    all.pp_boundaries.insert(all.pp_boundaries.end(), p.pp_boundaries.begin(),
                             p.pp_boundaries.end());
    out.parts.push_back(std::move(p));
  }
  node_taken = std::move(taken);
  return out;
}

topology::SplitCost split_cost(const JobSpec& job, const SplitPlacement& placement,
                               const topology::Campus& campus, const topology::FabricSpec& fabric,
                               const std::vector<topology::LongHaulLink>& links) {
  topology::SiteSplit split;
  const ParallelSpec& par = job.parallel;
  for (const JobPlacement& p : placement.parts) {
    topology::SiteGroup g;
    g.replicas = p.dp;
    g.member_bandwidth_bytes_per_s =
        fabric.campus.bandwidth_bytes_per_s / fabric.campus.oversubscription;
    g.intra_bandwidth_bytes_per_s = g.member_bandwidth_bytes_per_s;
    if (p.dp > 1) {
      JobSpec part = job;
      part.parallel.dp = p.dp;
      for (const CollectiveDetail& d : step_breakdown(part, p, campus, fabric).collectives)
        if (d.name == "dp_allreduce") {
          g.intra_alpha_s = d.alpha_s;
          g.intra_bandwidth_bytes_per_s = d.bandwidth_bytes_per_s;
        }
    }
    split.sites.push_back(g);
  }
  split.links = links;
  split.bytes = job.bytes_per_gradient_element * job.model.parameters /
                (static_cast<double>(par.tp) * par.pp);
  split.concurrent_groups = par.tp * par.pp;
  split.overlap_fraction = job.dp_overlap_fraction;
  return topology::split_allreduce_cost(split);
}

StepBreakdown split_step_breakdown(const JobSpec& job, const JobPlacement& combined,
                                   const topology::SplitCost& split, const topology::Campus& campus,
                                   const topology::FabricSpec& fabric) {
  StepBreakdown b = step_breakdown(job, combined, campus, fabric);
  b.exposed_comm_s = 0.0;
  for (CollectiveDetail& d : b.collectives) {
    if (d.name == "dp_allreduce") {
      d.tier = topology::Tier::campus;  // the highest tier there is: the links lie beyond it
      d.alpha_s = split.long_haul_alpha_s;
      d.bandwidth_bytes_per_s = split.inter_bandwidth_bytes_per_s;
      d.latency_s = split.total.latency_s;
      d.bandwidth_s = split.total.bandwidth_s;
      d.exposed_s = split.exposed_s;
    }
    b.exposed_comm_s += d.exposed_s;
  }
  b.step_s = b.compute_s + b.bubble_s + b.exposed_comm_s;
  return b;
}

}  // namespace ct::workload
