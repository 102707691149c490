#include "thermal/epw.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string_view>

#include "thermal/psychrometrics.hpp"

namespace ct::thermal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kRecordFields = 35;  // EPW data dictionary, N1 … N34 plus A1

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> split_commas(std::string_view row) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = row.find(',', start);
    fields.push_back(
        trim(row.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

bool parse_double(std::string_view text, double& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size() &&
         std::isfinite(value);
}

bool is_leap(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(std::int64_t year, int month) {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29u : kDays[month - 1];
}

const char* record_field_name(std::size_t number) {
  switch (number) {
    case 1:
      return "year";
    case 2:
      return "month";
    case 3:
      return "day";
    case 4:
      return "hour";
    case 5:
      return "minute";
    case 7:
      return "dry bulb temperature";
    case 8:
      return "dew point temperature";
    case 9:
      return "relative humidity";
    case 10:
      return "atmospheric station pressure";
    default:
      return "field";
  }
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ":" + std::to_string(line_) + ": " + what);
  }
  [[noreturn]] void fail_field(std::size_t number, std::string_view text,
                               const std::string& what) const {
    fail("field " + std::to_string(number) + " (" + record_field_name(number) + "): '" +
         std::string(text) + "' " + what);
  }

  // Numeric header field `index` (0 = the keyword) of a header record.
  double header_number(const std::vector<std::string_view>& f, std::size_t index, const char* name,
                       double lo, double hi) const {
    double v = 0.0;
    if (index >= f.size() || !parse_double(f[index], v)) {
      fail(std::string(f[0]) + " field " + std::to_string(index) + " (" + name +
           "): expected a number, got '" + (index < f.size() ? std::string(f[index]) : "") + "'");
    }
    if (v < lo || v > hi) {
      fail(std::string(f[0]) + " field " + std::to_string(index) + " (" + name +
           "): " + std::string(f[index]) + " is outside " + std::to_string(lo) + " … " +
           std::to_string(hi));
    }
    return v;
  }

  // Record field `number` (1-based, as in the data dictionary).
  double record_number(const std::vector<std::string_view>& f, std::size_t number) const {
    double v = 0.0;
    if (!parse_double(f[number - 1], v)) fail_field(number, f[number - 1], "is not a number");
    return v;
  }

  int record_integer(const std::vector<std::string_view>& f, std::size_t number, int lo,
                     int hi) const {
    const double v = record_number(f, number);
    if (v != std::floor(v) || v < lo || v > hi) {
      fail_field(number, f[number - 1],
                 "must be an integer in " + std::to_string(lo) + " … " + std::to_string(hi));
    }
    return static_cast<int>(v);
  }

  std::size_t& line() { return line_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::size_t line_ = 0;
};

}  // namespace

HourlyWeather EpwWeather::weather() const {
  std::vector<WeatherSample> samples(times_s.size());
  for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = {dry_bulb_c[i], wet_bulb_c[i]};
  return HourlyWeather(times_s, std::move(samples));
}

EpwWeather load_epw(const std::string& path, const EpwOptions& options) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open EPW weather file '" + path + "'");
  if (options.year && (*options.year < 1 || *options.year > 9999)) {
    throw std::invalid_argument("EPW year option must be in 1 … 9999, got " +
                                std::to_string(*options.year));
  }

  Reader r(path);
  EpwWeather w;
  bool location_seen = false;
  bool data_periods_seen = false;
  std::string text;
  while (std::getline(in, text)) {
    ++r.line();
    const std::string_view row = trim(text);
    if (row.empty()) continue;
    const std::vector<std::string_view> f = split_commas(row);

    // Header records start with their keyword; records start with the year.
    double year_value = 0.0;
    if (!parse_double(f[0], year_value)) {
      if (f[0] == "LOCATION") {
        if (f.size() < 10) {
          r.fail(
              "LOCATION: expected 10 fields (LOCATION, city, region, country, source, WMO, "
              "latitude, longitude, time zone, elevation), got " +
              std::to_string(f.size()));
        }
        w.location.city = f[1];
        w.location.region = f[2];
        w.location.country = f[3];
        w.location.source = f[4];
        w.location.wmo = f[5];
        w.location.latitude_deg = r.header_number(f, 6, "latitude", -90.0, 90.0);
        w.location.longitude_deg = r.header_number(f, 7, "longitude", -180.0, 180.0);
        w.location.time_zone_h = r.header_number(f, 8, "time zone", -12.0, 14.0);
        w.location.elevation_m = r.header_number(f, 9, "elevation", -1000.0, 9999.9);
        location_seen = true;
      } else if (f[0] == "DATA PERIODS") {
        (void)r.header_number(f, 1, "number of data periods", 1.0, 1e6);
        const double per_hour = r.header_number(f, 2, "records per hour", 1.0, 60.0);
        if (per_hour != std::floor(per_hour) || 60 % static_cast<int>(per_hour) != 0) {
          r.fail("DATA PERIODS field 2 (records per hour): " + std::string(f[2]) +
                 " must be an integer dividing 60");
        }
        w.records_per_hour = static_cast<int>(per_hour);
        data_periods_seen = true;
      } else if (!w.times_s.empty()) {
        r.fail("expected a weather record (35 fields starting with the year), got '" +
               std::string(row.substr(0, 60)) + "'");
      } else if (!location_seen) {
        r.fail("not an EPW file: the first record must be LOCATION, got '" + std::string(f[0]) +
               "'");
      }
      continue;  // other header records (design conditions, comments, …) are not used
    }
    if (!location_seen) r.fail("weather record before the LOCATION header");
    if (!data_periods_seen) r.fail("weather record before the DATA PERIODS header");
    if (f.size() < kRecordFields) {
      r.fail("expected 35 comma-separated fields (EPW data dictionary), got " +
             std::to_string(f.size()));
    }

    // Date and time (local standard time) → UTC.
    const int file_year = r.record_integer(f, 1, 1, 9999);
    const int month = r.record_integer(f, 2, 1, 12);
    const int day = r.record_integer(f, 3, 1, 31);
    const int hour = r.record_integer(f, 4, 1, 24);
    const int minute = w.records_per_hour == 1 ? 0 : r.record_integer(f, 5, 1, 60);
    const int year = options.year ? *options.year : file_year;
    if (options.year && month == 2 && day == 29 && !is_leap(year)) {
      ++w.leap_day_records_dropped;
      continue;
    }
    if (static_cast<unsigned>(day) > days_in_month(year, month)) {
      r.fail_field(
          3, f[2],
          "is not a day of month " + std::to_string(month) + " of " + std::to_string(year));
    }
    const double local_s =
        static_cast<double>(
            days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day))) *
            86400.0 +
        (w.records_per_hour == 1 ? hour * 3600.0 : (hour - 1) * 3600.0 + minute * 60.0);
    const double time_s = local_s - w.location.time_zone_h * 3600.0;
    if (!w.times_s.empty() && !(time_s > w.times_s.back())) {
      r.fail("fields 1-5 (date and time) " + std::string(f[0]) + "-" + std::string(f[1]) + "-" +
             std::string(f[2]) + " hour " + std::string(f[3]) +
             " are not after the previous record" +
             (options.year ? std::string()
                           : std::string(" (typical-year files mix years: set the year)")));
    }

    // Temperatures, humidity, pressure; the dictionary's missing codes and valid ranges.
    const double dry = r.record_number(f, 7);
    if (dry >= 99.9) r.fail_field(7, f[6], "is the missing-value code; a dry bulb is required");
    if (!(dry > -70.0 && dry < 70.0)) r.fail_field(7, f[6], "is outside -70 … 70 °C");
    double dew = r.record_number(f, 8);
    if (dew >= 99.9) {
      dew = kNaN;
    } else if (!(dew > -70.0 && dew < 70.0)) {
      r.fail_field(8, f[7], "is outside -70 … 70 °C");
    } else if (dew > dry + 0.5) {
      r.fail_field(8, f[7], "exceeds the dry bulb " + std::string(f[6]) + " °C");
    }
    double rh = r.record_number(f, 9);
    if (rh >= 999.0) {
      rh = kNaN;
    } else if (!(rh >= 0.0 && rh <= 110.0)) {
      r.fail_field(9, f[8], "is outside 0 … 110 %");
    }
    if (std::isnan(dew) && std::isnan(rh)) {
      r.fail(
          "fields 8 (dew point temperature) and 9 (relative humidity) are both missing: no "
          "humidity to compute the wet bulb from");
    }
    double pressure = r.record_number(f, 10);
    if (pressure >= 999999.0) {
      pressure = standard_atmosphere_pressure_pa(w.location.elevation_m);
      ++w.pressure_filled;
    } else if (!(pressure > 31000.0 && pressure < 120000.0)) {
      r.fail_field(10, f[9], "is outside 31000 … 120000 Pa");
    }
    double wet = 0.0;
    try {
      if (!std::isnan(dew)) {
        wet = wet_bulb_from_dew_point_c(dry, std::min(dew, dry), pressure);
      } else {
        wet = wet_bulb_from_relative_humidity_c(dry, std::min(rh / 100.0, 1.0), pressure);
        ++w.wet_bulb_from_humidity;
      }
    } catch (const std::invalid_argument& e) {
      r.fail(std::string("wet bulb: ") + e.what());
    }

    w.times_s.push_back(time_s);
    w.dry_bulb_c.push_back(dry);
    w.dew_point_c.push_back(dew);
    w.relative_humidity.push_back(std::isnan(rh) ? kNaN : rh / 100.0);
    w.pressure_pa.push_back(pressure);
    w.wet_bulb_c.push_back(wet);
  }
  if (!location_seen) throw std::runtime_error(path + ": not an EPW file (no LOCATION header)");
  if (w.times_s.empty()) throw std::runtime_error(path + ": no weather records");
  return w;
}

}  // namespace ct::thermal
