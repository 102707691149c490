// Hourly grid data as published by grid-data providers: carbon intensity per zone (direct and
// life-cycle) and market prices (with their currency).
//
// Carbon intensity: the hourly CSV export layout of Electricity Maps (data portal / datasets):
//   Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),
//   Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),
//   Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method
// (the portal's earlier files name the columns "Carbon Intensity gCO₂eq/kWh (direct)" and
// "… (life cycle assessment)", "Low Carbon Percentage", "Renewable Percentage"). Columns are
// found by name, case-insensitively, "₂" read as "2"; unknown columns are ignored.
//
// Prices: a CSV with a UTC timestamp column and one price-per-MWh column whose name carries the
// currency, e.g. Ember's European wholesale price files
//   Country,ISO3 Code,Datetime (UTC),Datetime (Local),Price (EUR/MWhe)
// or clustertwin's own `timestamp,price_usd_per_mwh`.
//
// Timestamps: a column named "Datetime (UTC)" may omit the zone ("2026-07-01 00:00:00" is
// read as UTC); a "timestamp" column needs one ('Z' or an offset). Values are hourly means
// labelled at the start of their interval by default (step series: the value holds until the
// next row), so HourlySeries::mean_over gives the exact mean over a tick; `interval_end` labels
// and instantaneous (linearly interpolated) readings are options.
//
// Errors throw std::runtime_error naming `file:line:`, the column and its content.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "power/grid_signal.hpp"

namespace ct::power {

enum class TimeLabel {
  interval_start,  // value = mean over [t_i, t_{i+1}) (Electricity Maps, Ember hourly data)
  interval_end,    // value = mean over (t_{i−1}, t_i]
  instant,         // value = reading at t_i, linearly interpolated
};

struct GridDataOptions {
  // Keep only rows of this zone ("Zone id", or "ISO3 Code" for price files). Empty: the file
  // must hold one zone.
  std::string zone;
  TimeLabel label = TimeLabel::interval_start;
};

struct CarbonIntensityData {
  std::string zone;                       // the zone id read ("" if the file has none)
  std::optional<HourlySeries> direct;     // gCO2eq/kWh, direct (operational) factors
  std::optional<HourlySeries> lifecycle;  // gCO2eq/kWh, life-cycle factors
  std::size_t estimated_rows = 0;         // rows flagged "Data estimated" = true
};

// Accounting basis of a carbon signal.
enum class CarbonAccounting { direct, lifecycle };
// The series of that basis; throws std::runtime_error naming the file's missing column.
const HourlySeries& carbon_series(const CarbonIntensityData& data, CarbonAccounting basis,
                                  const std::string& path);

// Values in [0, 3000] gCO2eq/kWh. At least one of the two columns must be present.
CarbonIntensityData load_carbon_intensity_csv(const std::string& path,
                                              const GridDataOptions& options = {});

struct PriceData {
  std::string zone;
  std::string currency;        // ISO 4217 code from the column name, upper case (e.g. "EUR", "USD")
  HourlySeries price_per_mwh;  // in `currency` per MWh
};

// Values in [−10000, 100000] per MWh (negative prices are real).
PriceData load_price_csv_export(const std::string& path, const GridDataOptions& options = {});

// Lays (t_i, v_i) read with `label` on a series whose mean_over is the exact mean: step series
// for interval labels (interval_end: shifted back one interval, the first by the first spacing),
// linear for instant. Throws std::invalid_argument as HourlySeries does.
HourlySeries labelled_series(std::vector<double> times_s, std::vector<double> values,
                             TimeLabel label);

}  // namespace ct::power
