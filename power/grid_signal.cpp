#include "power/grid_signal.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <utility>

#include "thermal/weather.hpp"

namespace ct::power {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Phase ω(t − t_peak) in (−π, π]; reduced modulo a day first so unix times keep full precision.
double daily_phase(const DailyShape& shape, double unix_time_s) {
  return kTwoPi * std::remainder(unix_time_s - shape.peak_hour_utc * 3600.0, kDayS) / kDayS;
}

// Annual means: DESIGN.md §7. Daily amplitudes and peak hours: illustrative (README.md).
// Annual-mean carbon intensity of a grid region with an illustrative daily cycle (README.md).
struct CarbonPreset {
  std::string_view name;
  std::string_view region;
  DailyShape shape;  // mean = annual mean, gCO2/kWh
};
constexpr std::array<CarbonPreset, 7> kCarbonPresets = {{
    {"us", "United States, national average", {409.0, 35.0, 0.0}},
    {"pjm", "PJM Interconnection (US Mid-Atlantic)", {403.0, 35.0, 23.0}},
    {"ercot", "ERCOT (Texas)", {377.0, 60.0, 1.0}},
    {"caiso", "CAISO (California)", {229.0, 80.0, 3.0}},
    {"quebec", "Quebec (Hydro-Quebec)", {35.0, 5.0, 22.0}},
    {"france", "France", {33.0, 12.0, 18.0}},
    {"sweden_se3", "Sweden, bidding zone SE3", {21.0, 5.0, 17.0}},
}};

}  // namespace

double daily_shape_at(const DailyShape& shape, double unix_time_s) {
  return shape.mean + shape.amplitude * std::cos(daily_phase(shape, unix_time_s));
}

double daily_shape_mean_over(const DailyShape& shape, double start_s, double end_s) {
  const double half_width_s = 0.5 * (end_s - start_s);
  if (half_width_s == 0.0) return daily_shape_at(shape, start_s);
  // (1/T)∫cos = cos(ω·t_mid)·sin(ω·T/2)/(ω·T/2): no cancellation for short ticks.
  const double x = kTwoPi * half_width_s / kDayS;
  const double midpoint_s = start_s + half_width_s;
  return shape.mean + shape.amplitude * std::cos(daily_phase(shape, midpoint_s)) * std::sin(x) / x;
}

HourlySeries::HourlySeries(std::vector<double> times_s, std::vector<double> values,
                           Interpolation interpolation)
    : times_s_(std::move(times_s)), values_(std::move(values)), interpolation_(interpolation) {
  if (times_s_.empty() || times_s_.size() != values_.size()) {
    throw std::invalid_argument("HourlySeries: need equal, non-zero numbers of times and values");
  }
  for (std::size_t i = 0; i < times_s_.size(); ++i) {
    if (!std::isfinite(times_s_[i]) || !std::isfinite(values_[i])) {
      throw std::invalid_argument("HourlySeries: times and values must be finite");
    }
    if (i > 0 && !(times_s_[i] > times_s_[i - 1])) {
      throw std::invalid_argument("HourlySeries: times must strictly increase");
    }
  }
}

double HourlySeries::at(double unix_time_s) const {
  if (unix_time_s <= times_s_.front()) return values_.front();
  if (unix_time_s >= times_s_.back()) return values_.back();
  const auto after = std::upper_bound(times_s_.begin(), times_s_.end(), unix_time_s);
  const auto i = static_cast<std::size_t>(after - times_s_.begin());
  if (interpolation_ == Interpolation::step) return values_[i - 1];
  const double w = (unix_time_s - times_s_[i - 1]) / (times_s_[i] - times_s_[i - 1]);
  return values_[i - 1] + w * (values_[i] - values_[i - 1]);
}

double HourlySeries::integral(double a, double b) const {
  double sum = 0.0;
  const double t_first = times_s_.front();
  const double t_last = times_s_.back();
  if (a < t_first) {  // clamped: constant first value
    const double end = std::min(b, t_first);
    sum += values_.front() * (end - a);
    a = end;
  }
  if (b > t_last) {  // clamped: constant last value
    const double begin = std::max(a, t_last);
    sum += values_.back() * (b - begin);
    b = begin;
  }
  if (!(a < b)) return sum;
  // Now t_first ≤ a < b ≤ t_last and there are at least two points: exact trapezoids.
  auto i = static_cast<std::size_t>(std::upper_bound(times_s_.begin(), times_s_.end(), a) -
                                    times_s_.begin()) -
           1;
  i = std::min(i, times_s_.size() - 2);
  auto value_in = [&](std::size_t k, double t) {
    const double w = (t - times_s_[k]) / (times_s_[k + 1] - times_s_[k]);
    return values_[k] + w * (values_[k + 1] - values_[k]);
  };
  while (a < b) {
    const double end = std::min(b, times_s_[i + 1]);
    if (interpolation_ == Interpolation::step) {
      sum += values_[i] * (end - a);  // value i holds over [t_i, t_{i+1})
    } else {
      sum += 0.5 * (value_in(i, a) + value_in(i, end)) * (end - a);
    }
    a = end;
    ++i;
  }
  return sum;
}

double HourlySeries::mean_over(double start_s, double end_s) const {
  if (start_s == end_s) return at(start_s);
  if (end_s < start_s) std::swap(start_s, end_s);
  return integral(start_s, end_s) / (end_s - start_s);
}

HourlySeries HourlySeries::load_csv(const std::string& path, std::string_view column,
                                    double min_value, double max_value) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open grid signal file '" + path + "'");

  const std::string header = "timestamp," + std::string(column);
  std::vector<double> times_s;
  std::vector<double> values;
  bool header_seen = false;
  std::string line;
  std::size_t line_number = 0;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(path + ":" + std::to_string(line_number) + ": " + what);
  };

  while (std::getline(in, line)) {
    ++line_number;
    const std::string_view row = trim(line);
    if (row.empty() || row.front() == '#') continue;

    const std::size_t comma = row.find(',');
    if (comma == std::string_view::npos || row.find(',', comma + 1) != std::string_view::npos) {
      fail("expected 2 columns (" + header + "), got '" + std::string(row) + "'");
    }
    const std::string_view first = trim(row.substr(0, comma));
    const std::string_view second = trim(row.substr(comma + 1));

    if (!header_seen) {
      if (first != "timestamp" || second != column) {
        fail("expected header '" + header + "', got '" + std::string(row) + "'");
      }
      header_seen = true;
      continue;
    }

    double time_s = 0.0;
    try {
      time_s = thermal::parse_iso8601_utc(first);
    } catch (const std::invalid_argument& e) {
      fail("column 'timestamp': " + std::string(e.what()));
    }
    if (!times_s.empty() && !(time_s > times_s.back())) {
      fail("column 'timestamp': '" + std::string(first) +
           "' is not after the previous row's timestamp");
    }
    double value = 0.0;
    const auto [end, ec] = std::from_chars(second.data(), second.data() + second.size(), value);
    if (second.empty() || ec != std::errc{} || end != second.data() + second.size() ||
        !std::isfinite(value)) {
      fail("column '" + std::string(column) + "': cannot parse '" + std::string(second) +
           "' as a number");
    }
    if (value < min_value || value > max_value) {
      fail("column '" + std::string(column) + "': " + std::string(second) +
           " is outside the plausible range [" + std::to_string(min_value) + ", " +
           std::to_string(max_value) + "] (wrong units?)");
    }
    times_s.push_back(time_s);
    values.push_back(value);
  }
  if (!header_seen) throw std::runtime_error(path + ": empty grid signal file (no header)");
  if (times_s.empty()) throw std::runtime_error(path + ": no data rows after the header");
  return HourlySeries(std::move(times_s), std::move(values));
}

HourlySeries load_carbon_csv(const std::string& path) {
  return HourlySeries::load_csv(path, kCarbonColumn, 0.0, 3000.0);
}

HourlySeries load_price_csv(const std::string& path) {
  return HourlySeries::load_csv(path, kPriceColumn, -10000.0, 100000.0);
}

GridSignal GridSignal::constant(double value) {
  GridSignal s;
  s.kind_ = Kind::constant;
  s.value_ = value;
  return s;
}

GridSignal GridSignal::daily(const DailyShape& shape) {
  GridSignal s;
  s.kind_ = Kind::daily;
  s.shape_ = shape;
  return s;
}

GridSignal GridSignal::series(HourlySeries series) {
  GridSignal s;
  s.kind_ = Kind::series;
  s.series_.emplace(std::move(series));
  return s;
}

double GridSignal::at(double unix_time_s) const {
  switch (kind_) {
    case Kind::daily:
      return daily_shape_at(shape_, unix_time_s);
    case Kind::series:
      return series_->at(unix_time_s);
    case Kind::constant:
      break;
  }
  return value_;
}

double GridSignal::mean_over(double start_s, double end_s) const {
  switch (kind_) {
    case Kind::daily:
      return daily_shape_mean_over(shape_, start_s, end_s);
    case Kind::series:
      return series_->mean_over(start_s, end_s);
    case Kind::constant:
      break;
  }
  return value_;
}

const Catalogue<DailyShape>& carbon_catalogue() {
  static const Catalogue<DailyShape> catalogue = [] {
    std::vector<Catalogue<DailyShape>::Entry> e;
    for (const CarbonPreset& p : kCarbonPresets)
      e.push_back({std::string(p.name), std::string(p.region), p.shape});
    return Catalogue<DailyShape>(std::move(e));
  }();
  return catalogue;
}

}  // namespace ct::power
