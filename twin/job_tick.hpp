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
#include <cmath>
#include <cstdint>

#include "twin/accounting.hpp"

namespace ct::twin {

inline constexpr int kMaxPhases = 8;
// Stretches of a tick in time order (alternating running and stalled) that a JobTick can carry.
inline constexpr int kMaxSegments = 16;

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
  // Time order of the tick, when the workload knows it: alternating running and stalled
  // stretches (shares of the tick, summing to 1), the first one running if first_running. The
  // kernel uses it for the exact junction trajectory inside the tick (large thermal cycles of
  // stalls shorter than a tick, and the end-of-tick temperature); without it (segments == 0)
  // the tick is one stretch at its mean activity. Job-scope failures use it to place the
  // instant at which the running time reaches their hazard threshold.
  int segments = 0;
  bool first_running = false;
  std::array<double, kMaxSegments> segment_f{};
  // The running phases alternate much faster than a power limiter averages (milliseconds, as
  // inference iterations do): the cap then applies to their share-weighted mean activity
  // instead of the hottest phase's.
  bool interleaved = false;

  void clear() { *this = JobTick{}; }
  bool segment_running(int s) const { return (s % 2 == 0) == first_running; }
  // Appends a stretch (merged with the previous one of the same kind). Beyond kMaxSegments the
  // share is added to the last stretch of its kind (more than 8 stalls in one tick: their order
  // inside the tick is then approximate).
  void add_segment(double share, bool running) {
    if (!(share > 0.0)) return;
    if (segments == 0) {
      first_running = running;
      segment_f[segments++] = share;
    } else if (segment_running(segments - 1) == running) {
      segment_f[segments - 1] += share;
    } else if (segments < kMaxSegments) {
      segment_f[segments++] = share;
    } else {
      segment_f[segments - 2] += share;
    }
  }
  // The running time of the tick before the instant x (shares of the tick); uniform without
  // segments.
  double running_before_f(double x) const {
    if (segments == 0) return run_f * std::clamp(x, 0.0, 1.0);
    double at = 0.0, ran = 0.0;
    for (int s = 0; s < segments && at < x; ++s) {
      if (segment_running(s)) ran += std::min(segment_f[s], x - at);
      at += segment_f[s];
    }
    return ran;
  }
  // The instant (as a share of the tick from its start) at which the running time of the tick
  // reaches run_share (a share of the tick, ≤ run_f); uniform over the tick without segments.
  double running_instant_f(double run_share) const {
    if (segments == 0) return run_f > 0.0 ? std::min(run_share / run_f, 1.0) : 1.0;
    double at = 0.0, ran = 0.0;
    for (int s = 0; s < segments; ++s) {
      if (segment_running(s)) {
        if (ran + segment_f[s] >= run_share) return at + (run_share - ran);
        ran += segment_f[s];
      }
      at += segment_f[s];
    }
    return 1.0;
  }
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

// Share-weighted activity of the running phases at clock φ (a paced phase's waiting part at the
// straggler activity).
inline double running_activity_at(const JobTick& jt, double clock_ratio) {
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
  return run.total();
}

// Activity of the stalled time (share-weighted over the stalled phases).
inline double stalled_activity_level(const JobTick& jt) {
  double level_sum = 0.0, share_sum = 0.0;
  for (int p = 0; p < jt.phases; ++p) {
    const Phase& ph = jt.phase[p];
    if (ph.running) continue;
    level_sum += ph.share * ph.activity;
    share_sum += ph.share;
  }
  return share_sum > 0.0 ? level_sum / share_sum : jt.stalled_activity();
}

// Mean activity over the tick of a unit at clock φ (its energy).
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

// The junction trajectory inside a tick whose time order is known (JobTick segments), for the RC
// τ dT/dt = T_in + R·P − T with P = P_idle + A·D constant within each stretch (A = the running
// activity A_run(φ) or the stalled activity A_stall). After stretches 0..b (boundary b, at
// time_f[b] of the tick), exactly:
//   T_b = decay[b]·T_0 + (1 − decay[b])·(T_in + R·P_idle) + R·D·(run_w[b]·A_run +
//   stall_w[b]·A_stall)
// with decay[b] = e^{−t_b/τ} and run_w/stall_w the sums over running/stalled stretches s ≤ b of
// (1 − e^{−len_s/τ})·e^{−(t_b − end_s)/τ} (run_w + stall_w = 1 − decay). At the tick's end the
// same holds with end_run_w·(1 − decay_tick) and (1 − end_run_w)·(1 − decay_tick): the exact
// end temperature is the RC step at the activity end_run_w·A_run + (1 − end_run_w)·A_stall.
// Plain arithmetic on per-job constants: the kernel evaluates T_b per unit with two FMAs.
struct TickTrajectory {
  int boundaries = 0;  // segments − 1 (0: one stretch, the mean-activity step is exact)
  std::array<double, kMaxSegments> time_f{}, decay{}, run_w{}, stall_w{};
  std::array<bool, kMaxSegments> running_before{};  // the stretch ending at boundary b runs
  bool first_running = false;                       // the stretch starting the tick
  bool last_running = false;                        // the stretch ending at the tick's end
  double end_run_w = 0.0;
};

inline TickTrajectory tick_trajectory(const JobTick& jt, double dt_s, double tau_s) {
  TickTrajectory tr;
  if (jt.segments < 2) return tr;
  tr.first_running = jt.first_running;
  double decay = 1.0, run_w = 0.0, stall_w = 0.0, at = 0.0;
  for (int s = 0; s < jt.segments; ++s) {
    const double q = std::exp(-jt.segment_f[s] * dt_s / tau_s);
    const bool running = jt.segment_running(s);
    run_w = run_w * q + (running ? 1.0 - q : 0.0);
    stall_w = stall_w * q + (running ? 0.0 : 1.0 - q);
    decay *= q;
    at += jt.segment_f[s];
    if (s + 1 < jt.segments) {
      const int b = tr.boundaries++;
      tr.time_f[b] = at;
      tr.decay[b] = decay;
      tr.run_w[b] = run_w;
      tr.stall_w[b] = stall_w;
      tr.running_before[b] = running;
    } else {
      tr.last_running = running;
    }
  }
  tr.end_run_w = run_w + stall_w > 0.0 ? run_w / (run_w + stall_w) : jt.run_f;
  return tr;
}

// The activity whose constant power gives the exact end-of-tick junction temperature (the
// governor's and the RC step's input): the mean activity when the tick is one stretch.
inline double thermal_activity(const JobTick& jt, const TickTrajectory& tr, double clock_ratio) {
  if (tr.boundaries == 0) return mean_activity(jt, clock_ratio);
  return tr.end_run_w * running_activity_at(jt, clock_ratio) +
         (1.0 - tr.end_run_w) * stalled_activity_level(jt);
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
