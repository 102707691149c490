// The benchmark's fleet and kernels (kernels_bench.cpp): one rank's struct-of-arrays fleet with
// realistic inputs, and loops with the shape of the engine's per-tick kernel, accounting and
// hazard update (twin/fleet_kernel.cpp, twin/hazard_update.cpp) calling the same physics
// functions (thermal/, faults/).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "faults/failure_classes.hpp"
#include "faults/hazard.hpp"
#include "thermal/accelerator_catalog.hpp"
#include "thermal/accelerator_power.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/job_tick.hpp"

namespace ct::bench {

namespace thermal = ct::thermal;
namespace faults = ct::faults;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kApn = 8;  // accelerators per node
constexpr std::int64_t kNpr = 4;  // nodes per rack
constexpr std::int64_t kApr = kApn * kNpr;
constexpr int kCategories = ct::twin::kCategoryCount;
using ct::twin::JobTick;

struct Pending {
  double time_s;
  std::int64_t key;
  std::int32_t failure_class;
};

// One rank's fleet, with realistic inputs: supply air 24 °C, most racks' inlets 24–30 °C so most
// units run at full clock, and one rack in ten on a hot spot (+12 K) where the hottest units
// throttle; 1 node in 32 is a spare (not in the job); per-unit R lognormal around 0.075 K/W.
struct Fleet {
  std::int64_t n = 0, racks = 0, nodes = 0;
  thermal::AcceleratorSpec spec;
  thermal::AirRackSpec air{};
  faults::FailureModel model;
  faults::ScopeHazardTable acc_table, node_table, rack_table;
  double dt = 1.0, decay = 0.0, a_comm = 0.3, hysteresis = 10.0, cap_w = 700.0;
  JobTick job, idle;
  // per accelerator
  std::vector<double> junction_c, resistance_k_per_w, clock_ratio;
  std::vector<thermal::CycleState> cycles;
  std::vector<float> cycle_turn_s, cycle_damage_ref_s, acc_life_start_s;
  std::vector<double> acc_hazard, acc_threshold;
  std::vector<std::uint32_t> acc_life;
  // per node / rack
  std::vector<std::uint8_t> node_in_job;
  std::vector<double> node_hazard, node_threshold, rack_hazard, rack_threshold;
  std::vector<std::uint32_t> node_life, rack_life;
  std::vector<float> node_life_start_s, rack_life_start_s;
  std::vector<double> rack_power_w, rack_inlet_c, rack_hot_k;
  std::vector<double> racc_power, racc_inlet, racc_max_junction, racc_throttled;
  std::vector<Pending> pending;
  std::array<std::int64_t, 64> sums{};
  double supply_c = 24.0;

  explicit Fleet(std::int64_t count);

  double inlet_of(std::int64_t r, std::int64_t k) const {
    return thermal::air_inlet_c(air, supply_c + rack_hot_k[static_cast<std::size_t>(r)],
                                (static_cast<double>(k) + 0.5) / static_cast<double>(kNpr),
                                rack_power_w[static_cast<std::size_t>(r)], 0.0);
  }
};

struct TickOut {
  std::int64_t throttled = 0;
  double max_junction = -kInf;
};

// thermal/DVFS (with_accounting = false) or the fused tick (true). Follows
// Engine::State::kernel statement by statement; the accounting half is compiled out when false.
template <bool with_accounting>
TickOut tick(Fleet& f, double t0_s);

// Per-category time and energy of each accelerator, node overhead shared out, per-rack
// fixed-point sums; returns a checksum.
double accounting(Fleet& f);

// The periodic hazard update over the fleet's accelerators, nodes and racks.
void hazard(Fleet& f, double t0_s, double window_s);

}  // namespace ct::bench
