// Short fixed-width vectors (GCC/Clang vector extensions) for the engine's per-unit loops.
//
// The hot loops step a node's units (8 per node, 4 at a time) with element-wise IEEE operations
// only, so a vector loop gives bit-for-bit the results of the scalar code it replaces; the
// scalar form stays next to each vector loop as its reference and its tail. The extensions
// lower to SSE2 on generic x86-64 (no -march needed); comparisons give lane masks (−1 / 0), and
// `mask ? a : b` selects per lane, and `V{} + x` broadcasts a scalar.
#pragma once

#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ct::simd {

// 16 bytes: one SSE2 register. (Wider generic vectors are split by the compiler, and some of
// their operations, e.g. comparisons, then come out element by element.)
using f32x4 = float __attribute__((vector_size(16)));
using i32x4 = std::int32_t __attribute__((vector_size(16)));
using f64x2 = double __attribute__((vector_size(16)));
using i64x2 = std::int64_t __attribute__((vector_size(16)));
using f32x2 = float __attribute__((vector_size(8)));

// Unaligned loads and stores (memcpy: no aliasing or alignment assumptions; compiles to movu*).
template <class V>
inline V load(const void* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
inline void store(void* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

// Four doubles rounded to float (as static_cast<float> does each).
inline f32x4 to_float4(const double* p) {
  const f32x2 lo = __builtin_convertvector(load<f64x2>(p), f32x2);
  const f32x2 hi = __builtin_convertvector(load<f64x2>(p + 2), f32x2);
  return __builtin_shufflevector(lo, hi, 0, 1, 2, 3);
}

// All-lanes tests of double comparisons, accumulated over a loop: `Lanes ok = all_lanes();`,
// `ok = both(ok, a == b, c <= d);`, then `all(ok)`. With SSE2 these are cmppd/andpd/movmskpd;
// GCC's generic lowering of 64-bit lane masks on SSE2 goes through scalar registers instead.
#if defined(__SSE2__)
using Lanes = __m128d;
inline Lanes all_lanes() { return _mm_castsi128_pd(_mm_set1_epi32(-1)); }
inline Lanes equal_and_at_most(Lanes ok, f64x2 a, f64x2 b, f64x2 c, f64x2 d) {
  return _mm_and_pd(ok, _mm_and_pd(_mm_cmpeq_pd(a, b), _mm_cmple_pd(c, d)));
}
inline bool all(Lanes ok) { return _mm_movemask_pd(ok) == 3; }
#else
using Lanes = i64x2;
inline Lanes all_lanes() { return i64x2{} - 1; }
inline Lanes equal_and_at_most(Lanes ok, f64x2 a, f64x2 b, f64x2 c, f64x2 d) {
  return ok & (a == b) & (c <= d);
}
inline bool all(Lanes ok) { return (ok[0] & ok[1]) == -1; }
#endif

}  // namespace ct::simd
