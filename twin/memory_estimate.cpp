#include "twin/memory_estimate.hpp"

#include <sys/resource.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "io/input_file.hpp"
#include "topology/campus.hpp"
#include "twin/workloads/training.hpp"

namespace ct::twin {

MemoryEstimate estimate_memory(const io::Scenario& sc, int ranks, int rank,
                               std::int64_t flush_samples, bool restartable) {
  const topology::Campus campus(sc.campus);
  const auto block = topology::rack_block(campus.racks(), ranks, rank);
  const double racks = static_cast<double>(campus.racks());
  const double nodes = static_cast<double>(campus.nodes());
  const double local_racks = static_cast<double>(block.rack_count);
  const double npr = campus.nodes_per_rack();
  const double apn = campus.accelerators_per_node();
  MemoryEstimate m;
  m.distributed_bytes =
      local_racks * (kBytesPerRack + npr * (kBytesPerNode + apn * kBytesPerAccelerator));
  // Replicated: the campus tables (rack → hall, index), node owner and role, the output's rack
  // metadata (and its 64-bit copies while the file is created), spine state per hall, and each
  // job's placement (8 bytes per node, ring and pipeline boundary lists).
  // Plus the process itself (MPI, HDF5 and their buffers): 64 MiB.
  m.replicated_bytes = 64.0 * 1024 * 1024 + racks * (8 + 12 + 4 * 8) + nodes * 3 +
                       static_cast<double>(campus.halls()) * 12;
  // A training job: 8 bytes per node of the job and per spare, its ring and pipeline
  // boundary lists. Other kinds: a node list at most as long as the campus's, counted as 1 MiB
  // (they hold a few nodes today).
  for (const auto& job : sc.jobs) {
    if (const auto* t = dynamic_cast<const TrainingConfig*>(job.get())) {
      const auto& par = t->spec.parallel;
      const double acc = static_cast<double>(par.tp) * par.pp * par.dp;
      m.replicated_bytes += 8.0 * (acc / apn + static_cast<double>(t->spec.spare_nodes)) +
                            24.0 * par.dp * (par.pp + 1);
    } else {
      m.replicated_bytes += 1024.0 * 1024.0;
    }
  }
  // Output: the rack series of one flush (4 series of 8 bytes per local rack per sample).
  const double samples =
      std::min(static_cast<double>(flush_samples),
               static_cast<double>(sc.ticks()) /
                   static_cast<double>(std::max<std::int64_t>(1, sc.ticks_per_output())));
  m.output_bytes = samples * (local_racks * 4 * 8 + 64 * 8) + 8 * 1024 * 1024;
  // Rank 0 gathers every distributed array (and the replicated tables) to write a restart file.
  if (restartable && rank == 0)
    m.restart_bytes =
        racks * (kBytesPerRack + npr * (kBytesPerNode + apn * kBytesPerAccelerator)) + nodes * 3;
  return m;
}

namespace {

// Bytes of a "Name:   123 kB" line of /proc/meminfo, or NaN.
double meminfo_bytes(const std::string& name) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(name.size() + 1));
    double kb = 0;
    if (fields >> kb) return kb * 1024.0;
  }
  return std::nan("");
}

double read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nan("");
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return std::nan("");
  }
}

// The memory cgroup's limit less its current use (v2, else v1), or NaN.
double cgroup_free_bytes() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    double limit = std::nan(""), used = 0;
    if (line.rfind("0::", 0) == 0) {
      limit = read_number("/sys/fs/cgroup" + path + "/memory.max");
      used = read_number("/sys/fs/cgroup" + path + "/memory.current");
    } else if (controllers.find("memory") != std::string::npos) {
      limit = read_number("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes");
      used = read_number("/sys/fs/cgroup/memory" + path + "/memory.usage_in_bytes");
    }
    // v1 reports "no limit" as a huge number.
    if (std::isfinite(limit) && limit < 1e18) return limit - (std::isfinite(used) ? used : 0);
  }
  return std::nan("");
}

}  // namespace

MemoryBudget memory_budget(int ranks_on_node) {
  MemoryBudget b{std::numeric_limits<double>::infinity(), "no limit known"};
  const double per = std::max(1, ranks_on_node);
  auto consider = [&](double bytes, const std::string& source) {
    if (std::isfinite(bytes) && bytes < b.bytes) b = MemoryBudget{std::max(0.0, bytes), source};
  };
  const std::string share =
      ranks_on_node > 1 ? " shared by the " + std::to_string(ranks_on_node) + " ranks on this node"
                        : "";
  consider(meminfo_bytes("MemAvailable") / per, "MemAvailable of /proc/meminfo" + share);
  consider(cgroup_free_bytes() / per, "the memory cgroup's limit (e.g. Slurm --mem)" + share);
  for (const auto& [resource, name] :
       {std::pair{RLIMIT_AS, "ulimit -v"}, std::pair{RLIMIT_DATA, "ulimit -d"}}) {
    struct rlimit r {};
    if (getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
      consider(static_cast<double>(r.rlim_cur), name);
  }
  return b;
}

std::string memory_problem(const MemoryEstimate& need, const MemoryBudget& budget, int rank,
                           int ranks, std::int64_t accelerators) {
  if (!(need.total() > budget.bytes)) return "";
  using io::format_bytes;
  std::string msg = "the scenario needs about " + format_bytes(need.total()) +
                    " of memory on rank " + std::to_string(rank) + " of " + std::to_string(ranks) +
                    " (" + format_bytes(need.distributed_bytes) + " for its share of the " +
                    std::to_string(accelerators) + " accelerators, " +
                    format_bytes(need.replicated_bytes) + " replicated on every rank, " +
                    format_bytes(need.output_bytes) + " of output buffers";
  if (need.restart_bytes > 0)
    msg += ", " + format_bytes(need.restart_bytes) + " to gather a restart file";
  msg += "), but a rank here may have " + format_bytes(budget.bytes) + " (" + budget.source + ")";
  // The state and output buffers shrink with more ranks; the replicated tables and rank 0's
  // restart gather do not.
  const double fixed = need.replicated_bytes + need.restart_bytes;
  const double scalable = need.distributed_bytes + need.output_bytes;
  if (fixed < budget.bytes && scalable > 0) {
    const double factor = scalable / (budget.bytes - fixed);
    msg += "; spread it over at least " +
           std::to_string(static_cast<long long>(std::ceil(factor * ranks))) +
           " ranks of this size, or shrink the campus";
  } else {
    msg += "; shrink the campus (what does not shrink with more ranks, the replicated tables" +
           std::string(need.restart_bytes > 0 ? " and the restart gather on rank 0," : "") +
           " alone exceeds it)";
  }
  return msg + " (set CLUSTERTWIN_MEMORY_CHECK=0 to run anyway)";
}

}  // namespace ct::twin
