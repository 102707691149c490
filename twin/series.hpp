// Output series, declared once. Each series is one table entry: its path, units and CF
// metadata, how ranks' contributions combine, how it accumulates over an output interval, and
// its accumulator state. The table drives the HDF5 layout (specs()), staging and reset at the
// end of each output interval (stage()), the tick reduction's slots of reduced series, and the
// restart file (serialize_replicated(), for_each_rack_field()): a series cannot be written but
// forgotten by the restart code, because the restart code only ever sees the table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "io/hdf5_output.hpp"

namespace ct::twin {

class TickReduction;

// How ranks' values combine into the tick's value.
enum class Reduce : std::uint8_t {
  replicated,  // every rank computes the same value from reduced inputs (rank 0 writes it)
  sum,         // each rank contributes its racks' part; the tick reduction sums (fixed point)
  max,         // the tick reduction takes the maximum
  per_rack,    // one value per rack, each rank its own racks (dimensions time × rack)
};

// How the tick values become the interval's sample.
enum class Accumulate : std::uint8_t {
  time_mean,  // Σ v·Δt / interval                     cell_methods "time: mean"
  tick_mean,  // Σ v / ticks (per-rack series)          "time: mean"
  ratio,      // Σ a / Σ b (a weighted mean), or empty   "time: mean"
  sum,        // Σ v over the interval                  "time: sum"
  maximum,    // largest tick value                     "time: maximum"
  minimum,    // smallest tick value (empty: fill)      "time: minimum"
  last,       // value at the end of the interval       "time: point"
  derived,    // computed from other series' accumulators at the end of the interval
};

struct SeriesDef {
  std::string path;  // e.g. "facility/power_it_w"
  std::string units;
  std::string long_name;
  Accumulate accumulate = Accumulate::time_mean;
  Reduce reduce = Reduce::replicated;
  io::StoreType type = io::StoreType::f64;
  std::string standard_name;  // CF standard name, where one exists
  std::string cell_methods;   // default from `accumulate`
  double reset = 0.0;         // accumulator value at the start of an interval (maximum/minimum)
  double empty = 0.0;         // ratio with Σ b = 0; minimum/maximum still at `reset`: empty_nan
  bool empty_nan = false;     // minimum/maximum never updated → NaN
  double fixed_scale = 1e6;   // Reduce::sum: fixed-point scale of the tick reduction
  std::function<double()> sample;                          // Accumulate::last: read at staging
  std::function<double(const class SeriesTable&)> derive;  // Accumulate::derived
  std::vector<std::pair<std::string, std::string>> text_attributes;  // e.g. flag_meanings
  std::vector<std::int64_t> flag_values;
};

inline SeriesDef series_def(std::string path, std::string units, std::string long_name,
                            Accumulate accumulate, Reduce reduce = Reduce::replicated) {
  SeriesDef d;
  d.path = std::move(path);
  d.units = std::move(units);
  d.long_name = std::move(long_name);
  d.accumulate = accumulate;
  d.reduce = reduce;
  return d;
}

class SeriesTable {
 public:
  using Id = int;
  // Set-up (before the output file is created and the reduction laid out).
  void configure(double tick_s, std::int64_t ticks_per_output, std::int64_t local_racks);
  Id add(SeriesDef def);

  // --- per tick (replicated series: every rank calls these identically) ---
  void add_time(Id id, double value) { acc_a_[id] += value * tick_s_; }  // time_mean
  void add(Id id, double value) { acc_a_[id] += value; }                 // sum
  void add_ratio(Id id, double a, double b) {                            // ratio
    acc_a_[id] += a;
    acc_b_[id] += b;
  }
  void observe_max(Id id, double value) { acc_a_[id] = std::max(acc_a_[id], value); }
  void observe_min(Id id, double value) { acc_a_[id] = std::min(acc_a_[id], value); }
  void set(Id id, double value) { acc_a_[id] = value; }  // last, without a sample function
  double accumulated(Id id) const { return acc_a_[id]; }
  // Per-rack accumulators of a per_rack series (this rank's racks).
  double* rack_values(Id id) { return rack_acc_[rack_slot_[id]].data(); }

  // --- reduced series (Reduce::sum / max) ---
  // Slots in the tick reduction: laid out by the engine with the rest of the reduction.
  std::vector<Id> reduced_series(Reduce kind) const;
  void set_reduction_slot(Id id, int slot) { slot_[id] = slot; }
  int reduction_slot(Id id) const { return slot_[id]; }
  // After the Allreduce: the tick's reduced values, accumulated per their Accumulate.
  void take_reduced(const std::int64_t* sums, const double* maxima);
  double reduced_value(Id id) const { return tick_value_[id]; }

  // --- output interval ---
  std::vector<io::SeriesSpec> specs() const;
  // Write this interval's samples (replicated values: rank 0's; rack values: this rank's),
  // then reset the accumulators.
  void stage(io::OutputFile& out);
  void reset();
  double interval_s() const { return tick_s_ * static_cast<double>(ticks_per_output_); }

  // The value stage() would write for a replicated series now.
  double staged(Id id) const { return stage_value(id); }
  std::size_t size() const { return defs_.size(); }
  const SeriesDef& def(Id id) const { return defs_[id]; }
  Id find(const std::string& path) const;  // −1 if absent

  // --- restart: every accumulator of every series ---
  template <class Archive>
  void serialize_replicated(Archive& ar) {
    ar(acc_a_, acc_b_);
  }
  template <class F>
  void for_each_rack_field(F&& f) {
    for (auto& v : rack_acc_) f(v);
  }

 private:
  double stage_value(Id id) const;
  std::vector<SeriesDef> defs_;
  std::vector<double> acc_a_, acc_b_, tick_value_;
  std::vector<int> slot_;       // reduction slot of reduced series, else −1
  std::vector<int> rack_slot_;  // index into rack_acc_, else −1
  std::vector<std::vector<double>> rack_acc_;
  std::vector<double> staging_;
  double tick_s_ = 1.0;
  std::int64_t ticks_per_output_ = 1;
  std::int64_t local_racks_ = 0;
};

// cell_methods of an accumulation (CF 1.x §7.3).
const char* cell_methods_of(Accumulate a);

}  // namespace ct::twin
