#include "workload/step_time.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace ct::workload {

using topology::Campus;
using topology::CollectiveCost;
using topology::FabricSpec;
using topology::RingPath;
using topology::Tier;

double tokens_per_step(const JobSpec& job) { return job.model.global_batch_tokens; }

double flops_per_step(const JobSpec& job) {
  return 6.0 * job.model.active_parameters * tokens_per_step(job);
}

double model_flops_utilization(const JobSpec& job, double step_s) {
  return flops_per_step(job) /
         (step_s * static_cast<double>(job.accelerators()) * job.peak_flops_per_accelerator);
}

namespace {

CollectiveDetail detail(const char* name, Tier tier, int members, double calls, double bytes,
                        double alpha_s, double bandwidth, const CollectiveCost& one_call,
                        double exposed_share) {
  CollectiveDetail d;
  d.name = name;
  d.tier = tier;
  d.members = members;
  d.calls_per_step = calls;
  d.bytes = bytes;
  d.alpha_s = alpha_s;
  d.bandwidth_bytes_per_s = bandwidth;
  d.latency_s = calls * one_call.latency_s;
  d.bandwidth_s = calls * one_call.bandwidth_s;
  d.exposed_s = exposed_share * (d.latency_s + d.bandwidth_s);
  return d;
}

// DP gradient all-reduce of one PP stage's DP group (TP index 0). Replicas that share a scale-up
// domain form runs of equal length in DP order; then the all-reduce is hierarchical.
CollectiveDetail dp_allreduce(const JobSpec& job, const JobPlacement& pl, const Campus& campus,
                              const FabricSpec& fabric, int stage) {
  const int dp = pl.dp;
  std::vector<std::int64_t> members(static_cast<std::size_t>(dp));
  std::vector<std::int64_t> domain(members.size());
  for (int d = 0; d < dp; ++d) {
    members[d] = pl.node_of_rank(pl.rank(0, stage, d));
    domain[d] = topology::scaleup_domain_of_node(campus, fabric, members[d]);
  }
  int run = 1;
  while (run < dp && domain[run] == domain[0]) ++run;
  bool regular = dp % run == 0;
  for (int k = 1; k < dp && regular; ++k) {
    const int head = k - k % run;
    if (domain[k] != domain[head]) regular = false;
    if (k % run == 0 && domain[k] == domain[k - run]) regular = false;
  }
  const double bytes =
      job.bytes_per_gradient_element * job.model.parameters / (static_cast<double>(pl.tp) * pl.pp);
  const double hidden_share = 1.0 - job.dp_overlap_fraction;
  if (!regular || run == 1) {
    const RingPath ring = topology::ring_path(campus, fabric, members.data(), members.size());
    const CollectiveCost c =
        topology::ring_allreduce(dp, bytes, ring.alpha_s, ring.bandwidth_bytes_per_s);
    return detail("dp_allreduce", ring.tier, dp, 1.0, bytes, ring.alpha_s,
                  ring.bandwidth_bytes_per_s, c, hidden_share);
  }
  std::vector<std::int64_t> heads;  // one member per domain
  for (int k = 0; k < dp; k += run) heads.push_back(members[k]);
  const RingPath inter = topology::ring_path(campus, fabric, heads.data(), heads.size());
  const CollectiveCost c = topology::hierarchical_allreduce(
      dp, run, bytes, fabric.scaleup_latency_s, fabric.scaleup_bandwidth_bytes_per_s, inter.alpha_s,
      inter.bandwidth_bytes_per_s);
  return detail("dp_allreduce", inter.tier, dp, 1.0, bytes, inter.alpha_s,
                inter.bandwidth_bytes_per_s, c, hidden_share);
}

}  // namespace

StepBreakdown step_breakdown(const JobSpec& job, const JobPlacement& pl, const Campus& campus,
                             const FabricSpec& fabric) {
  validate(job);
  const ParallelSpec& par = job.parallel;
  if (pl.tp != par.tp || pl.pp != par.pp || pl.dp != par.dp ||
      static_cast<std::int64_t>(pl.nodes.size()) * pl.accelerators_per_node < par.accelerators())
    throw std::invalid_argument("step_breakdown: placement does not match job '" + job.name + "'");

  StepBreakdown b;
  const double accelerators = static_cast<double>(par.accelerators());
  b.compute_s =
      flops_per_step(job) / (accelerators * job.peak_flops_per_accelerator * job.efficiency);
  const double m = par.microbatches;
  const double v = par.schedule == ParallelSpec::interleaved ? par.virtual_stages : 1;
  b.bubble_s = b.compute_s * (par.pp - 1) / (v * m);

  const double activation_bytes = microbatch_sequences(job) * job.model.sequence_length *
                                  job.model.hidden_size * job.bytes_per_activation_element;
  const double layers_per_stage = static_cast<double>(job.model.layers) / par.pp;

  if (par.dp > 1) {
    CollectiveDetail worst;
    for (int s = 0; s < par.pp; ++s) {
      CollectiveDetail d = dp_allreduce(job, pl, campus, fabric, s);
      if (s == 0 || d.latency_s + d.bandwidth_s > worst.latency_s + worst.bandwidth_s)
        worst = std::move(d);
    }
    b.collectives.push_back(std::move(worst));
  }

  if (par.pp > 1) {
    double alpha = 0, bandwidth = fabric.scaleup_bandwidth_bytes_per_s;
    Tier tier = Tier::scaleup;
    for (std::size_t i = 0; i < pl.pp_boundaries.size(); ++i) {
      const NodePair& p = pl.pp_boundaries[i];
      alpha = std::max(alpha, topology::link_latency_s(campus, fabric, p.from, p.to));
      const double bw = topology::link_bandwidth_bytes_per_s(campus, fabric, p.from, p.to);
      bandwidth = i == 0 ? bw : std::min(bandwidth, bw);
      tier = std::max(tier, topology::tier_between_nodes(campus, fabric, p.from, p.to));
    }
    const double bytes = activation_bytes / par.tp;
    b.collectives.push_back(detail("pp_p2p", tier, 2, 2.0 * v * m, bytes, alpha, bandwidth,
                                   topology::point_to_point(bytes, alpha, bandwidth),
                                   job.pp_exposed_fraction));
  }

  if (par.tp > 1) {
    const double calls = 4.0 * m * layers_per_stage;
    b.collectives.push_back(
        detail("tp_allreduce", Tier::scaleup, par.tp, calls, activation_bytes,
               fabric.scaleup_latency_s, fabric.scaleup_bandwidth_bytes_per_s,
               topology::ring_allreduce(par.tp, activation_bytes, fabric.scaleup_latency_s,
                                        fabric.scaleup_bandwidth_bytes_per_s),
               job.tp_exposed_fraction));
  }

  if (par.ep > 1) {
    // Expert groups are ep consecutive DP replicas at the same TP/PP position.
    std::vector<std::int64_t> members;
    for (int d = 0; d < par.ep; ++d) members.push_back(pl.node_of_rank(pl.rank(0, 0, d)));
    // Pairwise exchange talks to a different peer each round, not along a ring: the slowest
    // link of the expert group sets each round.
    const RingPath path = topology::ring_path(campus, fabric, members.data(), members.size());
    const double alpha = path.max_link_alpha_s;
    const double bytes = activation_bytes / par.tp;
    const double calls = 4.0 * m * layers_per_stage;
    b.collectives.push_back(
        detail("ep_alltoall", path.tier, par.ep, calls, bytes, alpha, path.bandwidth_bytes_per_s,
               topology::all_to_all(par.ep, bytes, alpha, path.bandwidth_bytes_per_s),
               job.ep_exposed_fraction));
  }

  for (const CollectiveDetail& c : b.collectives) b.exposed_comm_s += c.exposed_s;
  b.step_s = b.compute_s + b.bubble_s + b.exposed_comm_s;
  return b;
}

}  // namespace ct::workload
