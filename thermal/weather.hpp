// Outdoor weather: a synthetic site climate or an hourly CSV file, sampled at UTC unix time.
//
// Synthetic climate (two superposed cosines):
//   dry_bulb(t) = mean + A_annual·cos(2π(t − t_peak)/year) + A_diurnal·cos(2π(t − t_peak)/day)
//   depression(t) = D_mean + D_annual·cos(annual phase) + D_diurnal·cos(diurnal phase) ≥ 0
//   wet_bulb(t) = dry_bulb(t) − depression(t)
// t_peak is hour_of_daily_max (local standard time) on hottest_day_of_year of 2000, so both
// cycles peak together there; year = 365.2425 days (mean Gregorian year), so the annual cycle is
// continuous across new year and its peak drifts by less than a day with the leap-year pattern.
// The wet-bulb depression is largest on hot afternoons (lowest relative humidity).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/catalogue.hpp"

namespace ct::thermal {

struct WeatherSample {
  double dry_bulb_c = 0.0;
  double wet_bulb_c = 0.0;
};

struct SyntheticClimate {
  std::string name;
  double annual_mean_dry_bulb_c = 15.0;
  double annual_amplitude_k = 10.0;  // half the spread between hottest and coldest daily means
  double diurnal_amplitude_k = 5.0;  // half the daily range
  double hottest_day_of_year = 200;  // 1 = 1 January
  double hour_of_daily_max = 15.0;   // local standard time
  double utc_offset_h = 0.0;         // local standard time − UTC
  double wet_bulb_depression_mean_k = 3.0;
  double wet_bulb_depression_annual_amplitude_k = 1.0;
  double wet_bulb_depression_diurnal_amplitude_k = 1.0;
};

WeatherSample sample(const SyntheticClimate& climate, double unix_time_s);

// The synthetic climate presets (weather.climate).
const Catalogue<SyntheticClimate>& climate_catalogue();

// Hourly (or any strictly increasing) weather records, linearly interpolated, held constant
// before the first and after the last record.
class HourlyWeather {
 public:
  // CSV with header `timestamp,dry_bulb_c,wet_bulb_c`, ISO 8601 UTC timestamps, strictly
  // increasing. Blank lines and lines starting with '#' are skipped. Throws std::runtime_error
  // naming the file, line and offending column content.
  static HourlyWeather load_csv(const std::string& path);

  // Throws std::invalid_argument unless sizes match, non-empty and times strictly increase.
  HourlyWeather(std::vector<double> times_s, std::vector<WeatherSample> samples);

  WeatherSample sample(double unix_time_s) const;
  // Exact average of the interpolated (and clamped) records over [start_s, end_s]: the tick
  // mean (trapezoids between records). sample(start_s) when the interval is empty.
  WeatherSample mean_over(double start_s, double end_s) const;
  std::size_t size() const { return times_s_.size(); }
  double first_time_s() const { return times_s_.front(); }
  double last_time_s() const { return times_s_.back(); }

 private:
  std::vector<double> times_s_;
  std::vector<WeatherSample> samples_;
};

// Civil calendar (proleptic Gregorian) ↔ days since 1970-01-01 (H. Hinnant's algorithms).
constexpr std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

constexpr CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z" or a UTC offset
// (±HH:MM, ±HHMM, ±HH); a space may replace 'T'. A time without a zone is rejected (it would be
// ambiguous). Returns unix seconds. Throws std::invalid_argument on bad input.
double parse_iso8601_utc(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ", with ".mmm" when the time is not a whole second (rounded to ms).
std::string format_iso8601_utc(double unix_time_s);

}  // namespace ct::thermal
