// Counting large thermal cycles (checkpoint stalls, failures, restarts) per accelerator.
//
// A reversal counter with hysteresis, the streaming core of rainflow counting without its stack:
// the temperature history is reduced to alternating turning points, a reversal is accepted only
// once the temperature has come back from the running extreme by more than the hysteresis, and
// each accepted reversal completes one half-cycle whose swing is |extreme − previous turning
// point|. Small wiggles (below the hysteresis) are ignored, so tick-to-tick noise and the
// in-iteration swing (handled in closed form, junction.hpp) are not counted. Unlike full
// rainflow it does not pair a small cycle nested inside a larger one: the inner reversal counts
// as two half-cycles of its own and splits the outer range. For the stall-and-resume pattern of
// training clusters (clean drops and recoveries) the two agree.
//
// Fatigue use (Miner): each half-cycle of swing ΔT adds 0.5 / N_f(ΔT) of damage.
//
// State per accelerator: two floats (CycleState for one unit; the engine keeps them as two
// arrays, struct-of-arrays, and feeds a node at a time to observe_units).
//   turning_c  the last accepted turning point (start of the current leg)
//   extreme_c  the running extreme of the current leg
// The leg direction is sign(extreme_c − turning_c): rising if positive, falling if negative,
// not yet known if equal (only before the first move larger than the hysteresis).
#pragma once

#include <cmath>
#include <cstdint>

#include "common/simd.hpp"

namespace ct::thermal {

struct CycleState {
  float turning_c = 0.0f;
  float extreme_c = 0.0f;
};

// Start counting at the current temperature.
inline CycleState make_cycle_state(double temperature_c) {
  const float t = static_cast<float>(temperature_c);
  return {t, t};
}

// observe_sample's tests of a sample t against one unit's counter (turning, extreme), which the
// engine's look-ahead (twin/coasting_replay.cpp) makes too: `commit` (no direction yet, a move
// beyond the hysteresis), `extend` (still moving the leg's way), `reverse` (came back by more
// than the hysteresis: the leg ends at its extreme). `leg` > 0 rising, < 0 falling, 0 no
// direction yet.
struct SampleTests {
  float leg;
  bool commit, extend, reverse;
};

inline SampleTests test_sample(float turning, float extreme, float t, float hysteresis) {
  const float leg = extreme - turning;
  const float direction = leg > 0.0f ? 1.0f : (leg < 0.0f ? -1.0f : 0.0f);
  const float ahead = direction * (t - extreme);  // > 0: still moving the leg's way (±1·x: exact)
  const float from_turning = t - turning;
  const bool known = leg != 0.0f;
  const bool commit = (leg == 0.0f) & ((from_turning > hysteresis) | (-from_turning > hysteresis));
  const bool extend = known & (ahead > 0.0f);
  const bool reverse = known & (ahead <= 0.0f) & (-ahead > hysteresis);
  return {leg, commit, extend, reverse};
}

// Feed one sample to one unit's counter (its two floats). Returns the swing (K, > 0) of a
// half-cycle completed at this sample, else 0. Written with selects only, no branches: the
// engine runs it for every unit every tick, where the outcome (extend, reverse or nothing) is
// data-dependent, and observe_units below vectorizes it.
inline float observe_sample(float& turning_c, float& extreme_c, float t, float hysteresis) {
  const float turning = turning_c, extreme = extreme_c;
  const SampleTests s = test_sample(turning, extreme, t, hysteresis);
  turning_c = s.reverse ? extreme : turning;
  extreme_c = (s.commit | s.extend | s.reverse) ? t : extreme;
  return s.reverse ? std::fabs(s.leg) : 0.0f;
}

inline float observe(CycleState& state, double temperature_c, double hysteresis_k) {
  return observe_sample(state.turning_c, state.extreme_c, static_cast<float>(temperature_c),
                        static_cast<float>(hysteresis_k));
}

// n units at once, in the engine's struct-of-arrays layout: swing_k[a] as observe returns it.
// Returns whether any unit completed a half-cycle (rare: only on stalls and restarts). Four
// units per step with the same operations as observe_sample, lane by lane (common/simd.hpp).
inline bool observe_units(std::int64_t n, const double* __restrict temperature_c,
                          double hysteresis_k, float* __restrict turning_c,
                          float* __restrict extreme_c, float* __restrict swing_k) {
  using simd::f32x4, simd::i32x4;
  const float hysteresis = static_cast<float>(hysteresis_k);
  const f32x4 h = f32x4{} + hysteresis, zero{};
  const i32x4 sign_bit = i32x4{} + static_cast<std::int32_t>(0x80000000u);
  i32x4 any{};
  std::int64_t a = 0;
  for (; a + 4 <= n; a += 4) {
    const f32x4 t = simd::to_float4(temperature_c + a);
    const f32x4 turning = simd::load<f32x4>(turning_c + a);
    const f32x4 extreme = simd::load<f32x4>(extreme_c + a);
    const f32x4 leg = extreme - turning;
    const i32x4 rising = leg > zero, falling = leg < zero, known = rising | falling;
    // direction·(t − extreme) as a sign flip where falling (lanes not known are masked below).
    const f32x4 ahead = (f32x4)((i32x4)(t - extreme) ^ (falling & sign_bit));
    const f32x4 from_turning = t - turning;
    const i32x4 commit = ~known & ((from_turning > h) | (-from_turning > h));
    const i32x4 extend = known & (ahead > zero);
    const i32x4 reverse = known & (ahead <= zero) & (-ahead > h);
    simd::store(turning_c + a, reverse ? extreme : turning);
    simd::store(extreme_c + a, (commit | extend | reverse) ? t : extreme);
    simd::store(swing_k + a, reverse ? (falling ? -leg : leg) : zero);
    any |= reverse;
  }
  bool found = (any[0] | any[1] | any[2] | any[3]) != 0;
  for (; a < n; ++a) {
    swing_k[a] = observe_sample(turning_c[a], extreme_c[a], static_cast<float>(temperature_c[a]),
                                hysteresis);
    found |= swing_k[a] > 0.0f;
  }
  return found;
}

// After observe returned swing > 0: the highest temperature of that completed half-cycle (for a
// fatigue law with a T_max term). The completed leg ended at state.turning_c; if it was rising
// that is its peak, else its peak was where it started, swing above.
inline double last_half_cycle_peak_c(float turning_c, float extreme_c, double swing_k) {
  const bool now_falling = extreme_c < turning_c;
  return now_falling ? turning_c : turning_c + swing_k;
}

inline double last_half_cycle_peak_c(const CycleState& state, double swing_k) {
  return last_half_cycle_peak_c(state.turning_c, state.extreme_c, swing_k);
}

}  // namespace ct::thermal
