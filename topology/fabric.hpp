// Scale-out fabric of the campus and α–β costs of collectives over it.
//
// Tiers follow the campus hierarchy: a scale-up domain (NVLink: one node, or one rack for NVL72)
// → leaf (the rail-optimized leaf switches serving one rack) → spine (one hall) → core (one
// building) → campus (between buildings). The tier between two nodes is the lowest level of the
// hierarchy they share; a path through a tier crosses TierSpec::hops switches and its fibre.
//
// Collective costs use the α–β model: α is the latency of one step (one message over the link the
// step crosses; for rings the effective per-step α of the pipelined critical path, ring_path),
// B the bottleneck bandwidth. Each cost is returned as a latency part
// (the α terms) and a bandwidth part (the β terms) so reports can show which one dominates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/catalogue.hpp"
#include "topology/campus.hpp"

namespace ct::topology {

enum class Tier { scaleup, leaf, spine, core, campus };
const char* tier_name(Tier tier);

// What one NVLink domain spans: a node (HGX H100: 8 GPUs) or a whole rack (GB200 NVL72).
enum class ScaleupDomain { node, rack };

struct TierSpec {
  double hop_latency_s = 130e-9;  // per switch traversal
  // Per accelerator (each GPU has its own NIC / rail), one direction.
  double bandwidth_bytes_per_s = 50e9;
  // Injection bandwidth : bandwidth left for traffic that crosses this tier (1 = non-blocking).
  double oversubscription = 1.0;
  // Total cable/fibre length of a path through this tier inside the buildings; for the campus
  // tier, the in-building part at both ends (the inter-building run comes from positions).
  double cable_length_m = 10.0;
  int hops = 1;  // switch hops a path through this tier crosses
};

// Defaults: HGX H100 with InfiniBand NDR (Quantum-2, ~130 ns per switch hop; ConnectX-7,
// 400 Gb/s = 50e9 B/s per GPU), rail-optimized non-blocking leaf/spine/core fat tree.
struct FabricSpec {
  ScaleupDomain scaleup = ScaleupDomain::node;
  // NVLink 4: 900 GB/s per H100 counted both directions, so 450e9 B/s per direction.
  double scaleup_bandwidth_bytes_per_s = 450e9;
  double scaleup_latency_s = 0.5e-6;  // NVLink + NVSwitch traversal, GPU to GPU
  double nic_latency_s = 0.9e-6;      // both NICs of a scale-out path (send + receive, PCIe)
  TierSpec leaf{130e-9, 50e9, 1.0, 10.0, 1};     // node → leaf → node: 2 short cables
  TierSpec spine{130e-9, 50e9, 1.0, 100.0, 3};   // leaf → spine → leaf across the hall
  TierSpec core{130e-9, 50e9, 1.0, 300.0, 5};    // spine → core → spine across the building
  TierSpec campus{130e-9, 50e9, 1.0, 600.0, 7};  // core ↔ campus fibre ↔ core
  double campus_route_factor = 1.5;              // fibre route length / straight distance, ≥ 1
  // Light in silica fibre (group index ≈ 1.47): 4.9 µs/km.
  static constexpr double fibre_delay_s_per_m = 4.9e-9;
};

// Presets. H100: the defaults above. GB200 NVL72: 72-GPU rack domain, NVLink 5 at 1.8 TB/s per
// GPU both directions (900e9 per direction), ConnectX-8 at 800 Gb/s (100e9 B/s) per GPU.
// B200 800G: HGX B200 (8-GPU NVLink 5 node domain, 1.8 TB/s per GPU both directions) with one
// ConnectX-8 SuperNIC at 800 Gb/s per GPU on Quantum-X800 (XDR) switches.
FabricSpec fabric_preset_h100_ndr();
FabricSpec fabric_preset_gb200_nvl72();
FabricSpec fabric_preset_b200_800g();

// The presets by name, in catalogue order (the scenario's fabric.preset values).
const Catalogue<FabricSpec>& fabric_catalogue();

// Throws std::invalid_argument naming the offending field.
void validate(const FabricSpec& fabric);

const TierSpec& tier_spec(const FabricSpec& fabric, Tier tier);  // tier ≠ scaleup

// Scale-up domain id of a node (the node itself, or its rack) and its size in accelerators.
std::int64_t scaleup_domain_of_node(const Campus& campus, const FabricSpec& fabric,
                                    std::int64_t node);
std::int64_t scaleup_domain_accelerators(const Campus& campus, const FabricSpec& fabric);

// Lowest tier shared by two nodes. The same node is always inside one scale-up domain.
Tier tier_between_nodes(const Campus& campus, const FabricSpec& fabric, std::int64_t node_a,
                        std::int64_t node_b);

// One-way latency of a message from node a to node b:
//   scale-up: scaleup_latency_s;
//   otherwise: hops·hop_latency + fibre_length·4.9 ns/m + nic_latency_s, where fibre_length is
//   the tier's cable length, plus building distance × route factor for the campus tier.
double link_latency_s(const Campus& campus, const FabricSpec& fabric, std::int64_t node_a,
                      std::int64_t node_b);

// Per-accelerator bandwidth of the path: scale-up bandwidth inside a domain; otherwise the
// bottleneck of the tiers the path crosses (leaf up to its top tier), each bandwidth divided by
// its oversubscription.
double link_bandwidth_bytes_per_s(const Campus& campus, const FabricSpec& fabric,
                                  std::int64_t node_a, std::int64_t node_b);

// ---------------------------------------------------------------------------------------------
// α–β collective costs. p members, S bytes (the full buffer each member holds), α in seconds,
// B in bytes/s. p = 1 costs nothing. Exact closed forms, so tests can check them to rounding.

struct CollectiveCost {
  double latency_s = 0.0;    // α terms
  double bandwidth_s = 0.0;  // β terms
  double total_s() const { return latency_s + bandwidth_s; }
};

// Ring all-reduce: 2(p−1)α + 2(p−1)/p · S/B.
CollectiveCost ring_allreduce(int p, double bytes, double alpha_s, double bandwidth_bytes_per_s);
// Ring reduce-scatter and all-gather: (p−1)α + (p−1)/p · S/B each.
CollectiveCost reduce_scatter(int p, double bytes, double alpha_s, double bandwidth_bytes_per_s);
CollectiveCost all_gather(int p, double bytes, double alpha_s, double bandwidth_bytes_per_s);
// One message: α + S/B.
CollectiveCost point_to_point(double bytes, double alpha_s, double bandwidth_bytes_per_s);
// All-to-all by pairwise exchange: p−1 rounds, in each every member sends S/p to one peer:
// (p−1)α + (p−1)/p · S/B.
CollectiveCost all_to_all(int p, double bytes, double alpha_s, double bandwidth_bytes_per_s);
// Hierarchical all-reduce of p members in domains of d (d divides p): reduce-scatter inside each
// domain (d members), ring all-reduce of S/d between domains (p/d members), all-gather inside.
CollectiveCost hierarchical_allreduce(int p, int d, double bytes, double intra_alpha_s,
                                      double intra_bandwidth_bytes_per_s, double inter_alpha_s,
                                      double inter_bandwidth_bytes_per_s);

// Latency (α part) of `steps` steps of a ring over n links, link j carrying member j's messages
// to member j+1 (the last link closes the ring back to member 0). A ring has no barrier between
// steps: member j+1 forwards in step s+1 what it received from j in step s as soon as it has it,
// so (with α ≥ 0 and enough messages in flight) the critical path is the longest chain of
// `steps` consecutive links. With steps = q·n + r that is
//   T = q·Σ_j α_j + max over the n cyclic windows of r consecutive links of their Σ α.
// For a ring all-reduce (2(n−1) steps, n ≥ 2): T = 2·Σ_j α_j − min_j (α_j + α_{j+1}).
// Computed from the deficits α_max − α_j, so n equal links give exactly steps·α.
// Throws std::invalid_argument if n = 0 or steps < 0.
double ring_latency_s(const double* link_alpha_s, std::size_t n, std::int64_t steps);

// α and B of a ring all-reduce through the given nodes in order (closing back to the first).
// alpha_s is the effective per-step latency: the critical-path latency of the 2(n−1) steps
// (ring_latency_s over the n links) divided by 2(n−1), so ring_allreduce(n, S, alpha_s, B) has
// the exact α term. With c of the n links on the campus tier (α_c) and the rest local (α_l, two
// of them adjacent): alpha_s = α_l + c·(α_c − α_l)/(n−1), i.e. the campus delay is paid 2c times,
// not on all 2(n−1) steps; c = n gives α_c. max_link_alpha_s is the slowest link (what a barrier
// per step would cost; used for collectives that are not rings). B = the smallest link bandwidth
// (the pipeline runs at the slowest link's rate); tier = the highest tier crossed.
// A single member gives α = 0, the scale-up bandwidth and Tier::scaleup.
struct RingPath {
  double alpha_s = 0.0;
  double max_link_alpha_s = 0.0;
  double bandwidth_bytes_per_s = 0.0;
  Tier tier = Tier::scaleup;
  int campus_links = 0;  // links that cross between buildings
};
RingPath ring_path(const Campus& campus, const FabricSpec& fabric, const std::int64_t* nodes,
                   std::size_t n);
inline RingPath ring_path(const Campus& campus, const FabricSpec& fabric,
                          std::span<const std::int64_t> nodes) {
  return ring_path(campus, fabric, nodes.data(), nodes.size());
}

}  // namespace ct::topology
