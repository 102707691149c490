// The settle's first pass (twin/README.md, "Multi-rate stepping", "Settling"): a coasting rack's
// units stepped through stretches of constant inputs with the kernel's operations in the kernel's
// order, each unit's state held in registers across the stretches, noting only the extremes of
// the tick ends. Plain C++: no engine types, so a unit test drives it directly.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ct::twin {

// Stretches [first, last) of a settle, with no boundary samples inside them (the caller notes
// those between calls), for the n = nodes · units_per_node units of one rack.
struct SettlePassArgs {
  double* junction_c = nullptr;                // per unit: in and out
  const double* resistance_k_per_w = nullptr;  // per unit
  double* hottest_c = nullptr;                 // per unit: in and out, max over tick ends
  double* coldest_c = nullptr;                 // per unit: in and out, min over tick ends
  std::size_t nodes = 0, units_per_node = 0;
  const std::int64_t* ticks = nullptr;  // per stretch: its ticks (≥ 1)
  const double* inlet_c = nullptr;      // per stretch and node (s · nodes + node)
  const double* power_w = nullptr;      // per stretch and node
  std::size_t node_stride = 0;          // between stretches in inlet_c, power_w (0: nodes)
  std::size_t first = 0, last = 0;
  double gain = 0.0, decay = 0.0;
  // Optional (all three or none): the exact largest fall from a maximum and rise from a minimum
  // of the values noted in order (the cycle counter's test), with peak_c the maximum of every
  // value noted (tick ends and boundary samples) and coldest_c their minimum: at each value v,
  // peak = max(peak, v), cold = min(cold, v), fall = max(fall, peak − v), rise = max(rise,
  // v − cold).
  double* peak_c = nullptr;
  double* fall_c = nullptr;
  double* rise_c = nullptr;
  // Optional (all four or none; not with peak_c): a second rack's units, with the same count,
  // stretches and inputs (racks whose settles share a record), stepped in the same pass: twice
  // the independent chains hide more of the step's latency. Each unit's values are those of a
  // pass of its rack alone.
  double* junction2_c = nullptr;
  const double* resistance2_k_per_w = nullptr;
  double* hottest2_c = nullptr;
  double* coldest2_c = nullptr;
};

// Which instruction set steps the units. Every one gives the same bits (element-wise IEEE
// multiplies, adds, max and min, no contraction); `best` is AVX-512 when the CPU has it and the
// units per node are a multiple of 8, else AVX2 when it has that (`avx2` skips AVX-512; each
// falls back to SSE2, then scalar, where the CPU or the shape does not allow it).
enum class SettleIsa { best, avx2, sse2, scalar };

// Each stretch s: the first step with drive = gain · (inlet + R · power), T ← drive + decay · T,
// then its other ticks − 1 steps; the extremes are noted after the first and the last step (the
// step is a monotone map, so they bound the stretch's tick ends).
void settle_pass(const SettlePassArgs& a, SettleIsa isa = SettleIsa::best);

// A node's junctions sampled at the boundaries inside a tick with stretches, before the tick's
// step (what the cycle counter sees): boundary b's value is
// q0 · T + q1 · (run_c + R · run_w) + q2 · (stall_c + R · stall_w), q = weights + 3 · b (the
// boundary's decay and weights), in the kernel's order; each value is folded into sampled_c
// (max) and coldest_c (min).
struct SettleSampleArgs {
  const double* junction_c = nullptr;          // per unit
  const double* resistance_k_per_w = nullptr;  // per unit
  double* sampled_c = nullptr;                 // per unit: in and out, max over the samples
  double* coldest_c = nullptr;                 // per unit: in and out, min over the samples
  std::size_t units = 0;
  int boundaries = 0;
  const double* weights = nullptr;  // 3 per boundary
  double run_c = 0.0, stall_c = 0.0, run_w = 0.0, stall_w = 0.0;
  // Optional: several nodes of units_per_node units each (units a multiple of it) sharing the
  // weights and powers, each with its own run_c and stall_c (these arrays, per node; the scalars
  // above are then not read).
  const double* node_run_c = nullptr;
  const double* node_stall_c = nullptr;
  std::size_t units_per_node = 0;
  // Optional, as in SettlePassArgs: the samples also noted in peak, fall and rise.
  double* peak_c = nullptr;
  double* fall_c = nullptr;
  double* rise_c = nullptr;
};

void settle_samples(const SettleSampleArgs& a, SettleIsa isa = SettleIsa::best);

// Whether this CPU has AVX2, and AVX-512 (F), for settle_pass and settle_samples.
bool settle_pass_has_avx2();
bool settle_pass_has_avx512();

// Whether settle_pass (isa best) steps two racks of `nodes` × `units_per_node` units in one pass
// of eight chains (junction2_c set, no peak_c) on this CPU; otherwise it takes a pass per rack.
bool settle_pass_pairs(std::size_t nodes, std::size_t units_per_node);

}  // namespace ct::twin
