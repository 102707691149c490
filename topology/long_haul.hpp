// Long-haul links between sites, and what splitting a training job's data parallelism over sites
// costs per step.
//
// A link joins two sites over a fibre route of length distance × route_factor. One message takes
//   α_L = fibre_length · 4.9 µs/km + hops · hop_latency + edge_latency
// (light in silica fibre, group index ≈ 1.47; hops = routers on the route; edge = both sites'
// NICs and fabric up to their edge routers) and moves at the link's bandwidth B_L (one
// direction, what the job may use).
//
// A job whose DP replicas sit at k ≥ 2 sites (g_s replicas at site s, sites in ring order)
// all-reduces each DP group's S gradient bytes hierarchically, so only the middle tier crosses
// the long-haul links:
//   1. reduce-scatter inside each site over its g_s members   (g_s−1)α_s + (g_s−1)/g_s · S/B_s
//   2. all-reduce between the sites of each shard, the g parallel rings sharing the links:
//        T_α (pipelined critical path of 2(k−1) steps over the k ring links: ring_latency_s;
//             2(k−1)·α_L when every link is the same) + 2(k−1)/k · S / B_eff,
//        B_eff = min( min_link B_L / concurrent_groups,  g_min · member_bandwidth )
//      (every byte of the buffer crosses each link 2(k−1)/k times; the tp·pp DP groups of the job
//       all-reduce at once over the same links; a site's members inject at most g_s NIC rates)
//   3. all-gather inside each site (as 1).
// Sites work in parallel in 1 and 3, so the slowest site counts. With equal groups this is
// exactly topology::hierarchical_allreduce(p = k·g, d = g, S, α_s, B_s, α_L, B_eff/g).
#pragma once

#include <limits>
#include <span>
#include <vector>

#include "topology/fabric.hpp"

namespace ct::topology {

struct GeoPoint {
  double latitude_deg = 0.0;   // + north
  double longitude_deg = 0.0;  // + east
};

// Great-circle distance by the haversine formula on a sphere of the IUGG mean Earth radius
// (6371.0088 km). Throws std::invalid_argument for a latitude outside [−90, 90] or a longitude
// outside [−180, 180].
double great_circle_distance_m(GeoPoint a, GeoPoint b);
inline constexpr double kEarthMeanRadiusM = 6371008.8;

struct LongHaulLink {
  double distance_m = 0.0;    // straight (great-circle) distance between the two sites
  double route_factor = 1.5;  // fibre route length / distance, ≥ 1
  // Capacity one direction that the job may use: 3.2 Tb/s, e.g. 8 wavelengths of 400 Gb/s.
  double bandwidth_bytes_per_s = 400e9;
  int hops = 2;                  // routers on the route (the two sites' edge routers)
  double hop_latency_s = 10e-6;  // per router traversal
  double edge_latency_s = 5e-6;  // both ends: NIC and site fabric up to the edge router
  static constexpr double fibre_delay_s_per_m = FabricSpec::fibre_delay_s_per_m;  // 4.9 µs/km
};

// Throws std::invalid_argument naming the offending field.
void validate(const LongHaulLink& link);

double fibre_length_m(const LongHaulLink& link);     // distance × route factor
double one_way_latency_s(const LongHaulLink& link);  // α_L above
// One transfer of `bytes` over the link (e.g. a checkpoint moved to another site): α_L + S/B_L.
double transfer_time_s(const LongHaulLink& link, double bytes);

// One site's share of the job's DP group and the site fabric it all-reduces over.
struct SiteGroup {
  int replicas = 1;                            // g_s: DP replicas (members of one DP group) here
  double intra_alpha_s = 0.0;                  // per-step α of the ring inside the site
  double intra_bandwidth_bytes_per_s = 50e9;   // per-member bandwidth of that ring
  double member_bandwidth_bytes_per_s = 50e9;  // a member's injection towards other sites (NIC)
};

struct SiteSplit {
  std::vector<SiteGroup> sites;  // k ≥ 1, in ring order
  // Ring links: sites[j] → sites[(j+1) % k]. k = 2: one link (used in both directions);
  // k ≥ 3: k links. Empty for k = 1.
  std::vector<LongHaulLink> links;
  double bytes = 0.0;             // S: gradient bytes one DP group all-reduces per step
  int concurrent_groups = 1;      // DP groups all-reducing at once over the same links (tp·pp)
  double overlap_fraction = 0.8;  // share hidden behind backward compute (dp_overlap_fraction)
  // Compute time the all-reduce can hide behind (the backward pass); +inf: only the fraction
  // limits hiding, as in workload::step_breakdown.
  double hide_window_s = std::numeric_limits<double>::infinity();
};

struct SplitCost {
  CollectiveCost reduce_scatter;  // slowest site
  CollectiveCost inter_site;      // over the long-haul links
  CollectiveCost all_gather;      // slowest site
  CollectiveCost total;           // the three in sequence
  // The same DP group in one site: a flat ring of Σ g_s members over sites[0]'s fabric.
  CollectiveCost single_site;
  double exposed_s = 0.0;              // exposed(total) on the step's critical path
  double single_site_exposed_s = 0.0;  // exposed(single_site)
  double added_per_step_s = 0.0;       // exposed_s − single_site_exposed_s: the split's cost
  double long_haul_alpha_s = 0.0;      // slowest link's one-way latency
  double inter_bandwidth_bytes_per_s = 0.0;  // B_eff
  bool link_bound = false;                   // B_eff set by the links (not by the members' NICs)
  double bytes_per_link_direction = 0.0;     // per step, all concurrent groups
};

// Exposed share of a collective of total time T: max((1 − f)·T, T − hide_window).
double exposed_time_s(double total_s, double overlap_fraction, double hide_window_s);

// Throws std::invalid_argument naming the offending field. k = 1 gives the flat single-site ring
// for `total` (no long-haul tier) and added_per_step_s = 0.
SplitCost split_allreduce_cost(const SiteSplit& split);

}  // namespace ct::topology
