#include "power/daylight_saving.hpp"

#include <cmath>

namespace ct::power {

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t yoe = year - era * 400;                                          // [0, 399]
  const std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                     // [0, 146096]
  return era * 146097 + doe - 719468;
}

int weekday(std::int64_t days) {
  return static_cast<int>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

namespace {

std::int64_t civil_year(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (month <= 2 ? 1 : 0);
}

std::int64_t nth_sunday(std::int64_t year, int month, int n) {  // n ≥ 1
  const std::int64_t first = days_from_civil(year, month, 1);
  return first + (7 - weekday(first)) % 7 + 7 * (n - 1);
}

std::int64_t last_sunday(std::int64_t year, int month) {
  const std::int64_t last = days_from_civil(year, month + 1, 1) - 1;  // month ≤ 11 here
  return last - weekday(last);
}

}  // namespace

bool daylight_saving_active(DaylightSaving rule, double utc_offset_h, double unix_s) {
  if (rule == DaylightSaving::none) return false;
  constexpr double kDay = 86400.0, kHour = 3600.0;
  const double local_standard_s = unix_s + utc_offset_h * kHour;
  const std::int64_t year =
      civil_year(static_cast<std::int64_t>(std::floor(local_standard_s / kDay)));
  double start_s = 0.0, end_s = 0.0;  // UTC
  if (rule == DaylightSaving::us) {
    start_s = static_cast<double>(nth_sunday(year, 3, 2)) * kDay + (2.0 - utc_offset_h) * kHour;
    end_s = static_cast<double>(nth_sunday(year, 11, 1)) * kDay + (1.0 - utc_offset_h) * kHour;
  } else {
    start_s = static_cast<double>(last_sunday(year, 3)) * kDay + kHour;
    end_s = static_cast<double>(last_sunday(year, 10)) * kDay + kHour;
  }
  return unix_s >= start_s && unix_s < end_s;
}

}  // namespace ct::power
