// Grid signals sampled at UTC unix time: carbon intensity (gCO2/kWh) and price ($/MWh).
//
// A signal is one of
//   constant:  v(t) = value
//   daily:     v(t) = mean + amplitude·cos(2π(t − t_peak)/day), t_peak = peak_hour_utc on any
//              day (a sinusoid in UTC time of day; no weekly or seasonal cycle)
//   series:    points (t_i, v_i) from a CSV file, linearly interpolated, held at the first/last
//              value outside [t_0, t_n] (HourlySeries); or interval means, v_i held over
//              [t_i, t_{i+1}) (HourlySeries::Interpolation::step, power/grid_data.hpp)
// at(t) samples the signal; mean_over(t0, t1) is its exact average over an interval (closed form
// for every kind), which makes per-tick carbon and cost sums exact for constant tick power.
#pragma once

#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/catalogue.hpp"

namespace ct::power {

inline constexpr double kDayS = 86400.0;

struct DailyShape {
  double mean = 0.0;
  double amplitude = 0.0;      // half the daily peak-to-trough range
  double peak_hour_utc = 0.0;  // hour of the daily maximum, UTC, [0, 24)
};

double daily_shape_at(const DailyShape& shape, double unix_time_s);
double daily_shape_mean_over(const DailyShape& shape, double start_s, double end_s);

// Strictly increasing points, clamped outside [t_0, t_n]. Between points: linear (values are
// instantaneous samples), or step (value i is the mean over [t_i, t_{i+1}), e.g. an hourly
// average labelled at the start of its hour; the last value holds from t_n on).
class HourlySeries {
 public:
  enum class Interpolation { linear, step };

  // CSV with header `timestamp,<column>` (e.g. `timestamp,carbon_g_per_kwh`), ISO 8601 UTC
  // timestamps (thermal::parse_iso8601_utc: 'Z' or an explicit offset), strictly increasing, one
  // value per row. Blank lines and lines starting with '#' are skipped. Values outside
  // [min_value, max_value] are rejected (catches wrong units). Throws std::runtime_error naming
  // file:line and the offending content.
  static HourlySeries load_csv(const std::string& path, std::string_view column,
                               double min_value = -std::numeric_limits<double>::infinity(),
                               double max_value = std::numeric_limits<double>::infinity());

  // Throws std::invalid_argument unless sizes match, non-empty, finite, times strictly increase.
  HourlySeries(std::vector<double> times_s, std::vector<double> values,
               Interpolation interpolation = Interpolation::linear);

  double at(double unix_time_s) const;
  // Exact average of the interpolated (and clamped) series over [start_s, end_s]; at(start_s)
  // when the interval is empty.
  double mean_over(double start_s, double end_s) const;

  std::size_t size() const { return times_s_.size(); }
  Interpolation interpolation() const { return interpolation_; }
  double first_time_s() const { return times_s_.front(); }
  double last_time_s() const { return times_s_.back(); }
  std::span<const double> times_s() const { return times_s_; }
  std::span<const double> values() const { return values_; }

 private:
  // Integral of the series over [a, b] with a ≤ b.
  double integral(double a, double b) const;

  std::vector<double> times_s_;
  std::vector<double> values_;
  Interpolation interpolation_ = Interpolation::linear;
};

// CSV columns and plausibility ranges for the two grid signals.
inline constexpr std::string_view kCarbonColumn = "carbon_g_per_kwh";
inline constexpr std::string_view kPriceColumn = "price_usd_per_mwh";
HourlySeries load_carbon_csv(const std::string& path);  // values in [0, 3000] gCO2/kWh
HourlySeries load_price_csv(const std::string& path);   // values in [−10000, 100000] $/MWh

class GridSignal {
 public:
  enum class Kind { constant, daily, series };

  GridSignal() = default;  // constant 0
  static GridSignal constant(double value);
  static GridSignal daily(const DailyShape& shape);
  static GridSignal series(HourlySeries series);

  Kind kind() const { return kind_; }
  double at(double unix_time_s) const;
  double mean_over(double start_s, double end_s) const;

 private:
  Kind kind_ = Kind::constant;
  double value_ = 0.0;
  DailyShape shape_{};
  std::optional<HourlySeries> series_;  // set when kind_ == series
};

// The regional presets (grid.carbon.preset): description = the region, value = its daily shape.
const Catalogue<DailyShape>& carbon_catalogue();

}  // namespace ct::power
