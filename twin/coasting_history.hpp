// The multi-rate step history's record of a tick with stretches (twin/README.md, "Multi-rate
// stepping"): what the kernel's tick with stretches reads of a job slot's FastTick, as doubles,
// written when the step is recorded (coasting.cpp) and read by the replay (coasting_replay.cpp).
#pragma once

#include <algorithm>
#include <cstddef>

#include "twin/engine_state.hpp"

namespace ct::twin {

// What a tick with stretches reads of its job's FastTick besides the RC-step and node powers,
// with the job's running share and its node power at the last tick's end, as kStretchWords
// doubles (replicated history, restart file).
enum StretchWord : std::size_t {
  kDynamic,
  kRunActivity,
  kStallActivity,
  kNodeRun,
  kNodeStall,
  kFollows,
  kEndRunning,
  kRunShare,
  kEndNodePower,
  kBoundaries,
  kFirstRunning,
  kLastRunning,
  kEndRunWeight,
  kPerBoundary
};
static_assert(Coasting::kStretchWords == kPerBoundary + 5 * kMaxSegments);

inline void encode_stretch(const FastTick& ft, double run_f, double end_node_power_w, double* w) {
  std::fill(w, w + Coasting::kStretchWords, 0.0);
  w[kDynamic] = ft.dynamic_w, w[kRunActivity] = ft.run_activity;
  w[kStallActivity] = ft.stall_activity, w[kNodeRun] = ft.node_power_run_w;
  w[kNodeStall] = ft.node_power_stall_w, w[kFollows] = ft.inlet_follows;
  w[kEndRunning] = ft.end_running, w[kRunShare] = run_f, w[kEndNodePower] = end_node_power_w;
  const TickTrajectory& tr = ft.traj;
  w[kBoundaries] = tr.boundaries, w[kFirstRunning] = tr.first_running;
  w[kLastRunning] = tr.last_running, w[kEndRunWeight] = tr.end_run_w;
  for (int b = 0; b < tr.boundaries; ++b) {
    double* at = w + kPerBoundary + 5 * b;
    at[0] = tr.time_f[b], at[1] = tr.decay[b], at[2] = tr.run_w[b], at[3] = tr.stall_w[b];
    at[4] = tr.running_before[b];
  }
}

// The FastTick of a recorded tick with stretches, as far as the kernel's step and cycle counter
// read it for units at the job's clock.
inline void decode_stretch(const double* w, double thermal_power_w, double node_power_w,
                           FastTick& ft) {
  ft = FastTick{};
  ft.thermal_power_w = thermal_power_w, ft.node_power_w = node_power_w;
  ft.dynamic_w = w[kDynamic], ft.run_activity = w[kRunActivity];
  ft.stall_activity = w[kStallActivity], ft.node_power_run_w = w[kNodeRun];
  ft.node_power_stall_w = w[kNodeStall], ft.inlet_follows = w[kFollows] != 0.0;
  ft.end_running = w[kEndRunning] != 0.0;
  TickTrajectory& tr = ft.traj;
  tr.boundaries = static_cast<int>(w[kBoundaries]);
  tr.first_running = w[kFirstRunning] != 0.0, tr.last_running = w[kLastRunning] != 0.0;
  tr.end_run_w = w[kEndRunWeight];
  for (int b = 0; b < tr.boundaries; ++b) {
    const double* at = w + kPerBoundary + 5 * b;
    tr.time_f[b] = at[0], tr.decay[b] = at[1], tr.run_w[b] = at[2], tr.stall_w[b] = at[3];
    tr.running_before[b] = at[4] != 0.0;
  }
}

}  // namespace ct::twin
