// The simulation engine: distributed state (racks of accelerators, struct-of-arrays, block
// distributed over MPI ranks), replicated control (jobs, facility, weather), one fixed-size
// Allreduce per tick. The only module that talks MPI besides io/'s parallel HDF5 writer.
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/hdf5_output.hpp"
#include "io/scenario.hpp"

namespace ct::twin {

struct ProgressOptions {
  bool quiet = false;
  double log_interval_wall_s = 5.0;  // wall seconds between progress lines
  bool live_line = false;            // standard error is a terminal: one line, rewritten in place
};

// Summary figures of one run, in the order they are written to /summary.
using Figures = std::vector<std::pair<std::string, double>>;

// How a run may stop early: a signal (agreed by all ranks at a tick boundary) writes a restart
// file and ends the run; restart files may also be written every `restart_every_wall_s`.
struct RunControl {
  const volatile int* stop_flag = nullptr;  // set asynchronously (signal handler)
  double restart_every_wall_s = 0.0;        // 0: never
  double stop_after_s = 0.0;                // > 0: stop (with a restart file) at this time
  double pace = 0.0;         // > 0: no faster than this many simulated seconds per wall second
  std::string restart_path;  // where restart files go ("" = none)
};

struct RunStatistics {
  double wall_s = 0.0;
  double mpi_reduce_s = 0.0;
  double output_s = 0.0;
  std::int64_t ticks = 0;
  std::int64_t local_accelerators = 0;
  // Multi-rate stepping: rack-ticks coasted and stepped on this rank.
  double coasted_rack_ticks = 0.0, stepped_rack_ticks = 0.0;
  double reduction_bytes = 0.0;      // the per-tick allreduce's message (at the run's end)
  double repeated_reductions = 0.0;  // ticks that took the last reduced result (no allreduce)
};

class Engine {
 public:
  Engine(const io::Scenario& scenario, MPI_Comm comm, std::uint64_t seed);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Run to the end. `out` may be null (ensemble replicas whose series are not stored).
  Figures run(io::OutputFile* out, const ProgressOptions& progress, const RunControl& control = {});
  // True when run() ended early on a stop signal after writing a restart file.
  bool interrupted() const;
  // Load the state saved in a restart file (after construction, before run()). Returns the
  // number of output samples and events the saved run had flushed. Collective.
  struct Resume {
    std::int64_t samples = 0, events = 0;
  };
  Resume restore(const std::string& path);
  // The resolved scenario a restart file was written for (for checking a resume command).
  static std::string restart_scenario(const std::string& path);
  const RunStatistics& statistics() const;
  // Expected interruptions of the jobs per failure class over the run so far: the failure
  // hazard integrated over the components the jobs use, under the simulated conditions
  // (replicated; what `clustertwin calibrate` fits the base rates to).
  std::array<double, faults::kFailureClassCount> expected_interruptions() const;
  // Accelerators of all jobs.
  std::int64_t job_accelerators() const;

  // Tables written once at the end of a run (/jobs_table with a queue). Collective.
  void write_tables(io::OutputFile& out) const;
  // With several sites (docs/sites.md): each site's summary figures, by site name.
  std::vector<std::pair<std::string, Figures>> site_figures() const;
  // What the engine writes: the series, rack layout of this rank, and the code tables.
  std::vector<io::SeriesSpec> series() const;
  io::RackLayout rack_layout() const;
  static std::vector<std::string> event_kind_names();
  static std::vector<std::string> component_class_names();

  struct State;  // defined in engine_state.hpp (private to twin/)

 private:
  std::unique_ptr<State> s_;
};

}  // namespace ct::twin
