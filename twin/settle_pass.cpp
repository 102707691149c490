// The settle's first pass (settle_pass.hpp). A block of units (C vectors of L lanes, each vector
// within one node) keeps its junctions and tick-end extremes in registers through all of the
// stretches: C independent chains hide the step's multiply-add latency, and nothing goes to
// memory per tick. Element-wise IEEE operations only, in the kernel's order (no FMA: the build
// sets -ffp-contract=off), so every instruction set gives the kernel's bits.
#include "twin/settle_pass.hpp"

#include <cstring>

namespace ct::twin {

namespace {

using f64x2 = double __attribute__((vector_size(16)));
#if defined(__x86_64__)
using f64x4 = double __attribute__((vector_size(32)));
using f64x8 = double __attribute__((vector_size(64)));
#endif

// A value in every lane is written x − V{}: exact for every x, and GCC folds it to a broadcast
// (V{} + x is not folded, since 0.0 + x is not x for x = −0.0: an add per value).

// A value v noted: the extremes, and with Exact the peak and the largest fall and rise so far
// (note_unit's operations in its order: the same values).
template <bool Exact, class V>
[[gnu::always_inline]] inline void note(const V& v, V& hot, V& cold, V& peak, V& fall, V& rise) {
  hot = hot > v ? hot : v;
  cold = cold < v ? cold : v;
  if constexpr (Exact) {
    peak = peak > v ? peak : v;
    const V down = peak - v, up = v - cold;
    fall = fall < down ? down : fall;
    rise = rise < up ? up : rise;
  }
}

// The optional arrays (no offset taken from a null pointer).
template <bool Present, class V>
[[gnu::always_inline]] inline void load(V& v, const double* p, std::size_t u) {
  if constexpr (Present) std::memcpy(&v, p + u, sizeof(V));
}

template <bool Present, class V>
[[gnu::always_inline]] inline void store(double* p, std::size_t u, const V& v) {
  if constexpr (Present) std::memcpy(p + u, &v, sizeof(V));
}

// C vectors of L lanes from unit u0 on, through the stretches; with Pair, C / 2 of them from
// each of the two racks' unit u0 on.
template <bool Exact, class V, int L, int C, bool Pair = false>
[[gnu::always_inline]] inline void step_block(const SettlePassArgs& a, std::size_t u0) {
  static_assert(!Pair || (!Exact && C % 2 == 0));
  constexpr int kPerRack = Pair ? C / 2 : C;
  V t[C], hot[C], cold[C], res[C], peak[C]{}, fall[C]{}, rise[C]{};
  std::size_t node[C];
  auto unit = [&](int c) { return u0 + static_cast<std::size_t>((c % kPerRack) * L); };
  auto second = [](int c) { return Pair && c >= kPerRack; };
  for (int c = 0; c < C; ++c) {
    const std::size_t u = unit(c);
    std::memcpy(&t[c], (second(c) ? a.junction2_c : a.junction_c) + u, sizeof(V));
    std::memcpy(&hot[c], (second(c) ? a.hottest2_c : a.hottest_c) + u, sizeof(V));
    std::memcpy(&cold[c], (second(c) ? a.coldest2_c : a.coldest_c) + u, sizeof(V));
    std::memcpy(&res[c], (second(c) ? a.resistance2_k_per_w : a.resistance_k_per_w) + u, sizeof(V));
    load<Exact>(peak[c], a.peak_c, u);
    load<Exact>(fall[c], a.fall_c, u);
    load<Exact>(rise[c], a.rise_c, u);
    node[c] = u / a.units_per_node;
  }
  const V gain = a.gain - V{}, decay = a.decay - V{};
  const std::size_t stride = a.node_stride != 0 ? a.node_stride : a.nodes;
  for (std::size_t s = a.first; s < a.last; ++s) {
    const double* inlet = a.inlet_c + s * stride;
    const double* power = a.power_w + s * stride;
    V drive[C];
    for (int c = 0; c < C; ++c) {
      // gain · (inlet + R · power), then drive + decay · T: the kernel's operations.
      drive[c] = gain * ((inlet[node[c]] - V{}) + res[c] * (power[node[c]] - V{}));
      t[c] = drive[c] + decay * t[c];
      note<Exact>(t[c], hot[c], cold[c], peak[c], fall[c], rise[c]);
    }
    const std::int64_t m = a.ticks[s];
    if (m > 1) {
      for (std::int64_t i = 1; i < m; ++i)
        for (int c = 0; c < C; ++c) t[c] = drive[c] + decay * t[c];
      for (int c = 0; c < C; ++c) note<Exact>(t[c], hot[c], cold[c], peak[c], fall[c], rise[c]);
    }
  }
  for (int c = 0; c < C; ++c) {
    const std::size_t u = unit(c);
    std::memcpy((second(c) ? a.junction2_c : a.junction_c) + u, &t[c], sizeof(V));
    std::memcpy((second(c) ? a.hottest2_c : a.hottest_c) + u, &hot[c], sizeof(V));
    std::memcpy((second(c) ? a.coldest2_c : a.coldest_c) + u, &cold[c], sizeof(V));
    store<Exact>(a.peak_c, u, peak[c]);
    store<Exact>(a.fall_c, u, fall[c]);
    store<Exact>(a.rise_c, u, rise[c]);
  }
}

// All units: blocks of C vectors, then single vectors (the units per node are a multiple of L).
template <bool Exact, class V, int L, int C>
[[gnu::always_inline]] inline void step_all(const SettlePassArgs& a) {
  const std::size_t n = a.nodes * a.units_per_node;
  std::size_t u = 0;
  for (; u + C * L <= n; u += C * L) step_block<Exact, V, L, C>(a, u);
  for (; u < n; u += L) step_block<Exact, V, L, 1>(a, u);
}

template <class V, int L, int C>
[[gnu::always_inline]] inline void step_any(const SettlePassArgs& a) {
  if (a.fall_c != nullptr)
    step_all<true, V, L, C>(a);
  else
    step_all<false, V, L, C>(a);
}

// One unit at a time (any units per node): the scalar form of the same operations.
void step_scalar(const SettlePassArgs& a) { step_any<double, 1, 1>(a); }

void step_sse2(const SettlePassArgs& a) { step_any<f64x2, 2, 4>(a); }

#if defined(__x86_64__)
[[gnu::target("avx2")]] void step_avx2(const SettlePassArgs& a) { step_any<f64x4, 4, 8>(a); }
// Four chains of eight: a rack of 4 nodes × 8 units is one block, in 20 of the 32 registers
// (with the exact fall and rise, 32: GCC keeps the inner loop's few in registers).
[[gnu::target("avx512f")]] void step_avx512(const SettlePassArgs& a) { step_any<f64x8, 8, 4>(a); }
// Two racks of 4 × 8 units: eight chains, a third faster than a pass per rack (the step's
// multiply and add are latency-bound at four).
[[gnu::target("avx512f")]] void step_pair_avx512(const SettlePassArgs& a) {
  step_block<false, f64x8, 8, 8, true>(a, 0);
}
#endif

// The boundary samples, L units at a time (L = 1: doubles; the units are a multiple of L).
template <bool Exact, class V, int L>
[[gnu::always_inline]] inline void sample_all(const SettleSampleArgs& a) {
  for (std::size_t u = 0; u < a.units; u += L) {
    V t, r, hot, cold, peak{}, fall{}, rise{};
    std::memcpy(&t, a.junction_c + u, sizeof(V));
    std::memcpy(&r, a.resistance_k_per_w + u, sizeof(V));
    std::memcpy(&hot, a.sampled_c + u, sizeof(V));
    std::memcpy(&cold, a.coldest_c + u, sizeof(V));
    load<Exact>(peak, a.peak_c, u);
    load<Exact>(fall, a.fall_c, u);
    load<Exact>(rise, a.rise_c, u);
    const bool per_node = a.node_run_c != nullptr;
    const double run_c = per_node ? a.node_run_c[u / a.units_per_node] : a.run_c;
    const double stall_c = per_node ? a.node_stall_c[u / a.units_per_node] : a.stall_c;
    const V run = (run_c - V{}) + r * (a.run_w - V{});
    const V stall = (stall_c - V{}) + r * (a.stall_w - V{});
    for (int b = 0; b < a.boundaries; ++b) {
      const double* q = a.weights + 3 * b;
      const V v = (q[0] - V{}) * t + (q[1] - V{}) * run + (q[2] - V{}) * stall;
      note<Exact>(v, hot, cold, peak, fall, rise);
    }
    std::memcpy(a.sampled_c + u, &hot, sizeof(V));
    std::memcpy(a.coldest_c + u, &cold, sizeof(V));
    store<Exact>(a.peak_c, u, peak);
    store<Exact>(a.fall_c, u, fall);
    store<Exact>(a.rise_c, u, rise);
  }
}

template <class V, int L>
[[gnu::always_inline]] inline void sample_any(const SettleSampleArgs& a) {
  if (a.fall_c != nullptr)
    sample_all<true, V, L>(a);
  else
    sample_all<false, V, L>(a);
}

void sample_sse2(const SettleSampleArgs& a) { sample_any<f64x2, 2>(a); }

void sample_scalar(const SettleSampleArgs& a) { sample_any<double, 1>(a); }

#if defined(__x86_64__)
[[gnu::target("avx2")]] void sample_avx2(const SettleSampleArgs& a) { sample_any<f64x4, 4>(a); }
[[gnu::target("avx512f")]] void sample_avx512(const SettleSampleArgs& a) {
  sample_any<f64x8, 8>(a);
}
#endif

}  // namespace

bool settle_pass_has_avx2() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

bool settle_pass_has_avx512() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
#else
  return false;
#endif
}

bool settle_pass_pairs(std::size_t nodes, std::size_t units_per_node) {
  return units_per_node % 8 == 0 && nodes * units_per_node == 32 && settle_pass_has_avx512();
}

void settle_pass(const SettlePassArgs& a, SettleIsa isa) {
  if (a.first >= a.last) return;
  if (a.junction2_c != nullptr) {
#if defined(__x86_64__)
    if (isa == SettleIsa::best && a.peak_c == nullptr &&
        settle_pass_pairs(a.nodes, a.units_per_node))
      return step_pair_avx512(a);
#endif
    SettlePassArgs one = a, two = a;  // a pass per rack
    one.junction2_c = two.junction2_c = nullptr;
    two.junction_c = a.junction2_c, two.resistance_k_per_w = a.resistance2_k_per_w;
    two.hottest_c = a.hottest2_c, two.coldest_c = a.coldest2_c;
    settle_pass(one, isa);
    return settle_pass(two, isa);
  }
#if defined(__x86_64__)
  if (isa == SettleIsa::best && a.units_per_node % 8 == 0 && settle_pass_has_avx512())
    return step_avx512(a);
  if ((isa == SettleIsa::best || isa == SettleIsa::avx2) && a.units_per_node % 4 == 0 &&
      settle_pass_has_avx2())
    return step_avx2(a);
#endif
  if (isa != SettleIsa::scalar && a.units_per_node % 2 == 0) return step_sse2(a);
  step_scalar(a);
}

void settle_samples(const SettleSampleArgs& a, SettleIsa isa) {
  // A vector's lanes within one node.
  const std::size_t block = a.node_run_c != nullptr ? a.units_per_node : a.units;
#if defined(__x86_64__)
  if (isa == SettleIsa::best && block % 8 == 0 && settle_pass_has_avx512()) return sample_avx512(a);
  if ((isa == SettleIsa::best || isa == SettleIsa::avx2) && block % 4 == 0 &&
      settle_pass_has_avx2())
    return sample_avx2(a);
#endif
  if (isa != SettleIsa::scalar && block % 2 == 0) return sample_sse2(a);
  sample_scalar(a);
}

}  // namespace ct::twin
