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
// State per accelerator: two floats the engine keeps in arrays (SoA).
//   turning_c  the last accepted turning point (start of the current leg)
//   extreme_c  the running extreme of the current leg
// The leg direction is sign(extreme_c − turning_c): rising if positive, falling if negative,
// not yet known if equal (only before the first move larger than the hysteresis).
#pragma once

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

// Feed one sample. Returns the swing (K, > 0) of a half-cycle completed at this sample, else 0.
inline float observe(CycleState& state, double temperature_c, double hysteresis_k) {
  const float t = static_cast<float>(temperature_c);
  const float hysteresis = static_cast<float>(hysteresis_k);
  const float leg = state.extreme_c - state.turning_c;  // > 0 rising, < 0 falling, 0 unknown
  if (leg == 0.0f) {
    // Direction not known yet: commit to the first move beyond the hysteresis.
    if (t - state.turning_c > hysteresis || state.turning_c - t > hysteresis) state.extreme_c = t;
    return 0.0f;
  }
  const bool rising = leg > 0.0f;
  // Still moving the same way: extend the leg.
  if (rising ? t > state.extreme_c : t < state.extreme_c) {
    state.extreme_c = t;
    return 0.0f;
  }
  // Came back by more than the hysteresis: the leg ends at its extreme.
  const float back = rising ? state.extreme_c - t : t - state.extreme_c;
  if (back > hysteresis) {
    const float swing = rising ? leg : -leg;
    state.turning_c = state.extreme_c;
    state.extreme_c = t;
    return swing;
  }
  return 0.0f;
}

// After observe returned swing > 0: the highest temperature of that completed half-cycle (for a
// fatigue law with a T_max term). The completed leg ended at state.turning_c; if it was rising
// that is its peak, else its peak was where it started, swing above.
inline double last_half_cycle_peak_c(const CycleState& state, double swing_k) {
  const bool now_falling = state.extreme_c < state.turning_c;
  return now_falling ? state.turning_c : state.turning_c + swing_k;
}

}  // namespace ct::thermal
