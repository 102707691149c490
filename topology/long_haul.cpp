#include "topology/long_haul.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ct::topology {
namespace {

constexpr double kDegToRad = 3.14159265358979323846 / 180.0;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

bool finite_nonnegative(double x) { return std::isfinite(x) && x >= 0.0; }
bool finite_positive(double x) { return std::isfinite(x) && x > 0.0; }

}  // namespace

double great_circle_distance_m(GeoPoint a, GeoPoint b) {
  for (const GeoPoint& p : {a, b}) {
    require(p.latitude_deg >= -90.0 && p.latitude_deg <= 90.0,
            "great_circle_distance_m: latitude " + std::to_string(p.latitude_deg) +
                " is outside [-90, 90] degrees");
    require(p.longitude_deg >= -180.0 && p.longitude_deg <= 180.0,
            "great_circle_distance_m: longitude " + std::to_string(p.longitude_deg) +
                " is outside [-180, 180] degrees");
  }
  const double phi1 = a.latitude_deg * kDegToRad;
  const double phi2 = b.latitude_deg * kDegToRad;
  const double half_dphi = 0.5 * (phi2 - phi1);
  const double half_dlambda = 0.5 * (b.longitude_deg - a.longitude_deg) * kDegToRad;
  // Haversine: well conditioned for short distances; clamp h for antipodal rounding.
  const double s1 = std::sin(half_dphi);
  const double s2 = std::sin(half_dlambda);
  const double h = std::min(1.0, s1 * s1 + std::cos(phi1) * std::cos(phi2) * s2 * s2);
  return 2.0 * kEarthMeanRadiusM * std::asin(std::sqrt(h));
}

void validate(const LongHaulLink& link) {
  require(finite_nonnegative(link.distance_m), "long-haul link: distance_m must be >= 0");
  require(std::isfinite(link.route_factor) && link.route_factor >= 1.0,
          "long-haul link: route_factor must be >= 1 (fibre route / straight distance)");
  require(finite_positive(link.bandwidth_bytes_per_s),
          "long-haul link: bandwidth_bytes_per_s must be a positive number");
  require(link.hops >= 0, "long-haul link: hops must be >= 0");
  require(finite_nonnegative(link.hop_latency_s), "long-haul link: hop_latency_s must be >= 0");
  require(finite_nonnegative(link.edge_latency_s), "long-haul link: edge_latency_s must be >= 0");
}

double fibre_length_m(const LongHaulLink& link) { return link.distance_m * link.route_factor; }

double one_way_latency_s(const LongHaulLink& link) {
  return fibre_length_m(link) * LongHaulLink::fibre_delay_s_per_m + link.hops * link.hop_latency_s +
         link.edge_latency_s;
}

double transfer_time_s(const LongHaulLink& link, double bytes) {
  validate(link);
  require(finite_nonnegative(bytes), "transfer_time_s: bytes must be >= 0");
  return one_way_latency_s(link) + bytes / link.bandwidth_bytes_per_s;
}

double exposed_time_s(double total_s, double overlap_fraction, double hide_window_s) {
  return std::max((1.0 - overlap_fraction) * total_s, total_s - hide_window_s);
}

SplitCost split_allreduce_cost(const SiteSplit& split) {
  const auto k = static_cast<int>(split.sites.size());
  require(k >= 1, "site split: needs at least one site");
  const auto expected_links = static_cast<std::size_t>(k == 1 ? 0 : (k == 2 ? 1 : k));
  require(split.links.size() == expected_links,
          "site split: " + std::to_string(k) + " sites need " + std::to_string(expected_links) +
              " ring link(s), got " + std::to_string(split.links.size()));
  require(finite_nonnegative(split.bytes), "site split: bytes must be >= 0");
  require(split.concurrent_groups >= 1, "site split: concurrent_groups must be >= 1");
  require(split.overlap_fraction >= 0.0 && split.overlap_fraction <= 1.0,
          "site split: overlap_fraction must be in [0, 1]");
  require(!std::isnan(split.hide_window_s) && split.hide_window_s >= 0.0,
          "site split: hide_window_s must be >= 0 (or infinite)");
  int members = 0;
  for (int s = 0; s < k; ++s) {
    const SiteGroup& g = split.sites[static_cast<std::size_t>(s)];
    const std::string where = "site split: sites[" + std::to_string(s) + "].";
    require(g.replicas >= 1, where + "replicas must be >= 1");
    require(finite_nonnegative(g.intra_alpha_s), where + "intra_alpha_s must be >= 0");
    require(finite_positive(g.intra_bandwidth_bytes_per_s),
            where + "intra_bandwidth_bytes_per_s must be a positive number");
    require(finite_positive(g.member_bandwidth_bytes_per_s),
            where + "member_bandwidth_bytes_per_s must be a positive number");
    members += g.replicas;
  }
  for (const LongHaulLink& link : split.links) validate(link);

  const double S = split.bytes;
  SplitCost c;
  const SiteGroup& first = split.sites.front();
  c.single_site =
      ring_allreduce(members, S, first.intra_alpha_s, first.intra_bandwidth_bytes_per_s);

  // 1 and 3: each site reduce-scatters (and later all-gathers) over its own members; the sites
  // run in parallel, so the slowest counts.
  for (const SiteGroup& g : split.sites) {
    const CollectiveCost rs =
        reduce_scatter(g.replicas, S, g.intra_alpha_s, g.intra_bandwidth_bytes_per_s);
    if (rs.total_s() > c.reduce_scatter.total_s()) c.reduce_scatter = rs;
  }
  c.all_gather = c.reduce_scatter;  // same pass, same cost

  if (k >= 2) {
    // 2: the k-site ring. Per-link latencies in ring order (k = 2: the link both ways).
    std::vector<double> alphas;
    double link_bandwidth = 0.0;
    for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j) {
      const LongHaulLink& link = split.links[k == 2 ? 0 : j];
      alphas.push_back(one_way_latency_s(link));
      link_bandwidth = j == 0 ? link.bandwidth_bytes_per_s
                              : std::min(link_bandwidth, link.bandwidth_bytes_per_s);
    }
    c.long_haul_alpha_s = *std::max_element(alphas.begin(), alphas.end());
    double member_bandwidth = 0.0;  // the smallest site's aggregate injection
    for (const SiteGroup& g : split.sites) {
      const double site_bandwidth = g.replicas * g.member_bandwidth_bytes_per_s;
      member_bandwidth =
          member_bandwidth == 0.0 ? site_bandwidth : std::min(member_bandwidth, site_bandwidth);
    }
    const double link_share = link_bandwidth / split.concurrent_groups;
    c.link_bound = link_share <= member_bandwidth;
    c.inter_bandwidth_bytes_per_s = std::min(link_share, member_bandwidth);
    const double crossings = 2.0 * (k - 1) / k;  // times each byte crosses each link
    c.inter_site.latency_s =
        ring_latency_s(alphas.data(), alphas.size(), static_cast<std::int64_t>(2 * (k - 1)));
    c.inter_site.bandwidth_s = crossings * S / c.inter_bandwidth_bytes_per_s;
    c.bytes_per_link_direction = crossings * S * split.concurrent_groups;
  }

  c.total.latency_s = c.reduce_scatter.latency_s + c.inter_site.latency_s + c.all_gather.latency_s;
  c.total.bandwidth_s =
      c.reduce_scatter.bandwidth_s + c.inter_site.bandwidth_s + c.all_gather.bandwidth_s;
  c.exposed_s = exposed_time_s(c.total.total_s(), split.overlap_fraction, split.hide_window_s);
  c.single_site_exposed_s =
      exposed_time_s(c.single_site.total_s(), split.overlap_fraction, split.hide_window_s);
  c.added_per_step_s = k == 1 ? 0.0 : c.exposed_s - c.single_site_exposed_s;
  return c;
}

}  // namespace ct::topology
