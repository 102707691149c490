#include "twin/info.hpp"

#include <fmt/format.h>

#include <cmath>

#include "thermal/accelerator_power.hpp"
#include "topology/fabric.hpp"
#include "twin/workload.hpp"

namespace ct::twin {

namespace {

std::string si(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  int p = 0;
  while (std::fabs(v) >= 1000.0 && p < 6) v /= 1000.0, ++p;
  return fmt::format("{:.3g} {}{}", v, prefixes[p], unit);
}

std::string duration(double s) {
  if (s < 120) return fmt::format("{:.1f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  if (s < 172800) return fmt::format("{:.2f} h", s / 3600);
  return fmt::format("{:.2f} d", s / 86400);
}

}  // namespace

void print_info(const io::Scenario& sc, std::ostream& os) {
  const topology::Campus campus(sc.campus);
  const auto& acc = sc.accelerator;
  os << fmt::format("scenario       {}\n", sc.name);
  os << fmt::format(
      "campus         {} buildings, {} halls, {} racks, {} nodes, {} accelerators ({})\n",
      campus.buildings(), campus.halls(), campus.racks(), campus.nodes(), campus.accelerators(),
      acc.name);
  const double node_max_w = thermal::node_power_w(acc, acc.tdp_w * campus.accelerators_per_node());
  os << fmt::format("peak IT power  {} ({} per node, {} per rack)\n",
                    si(node_max_w * static_cast<double>(campus.nodes()), "W"), si(node_max_w, "W"),
                    si(node_max_w * campus.nodes_per_rack(), "W"));
  os << fmt::format("time           {} from {}, tick {} s, output every {} s ({} ticks)\n",
                    duration(sc.time.duration_s), sc.time.start_iso, sc.time.tick_s,
                    sc.time.output_interval_s, sc.ticks());
  os << "fabric         tier      hops  latency (one way)  bandwidth/acc\n";
  for (auto tier : {topology::Tier::leaf, topology::Tier::spine, topology::Tier::core,
                    topology::Tier::campus}) {
    const auto& t = topology::tier_spec(sc.fabric, tier);
    double fibre_m = t.cable_length_m;
    if (tier == topology::Tier::campus && campus.buildings() > 1)
      fibre_m += campus.building_distance_m(0, 1) * sc.fabric.campus_route_factor;
    const double latency = t.hops * t.hop_latency_s +
                           fibre_m * topology::FabricSpec::fibre_delay_s_per_m +
                           sc.fabric.nic_latency_s;
    os << fmt::format("               {:<8}  {:>4}  {:>10.3f} us      {}\n",
                      topology::tier_name(tier), t.hops, latency * 1e6,
                      si(t.bandwidth_bytes_per_s / t.oversubscription, "B/s"));
  }
  // Each job through its workload kind: the same placement and timings `run` uses.
  std::vector<std::int8_t> taken(campus.nodes(), 0);
  const WorkloadEnv env{sc, campus, sc.seed, sc.time.tick_s, [](double, EventKind, int) {}};
  for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
    const auto work = make_workload(*sc.jobs[j], env, static_cast<int>(j));
    work->start(work->place(taken));
    work->describe(os);
  }
}

}  // namespace ct::twin
