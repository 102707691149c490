// Counter-based random numbers (Random123 Philox4x32-10).
//
// Every draw is a pure function of (seed, stream, component id, draw index): no generator state,
// no dependence on which MPI rank owns the component, so results are bit-identical for any rank
// count. The transforms from uniform bits to other distributions are written here (the standard
// library's distributions differ between implementations).
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>

namespace ct::rng {

// Streams separate independent uses of the same component id. Never renumber: that would change
// every result for a given seed.
enum class Stream : std::uint32_t {
  thermal_resistance = 1,  // per-accelerator spread of junction thermal resistance
  failure_threshold = 2,   // Exp(1) threshold per component life
  failure_cause = 3,       // choice among competing failure classes
  job_failure = 4,         // job-level (software) failure thresholds
  replica_seed = 5,        // derivation of ensemble replica seeds
  sched_workload = 6,      // synthetic batch workload: arrivals, sizes, durations (sched/)
  serving_arrivals = 7,    // inference requests: Poisson candidates and thinning (serving/)
  serving_requests = 8,    // inference requests: prompt and output lengths (serving/)
  fail_slow = 20,          // fail-slow events: arrivals, instance, duration (per class)
};

// Four independent 32-bit words for (seed, stream, id, draw).
inline std::array<std::uint32_t, 4> philox_words(std::uint64_t seed, Stream stream,
                                                 std::uint64_t id, std::uint32_t draw) {
  using Philox = r123::Philox4x32;
  const Philox::ctr_type ctr = {{static_cast<std::uint32_t>(id),
                                 static_cast<std::uint32_t>(id >> 32),
                                 static_cast<std::uint32_t>(stream), draw}};
  const Philox::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  const Philox::ctr_type out = Philox{}(ctr, key);
  return {out[0], out[1], out[2], out[3]};
}

// 53-bit uniform strictly inside (0, 1), from two 32-bit words.
inline double bits_to_open01(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(hi) << 21) ^ (lo >> 11);
  return (static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) + 0.5) * 0x1.0p-53;
}

inline double uniform01(std::uint64_t seed, Stream stream, std::uint64_t id, std::uint32_t draw) {
  const auto w = philox_words(seed, stream, id, draw);
  return bits_to_open01(w[0], w[1]);
}

// Exp(1): inverse transform.
inline double exponential1(std::uint64_t seed, Stream stream, std::uint64_t id,
                           std::uint32_t draw) {
  return -std::log(uniform01(seed, stream, id, draw));
}

// N(0, 1) by Box–Muller on the four words of one draw (the cosine branch only).
inline double standard_normal(std::uint64_t seed, Stream stream, std::uint64_t id,
                              std::uint32_t draw) {
  const auto w = philox_words(seed, stream, id, draw);
  const double u1 = bits_to_open01(w[0], w[1]);
  const double u2 = bits_to_open01(w[2], w[3]);
  constexpr double two_pi = 6.283185307179586476925286766559;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
}

// Seed of replica r of an ensemble: a hash of (seed, r), so replicas are independent streams.
inline std::uint64_t replica_seed(std::uint64_t seed, std::uint32_t replica) {
  if (replica == 0) return seed;
  const auto w = philox_words(seed, Stream::replica_seed, replica, 0);
  return (static_cast<std::uint64_t>(w[0]) << 32) | w[1];
}

}  // namespace ct::rng
