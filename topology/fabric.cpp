#include "topology/fabric.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace ct::topology {

const char* tier_name(Tier tier) {
  switch (tier) {
    case Tier::scaleup:
      return "scaleup";
    case Tier::leaf:
      return "leaf";
    case Tier::spine:
      return "spine";
    case Tier::core:
      return "core";
    case Tier::campus:
      return "campus";
  }
  return "unknown";
}

FabricSpec fabric_preset_h100_ndr() { return FabricSpec{}; }

FabricSpec fabric_preset_gb200_nvl72() {
  FabricSpec f;
  f.scaleup = ScaleupDomain::rack;
  f.scaleup_bandwidth_bytes_per_s = 900e9;
  for (TierSpec* t : {&f.leaf, &f.spine, &f.core, &f.campus}) t->bandwidth_bytes_per_s = 100e9;
  return f;
}

// NVIDIA HGX B200 datasheet: NVLink 5, 1.8 TB/s GPU-to-GPU (both directions) in an 8-GPU
// NVSwitch domain. NVIDIA ConnectX-8 SuperNIC datasheet: 800 Gb/s per port (100e9 B/s), one per
// GPU in a rail-optimized fabric; NVIDIA Quantum-X800 Q3400 switch: 144 ports of 800 Gb/s XDR
// InfiniBand. Quantum-X800 publishes no port-to-port latency: the hop latency stays at the
// Quantum-2 NDR value (130 ns; DESIGN.md §3 gives 130–150 ns), an assumption. Tier hops, cable
// lengths and the NIC latency are the defaults.
FabricSpec fabric_preset_b200_800g() {
  FabricSpec f;
  f.scaleup = ScaleupDomain::node;
  f.scaleup_bandwidth_bytes_per_s = 900e9;
  for (TierSpec* t : {&f.leaf, &f.spine, &f.core, &f.campus}) t->bandwidth_bytes_per_s = 100e9;
  return f;
}

namespace {
// The preset table behind fabric_catalogue().
struct FabricPreset {
  const char* name;
  const char* description;
  FabricSpec (*make)();
};
constexpr FabricPreset kFabricPresets[] = {
    {"h100_ndr", "HGX H100, NVLink 4 node domain, ConnectX-7 400G, InfiniBand NDR",
     fabric_preset_h100_ndr},
    {"gb200_nvl72", "GB200 NVL72, NVLink 5 rack domain (72 GPUs), ConnectX-8 800G",
     fabric_preset_gb200_nvl72},
    {"b200_800g", "HGX B200, NVLink 5 node domain, ConnectX-8 800G, InfiniBand XDR",
     fabric_preset_b200_800g},
};
}  // namespace

const Catalogue<FabricSpec>& fabric_catalogue() {
  static const Catalogue<FabricSpec> catalogue = [] {
    std::vector<Catalogue<FabricSpec>::Entry> e;
    for (const FabricPreset& p : kFabricPresets) e.push_back({p.name, p.description, p.make()});
    return Catalogue<FabricSpec>(std::move(e));
  }();
  return catalogue;
}

namespace {

void check_positive(double value, const std::string& what) {
  if (!(value > 0.0) || !std::isfinite(value))
    throw std::invalid_argument("fabric: " + what + " must be a positive number");
}

void check_tier(const TierSpec& t, const std::string& name) {
  if (!(t.hop_latency_s >= 0.0))
    throw std::invalid_argument("fabric: " + name + ".hop_latency_s must be >= 0");
  check_positive(t.bandwidth_bytes_per_s, name + ".bandwidth_bytes_per_s");
  check_positive(t.oversubscription, name + ".oversubscription");
  if (!(t.cable_length_m >= 0.0))
    throw std::invalid_argument("fabric: " + name + ".cable_length_m must be >= 0");
  if (t.hops < 1) throw std::invalid_argument("fabric: " + name + ".hops must be >= 1");
}

}  // namespace

void validate(const FabricSpec& f) {
  check_positive(f.scaleup_bandwidth_bytes_per_s, "scaleup_bandwidth_bytes_per_s");
  if (!(f.scaleup_latency_s >= 0.0))
    throw std::invalid_argument("fabric: scaleup_latency_s must be >= 0");
  if (!(f.nic_latency_s >= 0.0)) throw std::invalid_argument("fabric: nic_latency_s must be >= 0");
  check_tier(f.leaf, "leaf");
  check_tier(f.spine, "spine");
  check_tier(f.core, "core");
  check_tier(f.campus, "campus");
  if (!(f.campus_route_factor >= 1.0))
    throw std::invalid_argument("fabric: campus_route_factor must be >= 1 (route / straight line)");
}

const TierSpec& tier_spec(const FabricSpec& fabric, Tier tier) {
  switch (tier) {
    case Tier::leaf:
      return fabric.leaf;
    case Tier::spine:
      return fabric.spine;
    case Tier::core:
      return fabric.core;
    case Tier::campus:
      return fabric.campus;
    case Tier::scaleup:
      break;
  }
  throw std::invalid_argument("fabric: the scale-up tier has no TierSpec");
}

std::int64_t scaleup_domain_of_node(const Campus& campus, const FabricSpec& fabric,
                                    std::int64_t node) {
  return fabric.scaleup == ScaleupDomain::rack ? campus.rack_of_node(node) : node;
}

std::int64_t scaleup_domain_accelerators(const Campus& campus, const FabricSpec& fabric) {
  return fabric.scaleup == ScaleupDomain::rack ? campus.accelerators_per_rack()
                                               : std::int64_t{campus.accelerators_per_node()};
}

Tier tier_between_nodes(const Campus& campus, const FabricSpec& fabric, std::int64_t node_a,
                        std::int64_t node_b) {
  if (node_a == node_b) return Tier::scaleup;
  const std::int64_t rack_a = campus.rack_of_node(node_a);
  const std::int64_t rack_b = campus.rack_of_node(node_b);
  if (rack_a == rack_b) return fabric.scaleup == ScaleupDomain::rack ? Tier::scaleup : Tier::leaf;
  const std::int32_t hall_a = campus.hall_of_rack(rack_a);
  const std::int32_t hall_b = campus.hall_of_rack(rack_b);
  if (hall_a == hall_b) return Tier::spine;
  if (campus.building_of_hall(hall_a) == campus.building_of_hall(hall_b)) return Tier::core;
  return Tier::campus;
}

double link_latency_s(const Campus& campus, const FabricSpec& fabric, std::int64_t node_a,
                      std::int64_t node_b) {
  const Tier tier = tier_between_nodes(campus, fabric, node_a, node_b);
  if (tier == Tier::scaleup) return fabric.scaleup_latency_s;
  const TierSpec& t = tier_spec(fabric, tier);
  double fibre_m = t.cable_length_m;
  if (tier == Tier::campus) {
    const std::int32_t b_a = campus.building_of_rack(campus.rack_of_node(node_a));
    const std::int32_t b_b = campus.building_of_rack(campus.rack_of_node(node_b));
    fibre_m += campus.building_distance_m(b_a, b_b) * fabric.campus_route_factor;
  }
  return t.hops * t.hop_latency_s + fibre_m * FabricSpec::fibre_delay_s_per_m +
         fabric.nic_latency_s;
}

double link_bandwidth_bytes_per_s(const Campus& campus, const FabricSpec& fabric,
                                  std::int64_t node_a, std::int64_t node_b) {
  const Tier top = tier_between_nodes(campus, fabric, node_a, node_b);
  if (top == Tier::scaleup) return fabric.scaleup_bandwidth_bytes_per_s;
  // A path that reaches a tier also runs through every tier below it.
  double bandwidth = 0.0;
  bool first = true;
  for (Tier t : {Tier::leaf, Tier::spine, Tier::core, Tier::campus}) {
    if (static_cast<int>(t) > static_cast<int>(top)) break;
    const TierSpec& s = tier_spec(fabric, t);
    const double b = s.bandwidth_bytes_per_s / s.oversubscription;
    bandwidth = first ? b : std::min(bandwidth, b);
    first = false;
  }
  return bandwidth;
}

// ---------------------------------------------------------------------------------------------

namespace {

void check_members(int p) {
  if (p < 1) throw std::invalid_argument("collective needs at least one member");
}

// (p−1)α + (p−1)/p·S/B: one pass of a ring (or p−1 pairwise rounds) moving S/p per step.
CollectiveCost ring_pass(int p, double bytes, double alpha_s, double bandwidth) {
  check_members(p);
  const double steps = p - 1;
  return {steps * alpha_s, steps / p * bytes / bandwidth};
}

}  // namespace

CollectiveCost ring_allreduce(int p, double bytes, double alpha_s, double bandwidth) {
  const CollectiveCost pass = ring_pass(p, bytes, alpha_s, bandwidth);
  return {2.0 * pass.latency_s, 2.0 * pass.bandwidth_s};
}

CollectiveCost reduce_scatter(int p, double bytes, double alpha_s, double bandwidth) {
  return ring_pass(p, bytes, alpha_s, bandwidth);
}

CollectiveCost all_gather(int p, double bytes, double alpha_s, double bandwidth) {
  return ring_pass(p, bytes, alpha_s, bandwidth);
}

CollectiveCost point_to_point(double bytes, double alpha_s, double bandwidth) {
  return {alpha_s, bytes / bandwidth};
}

CollectiveCost all_to_all(int p, double bytes, double alpha_s, double bandwidth) {
  return ring_pass(p, bytes, alpha_s, bandwidth);
}

CollectiveCost hierarchical_allreduce(int p, int d, double bytes, double intra_alpha_s,
                                      double intra_bandwidth, double inter_alpha_s,
                                      double inter_bandwidth) {
  check_members(p);
  if (d < 1 || p % d != 0)
    throw std::invalid_argument("hierarchical all-reduce: domain size " + std::to_string(d) +
                                " must divide the member count " + std::to_string(p));
  const CollectiveCost rs = reduce_scatter(d, bytes, intra_alpha_s, intra_bandwidth);
  const CollectiveCost ar = ring_allreduce(p / d, bytes / d, inter_alpha_s, inter_bandwidth);
  const CollectiveCost ag = all_gather(d, bytes, intra_alpha_s, intra_bandwidth);
  return {rs.latency_s + ar.latency_s + ag.latency_s,
          rs.bandwidth_s + ar.bandwidth_s + ag.bandwidth_s};
}

namespace {

// Smallest Σ(α_max − α_j) over a chain of `steps` consecutive links (cyclic): q whole turns plus
// the best window of r = steps mod n links. Zero when all links are equal, exactly.
double ring_deficit_s(const double* link_alpha_s, std::size_t n, std::int64_t steps,
                      double alpha_max) {
  const auto links = static_cast<std::int64_t>(n);
  const std::int64_t turns = steps / links;
  const std::int64_t rest = steps % links;
  double deficit_total = 0.0;
  for (std::size_t j = 0; j < n; ++j) deficit_total += alpha_max - link_alpha_s[j];
  double best_window = 0.0;
  if (rest > 0) {
    double window = 0.0;  // links j−rest+1 … j, cyclic; starts with j = rest−1
    for (std::int64_t j = 0; j < rest; ++j) window += alpha_max - link_alpha_s[j];
    best_window = window;
    for (std::int64_t j = rest; j < links + rest - 1; ++j) {
      window += (alpha_max - link_alpha_s[j % links]) - (alpha_max - link_alpha_s[j - rest]);
      best_window = std::min(best_window, window);
    }
  }
  return static_cast<double>(turns) * deficit_total + best_window;
}

double max_of(const double* values, std::size_t n) {
  double m = values[0];
  for (std::size_t j = 1; j < n; ++j) m = std::max(m, values[j]);
  return m;
}

}  // namespace

double ring_latency_s(const double* link_alpha_s, std::size_t n, std::int64_t steps) {
  if (n == 0) throw std::invalid_argument("ring_latency_s: empty ring");
  if (steps < 0) throw std::invalid_argument("ring_latency_s: negative step count");
  // The longest chain is steps·α_max less the smallest deficit of such a chain.
  const double alpha_max = max_of(link_alpha_s, n);
  return static_cast<double>(steps) * alpha_max - ring_deficit_s(link_alpha_s, n, steps, alpha_max);
}

RingPath ring_path(const Campus& campus, const FabricSpec& fabric, const std::int64_t* nodes,
                   std::size_t n) {
  if (n == 0) throw std::invalid_argument("ring_path: empty ring");
  RingPath path;
  path.bandwidth_bytes_per_s = fabric.scaleup_bandwidth_bytes_per_s;
  if (n == 1) return path;
  std::vector<double> alpha(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t a = nodes[i];
    const std::int64_t b = nodes[(i + 1) % n];  // the ring closes back to the first member
    const Tier tier = tier_between_nodes(campus, fabric, a, b);
    alpha[i] = link_latency_s(campus, fabric, a, b);
    path.max_link_alpha_s = std::max(path.max_link_alpha_s, alpha[i]);
    const double bw = link_bandwidth_bytes_per_s(campus, fabric, a, b);
    path.bandwidth_bytes_per_s = i == 0 ? bw : std::min(path.bandwidth_bytes_per_s, bw);
    if (static_cast<int>(tier) > static_cast<int>(path.tier)) path.tier = tier;
    if (tier == Tier::campus) ++path.campus_links;
  }
  // Per step: α_max less the chain's mean deficit (= α_max exactly when all links are equal).
  const auto steps = 2 * static_cast<std::int64_t>(n - 1);  // ring all-reduce
  path.alpha_s =
      path.max_link_alpha_s -
      ring_deficit_s(alpha.data(), n, steps, path.max_link_alpha_s) / static_cast<double>(steps);
  return path;
}

}  // namespace ct::topology
