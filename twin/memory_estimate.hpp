// How much memory a run needs on each rank, stated before anything is allocated, and how much
// a rank may have (MemAvailable shared by the node's ranks, the cgroup limit of a Slurm job,
// ulimit -v/-d). A campus too large for its ranks is refused with exit status 2 and the figures,
// instead of dying with std::bad_alloc (or the OOM killer) after minutes of set-up.
//
// The figures follow the engine's state (twin/engine_state.hpp: struct-of-arrays per local
// accelerator, node and rack; replicated per-node and per-job tables; the output buffers of one
// flush; rank 0 gathers every distributed array to write a restart file). Keep them in step
// when the state grows; they err on the high side by design.
#pragma once

#include <cstdint>
#include <string>

#include "io/scenario.hpp"

namespace ct::twin {

struct MemoryEstimate {
  double distributed_bytes = 0;  // this rank's accelerators, nodes and racks
  double replicated_bytes = 0;   // every rank: per-node roles, placements, rack metadata
  double output_bytes = 0;       // one flush of output buffers
  double restart_bytes = 0;      // rank 0: the gathered global state when writing a restart file
  double total() const {
    return distributed_bytes + replicated_bytes + output_bytes + restart_bytes;
  }
};

// Bytes per accelerator, node and rack of the distributed state (engine_state.hpp).
inline constexpr double kBytesPerAccelerator = 80;  // 64 today, with room
inline constexpr double kBytesPerNode = 40;
inline constexpr double kBytesPerRack = 128;

// The need of rank `rank` of `ranks` (its block of racks; rank 0 also writes restart files when
// `restartable`). `flush_samples`: output samples buffered between flushes.
MemoryEstimate estimate_memory(const io::Scenario& sc, int ranks, int rank,
                               std::int64_t flush_samples, bool restartable);

// What one process may use: the smallest of MemAvailable / ranks_on_node, the memory cgroup's
// limit (less its current use) / ranks_on_node, and RLIMIT_AS / RLIMIT_DATA. `source` names
// the binding limit. Infinite when nothing is known.
struct MemoryBudget {
  double bytes = 0;
  std::string source;
};
MemoryBudget memory_budget(int ranks_on_node);

// "" when `need` fits `budget`, else the message (without file name; exit status 2).
std::string memory_problem(const MemoryEstimate& need, const MemoryBudget& budget, int rank,
                           int ranks, std::int64_t accelerators);

}  // namespace ct::twin
