#include "twin/info.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "faults/checkpoint.hpp"
#include "faults/failure_classes.hpp"
#include "thermal/accelerator_power.hpp"
#include "topology/fabric.hpp"
#include "twin/memory_estimate.hpp"
#include "workload/placement.hpp"
#include "workload/step_time.hpp"

namespace ct::twin {

namespace {

std::string si(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  int p = 0;
  while (std::fabs(v) >= 1000.0 && p < 6) v /= 1000.0, ++p;
  return fmt::format("{:.3g} {}{}", v, prefixes[p], unit);
}

std::string duration(double s) {
  if (!std::isfinite(s)) return "never";
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
  {
    // What `run` checks before allocating (twin/memory_estimate.hpp), on one rank.
    const double samples =
        std::clamp(std::floor(sc.output.flush_interval_s / sc.time.output_interval_s), 1.0,
                   std::max(1.0, static_cast<double>(sc.ticks() / sc.ticks_per_output())));
    const auto m = estimate_memory(sc, 1, 0, static_cast<std::int64_t>(samples), false);
    const auto r = estimate_memory(sc, 1, 0, static_cast<std::int64_t>(samples), true);
    os << fmt::format(
        "memory         about {} on one rank ({} per accelerator); rank 0 needs {} more to "
        "write a restart file\n",
        si(m.total(), "B"),
        si(m.distributed_bytes / static_cast<double>(campus.accelerators()), "B"),
        si(r.restart_bytes, "B"));
  }
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
  std::vector<std::int8_t> taken(campus.nodes(), 0);
  for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
    const auto& job = sc.jobs[j];
    const auto placement = workload::place_job(campus, sc.fabric, job, taken);
    const auto b = workload::step_breakdown(job, placement, campus, sc.fabric);
    os << fmt::format("\njob {}: {} accelerators (TP {} x PP {} x DP {}), {} spare nodes\n",
                      job.name, job.accelerators(), job.parallel.tp, job.parallel.pp,
                      job.parallel.dp, placement.spares.size());
    os << fmt::format("  compute per step      {:.4f} s (full clock, efficiency {})\n", b.compute_s,
                      job.efficiency);
    os << fmt::format("  pipeline bubble       {:.4f} s\n", b.bubble_s);
    os << fmt::format("  exposed communication {:.4f} s\n", b.exposed_comm_s);
    os << fmt::format("  step time             {:.4f} s  (MFU {:.1f}%)\n", b.step_s,
                      100.0 * workload::model_flops_utilization(job, b.step_s));
    os << "  collective      tier      members  calls/step  alpha (us)  latency (s)  bandwidth (s) "
          " exposed (s)\n";
    for (const auto& c : b.collectives)
      os << fmt::format(
          "  {:<14}  {:<8}  {:>7}  {:>10.0f}  {:>10.3f}  {:>11.6f}  {:>13.6f}  {:>11.6f}\n", c.name,
          topology::tier_name(c.tier), c.members, c.calls_per_step, c.alpha_s * 1e6, c.latency_s,
          c.bandwidth_s, c.exposed_s);
    // Failures and checkpoints.
    faults::ComponentCounts counts;
    counts.accelerators = job.accelerators();
    counts.nodes = static_cast<std::int64_t>(placement.nodes.size());
    std::set<std::int64_t> racks, halls;
    for (auto n : placement.nodes) {
      racks.insert(campus.rack_of_node(n));
      halls.insert(campus.hall_of_rack(campus.rack_of_node(n)));
    }
    counts.racks = static_cast<std::int64_t>(racks.size());
    counts.spine_switches = static_cast<std::int64_t>(halls.size());
    counts.job_accelerators = counts.accelerators;
    const double rate =
        sc.faults.enabled ? faults::expected_failure_rate_per_s(sc.faults.model, counts) : 0.0;
    const double m = rate > 0 ? 1.0 / rate : INFINITY;
    const auto& cp = sc.checkpoints[j];
    const double size = faults::checkpoint_size_bytes(job.model.parameters, cp.bytes_per_parameter);
    const double write_s =
        faults::checkpoint_write_time_s(size, cp.storage_write_bandwidth_bytes_per_s);
    const double snapshot_s =
        size / static_cast<double>(job.accelerators()) / cp.snapshot_bandwidth_bytes_per_s;
    const double delta = cp.asynchronous ? snapshot_s : write_s;
    const double load_s = size / cp.storage_read_bandwidth_bytes_per_s;
    const double r = sc.faults.recovery.detection_s + sc.faults.recovery.restart_s + load_s;
    os << fmt::format("  expected MTBF M       {} (unplanned, nominal conditions)\n", duration(m));
    os << fmt::format(
        "  checkpoint            {} ({} per parameter), write {}, {} stall delta {}\n",
        si(size, "B"), cp.bytes_per_parameter, duration(write_s),
        cp.asynchronous ? "asynchronous" : "synchronous", duration(delta));
    os << fmt::format("  restart R             {} (detection {} + restart {} + load {})\n",
                      duration(r), duration(sc.faults.recovery.detection_s),
                      duration(sc.faults.recovery.restart_s), duration(load_s));
    if (std::isfinite(m)) {
      const double young = faults::young_interval_s(delta, m);
      const double daly = faults::daly_interval_s(delta, m);
      os << fmt::format("  interval              Young {}, Daly {}; expected ETTR at Daly {:.4f}\n",
                        duration(young), duration(daly), faults::expected_ettr(daly, delta, r, m));
    }
  }
}

}  // namespace ct::twin
