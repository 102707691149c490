#include "thermal/weather.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace ct::thermal {
namespace {

constexpr double kDayS = 86400.0;
constexpr double kYearS = 365.2425 * kDayS;  // mean Gregorian year
constexpr double kTwoPi = 6.283185307179586476925286766559;

// Rounded from published climate normals (approximate, for what-if studies; use an hourly CSV
// for a real site).
std::array<SyntheticClimate, 3> make_presets() {
  // Hot, humid-summer site (≈ Dallas–Fort Worth, TX, where several AI campuses sit): July mean
  // ≈30.5 °C with afternoons ≈36 °C and nights ≈25 °C, January mean ≈8.5 °C. July wet bulb
  // ≈24.5 °C in the afternoon and ≈22.5 °C at night (dew point ≈21 °C); winter nights near
  // saturation.
  SyntheticClimate warm;
  warm.name = "warm_summer";
  warm.annual_mean_dry_bulb_c = 19.5;
  warm.annual_amplitude_k = 11.0;
  warm.diurnal_amplitude_k = 5.5;
  warm.hottest_day_of_year = 200;  // ≈19 July
  warm.hour_of_daily_max = 16.0;
  warm.utc_offset_h = -6.0;
  warm.wet_bulb_depression_mean_k = 5.0;
  warm.wet_bulb_depression_annual_amplitude_k = 2.0;
  warm.wet_bulb_depression_diurnal_amplitude_k = 4.5;

  // Central European site (≈ Frankfurt am Main): July mean ≈20 °C, January ≈1 °C.
  SyntheticClimate temperate;
  temperate.name = "temperate";
  temperate.annual_mean_dry_bulb_c = 10.5;
  temperate.annual_amplitude_k = 9.5;
  temperate.diurnal_amplitude_k = 4.5;
  temperate.hottest_day_of_year = 200;
  temperate.hour_of_daily_max = 15.0;
  temperate.utc_offset_h = 1.0;
  temperate.wet_bulb_depression_mean_k = 2.5;
  temperate.wet_bulb_depression_annual_amplitude_k = 1.5;
  temperate.wet_bulb_depression_diurnal_amplitude_k = 1.5;

  // Subarctic coastal site (≈ Luleå, Sweden): July mean ≈16 °C, January ≈ −12 °C.
  SyntheticClimate cold;
  cold.name = "cold";
  cold.annual_mean_dry_bulb_c = 2.0;
  cold.annual_amplitude_k = 14.0;
  cold.diurnal_amplitude_k = 3.5;
  cold.hottest_day_of_year = 200;
  cold.hour_of_daily_max = 15.0;
  cold.utc_offset_h = 1.0;
  cold.wet_bulb_depression_mean_k = 1.5;
  cold.wet_bulb_depression_annual_amplitude_k = 1.0;
  cold.wet_bulb_depression_diurnal_amplitude_k = 1.0;

  return {warm, temperate, cold};
}

[[noreturn]] void bad_time(std::string_view text, const std::string& why) {
  throw std::invalid_argument("invalid ISO 8601 UTC time '" + std::string(text) + "': " + why);
}

// Reads exactly `digits` decimal digits at pos; advances pos.
int read_digits(std::string_view text, std::size_t& pos, int digits, const char* what) {
  if (pos + static_cast<std::size_t>(digits) > text.size()) {
    bad_time(text, std::string("expected ") + what);
  }
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[pos++];
    if (c < '0' || c > '9') bad_time(text, std::string("expected ") + what);
    value = value * 10 + (c - '0');
  }
  return value;
}

void expect_char(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) {
    bad_time(text, std::string("expected '") + c + "' at position " + std::to_string(pos + 1));
  }
  ++pos;
}

bool is_leap(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(std::int64_t year, int month) {
  constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29u : kDays[static_cast<std::size_t>(month - 1)];
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

WeatherSample sample(const SyntheticClimate& c, double unix_time_s) {
  // Reference peak: hour_of_daily_max local on hottest_day_of_year of 2000.
  const double peak_s = static_cast<double>(days_from_civil(2000, 1, 1)) * kDayS +
                        (c.hottest_day_of_year - 1.0) * kDayS +
                        (c.hour_of_daily_max - c.utc_offset_h) * 3600.0;
  const double since_peak_s = unix_time_s - peak_s;
  const double annual = std::cos(kTwoPi * std::remainder(since_peak_s, kYearS) / kYearS);
  const double diurnal = std::cos(kTwoPi * std::remainder(since_peak_s, kDayS) / kDayS);
  const double dry_bulb_c =
      c.annual_mean_dry_bulb_c + c.annual_amplitude_k * annual + c.diurnal_amplitude_k * diurnal;
  const double depression_k =
      std::max(c.wet_bulb_depression_mean_k + c.wet_bulb_depression_annual_amplitude_k * annual +
                   c.wet_bulb_depression_diurnal_amplitude_k * diurnal,
               0.0);
  return {dry_bulb_c, dry_bulb_c - depression_k};
}

const Catalogue<SyntheticClimate>& climate_catalogue() {
  static const Catalogue<SyntheticClimate> catalogue = [] {
    const auto p = make_presets();
    return Catalogue<SyntheticClimate>({{p[0].name, "hot summers (like Dallas–Fort Worth)", p[0]},
                                        {p[1].name, "temperate (like Frankfurt)", p[1]},
                                        {p[2].name, "cold (like Luleå)", p[2]}});
  }();
  return catalogue;
}

double parse_iso8601_utc(std::string_view text) {
  std::size_t pos = 0;
  const int year = read_digits(text, pos, 4, "a 4-digit year");
  expect_char(text, pos, '-');
  const int month = read_digits(text, pos, 2, "a 2-digit month");
  expect_char(text, pos, '-');
  const int day = read_digits(text, pos, 2, "a 2-digit day");
  if (month < 1 || month > 12) bad_time(text, "month out of range");
  if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, month)) {
    bad_time(text, "day out of range for the month");
  }
  double seconds = static_cast<double>(days_from_civil(year, static_cast<unsigned>(month),
                                                       static_cast<unsigned>(day))) *
                   kDayS;
  if (pos == text.size()) return seconds;  // date only: midnight UTC

  if (text[pos] != 'T' && text[pos] != ' ') bad_time(text, "expected 'T' after the date");
  ++pos;
  const int hour = read_digits(text, pos, 2, "a 2-digit hour");
  expect_char(text, pos, ':');
  const int minute = read_digits(text, pos, 2, "2-digit minutes");
  double second = 0.0;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    second = read_digits(text, pos, 2, "2-digit seconds");
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      double scale = 0.1;
      const std::size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        second += (text[pos++] - '0') * scale;
        scale *= 0.1;
      }
      if (pos == start) bad_time(text, "expected digits after the decimal point");
    }
  }
  if (hour > 23) bad_time(text, "hour out of range");
  if (minute > 59) bad_time(text, "minutes out of range");
  if (second >= 60.0) bad_time(text, "seconds out of range (leap seconds are not supported)");
  seconds += hour * 3600.0 + minute * 60.0 + second;

  if (pos == text.size()) bad_time(text, "missing time zone (add 'Z' for UTC)");
  if (text[pos] == 'Z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const double sign = text[pos] == '+' ? 1.0 : -1.0;
    ++pos;
    const int offset_h = read_digits(text, pos, 2, "a 2-digit UTC offset hour");
    int offset_min = 0;
    if (pos < text.size()) {
      if (text[pos] == ':') ++pos;
      offset_min = read_digits(text, pos, 2, "2-digit UTC offset minutes");
    }
    if (offset_h > 23 || offset_min > 59) bad_time(text, "UTC offset out of range");
    seconds -= sign * (offset_h * 3600.0 + offset_min * 60.0);  // local = UTC + offset
  } else {
    bad_time(text, "expected 'Z' or a UTC offset after the time");
  }
  if (pos != text.size()) bad_time(text, "unexpected trailing characters");
  return seconds;
}

std::string format_iso8601_utc(double unix_time_s) {
  const auto total_ms = static_cast<std::int64_t>(std::llround(unix_time_s * 1000.0));
  std::int64_t days = total_ms / 86'400'000;
  std::int64_t ms_of_day = total_ms % 86'400'000;
  if (ms_of_day < 0) {
    ms_of_day += 86'400'000;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  const auto hour = static_cast<int>(ms_of_day / 3'600'000);
  const auto minute = static_cast<int>(ms_of_day / 60'000 % 60);
  const auto second = static_cast<int>(ms_of_day / 1000 % 60);
  const auto ms = static_cast<int>(ms_of_day % 1000);
  char buffer[40];
  int n =
      std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02d",
                    static_cast<long long>(date.year), date.month, date.day, hour, minute, second);
  if (ms != 0) n += std::snprintf(buffer + n, sizeof buffer - n, ".%03d", ms);
  std::snprintf(buffer + n, sizeof buffer - n, "Z");
  return buffer;
}

HourlyWeather::HourlyWeather(std::vector<double> times_s, std::vector<WeatherSample> samples)
    : times_s_(std::move(times_s)), samples_(std::move(samples)) {
  if (times_s_.empty() || times_s_.size() != samples_.size()) {
    throw std::invalid_argument("HourlyWeather: need equal, non-zero numbers of times and samples");
  }
  for (std::size_t i = 1; i < times_s_.size(); ++i) {
    if (!(times_s_[i] > times_s_[i - 1])) {
      throw std::invalid_argument("HourlyWeather: times must strictly increase");
    }
  }
}

WeatherSample HourlyWeather::sample(double unix_time_s) const {
  if (unix_time_s <= times_s_.front()) return samples_.front();
  if (unix_time_s >= times_s_.back()) return samples_.back();
  const auto after = std::upper_bound(times_s_.begin(), times_s_.end(), unix_time_s);
  const std::size_t i = static_cast<std::size_t>(after - times_s_.begin());
  const double w = (unix_time_s - times_s_[i - 1]) / (times_s_[i] - times_s_[i - 1]);
  const WeatherSample& a = samples_[i - 1];
  const WeatherSample& b = samples_[i];
  return {a.dry_bulb_c + w * (b.dry_bulb_c - a.dry_bulb_c),
          a.wet_bulb_c + w * (b.wet_bulb_c - a.wet_bulb_c)};
}

WeatherSample HourlyWeather::mean_over(double start_s, double end_s) const {
  if (start_s == end_s) return sample(start_s);
  if (end_s < start_s) std::swap(start_s, end_s);
  const double span_s = end_s - start_s;
  double a = start_s;
  double b = end_s;
  WeatherSample sum{0.0, 0.0};
  auto add = [&](const WeatherSample& w, double weight_s) {
    sum.dry_bulb_c += w.dry_bulb_c * weight_s;
    sum.wet_bulb_c += w.wet_bulb_c * weight_s;
  };
  if (a < times_s_.front()) {  // clamped: first record
    const double end = std::min(b, times_s_.front());
    add(samples_.front(), end - a);
    a = end;
  }
  if (b > times_s_.back()) {  // clamped: last record
    const double begin = std::max(a, times_s_.back());
    add(samples_.back(), b - begin);
    b = begin;
  }
  if (a < b) {  // times_s_.front() ≤ a < b ≤ times_s_.back(): at least two records
    auto i = static_cast<std::size_t>(std::upper_bound(times_s_.begin(), times_s_.end(), a) -
                                      times_s_.begin()) -
             1;
    i = std::min(i, times_s_.size() - 2);
    while (a < b) {
      const double end = std::min(b, times_s_[i + 1]);
      const WeatherSample wa = sample(a);
      const WeatherSample wb = sample(end);
      add({0.5 * (wa.dry_bulb_c + wb.dry_bulb_c), 0.5 * (wa.wet_bulb_c + wb.wet_bulb_c)}, end - a);
      a = end;
      ++i;
    }
  }
  return {sum.dry_bulb_c / span_s, sum.wet_bulb_c / span_s};
}

HourlyWeather HourlyWeather::load_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open weather file '" + path + "'");

  constexpr std::array<std::string_view, 3> kColumns = {"timestamp", "dry_bulb_c", "wet_bulb_c"};
  std::vector<double> times_s;
  std::vector<WeatherSample> samples;
  bool header_seen = false;
  std::string line;
  std::size_t line_number = 0;
  auto fail = [&](const std::string& what) -> void {
    throw std::runtime_error(path + ":" + std::to_string(line_number) + ": " + what);
  };

  while (std::getline(in, line)) {
    ++line_number;
    const std::string_view row = trim(line);
    if (row.empty() || row.front() == '#') continue;

    std::array<std::string_view, 3> fields;
    std::size_t count = 0;
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = row.find(',', start);
      const std::string_view field =
          trim(row.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (count < fields.size()) fields[count] = field;
      ++count;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (count != 3) {
      fail("expected 3 columns (timestamp,dry_bulb_c,wet_bulb_c), got " + std::to_string(count) +
           ": '" + std::string(row) + "'");
    }

    if (!header_seen) {
      if (fields[0] != kColumns[0] || fields[1] != kColumns[1] || fields[2] != kColumns[2]) {
        fail("expected header 'timestamp,dry_bulb_c,wet_bulb_c', got '" + std::string(row) + "'");
      }
      header_seen = true;
      continue;
    }

    double time_s = 0.0;
    try {
      time_s = parse_iso8601_utc(fields[0]);
    } catch (const std::invalid_argument& e) {
      fail("column 'timestamp': " + std::string(e.what()));
    }
    if (!times_s.empty() && !(time_s > times_s.back())) {
      fail("column 'timestamp': '" + std::string(fields[0]) +
           "' is not after the previous row's timestamp");
    }
    std::array<double, 2> values{};
    for (std::size_t k = 1; k < 3; ++k) {
      const std::string_view text = fields[k];
      double value = 0.0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
          !std::isfinite(value)) {
        fail("column '" + std::string(kColumns[k]) + "': cannot parse '" + std::string(text) +
             "' as a number");
      }
      // Catches kelvin or °F by mistake.
      if (value < -90.0 || value > 65.0) {
        fail("column '" + std::string(kColumns[k]) + "': " + std::string(text) +
             " is outside the plausible range −90..65 °C");
      }
      values[k - 1] = value;
    }
    // Wet bulb cannot exceed dry bulb; allow rounding in the source data.
    if (values[1] > values[0] + 0.5) {
      fail("column 'wet_bulb_c': " + std::string(fields[2]) + " exceeds dry_bulb_c " +
           std::string(fields[1]) + " (columns swapped?)");
    }
    times_s.push_back(time_s);
    samples.push_back({values[0], values[1]});
  }
  if (!header_seen) throw std::runtime_error(path + ": empty weather file (no header)");
  if (times_s.empty()) throw std::runtime_error(path + ": no data rows after the header");
  return HourlyWeather(std::move(times_s), std::move(samples));
}

}  // namespace ct::thermal
