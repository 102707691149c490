// The one Allreduce per tick. Every rank contributes a fixed-size buffer:
//   - int64 sums in fixed point (so the cross-rank sum is exact and independent of the rank
//     count and order),
//   - double maxima (max is exact),
//   - failure slots: the earliest (time, component key) failure per job, compared
//     lexicographically (so ties resolve identically for any decomposition).
// A user-defined MPI operation combines all three in one call.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

namespace ct::twin {

struct FailureSlot {
  double time_s;     // +inf when empty
  std::int64_t key;  // faults::component_key
  std::int32_t failure_class;
  std::int32_t pad;
};

class TickReduction {
 public:
  TickReduction(int sums, int maxima, int slots);
  ~TickReduction();
  TickReduction(const TickReduction&) = delete;
  TickReduction& operator=(const TickReduction&) = delete;

  void clear();
  std::size_t bytes() const { return buffer_.size(); }  // one tick's allreduce message
  std::int64_t* sums() { return reinterpret_cast<std::int64_t*>(buffer_.data()); }
  double* maxima() { return reinterpret_cast<double*>(buffer_.data() + sums_bytes()); }
  FailureSlot* slots() {
    return reinterpret_cast<FailureSlot*>(buffer_.data() + sums_bytes() + maxima_bytes());
  }
  // Offer a failure to slot s; keeps the earliest (time, key).
  void offer(int slot, double time_s, std::int64_t key, std::int32_t failure_class);

  // In place; collective over `comm`. Keeps a copy of the result.
  void allreduce(MPI_Comm comm);
  double seconds_in_mpi() const { return mpi_seconds_; }

  // Multi-rate stepping: when every rank knows that every rank's contribution equals the one
  // it made to the last reduced tick, the tick takes that result instead of reducing again.
  bool has_previous() const { return has_previous_; }
  void forget_previous() { has_previous_ = false; }
  void repeat_previous();  // the buffer becomes the last reduced result (no communication)
  std::int64_t repeated() const { return repeated_; }

 private:
  std::size_t sums_bytes() const { return static_cast<std::size_t>(n_sums_) * 8; }
  std::size_t maxima_bytes() const { return static_cast<std::size_t>(n_maxima_) * 8; }
  int n_sums_, n_maxima_, n_slots_;
  std::vector<unsigned char> buffer_;    // 8-byte aligned by construction (sizes are multiples)
  std::vector<unsigned char> previous_;  // the last reduced result
  bool has_previous_ = false;
  std::int64_t repeated_ = 0;
  MPI_Op op_ = MPI_OP_NULL;
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
  double mpi_seconds_ = 0.0;
};

// Fixed-point scales of the int64 sums: one tick of 10^6 accelerators at 1 kW over a 60 s tick
// stays far below 2^63 ≈ 9.2e18.
inline constexpr double kWattScale = 1e6;    // µW
inline constexpr double kJouleScale = 1e6;   // µJ
inline constexpr double kSecondScale = 1e9;  // ns (accelerator-seconds)
inline constexpr std::int64_t kSecondScaleInt = 1000000000;
inline constexpr double kCountScale = 1e12;  // expected failure counts

inline std::int64_t to_fixed(double value, double scale) {
  return static_cast<std::int64_t>(value * scale + (value >= 0 ? 0.5 : -0.5));
}
inline double from_fixed(std::int64_t value, double scale) {
  return static_cast<double>(value) / scale;
}

// A run total of fixed-point values, exact whatever the order and grouping of its terms (a tick's
// or several ticks' at once: multi-rate stepping) and without overflow: whole units and the
// remainder in [0, scale).
struct FixedTotal {
  std::int64_t whole = 0, part = 0;
  void add(std::int64_t fx, std::int64_t scale) {
    whole += fx / scale;
    part += fx % scale;
    if (part < 0) part += scale, --whole;
    if (part >= scale) part -= scale, ++whole;
  }
  double value(double scale) const {
    return static_cast<double>(whole) + static_cast<double>(part) / scale;
  }
  template <class Archive>
  void serialize(Archive& ar) {
    ar(whole, part);
  }
};

}  // namespace ct::twin
