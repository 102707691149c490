// What every accelerator of one job does in one tick: the only view of a workload that the
// per-accelerator kernel has. A workload kind (twin/workload.hpp) fills one JobTick per job per
// tick; the kernel, its per-node fast path and the benchmarks all turn it into a unit's mean
// activity and its category times and energies with the functions below, so there is one
// copy of that arithmetic. Plain C++: no MPI.
//
// A tick is cut into phases, each a share of time in one accounting category at one activity
// (P = P_idle + activity·D(φ), D(φ) the dynamic power at the unit's clock):
//   running phases  shares of the running time run_f·Δt; the in-iteration thermal cycle runs
//                   during them. A `paced` phase is work paced by the job's slowest member: a
//                   unit at clock φ > φ_slowest finishes its share early, keeps
//                   share·min(1, φ_slowest/φ) in the phase's category and waits the rest in
//                   `straggler_wait` at straggler_activity.
//   stalled phases  shares of the whole tick (checkpoint stall, recovery, waiting, idle).
// Mean activity over the tick: a = run_f·A_run + (1 − run_f)·A_stall, with A_run the
// share-weighted activity of the running phases (shares of equal activity summed first) and
// A_stall the activity of the stalled phases (shares of the tick when they differ).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "twin/accounting.hpp"

namespace ct::twin {

inline constexpr int kMaxPhases = 8;

struct Phase {
  Category category = unallocated;
  bool running = false;
  bool paced = false;
  double share = 0.0;  // of the running time (running phases) or of the tick (stalled phases)
  double activity = 0.0;
};

struct JobTick {
  double run_f = 0.0;  // share of the tick in running phases
  int phases = 0;
  std::array<Phase, kMaxPhases> phase{};
  double slowest_clock = 1.0;       // the job's slowest member at the previous tick
  double clock_request = 1.0;       // highest clock ratio the work asks for (≤ 1)
  double straggler_activity = 0.0;  // a unit waiting for the slowest member
  // In-iteration thermal cycling while running: half the peak-to-peak swing per (R · W of
  // dynamic power, for fatigue), and its period (one cycle per step).
  double half_swing_per_r = 0.0;
  double step_s = 1.0;
  // Peak of that ripple above the mean junction, per (R · W of dynamic power): the DVFS
  // governor keeps mean + this under the slowdown temperature (exact for the RC under a square
  // wave, thermal/junction.hpp ripple_peak_k_per_w).
  double ripple_peak_per_r = 0.0;
  // Mean activity while running at the slowest clock (power smoothing holds stalls to a floor of
  // it); set by the workload.
  double running_activity = 0.0;
  // The running phases alternate much faster than a power limiter averages (milliseconds, as
  // inference iterations do): the cap then applies to their share-weighted mean activity
  // instead of the hottest phase's.
  bool interleaved = false;

  void clear() { *this = JobTick{}; }
  void add_running(Category c, double share, double activity, bool paced = false) {
    phase[phases++] = Phase{c, true, paced, share, activity};
  }
  void add_stalled(Category c, double share, double activity) {
    phase[phases++] = Phase{c, false, false, share, activity};
  }
  // Power smoothing: stalled phases keep at least this activity.
  void raise_stalled_activity(double floor) {
    for (int p = 0; p < phases; ++p)
      if (!phase[p].running) phase[p].activity = std::max(phase[p].activity, floor);
  }
  // The activity of the hottest phase (the power cap applies to it); for interleaved running
  // phases, their share-weighted mean.
  double peak_activity() const {
    if (interleaved && run_f > 0.0) {
      double mean = 0.0, shares = 0.0;
      for (int p = 0; p < phases; ++p)
        if (phase[p].running) mean += phase[p].share * phase[p].activity, shares += phase[p].share;
      return shares > 0.0 ? mean / shares : 0.0;
    }
    double peak = 0.0;
    for (int p = 0; p < phases; ++p)
      if (phase[p].running == (run_f > 0.0)) peak = std::max(peak, phase[p].activity);
    return peak;
  }
  // Activity of the stalled time (stalled phases, or the last stalled phase's level when they
  // all share one: the shares then sum to 1 − run_f by construction).
  double stalled_activity() const {
    double level = 0.0;
    for (int p = 0; p < phases; ++p)
      if (!phase[p].running) level = phase[p].activity;
    return level;
  }
};

namespace detail {
// Σ share·level over (level, share) entries, equal levels summed first (in order of first
// appearance), then each group's sum times its level, in that order.
struct LevelSums {
  std::array<double, 2 * kMaxPhases> level{}, sum{};
  int n = 0;
  void add(double lvl, double share) {
    for (int i = 0; i < n; ++i)
      if (level[i] == lvl) {
        sum[i] += share;
        return;
      }
    level[n] = lvl;
    sum[n++] = share;
  }
  double total() const {
    double t = 0.0;
    for (int i = 0; i < n; ++i) t += sum[i] * level[i];
    return t;
  }
};
}  // namespace detail

// Share a paced phase keeps at clock φ (the rest of its share the unit waits).
inline double paced_share(const JobTick& jt, double share, double clock_ratio) {
  return share * std::min(1.0, jt.slowest_clock / clock_ratio);
}

// Mean activity over the tick of a unit at clock φ (the governor's input: it sets T_ss).
inline double mean_activity(const JobTick& jt, double clock_ratio) {
  detail::LevelSums run;
  for (int p = 0; p < jt.phases; ++p) {
    const Phase& ph = jt.phase[p];
    if (!ph.running) continue;
    if (ph.paced) {
      const double own = paced_share(jt, ph.share, clock_ratio);
      run.add(ph.activity, own);
      run.add(jt.straggler_activity, ph.share - own);
    } else {
      run.add(ph.activity, ph.share);
    }
  }
  detail::LevelSums stall;
  bool one_level = true;
  double level = 0.0;
  int stalled = 0;
  for (int p = 0; p < jt.phases; ++p) {
    const Phase& ph = jt.phase[p];
    if (ph.running) continue;
    if (stalled++ > 0 && ph.activity != level) one_level = false;
    level = ph.activity;
    stall.add(ph.activity, ph.share);
  }
  const double a_stall =
      one_level ? (1.0 - jt.run_f) * level : stall.total();  // shares of the tick when they differ
  return jt.run_f * run.total() + a_stall;
}

// A unit's tick at clock φ with dynamic power D(φ) = dynamic_w: seconds and joules per category
// (added to time_s / energy_j, which the caller zeroes), and the unit's energy over the tick
// (Σ energy_j). The one copy of this arithmetic: the per-unit governor path, the per-node fast
// path and the benchmarks call it.
template <class Array>
inline double split_unit_tick(const JobTick& jt, double clock_ratio, double dynamic_w,
                              double idle_w, double dt_s, Array& time_s, Array& energy_j) {
  const double run_s = jt.run_f * dt_s;
  const double p_wait_w = idle_w + jt.straggler_activity * dynamic_w;
  for (int p = 0; p < jt.phases; ++p) {
    const Phase& ph = jt.phase[p];
    const double p_w = idle_w + ph.activity * dynamic_w;
    if (!ph.running) {
      const double t = ph.share * dt_s;
      time_s[ph.category] += t;
      energy_j[ph.category] += p_w * t;
    } else if (ph.paced) {
      const double own = paced_share(jt, ph.share, clock_ratio);
      const double t = run_s * own, wait = run_s * (ph.share - own);
      time_s[ph.category] += t;
      energy_j[ph.category] += p_w * t;
      time_s[straggler_wait] += wait;
      energy_j[straggler_wait] += p_wait_w * wait;
    } else {
      const double t = run_s * ph.share;
      time_s[ph.category] += t;
      energy_j[ph.category] += p_w * t;
    }
  }
  double total_j = 0.0;
  for (int c = 0; c < kCategoryCount; ++c) total_j += energy_j[c];
  return total_j;
}

}  // namespace ct::twin
