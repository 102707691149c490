#include "twin/series.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ct::twin {

const char* cell_methods_of(Accumulate a) {
  switch (a) {
    case Accumulate::time_mean:
    case Accumulate::tick_mean:
    case Accumulate::ratio:
    case Accumulate::derived:
      return "time: mean";
    case Accumulate::sum:
      return "time: sum";
    case Accumulate::maximum:
      return "time: maximum";
    case Accumulate::minimum:
      return "time: minimum";
    case Accumulate::last:
      return "time: point";
  }
  return "";
}

void SeriesTable::configure(double tick_s, std::int64_t ticks_per_output,
                            std::int64_t local_racks) {
  tick_s_ = tick_s;
  ticks_per_output_ = ticks_per_output;
  local_racks_ = local_racks;
}

SeriesTable::Id SeriesTable::add(SeriesDef def) {
  if (find(def.path) >= 0) throw std::logic_error("series '" + def.path + "' declared twice");
  if (def.accumulate == Accumulate::last && def.reduce != Reduce::replicated)
    throw std::logic_error("series '" + def.path + "': 'last' series are replicated");
  if (def.reduce == Reduce::per_rack &&
      !(def.accumulate == Accumulate::tick_mean || def.accumulate == Accumulate::maximum ||
        def.accumulate == Accumulate::minimum || def.accumulate == Accumulate::sum))
    throw std::logic_error("series '" + def.path + "': per-rack series accumulate per tick");
  if (def.accumulate == Accumulate::derived && !def.derive)
    throw std::logic_error("series '" + def.path + "': derived without a function");
  if (def.cell_methods.empty()) def.cell_methods = cell_methods_of(def.accumulate);
  const auto id = static_cast<Id>(defs_.size());
  const double start = def.reset;
  rack_slot_.push_back(-1);
  if (def.reduce == Reduce::per_rack) {
    rack_slot_.back() = static_cast<int>(rack_acc_.size());
    rack_acc_.emplace_back(static_cast<std::size_t>(local_racks_), start);
  }
  defs_.push_back(std::move(def));
  acc_a_.push_back(start);
  acc_b_.push_back(0.0);
  tick_value_.push_back(0.0);
  slot_.push_back(-1);
  return id;
}

SeriesTable::Id SeriesTable::find(const std::string& path) const {
  for (std::size_t i = 0; i < defs_.size(); ++i)
    if (defs_[i].path == path) return static_cast<Id>(i);
  return -1;
}

std::vector<SeriesTable::Id> SeriesTable::reduced_series(Reduce kind) const {
  std::vector<Id> ids;
  for (std::size_t i = 0; i < defs_.size(); ++i)
    if (defs_[i].reduce == kind) ids.push_back(static_cast<Id>(i));
  return ids;
}

void SeriesTable::take_reduced(const std::int64_t* sums, const double* maxima) {
  for (std::size_t i = 0; i < defs_.size(); ++i) {
    const SeriesDef& d = defs_[i];
    if (d.reduce != Reduce::sum && d.reduce != Reduce::max) continue;
    const double v = d.reduce == Reduce::sum ? static_cast<double>(sums[slot_[i]]) / d.fixed_scale
                                             : maxima[slot_[i]];
    tick_value_[i] = v;
    const auto id = static_cast<Id>(i);
    switch (d.accumulate) {
      case Accumulate::time_mean:
        add_time(id, v);
        break;
      case Accumulate::sum:
        add(id, v);
        break;
      case Accumulate::maximum:
        observe_max(id, v);
        break;
      case Accumulate::minimum:
        observe_min(id, v);
        break;
      default:
        throw std::logic_error("series '" + d.path + "': unsupported accumulation of a reduction");
    }
  }
}

std::vector<io::SeriesSpec> SeriesTable::specs() const {
  std::vector<io::SeriesSpec> v;
  v.reserve(defs_.size());
  for (const SeriesDef& d : defs_) {
    io::SeriesSpec s;
    s.path = d.path;
    s.units = d.units;
    s.long_name = d.long_name;
    s.type = d.type;
    s.rack_series = d.reduce == Reduce::per_rack;
    s.text_attributes = d.text_attributes;
    s.flag_values = d.flag_values;
    s.cell_methods = d.cell_methods;
    s.standard_name = d.standard_name;
    if (d.empty_nan) s.fill_value = std::numeric_limits<double>::quiet_NaN();
    v.push_back(std::move(s));
  }
  return v;
}

double SeriesTable::stage_value(Id id) const {
  const SeriesDef& d = defs_[id];
  const double a = acc_a_[id];
  const bool untouched_extreme =
      (d.accumulate == Accumulate::minimum || d.accumulate == Accumulate::maximum) && d.empty_nan &&
      !std::isfinite(a);
  switch (d.accumulate) {
    case Accumulate::time_mean:
      return a / interval_s();
    case Accumulate::tick_mean:
      return a / static_cast<double>(ticks_per_output_);
    case Accumulate::ratio:
      return acc_b_[id] > 0 ? a / acc_b_[id] : d.empty;
    case Accumulate::sum:
      return a;
    case Accumulate::maximum:
    case Accumulate::minimum:
      return untouched_extreme ? std::numeric_limits<double>::quiet_NaN() : a;
    case Accumulate::last:
      return d.sample ? d.sample() : a;
    case Accumulate::derived:
      return d.derive(*this);
  }
  return a;
}

void SeriesTable::stage(io::OutputFile& out) {
  for (std::size_t i = 0; i < defs_.size(); ++i) {
    const auto id = static_cast<Id>(i);
    const SeriesDef& d = defs_[i];
    if (d.reduce != Reduce::per_rack) {
      out.set(i, stage_value(id));
      continue;
    }
    const std::vector<double>& acc = rack_acc_[rack_slot_[i]];
    staging_.resize(acc.size());
    const double div =
        d.accumulate == Accumulate::tick_mean ? static_cast<double>(ticks_per_output_) : 1.0;
    for (std::size_t r = 0; r < acc.size(); ++r) staging_[r] = acc[r] / div;
    out.set_racks(i, staging_.data());
  }
}

void SeriesTable::reset() {
  for (std::size_t i = 0; i < defs_.size(); ++i) {
    if (defs_[i].accumulate == Accumulate::last) continue;
    acc_a_[i] = defs_[i].reset;
    acc_b_[i] = 0.0;
    if (rack_slot_[i] >= 0) {
      auto& v = rack_acc_[rack_slot_[i]];
      std::fill(v.begin(), v.end(), defs_[i].reset);
    }
  }
}

}  // namespace ct::twin
