// Multi-rate stepping: a coasting rack brought to the present (settle_rack). Its m steps are
// replayed with the kernel's operations in the kernel's order, one stretch of constant inputs at
// a time, through the pace steps and ticks with stretches of its jobs (the replicated step
// history, read through settle_inputs: settle_inputs.cpp), so its junctions, cycle counter and
// per-rack series are bit for bit what per-tick stepping gives (twin/README.md, "Multi-rate
// stepping"; eligibility and following: coasting.cpp).
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "common/simd.hpp"
#include "thermal/junction.hpp"
#include "thermal/thermal_cycles.hpp"
#include "twin/coasting_history.hpp"
#include "twin/engine_state.hpp"
#include "twin/pace_replay.hpp"
#include "twin/settle_pass.hpp"

namespace ct::twin {

namespace {

// m steps T ← drive + decay·T of n units (n a multiple of 2·V), V·2 units in registers at a
// time: V independent chains hide the multiply-add latency. Element-wise IEEE operations, the
// kernel's, so the result is bit for bit its m ticks.
template <int V>
std::size_t step_units(double* jc, const double* drive, double decay, std::int64_t m,
                       std::size_t n) {
  using simd::f64x2;
  const f64x2 dec = f64x2{} + decay;
  std::size_t u0 = 0;
  for (; u0 + 2 * V <= n; u0 += 2 * V) {
    f64x2 t[V];
    for (int v = 0; v < V; ++v) t[v] = simd::load<f64x2>(jc + u0 + 2 * v);
    for (std::int64_t i = 0; i < m; ++i)
      for (int v = 0; v < V; ++v) t[v] = simd::load<f64x2>(drive + u0 + 2 * v) + dec * t[v];
    for (int v = 0; v < V; ++v) simd::store(jc + u0 + 2 * v, t[v]);
  }
  return u0;
}

// The nodes (among `nodes`; all: null) with boundaries inside stretch s's tick (one with
// stretches): f(first unit, its words, run inlet, stall inlet) for each.
template <class F>
void for_boundary_nodes(const Coasting::SettleInputs& in, std::int64_t npr, std::int64_t apn,
                        std::size_t s, const std::uint8_t* nodes, F&& f) {
  for (std::int64_t node = 0; node < npr; ++node) {
    const auto i = s * static_cast<std::size_t>(npr) + static_cast<std::size_t>(node);
    if (in.boundary[i] < 0 || (nodes != nullptr && !nodes[node])) continue;
    f(static_cast<std::size_t>(node * apn), in.words.data() + in.boundary[i], in.run_c[i],
      in.stall_c[i]);
  }
}

// A rack's arrays for the quick pass (settle_rack): per unit of the rack.
struct QuickRack {
  double* jc;
  const double* res;
  double *hottest, *coldest, *sampled, *peak, *fall, *rise;
};

// The quick pass (settle_pass: the units' state in registers through the stretches) over
// stretches [s0, s1) of the record `in` for the nodes in `nodes` (all: null) of `count` racks
// (two: racks whose settles share the record, all nodes, not exact; stepped in one pass), from
// their junctions now: it notes only the extremes (hottest and coldest, with the boundary
// samples of ticks with stretches), and the largest fall and rise are then bounded by
// hottest − coldest (float subtraction is monotone). tick_max[i]: rack i's largest tick end
// (the rack's series). With `exact`, the pass also notes each unit's exact largest fall and
// rise (settle_pass's optional peak, fall and rise: the values in order, as note_unit takes
// them).
void quick_pass_racks(const Coasting::SettleInputs& in, std::int64_t npr, std::int64_t apn,
                      double gain, double decay, const QuickRack* racks, int count, std::size_t s0,
                      std::size_t s1, const std::uint8_t* nodes, bool exact, double* tick_max) {
  const auto n = static_cast<std::size_t>(npr * apn);
  const double inf = std::numeric_limits<double>::infinity();
  for (int i = 0; i < count; ++i) {
    const QuickRack& q = racks[i];
    auto each_unit = [&](auto&& f) {
      for (std::int64_t node = 0; node < npr; ++node)
        if (nodes == nullptr || nodes[node])
          for (auto u = static_cast<std::size_t>(node * apn);
               u < static_cast<std::size_t>((node + 1) * apn); ++u)
            f(u);
    };
    each_unit([&](std::size_t u) { q.hottest[u] = q.sampled[u] = -inf, q.coldest[u] = inf; });
    if (exact) each_unit([&](std::size_t u) { q.peak[u] = -inf, q.fall[u] = q.rise[u] = 0.0; });
  }
  SettlePassArgs pass;
  pass.units_per_node = static_cast<std::size_t>(apn);
  pass.nodes = nodes == nullptr ? static_cast<std::size_t>(npr) : 1;
  pass.node_stride = static_cast<std::size_t>(npr);
  pass.ticks = in.m.data(), pass.gain = gain, pass.decay = decay;
  auto step = [&](std::size_t first, std::size_t last) {  // the racks at once, or node by node
    pass.first = first, pass.last = last;
    if (count == 2) {
      const QuickRack &q = racks[0], &q2 = racks[1];
      pass.junction_c = q.jc, pass.resistance_k_per_w = q.res;
      pass.hottest_c = q.hottest, pass.coldest_c = q.coldest;
      pass.junction2_c = q2.jc, pass.resistance2_k_per_w = q2.res;
      pass.hottest2_c = q2.hottest, pass.coldest2_c = q2.coldest;
      pass.inlet_c = in.inlet_c.data(), pass.power_w = in.power_w.data();
      settle_pass(pass);
      return;
    }
    const QuickRack& q = racks[0];
    for (std::int64_t node = 0; node < (nodes == nullptr ? 1 : npr); ++node) {
      if (nodes != nullptr && !nodes[node]) continue;
      const auto u0 = static_cast<std::size_t>(node * apn);
      pass.junction_c = q.jc + u0, pass.resistance_k_per_w = q.res + u0;
      pass.hottest_c = q.hottest + u0, pass.coldest_c = q.coldest + u0;
      pass.inlet_c = in.inlet_c.data() + node, pass.power_w = in.power_w.data() + node;
      if (exact) pass.peak_c = q.peak + u0, pass.fall_c = q.fall + u0, pass.rise_c = q.rise + u0;
      settle_pass(pass);
    }
  };
  // (One for all the calls: zeroing it per node, a rep stos, cost more than the samples.)
  SettleSampleArgs sample;
  sample.units = static_cast<std::size_t>(apn);
  std::size_t s = s0;  // up to each tick with stretches, then its samples
  for (auto b = std::lower_bound(in.sampled.begin(), in.sampled.end(), s0);
       b != in.sampled.end() && *b < s1; ++b) {
    step(s, *b);
    // The boundary samples with their values folded into sampled (max) and coldest (min), in
    // registers (settle_samples: the engine's operations). The whole rack in one call when its
    // nodes share their words (one FastTick: settle_inputs).
    const std::size_t at = *b * static_cast<std::size_t>(npr);
    bool shared = nodes == nullptr;
    for (std::int64_t node = 1; shared && node < npr; ++node)
      shared = in.boundary[at + static_cast<std::size_t>(node)] == in.boundary[at];
    for (int i = 0; i < count; ++i) {
      const QuickRack& q = racks[i];
      if (shared && in.boundary[at] >= 0) {
        const double* w = in.words.data() + in.boundary[at];
        SettleSampleArgs rack;
        rack.junction_c = q.jc, rack.resistance_k_per_w = q.res;
        rack.sampled_c = q.sampled, rack.coldest_c = q.coldest;
        rack.units = n, rack.units_per_node = static_cast<std::size_t>(apn);
        rack.boundaries = static_cast<int>(w[0]), rack.weights = w + 3;
        rack.node_run_c = in.run_c.data() + at, rack.node_stall_c = in.stall_c.data() + at;
        rack.run_w = w[1], rack.stall_w = w[2];
        if (exact) rack.peak_c = q.peak, rack.fall_c = q.fall, rack.rise_c = q.rise;
        settle_samples(rack);
        continue;
      }
      for_boundary_nodes(in, npr, apn, *b, nodes,
                         [&](std::size_t u0, const double* w, double run_c, double stall_c) {
                           sample.junction_c = q.jc + u0, sample.resistance_k_per_w = q.res + u0;
                           sample.sampled_c = q.sampled + u0, sample.coldest_c = q.coldest + u0;
                           sample.boundaries = static_cast<int>(w[0]), sample.weights = w + 3;
                           sample.run_c = run_c, sample.stall_c = stall_c, sample.run_w = w[1];
                           sample.stall_w = w[2];
                           if (exact)
                             sample.peak_c = q.peak + u0, sample.fall_c = q.fall + u0,
                             sample.rise_c = q.rise + u0;
                           settle_samples(sample);
                         });
    }
    s = *b;
  }
  step(s, s1);
  for (int i = 0; i < count; ++i) {
    const QuickRack& q = racks[i];
    double tick_max_c = -inf;
    for (std::int64_t node = 0; node < npr; ++node) {
      if (nodes != nullptr && !nodes[node]) continue;
      for (auto u = static_cast<std::size_t>(node * apn);
           u < static_cast<std::size_t>((node + 1) * apn); ++u) {
        tick_max_c = tick_max_c > q.hottest[u] ? tick_max_c : q.hottest[u];
        q.hottest[u] = q.hottest[u] > q.sampled[u] ? q.hottest[u] : q.sampled[u];
        if (!exact) q.fall[u] = q.rise[u] = q.hottest[u] - q.coldest[u];
      }
    }
    tick_max[i] = tick_max_c;
  }
}

}  // namespace

// Stretches per chunk when a node's counter must be fed step by step (settle_rack): long enough
// that a chunk's pass and decision cost little next to its steps, short enough that the ticks
// fed one by one are few.
constexpr std::size_t kChunkStretches = 16;
// Times per chunk a node's counter is fed one stretch and the rest of the chunk decided again,
// before the rest is fed (bounds the passes when half-cycles complete all through a chunk).
constexpr int kPartialFeeds = 4;

// Rack r coasted from tick `since` to k − 1: its units at tick k's start. The m steps are the
// kernel's own (T ← gain·(T_inlet + R·P) + decay·T, the same operations in the same order), done
// here in registers without the per-tick bookkeeping, one stretch of constant inputs at a time
// (the rack's pace steps divide them), so the junctions are bit for bit what per-tick stepping
// gives. Within a stretch the step is a monotone map (rounding is monotone and decay > 0), so
// each junction's trajectory is monotone: its extremes, and the largest fall from a maximum or
// rise from a minimum, are at a stretch's first or last step. From them the cycle counter's
// outcome is known without feeding it every step when no half-cycle can complete (each unit's
// leg known, and neither its extreme nor any maximum (rising) or minimum (falling) of the
// stretch is more than the hysteresis from a later value): the leg then only extends, to the
// trajectory's extreme. Otherwise the node goes again a chunk of stretches at a time, and only a
// chunk where a half-cycle may complete is replayed with the counter fed at every step.
void Engine::State::settle_rack(std::int64_t r, std::int64_t k, std::size_t region,
                                const double* quick_max_c) {
  const double decay = rc_decay_per_tick, gain = 1.0 - decay;
  const std::int64_t since = coast.since[r];
  const double hysteresis = sc.faults.cycle_hysteresis_k;
  double* const jc = fleet.junction_c.data() + r * apr;
  const double* const res = fleet.resistance_k_per_w.data() + r * apr;
  float* const turning = fleet.cycle_turning_c.data() + r * apr;
  float* const extreme = fleet.cycle_extreme_c.data() + r * apr;
  const auto n = static_cast<std::size_t>(apr);
  // The scratch of `region` (0, or 1 for the second rack of a pair: settle_pair).
  double* __restrict const drive = coast.scratch_drive.data() + region * n;
  double* __restrict const start = coast.scratch_start.data() + region * n;
  double* __restrict const hottest = coast.scratch_max.data() + region * n;
  double* __restrict const coldest = coast.scratch_min.data() + region * n;
  double* __restrict const fall = coast.scratch_fall.data() + region * n;  // from a maximum
  double* __restrict const rise = coast.scratch_rise.data() + region * n;  // from a minimum
  auto set_drive = [&](const PaceReplay& in, const std::uint8_t* nodes) {
    for (std::int64_t node = 0; node < npr; ++node)
      if (nodes[node])
        for (std::int64_t u = node * apn; u < (node + 1) * apn; ++u)
          drive[u] = gain * (in.node_inlet_c[node] + res[u] * in.node_power_w[node]);
  };
  // A value the counter sees: a tick's end, or a boundary inside a tick with stretches.
  auto note_unit = [&](std::size_t u, double t) {
    hottest[u] = hottest[u] > t ? hottest[u] : t;
    coldest[u] = coldest[u] < t ? coldest[u] : t;
    fall[u] = std::max(fall[u], hottest[u] - t);
    rise[u] = std::max(rise[u], t - coldest[u]);
  };
  double rack_max_c = -kInf;  // of the ticks' ends (the kernel's)
  // note_unit for units u0..u1 − 1 with values t[0..], two at a time (the same comparisons, so
  // the same values), and the rack's maximum if they are a tick's ends.
  auto note_units = [&](std::size_t u0, std::size_t u1, const double* t, bool tick_end) {
    using simd::f64x2;
    f64x2 m2 = f64x2{} + rack_max_c;
    std::size_t u = u0;
    for (; u + 2 <= u1; u += 2) {
      const f64x2 v = simd::load<f64x2>(t + (u - u0));
      f64x2 hot = simd::load<f64x2>(hottest + u), cold = simd::load<f64x2>(coldest + u);
      hot = hot > v ? hot : v;
      cold = cold < v ? cold : v;
      const f64x2 down = hot - v, up = v - cold;
      f64x2 fell = simd::load<f64x2>(fall + u), rose = simd::load<f64x2>(rise + u);
      fell = fell < down ? down : fell;  // std::max(fall, hottest − t)
      rose = rose < up ? up : rose;
      simd::store(hottest + u, hot), simd::store(coldest + u, cold);
      simd::store(fall + u, fell), simd::store(rise + u, rose);
      m2 = m2 > v ? m2 : v;
    }
    double m = m2[0] > m2[1] ? m2[0] : m2[1];
    for (; u < u1; ++u) {
      note_unit(u, t[u - u0]);
      m = m > t[u - u0] ? m : t[u - u0];
    }
    if (tick_end) rack_max_c = m;
  };
  auto note = [&] { note_units(0, n, jc, true); };  // the junctions now: one step's ends
  double& power = series.rack_values(ids.rack_power)[r];
  double& inlet = series.rack_values(ids.rack_inlet)[r];
  double& throttled = series.rack_values(ids.rack_throttled)[r];
  const double throttled_share =
      static_cast<double>(coast.rack_throttled[r]) / static_cast<double>(apr);
  const Coasting::SettleInputs& in = settle_inputs(r, since, k);
  // Nodes under repair are powered off: T ← T_inlet + (T − T_inlet)·decay (junction_step_c, as
  // the kernel steps them), and their counter is not fed.
  const std::int16_t* const slot = coast.node_slot.data() + r * npr;
  bool repairs = false;
  for (std::int64_t node = 0; node < npr; ++node) repairs |= slot[node] == Coasting::kRepairing;
  if (quick_max_c == nullptr) std::copy(jc, jc + n, start);  // (a pair's: settle_pair)
  // The junctions at a tick with stretches' boundaries (what the counter sees), before its step.
  auto sample_boundaries = [&](std::size_t s, const std::uint8_t* nodes, auto&& note_node) {
    for_boundary_nodes(
        in, npr, apn, s, nodes, [&](std::size_t u0, const double* w, double run_c, double stall_c) {
          const std::size_t u1 = u0 + static_cast<std::size_t>(apn);
          const int boundaries = static_cast<int>(w[0]);
          for (int b = 0; b < boundaries; ++b) {
            const double* q = w + 3 + 3 * b;  // the boundary's decay and weights
            for (std::size_t u = u0; u < u1; ++u)
              node_sample_c[u - u0] =
                  q[0] * jc[u] + q[1] * (run_c + res[u] * w[1]) + q[2] * (stall_c + res[u] * w[2]);
            note_node(u0, u1);
          }
        });
  };
  // The full pass: each stretch's first step (with its drive), then the rest, each unit's
  // extremes and largest fall and rise noted at the stretch's ends (the step is monotone).
  auto full_pass = [&] {
    std::fill(hottest, hottest + n, -kInf);
    std::fill(coldest, coldest + n, kInf);
    std::fill(fall, fall + n, 0.0);
    std::fill(rise, rise + n, 0.0);
    rack_max_c = -kInf;
    for (std::size_t s = 0; s < in.m.size(); ++s) {
      const std::int64_t m = in.m[s];
      const std::size_t at = s * static_cast<std::size_t>(npr);
      sample_boundaries(s, nullptr, [&](std::size_t u0, std::size_t u1) {
        note_units(u0, u1, node_sample_c.data(), false);
      });
      for (std::int64_t node = 0; node < npr; ++node) {
        const double node_inlet = in.inlet_c[at + static_cast<std::size_t>(node)];
        const double node_power = in.power_w[at + static_cast<std::size_t>(node)];
        const auto u0 = static_cast<std::size_t>(node * apn);
        const auto u1 = u0 + static_cast<std::size_t>(apn);
        if (slot[node] == Coasting::kRepairing) {
          for (std::size_t u = u0; u < u1; ++u)
            jc[u] = thermal::junction_step_c(jc[u], node_inlet, decay);
          continue;
        }
        for (std::size_t u = u0; u < u1; ++u) {
          drive[u] = gain * (node_inlet + res[u] * node_power);
          jc[u] = drive[u] + decay * jc[u];
        }
      }
      note();
      if (m > 1 && !repairs) {
        std::size_t u = step_units<8>(jc, drive, decay, m - 1, n);
        u += step_units<4>(jc + u, drive + u, decay, m - 1, n - u);
        for (; u < n; ++u)
          for (std::int64_t i = 1; i < m; ++i) jc[u] = drive[u] + decay * jc[u];
        note();
      } else if (m > 1) {
        for (std::int64_t node = 0; node < npr; ++node) {
          const auto u0 = static_cast<std::size_t>(node * apn);
          const auto u1 = u0 + static_cast<std::size_t>(apn);
          if (slot[node] == Coasting::kRepairing) {
            const double node_inlet = in.inlet_c[at + static_cast<std::size_t>(node)];
            for (std::size_t u = u0; u < u1; ++u)
              for (std::int64_t i = 1; i < m; ++i)
                jc[u] = thermal::junction_step_c(jc[u], node_inlet, decay);
            continue;
          }
          std::size_t u = u0 + step_units<4>(jc + u0, drive + u0, decay, m - 1, u1 - u0);
          for (; u < u1; ++u)
            for (std::int64_t i = 1; i < m; ++i) jc[u] = drive[u] + decay * jc[u];
        }
        note();
      }
    }
  };
  // The quick pass (quick_pass_racks) over stretches [s0, s1) for the nodes in `nodes` (all:
  // null): a node where its bound on the largest fall and rise cannot show the counter's outcome
  // (a unit whose trajectory spans more than the hysteresis, e.g. warming up after a restart)
  // goes again chunk by chunk below. Racks with nodes under repair take the full pass (their
  // nodes step by junction_step_c).
  double* __restrict const peak = coast.scratch_peak.data() + region * n;
  double* __restrict const sampled = coast.scratch_sampled_max.data() + region * n;
  auto quick_pass = [&](std::size_t s0, std::size_t s1, const std::uint8_t* nodes, bool exact) {
    const QuickRack q{jc, res, hottest, coldest, sampled, peak, fall, rise};
    double tick_max_c = 0.0;
    quick_pass_racks(in, npr, apn, gain, decay, &q, 1, s0, s1, nodes, exact, &tick_max_c);
    return tick_max_c;
  };
  if (quick_max_c != nullptr)  // done by settle_pair, with this region's scratch
    rack_max_c = *quick_max_c;
  else if (repairs)
    full_pass();
  else
    rack_max_c = quick_pass(0, in.m.size(), nullptr, false);
  // The per-rack series, added once per tick as the kernel adds them (in registers), or taken
  // from the last rack that read the record if it started from the same sums.
  const std::array<std::uint64_t, 4> series_from = {
      std::bit_cast<std::uint64_t>(power), std::bit_cast<std::uint64_t>(inlet),
      std::bit_cast<std::uint64_t>(throttled), std::bit_cast<std::uint64_t>(throttled_share)};
  if (in.series_valid && in.series_from == series_from) {
    power = in.series_to[0], inlet = in.series_to[1], throttled = in.series_to[2];
  } else {
    for (std::size_t s = 0; s < in.m.size(); ++s) {
      double power_sum = power, inlet_sum = inlet, throttled_sum = throttled;
      for (std::int64_t i = 0; i < in.m[s]; ++i) {
        power_sum += in.mean_power_w[s];
        inlet_sum += in.tick_inlet_c[s];
        throttled_sum += throttled_share;
      }
      power = power_sum, inlet = inlet_sum, throttled = throttled_sum;
    }
    in.series_from = series_from, in.series_to = {power, inlet, throttled};
    in.series_valid = true;
  }
  // The counter's outcome (thermal_cycles.hpp, observe_sample): a rising leg extends to the
  // trajectory's maximum and completes a half-cycle only if some value falls more than the
  // hysteresis below the leg's extreme so far; a falling leg likewise. In float, as the counter
  // compares: a fall between two steps is bounded by the double one plus the conversions'
  // rounding (the 1e-6 margin; a case inside it is replayed). A unit with no direction yet (an
  // idle one may never get one) keeps its state unless a value is more than the hysteresis from
  // its turning point; float conversion and subtraction are monotone, so its extremes decide.
  const auto h = static_cast<float>(hysteresis);
  // The nodes among `among` (all: null) that must be fed step by step (fed_nodes[node] = 1):
  // those with a unit whose extremes and largest fall and rise so far leave the counter's
  // outcome unknown (some half-cycle may complete). The others' counters take the outcome: no
  // half-cycle completes, so each leg extends to its extreme. Returns whether any must be fed.
  auto decide = [&](const std::uint8_t* among, std::uint8_t* fed_nodes) {
    bool any = false;
    for (std::int64_t node = 0; node < npr; ++node) {
      fed_nodes[node] = 0;
      if (slot[node] == Coasting::kRepairing || (among != nullptr && !among[node])) continue;
      const auto u0 = static_cast<std::size_t>(node * apn);
      const auto u1 = static_cast<std::size_t>((node + 1) * apn);
      bool fed = false;
      for (auto u = u0; u < u1; ++u) {
        const float e0 = extreme[u], leg = e0 - turning[u];
        const auto hi = static_cast<float>(hottest[u]), lo = static_cast<float>(coldest[u]);
        const double margin = 1e-6 * std::max(std::fabs(hottest[u]), std::fabs(coldest[u]));
        if (leg > 0.0f)
          fed |= e0 - lo > h || !(fall[u] + margin <= 0.999999 * hysteresis);
        else if (leg < 0.0f)
          fed |= hi - e0 > h || !(rise[u] + margin <= 0.999999 * hysteresis);
        else  // no direction yet (an idle unit may keep none): it commits to a move beyond h
          fed |= hi - e0 > h || -(lo - e0) > h;
      }
      fed_nodes[node] = fed;
      any |= fed;
      if (fed) continue;
      for (auto u = u0; u < u1; ++u) {
        const float e0 = extreme[u];
        if (e0 > turning[u])
          extreme[u] = std::max(e0, static_cast<float>(hottest[u]));
        else if (e0 < turning[u])
          extreme[u] = std::min(e0, static_cast<float>(coldest[u]));
      }
    }
    return any;
  };
  std::uint8_t* const replay = coast.scratch_replay.data();  // per node, the whole settle
  if (decide(nullptr, replay)) {
    // The nodes fed step by step go again from the settle's start, a chunk of stretches at a
    // time: a chunk's pass notes their extremes and largest fall and rise, and decide() takes
    // the counters' outcome for the nodes where it can; the others are put back to the chunk's
    // start and fed tick by tick (half-cycles complete only in a few chunks: where a stall or a
    // restart begins or ends), the chunk's first stretch and then, decided again, the rest.
    for (std::int64_t node = 0; node < npr; ++node)
      if (replay[node]) std::copy(start + node * apn, start + (node + 1) * apn, jc + node * apn);
    PaceReplay again(*this, r, since, k, coast);
    std::int64_t walked = since;  // the next tick where `again` may change (a stretch's start)
    // Within a stretch of constant inputs each unit's trajectory is monotone (see above), so
    // once a unit's leg runs the way its values move (or it has no direction and did not commit
    // at a value of the stretch, or its values stand still) no half-cycle can complete in the
    // rest of the stretch: the leg only extends (a direction-less unit commits the values' way),
    // to the stretch's last value. A node whose units are all so is stepped without feeding its
    // counter (feeding 2) and fed the stretch's last value. `start` holds each unit's direction
    // of motion in the stretch (−1, 0, 1).
    auto runs_on = [&](std::int64_t node) {
      for (std::int64_t a = node * apn; a < (node + 1) * apn; ++a) {
        const float leg = extreme[a] - turning[a];
        const double motion = start[a];
        if (!(motion == 0.0 || leg == 0.0f || (leg > 0.0f) == (motion > 0.0))) return false;
      }
      return true;
    };
    // In a stretch of constant inputs a unit moving against its leg keeps its extreme, and a
    // unit with no direction its turning point, until the tick where it reverses (or commits);
    // a unit moving with its leg only extends it. So from the junctions now, the ticks [from, x)
    // before the first tick x where some unit of the node reverses or commits
    // (thermal::test_sample, on the values stepped ahead with the step's operations) change nothing
    // but the extremes of units moving with their legs, which observing the last of them sets as
    // observing each would. Returns x, or `end` if none.
    std::int64_t* const quiet_end = coast.scratch_quiet_end.data();
    double* const ahead_c = coast.scratch_quiet_c.data();
    const auto hf = static_cast<float>(hysteresis);
    auto first_turn = [&](std::int64_t node, std::int64_t from, std::int64_t end) {
      const std::int64_t base = node * apn;
      std::copy(jc + base, jc + base + apn, ahead_c);
      for (std::int64_t j = from; j < end; ++j) {
        bool turns = false;
        for (std::int64_t a = 0; a < apn; ++a) {
          const double t_c = ahead_c[a] = drive[base + a] + decay * ahead_c[a];
          const auto t = static_cast<float>(t_c);
          const thermal::SampleTests s =
              thermal::test_sample(turning[base + a], extreme[base + a], t, hf);
          turns |= s.commit | s.reverse;
        }
        if (turns) return j;
      }
      return end;
    };
    auto feed_ticks = [&](std::int64_t j0, std::int64_t j1, std::uint8_t* feeding) {
      for (; walked < j0; walked = again.next_change(walked)) again.at(walked);
      std::int64_t stretch_end = j0;  // the end of the current stretch of constant inputs
      for (std::int64_t j = j0; j < j1; ++j) {
        const bool changed = again.at(j);
        if (changed || j == j0) set_drive(again, feeding);
        // A stretch's first tick: the units' junctions before its step, for their direction.
        const bool first = j >= stretch_end;
        if (first) stretch_end = again.stretches ? j + 1 : again.next_change(j);
        const bool long_stretch = !again.stretches && stretch_end - j >= 3;
        if (first && long_stretch)
          for (std::int64_t node = 0; node < npr; ++node)
            if (feeding[node])
              std::copy(jc + node * apn, jc + (node + 1) * apn, start + node * apn);
        // (The range's end too: a partial feed may end where `again` sees no change.)
        const bool last = j + 1 == stretch_end || j + 1 == j1;
        const double t0_s = static_cast<double>(j) * dt;
        std::int64_t cycles = 0;
        double swing_k = 0.0, damage_ref_s = 0.0;
        for (std::int64_t node = 0; node < npr; ++node) {
          if (!feeding[node]) continue;  // its junctions are the pass's, its counter noted
          const std::int64_t base = node * apn;
          const double node_inlet = again.stretches ? again.step_c[node] : again.node_inlet_c[node];
          const FastTick* stretch = again.stretch_tick(node);
          if (again.stretches) {  // the node's step with its inlet of the tick
            std::copy(jc + base, jc + base + apn, node_t0_c.data());
            for (std::int64_t a = base; a < base + apn; ++a)
              jc[a] = gain * (node_inlet + res[a] * again.node_power_w[node]) + decay * jc[a];
          } else {
            for (std::int64_t a = base; a < base + apn; ++a) jc[a] = drive[a] + decay * jc[a];
          }
          if (first && long_stretch)
            for (std::int64_t a = base; a < base + apn; ++a)
              start[a] = jc[a] > start[a] ? 1.0 : jc[a] < start[a] ? -1.0 : 0.0;
          if (feeding[node] == 2) {  // its legs only extend until quiet_end
            if (j + 1 != quiet_end[node] && j + 1 != j1) continue;
            if (thermal::observe_units(apn, jc + base, hysteresis, turning + base, extreme + base,
                                       node_swing_k.data()))
              throw std::logic_error("settle_rack: a half-cycle where the leg only extends");
            feeding[node] = 1;
            continue;
          }
          if (stretch != nullptr && stretch->traj.boundaries > 0) {
            count_cycles(r * apr + base, node_inlet, again.run_c[node], again.stall_c[node], t0_s,
                         t0_s + dt, *stretch, true, false, cycles, swing_k, damage_ref_s);
          } else if (thermal::observe_units(apn, jc + base, hysteresis, turning + base,
                                            extreme + base, node_swing_k.data())) {
            FastTick ft;  // one stretch at the node's coasting power
            ft.thermal_power_w = again.node_power_w[node];
            const bool in_tick = again.stretches;  // a tick with stretches: their inlets
            count_cycles(r * apr + base, node_inlet, in_tick ? again.run_c[node] : node_inlet,
                         in_tick ? again.stall_c[node] : node_inlet, t0_s, t0_s + dt, ft, true,
                         true, cycles, swing_k, damage_ref_s);
          }
          if (long_stretch && !last) {
            if (runs_on(node)) {
              feeding[node] = 2, quiet_end[node] = stretch_end;
            } else {
              const std::int64_t x = first_turn(node, j + 1, stretch_end);
              if (x - 1 > j + 1) feeding[node] = 2, quiet_end[node] = x;
            }
          }
        }
        if (cycles > 0) {
          coast.settled_cycles += cycles;
          coast.settled_swing_fx += to_fixed(swing_k, kSecondScale);
          coast.settled_damage_fx += to_fixed(damage_ref_s, kSecondScale);
        }
      }
      walked = j1;
    };
    // Per node: fed in the chunk's part being decided; in that part's pass.
    std::uint8_t* const chunk_fed = replay + static_cast<std::size_t>(npr);
    std::uint8_t* const active = chunk_fed + static_cast<std::size_t>(npr);
    std::int64_t j0 = since;
    for (std::size_t s0 = 0; s0 < in.m.size();) {
      const std::size_t s1 = std::min(in.m.size(), s0 + kChunkStretches);
      std::int64_t j1 = j0;
      for (std::size_t s = s0; s < s1; ++s) j1 += in.m[s];
      // The chunk's stretches [c0, s1) for the `active` nodes: first all of it for the replayed
      // nodes; after a stretch fed for some nodes, the rest of it for them.
      std::copy(replay, replay + npr, active);
      std::size_t c0 = s0;
      std::int64_t cj0 = j0;
      int partial_feeds = kPartialFeeds;
      for (;;) {
        // 1. The pass of these nodes over the stretches, from their start (kept in `start`),
        // with each unit's exact largest fall and rise.
        bool all_active = true;
        for (std::int64_t node = 0; node < npr; ++node) {
          all_active &= active[node] != 0;
          if (active[node]) std::copy(jc + node * apn, jc + (node + 1) * apn, start + node * apn);
        }
        quick_pass(c0, s1, all_active ? nullptr : active, true);
        if (!decide(active, chunk_fed)) break;
        // 2. Where that does not show the counter's outcome (a half-cycle may complete): the
        // counter fed at every tick. Half-cycles complete mostly in a settle's first stretch (the
        // rise or fall after the event that settled the rack last), so that stretch alone is fed
        // and the rest goes again as above, a few times per chunk; then the rest is fed.
        for (std::int64_t node = 0; node < npr; ++node)
          if (chunk_fed[node])
            std::copy(start + node * apn, start + (node + 1) * apn, jc + node * apn);
        if (partial_feeds-- > 0 && c0 + 1 < s1) {
          const std::int64_t fed_end = cj0 + in.m[c0];
          feed_ticks(cj0, fed_end, chunk_fed);
          std::copy(chunk_fed, chunk_fed + npr, active);
          c0 += 1;
          cj0 = fed_end;
          continue;
        }
        feed_ticks(cj0, j1, chunk_fed);
        break;
      }
      s0 = s1;
      j0 = j1;
    }
  }
  // The rack's power and mean inlet of its last coasting tick: the next tick's inlet, the
  // hazard update's.
  fleet.rack_power_w[r] = in.end_power_w;
  fleet.rack_inlet_c[r] = in.last_inlet_c;
  double& rack_max = series.rack_values(ids.rack_max_junction)[r];
  rack_max = std::max(rack_max, rack_max_c);
  coast.settled_max_c = std::max(coast.settled_max_c, rack_max_c);
  coast_count_rack(r, -1);
  coast.since[r] = -1;
}

// Racks a and b, in that order, as settle_rack settles them, with their quick passes in one
// settle_pass of both (eight chains instead of four) when they can share it: both coast from the
// same tick with the same settle record (settle_inputs' key: the same inputs, stretch by
// stretch), neither has a node under repair, and they are racks of 4 × 8 units on a CPU with
// AVX-512. Each rack's settle after its pass touches only its own units and its scratch region,
// so the outcome is bit for bit that of settling a, then b. Returns false (nothing done) if they
// cannot share it.
bool Engine::State::settle_pair(std::int64_t a, std::int64_t b, std::int64_t k) {
  if (!settle_pass_pairs(static_cast<std::size_t>(npr), static_cast<std::size_t>(apn)))
    return false;
  const std::int64_t since = coast.since[a];
  if (since < 0 || coast.since[b] != since) return false;
  for (std::int64_t n = 0; n < 2 * npr; ++n)
    if (coast.node_slot[(n < npr ? a : b) * npr + n % npr] == Coasting::kRepairing) return false;
  std::vector<std::uint64_t>& key_b = coast.scratch_pair_key;
  settle_key(b, since, k, key_b);
  const Coasting::SettleInputs& in = settle_inputs(a, since, k);  // (recorded for a's settle)
  if (in.key != key_b) return false;
  const auto n = static_cast<std::size_t>(apr);
  QuickRack q[2];
  for (int i = 0; i < 2; ++i) {
    const std::int64_t r = i == 0 ? a : b;
    const std::size_t at = static_cast<std::size_t>(i) * n;
    double* const jc = fleet.junction_c.data() + r * apr;
    std::copy(jc, jc + n, coast.scratch_start.data() + at);
    q[i] = QuickRack{jc,
                     fleet.resistance_k_per_w.data() + r * apr,
                     coast.scratch_max.data() + at,
                     coast.scratch_min.data() + at,
                     coast.scratch_sampled_max.data() + at,
                     coast.scratch_peak.data() + at,
                     coast.scratch_fall.data() + at,
                     coast.scratch_rise.data() + at};
  }
  const double decay = rc_decay_per_tick;
  double tick_max[2];
  quick_pass_racks(in, npr, apn, 1.0 - decay, decay, q, 2, 0, in.m.size(), nullptr, false,
                   tick_max);
  settle_rack(a, k, 0, &tick_max[0]);
  settle_rack(b, k, 1, &tick_max[1]);
  return true;
}

// Racks racks[0..n) settled in order, neighbours that can share their quick pass in pairs.
void Engine::State::settle_racks(const std::int64_t* racks, std::size_t n, std::int64_t k) {
  for (std::size_t i = 0; i < n;)
    if (i + 1 < n && settle_pair(racks[i], racks[i + 1], k))
      i += 2;
    else
      settle_rack(racks[i++], k);
}

}  // namespace ct::twin
