// exp and x^y for the hazard model (hazard_math.hpp). One template over GCC vector types does
// the arithmetic for every width: element-wise IEEE operations and integer bit operations only,
// so a lane's value does not depend on the vector it was in.
//
// e^x: k = round(x / ln 2) (the 1.5·2^52 shifter), r = x − k·ln 2 in two parts (Cody–Waite;
// |r| ≤ ln 2 / 2), e^r = 1 + (r + r²·q(r)) with q the Taylor series to r^11/13! (truncation
// below 1e-17 relative) evaluated by Estrin's scheme, and 2^k put in the exponent bits.
// ln x: x = 2^e·m with m in [√2/2, √2), f = m − 1 (exact), s = f/(2 + f),
// ln m = 2·atanh(s) = f − s·f + 2s·z·q(z), z = s², q = Σ z^j/(2j + 3), j ≤ 10 (truncation
// below 1e-18 relative); ln x = e·ln2_hi + (ln m + e·ln2_lo).
#include "faults/hazard_math.hpp"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ct::faults {

namespace {

using f64x2 = double __attribute__((vector_size(16)));
using u64x2 = std::uint64_t __attribute__((vector_size(16)));
#if defined(__x86_64__)
using f64x4 = double __attribute__((vector_size(32)));
using u64x4 = std::uint64_t __attribute__((vector_size(32)));
using f64x8 = double __attribute__((vector_size(64)));
using u64x8 = std::uint64_t __attribute__((vector_size(64)));
#endif

// ln 2 split so that k·kLn2Hi is exact for |k| < 2^20 (its low 32 bits are zero).
constexpr double kLn2Hi = 0x1.62e42feep-1;
constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
constexpr double kLog2e = 0x1.71547652b82fep0;
constexpr double kShifter = 0x1.8p52;  // x + 1.5·2^52 rounds x to an integer in the low bits
constexpr std::uint64_t kShifterBits = 0x4338000000000000ULL;
constexpr double kExpLimit = 708.0;

template <int N>
constexpr double inverse_factorial() {
  double f = 1.0;
  for (int i = 2; i <= N; ++i) f *= i;  // exact up to 18!
  return 1.0 / f;
}

// e^x for |x| ≤ kExpLimit (other lanes: garbage, the caller replaces them).
// (By reference: vector values passed by value warn of the ABI, -Wpsabi.)
template <class V, class U>
[[gnu::always_inline]] inline void exp_core(const V& x, V& out) {
  const V t = x * (kLog2e - V{}) + (kShifter - V{});
  const V k = t - (kShifter - V{});
  const V r = (x - k * (kLn2Hi - V{})) - k * (kLn2Lo - V{});
  const V r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  constexpr double c2 = inverse_factorial<2>(), c3 = inverse_factorial<3>();
  constexpr double c4 = inverse_factorial<4>(), c5 = inverse_factorial<5>();
  constexpr double c6 = inverse_factorial<6>(), c7 = inverse_factorial<7>();
  constexpr double c8 = inverse_factorial<8>(), c9 = inverse_factorial<9>();
  constexpr double c10 = inverse_factorial<10>(), c11 = inverse_factorial<11>();
  constexpr double c12 = inverse_factorial<12>(), c13 = inverse_factorial<13>();
  const V p0 = (c2 - V{}) + (c3 - V{}) * r, p1 = (c4 - V{}) + (c5 - V{}) * r;
  const V p2 = (c6 - V{}) + (c7 - V{}) * r, p3 = (c8 - V{}) + (c9 - V{}) * r;
  const V p4 = (c10 - V{}) + (c11 - V{}) * r, p5 = (c12 - V{}) + (c13 - V{}) * r;
  const V q = ((p0 + p1 * r2) + (p2 + p3 * r2) * r4) + (p4 + p5 * r2) * r8;
  const V er = (1.0 - V{}) + (r + r2 * q);
  // 2^k: k + 1023 in the exponent field (k is in [−1022, 1022] here).
  const U kbits = __builtin_bit_cast(U, t) - kShifterBits;
  const U scale = (kbits + 1023U) << 52;
  out = er * __builtin_bit_cast(V, scale);
}

// ln x for x positive, normal and finite (other lanes: garbage, the caller replaces them).
template <class V, class U>
[[gnu::always_inline]] inline void log_core(const V& x, V& out) {
  const U bits = __builtin_bit_cast(U, x);
  U e = (bits >> 52) - 1023U;  // wraps for negative exponents: two's complement
  const U mbits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  V m = __builtin_bit_cast(V, mbits);                // in [1, 2)
  const auto big = m > (0x1.6a09e667f3bcdp0 - V{});  // √2: lanes of −1 (true) or 0
  m = big ? m * (0.5 - V{}) : m;
  e -= __builtin_bit_cast(U, big);  // + 1 where halved
  // e as a double, exactly: its bits added to the shifter's, then the shifter taken away.
  const U ebits = e + kShifterBits;
  const V ed = __builtin_bit_cast(V, ebits) - (kShifter - V{});
  const V f = m - (1.0 - V{});
  const V s = f / ((2.0 - V{}) + f);
  const V z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  // 1/(2j + 3), j = 0..10
  constexpr double d0 = 1.0 / 3, d1 = 1.0 / 5, d2 = 1.0 / 7, d3 = 1.0 / 9, d4 = 1.0 / 11;
  constexpr double d5 = 1.0 / 13, d6 = 1.0 / 15, d7 = 1.0 / 17, d8 = 1.0 / 19, d9 = 1.0 / 21;
  constexpr double d10 = 1.0 / 23;
  const V a0 = (d0 - V{}) + (d1 - V{}) * z, a1 = (d2 - V{}) + (d3 - V{}) * z;
  const V a2 = (d4 - V{}) + (d5 - V{}) * z, a3 = (d6 - V{}) + (d7 - V{}) * z;
  const V a4 = (d8 - V{}) + (d9 - V{}) * z, a5 = d10 - V{};
  const V q = ((a0 + a1 * z2) + (a2 + a3 * z2) * z4) + (a4 + a5 * z2) * z8;
  const V log_m = f - (s * f - (s + s) * (z * q));
  out = ed * (kLn2Hi - V{}) + (log_m + ed * (kLn2Lo - V{}));
}

bool exp_in_range(double x) { return std::fabs(x) <= kExpLimit; }
bool log_in_range(double x) { return x >= DBL_MIN && x <= DBL_MAX; }

// L values from p on (exp), with libm's value in the lanes outside the range.
template <class V, class U, int L>
[[gnu::always_inline]] inline void exp_block(const double* x, double* out) {
  V v;
  std::memcpy(&v, x, sizeof v);
  V y;
  exp_core<V, U>(v, y);
  double lanes[L];
  std::memcpy(lanes, &y, sizeof y);
  for (int i = 0; i < L; ++i)
    if (!exp_in_range(x[i])) lanes[i] = std::exp(x[i]);
  std::memcpy(out, lanes, sizeof lanes);
}

template <class V, class U, int L>
[[gnu::always_inline]] inline void pow_block(const double* x, double y, double* out) {
  V v;
  std::memcpy(&v, x, sizeof v);
  V ln, p;
  log_core<V, U>(v, ln);
  const V w = (y - V{}) * ln;
  exp_core<V, U>(w, p);
  double ws[L], lanes[L];
  std::memcpy(ws, &w, sizeof w);
  std::memcpy(lanes, &p, sizeof p);
  for (int i = 0; i < L; ++i)
    if (!log_in_range(x[i]) || !exp_in_range(ws[i])) lanes[i] = std::pow(x[i], y);
  std::memcpy(out, lanes, sizeof lanes);
}

// The tail (fewer than L values) is one more block, padded with values in range (a batch is
// often shorter than a vector: the swings of a node that changed, its confirmed half-cycles).
template <class V, class U, int L>
[[gnu::always_inline]] inline void exp_all(const double* x, double* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + L <= n; i += L) exp_block<V, U, L>(x + i, out + i);
  if (i == n) return;
  double in[L], res[L];
  for (int j = 0; j < L; ++j) in[j] = i + j < n ? x[i + j] : 0.0;
  exp_block<V, U, L>(in, res);
  for (std::size_t j = 0; i + j < n; ++j) out[i + j] = res[j];
}

template <class V, class U, int L>
[[gnu::always_inline]] inline void pow_all(const double* x, double y, double* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + L <= n; i += L) pow_block<V, U, L>(x + i, y, out + i);
  if (i == n) return;
  double in[L], res[L];
  for (int j = 0; j < L; ++j) in[j] = i + j < n ? x[i + j] : 1.0;
  pow_block<V, U, L>(in, y, res);
  for (std::size_t j = 0; i + j < n; ++j) out[i + j] = res[j];
}

#if defined(__x86_64__)
[[gnu::target("avx2")]] void exp_avx2(const double* x, double* out, std::size_t n) {
  exp_all<f64x4, u64x4, 4>(x, out, n);
}
[[gnu::target("avx512f")]] void exp_avx512(const double* x, double* out, std::size_t n) {
  exp_all<f64x8, u64x8, 8>(x, out, n);
}
[[gnu::target("avx2")]] void pow_avx2(const double* x, double y, double* out, std::size_t n) {
  pow_all<f64x4, u64x4, 4>(x, y, out, n);
}
[[gnu::target("avx512f")]] void pow_avx512(const double* x, double y, double* out, std::size_t n) {
  pow_all<f64x8, u64x8, 8>(x, y, out, n);
}

bool has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
bool has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}
#endif

}  // namespace

double hazard_exp(double x) {
  if (!exp_in_range(x)) return std::exp(x);
  f64x2 y;
  exp_core<f64x2, u64x2>(f64x2{x, x}, y);
  return y[0];
}

double hazard_pow(double x, double y) {
  if (!log_in_range(x)) return std::pow(x, y);
  f64x2 ln, p;
  log_core<f64x2, u64x2>(f64x2{x, x}, ln);
  const double w = y * ln[0];
  if (!exp_in_range(w)) return std::pow(x, y);
  exp_core<f64x2, u64x2>(f64x2{w, w}, p);
  return p[0];
}

void hazard_exp_n(const double* x, double* out, std::size_t n, HazardMathIsa isa) {
#if defined(__x86_64__)
  if (isa == HazardMathIsa::best && has_avx512()) return exp_avx512(x, out, n);
  if (isa != HazardMathIsa::sse2 && has_avx2()) return exp_avx2(x, out, n);
#endif
  (void)isa;
  exp_all<f64x2, u64x2, 2>(x, out, n);
}

void hazard_pow_n(const double* x, double y, double* out, std::size_t n, HazardMathIsa isa) {
#if defined(__x86_64__)
  if (isa == HazardMathIsa::best && has_avx512()) return pow_avx512(x, y, out, n);
  if (isa != HazardMathIsa::sse2 && has_avx2()) return pow_avx2(x, y, out, n);
#endif
  (void)isa;
  pow_all<f64x2, u64x2, 2>(x, y, out, n);
}

}  // namespace ct::faults
