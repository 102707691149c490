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
#include <bit>
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

// A unit's tick as linear functions of m = min(1, φ_slowest/φ), the share of a paced phase a
// unit at clock φ keeps (per category c: seconds = t0[c] + t1[c]·m, activity·seconds =
// a0[c] + a1[c]·m; the running activity run0 + run1·m, the tick's mean activity
// mean0 + mean1·m). Derived once per job per tick (JobTick::prepare), so the per-unit work is a
// few fused multiply-adds with no loop over phases.
struct UnitCoeffs {
  std::array<double, kCategoryCount> t0{}, t1{}, a0{}, a1{};
  double run0 = 0.0, run1 = 0.0;                                  // running activity A_run(φ)
  double mean0 = 0.0, mean1 = 0.0;                                // mean activity over the tick
  double stall_level = 0.0;                                       // activity of the stalled time
  double t0_sum = 0.0, t1_sum = 0.0, a0_sum = 0.0, a1_sum = 0.0;  // over the categories
  double dt_s = 0.0;                                              // the tick the seconds are for
};

struct JobTick;
UnitCoeffs unit_coeffs(const JobTick& jt, double dt_s);

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
  // The per-unit coefficients, valid once prepare() ran after the last change to the phases.
  bool prepared = false;
  UnitCoeffs coeff;
  // Names the coefficients' value: a new stamp whenever prepare() writes them (unique in the
  // process), carried by copies, so prepare_fast can tell that a tick still holds the ones it
  // kept without comparing them.
  std::uint64_t coeff_stamp = 0;

  // A tick to fill again; its coefficients stay (not valid until prepared) so that a job whose
  // tick repeats gets them back without a copy (Engine::State::prepare_fast).
  void clear() {
    run_f = 0.0;
    phases = 0;
    phase = {};
    slowest_clock = clock_request = 1.0;
    straggler_activity = half_swing_per_r = ripple_peak_per_r = running_activity = 0.0;
    step_s = 1.0;
    segments = 0;
    first_running = interleaved = prepared = false;
    segment_f = {};
  }
  void prepare(double dt_s) {
    coeff = unit_coeffs(*this, dt_s);
    coeff_stamp = next_coeff_stamp();
    prepared = true;
  }
  static std::uint64_t next_coeff_stamp() {
    static std::uint64_t last = 0;  // the twin is single-threaded per rank
    return ++last;
  }
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
    prepared = false;
  }
  void add_stalled(Category c, double share, double activity) {
    phase[phases++] = Phase{c, false, false, share, activity};
    prepared = false;
  }
  // Power smoothing: stalled phases keep at least this activity.
  void raise_stalled_activity(double floor) {
    prepared = false;
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

// Whether two ticks have the same inputs bit for bit (every field but the derived coefficients
// and their stamp, unused phases and stretches included): everything derived from a JobTick is then
// the same, so a job whose tick repeats can reuse it (Engine::State::prepare_fast).
inline bool same_tick_inputs(const JobTick& a, const JobTick& b) {
  auto same = [](double x, double y) {
    return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
  };
  if (a.phases != b.phases || a.segments != b.segments || a.first_running != b.first_running ||
      a.interleaved != b.interleaved || !same(a.run_f, b.run_f) ||
      !same(a.slowest_clock, b.slowest_clock) || !same(a.clock_request, b.clock_request) ||
      !same(a.straggler_activity, b.straggler_activity) ||
      !same(a.half_swing_per_r, b.half_swing_per_r) || !same(a.step_s, b.step_s) ||
      !same(a.ripple_peak_per_r, b.ripple_peak_per_r) ||
      !same(a.running_activity, b.running_activity))
    return false;
  for (int p = 0; p < kMaxPhases; ++p) {
    const Phase &x = a.phase[p], &y = b.phase[p];
    if (x.category != y.category || x.running != y.running || x.paced != y.paced ||
        !same(x.share, y.share) || !same(x.activity, y.activity))
      return false;
  }
  for (int s = 0; s < kMaxSegments; ++s)
    if (!same(a.segment_f[s], b.segment_f[s])) return false;
  return true;
}
// The sizes, so that a field added to JobTick or Phase is not left out of the comparison.
static_assert(sizeof(Phase) == 24 && sizeof(JobTick) == 880 && sizeof(UnitCoeffs) == 464,
              "a field added to JobTick or Phase: compare it in same_tick_inputs");

// Share a paced phase keeps at clock φ (the rest of its share the unit waits).
inline double paced_keep(const JobTick& jt, double clock_ratio) {
  return std::min(1.0, jt.slowest_clock / clock_ratio);
}

// The coefficients of a unit's tick (UnitCoeffs). A paced phase of share σ at activity α keeps
// σ·m in its category and waits σ·(1 − m) in straggler_wait at the straggler activity β.
inline UnitCoeffs unit_coeffs(const JobTick& jt, double dt_s) {
  UnitCoeffs u;
  u.dt_s = dt_s;
  const double run_s = jt.run_f * dt_s, beta = jt.straggler_activity;
  double level_sum = 0.0, share_sum = 0.0, stall_mean = 0.0;
  for (int p = 0; p < jt.phases; ++p) {
    const Phase& ph = jt.phase[p];
    const int c = ph.category;
    if (!ph.running) {
      const double t = ph.share * dt_s;
      u.t0[c] += t;
      u.a0[c] += ph.activity * t;
      level_sum += ph.share * ph.activity;
      share_sum += ph.share;
      continue;
    }
    const double t = run_s * ph.share;
    if (ph.paced) {
      u.t1[c] += t;
      u.a1[c] += ph.activity * t;
      u.t0[straggler_wait] += t;
      u.t1[straggler_wait] -= t;
      u.a0[straggler_wait] += beta * t;
      u.a1[straggler_wait] -= beta * t;
      u.run0 += beta * ph.share;
      u.run1 += (ph.activity - beta) * ph.share;
    } else {
      u.t0[c] += t;
      u.a0[c] += ph.activity * t;
      u.run0 += ph.activity * ph.share;
    }
  }
  u.stall_level = share_sum > 0.0 ? level_sum / share_sum : jt.stalled_activity();
  // The stalled time's activity over the tick: its phases' shares of the tick when given, or
  // the whole non-running time at the stalled level.
  stall_mean = share_sum > 0.0 ? level_sum : (1.0 - jt.run_f) * u.stall_level;
  u.mean0 = jt.run_f * u.run0 + stall_mean;
  u.mean1 = jt.run_f * u.run1;
  for (int c = 0; c < kCategoryCount; ++c) {
    u.t0_sum += u.t0[c];
    u.t1_sum += u.t1[c];
    u.a0_sum += u.a0[c];
    u.a1_sum += u.a1[c];
  }
  return u;
}

namespace detail {
// f(the tick's coefficients): the prepared ones, or derived now (a tick not yet prepared, or
// prepared for another tick length; dt_s = 0: any, for the activities).
template <class F>
inline double with_coeffs(const JobTick& jt, double dt_s, F&& f) {
  if (jt.prepared && (dt_s == 0.0 || jt.coeff.dt_s == dt_s)) [[likely]]
    return f(jt.coeff);
  return f(unit_coeffs(jt, dt_s > 0.0 ? dt_s : 1.0));
}
}  // namespace detail

// Share-weighted activity of the running phases at clock φ (a paced phase's waiting part at the
// straggler activity).
inline double running_activity_at(const JobTick& jt, double clock_ratio) {
  const double m = paced_keep(jt, clock_ratio);
  return detail::with_coeffs(jt, 0.0, [m](const UnitCoeffs& u) { return u.run0 + u.run1 * m; });
}

// Activity of the stalled time (share-weighted over the stalled phases).
inline double stalled_activity_level(const JobTick& jt) {
  return detail::with_coeffs(jt, 0.0, [](const UnitCoeffs& u) { return u.stall_level; });
}

// Mean activity over the tick of a unit at clock φ (its energy).
inline double mean_activity(const JobTick& jt, double clock_ratio) {
  const double m = paced_keep(jt, clock_ratio);
  return detail::with_coeffs(jt, 0.0, [m](const UnitCoeffs& u) { return u.mean0 + u.mean1 * m; });
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

// Units of one tick (one JobTick) summed for their category split: a unit's seconds and
// energy per category are linear in m = min(1, φ_slowest/φ), its dynamic power D and D·m
// (UnitCoeffs), so a node needs only these sums per unit and the split once per node.
struct UnitSums {
  double n = 0.0, m = 0.0, d_w = 0.0, dm_w = 0.0;
};

// Adds a unit at clock φ with dynamic power D(φ) = dynamic_w; returns its energy over the tick.
inline double add_unit_tick(const JobTick& jt, double clock_ratio, double dynamic_w, double idle_w,
                            double dt_s, UnitSums& sums) {
  const double m = paced_keep(jt, clock_ratio);
  sums.n += 1.0;
  sums.m += m;
  sums.d_w += dynamic_w;
  sums.dm_w += dynamic_w * m;
  return detail::with_coeffs(jt, dt_s, [&](const UnitCoeffs& u) {
    return idle_w * (u.t0_sum + u.t1_sum * m) + dynamic_w * (u.a0_sum + u.a1_sum * m);
  });
}

// The seconds and joules per category of the summed units (added to time_s / energy_j).
template <class Array>
inline void split_unit_ticks(const JobTick& jt, const UnitSums& sums, double idle_w, double dt_s,
                             Array& time_s, Array& energy_j) {
  detail::with_coeffs(jt, dt_s, [&](const UnitCoeffs& u) {
    for (int c = 0; c < kCategoryCount; ++c) {  // no reduction in the loop: it vectorizes
      const double t = u.t0[c] * sums.n + u.t1[c] * sums.m;
      time_s[c] += t;
      energy_j[c] += idle_w * t + u.a0[c] * sums.d_w + u.a1[c] * sums.dm_w;
    }
    return 0.0;
  });
}

// One unit's tick at clock φ: seconds and joules per category (added to time_s / energy_j) and
// its energy over the tick. The one copy of this arithmetic (with the two above): the per-unit
// governor path, the per-node fast path and the benchmarks use it.
template <class Array>
inline double split_unit_tick(const JobTick& jt, double clock_ratio, double dynamic_w,
                              double idle_w, double dt_s, Array& time_s, Array& energy_j) {
  UnitSums one;
  const double energy = add_unit_tick(jt, clock_ratio, dynamic_w, idle_w, dt_s, one);
  split_unit_ticks(jt, one, idle_w, dt_s, time_s, energy_j);
  return energy;
}

}  // namespace ct::twin
